// QKeras in the importer (models/keras/qkeras.*): quantizer -> hls4ml type mapping, QKeras weight values,
// the weight_exponential (po2) product against a naive reference, the MNIST idx reader and `tlm4ml run
// --mnist` on the QKeras MNIST model. Tests needing ../shared skip with a message when it is absent.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "layers/arithmetic/dense.h"
#include "models/model.h"
#include "testbenches/data/mnist_idx.h"
#include "models/keras/qkeras.h"
#include "tests/support/numbers_in_text.h"

namespace fs = std::filesystem;
using namespace tlm4ml;

namespace {

const fs::path kShared = TLM4ML_SHARED_DIR;
const fs::path kModels = kShared / "data" / "example-models";
const fs::path kMnist = kShared / "data" / "mnist";

std::string read_text(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}

struct CmdResult {
    int rc;
    std::string out, err;
};

CmdResult tlm4ml_cmd(const std::string& args) {
    const fs::path dir = fs::temp_directory_path() / ("tlm4ml_qkeras_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const std::string cmd = std::string("'") + TLM4ML_BINARY + "' " + args + " >'" + (dir / "o").string() + "' 2>'" +
                            (dir / "e").string() + "'";
    const int st = std::system(cmd.c_str());
    CmdResult r{(st == -1 || !WIFEXITED(st)) ? -1 : WEXITSTATUS(st), read_text(dir / "o"), read_text(dir / "e")};
    fs::remove_all(dir);
    return r;
}

#define NEED_SHARED()                                                                                      \
    if (!fs::is_directory(kModels) || !fs::is_directory(kMnist))                                          \
    GTEST_SKIP() << "needs " << kShared.string() << "/data (QKeras example models, MNIST); absent"

}  // namespace

TEST(QKerasQuantizers, MapToHls4mlPrecisions) {
    EXPECT_EQ(weight_precision(parse_quantizer("quantized_bits(6,0,alpha=1)", "t"), "t"), "ap_fixed<6,1>");
    EXPECT_EQ(weight_precision(parse_quantizer("quantized_bits(4,0,1,alpha=1)", "t"), "t"), "ap_fixed<4,1>");
    EXPECT_EQ(weight_precision(parse_quantizer("quantized_bits(8,8)", "t"), "t"), "ap_int<8>");
    EXPECT_EQ(weight_precision(parse_quantizer("quantized_po2(4,1)", "t"), "t"), "ap_int<4>");
    EXPECT_EQ(weight_precision(parse_quantizer("binary()", "t"), "t"), "ap_uint<1>");
    EXPECT_EQ(weight_precision(parse_quantizer("ternary(threshold=0.5)", "t"), "t"), "ap_int<2>");
    EXPECT_EQ(activation_precision(parse_quantizer("quantized_relu(2)", "t"), "t"), "ap_ufixed<2,0,AP_RND_CONV,AP_SAT>");
    EXPECT_EQ(activation_precision(parse_quantizer("quantized_relu(3,1)", "t"), "t"), "ap_ufixed<3,1,AP_RND_CONV,AP_SAT>");
    EXPECT_EQ(activation_precision(parse_quantizer("quantized_bits(6,2)", "t"), "t"), "ap_fixed<6,3,AP_RND_CONV,AP_SAT>");
    const nlohmann::json obj = {{"class_name", "quantized_bits"},
                                {"config", {{"bits", 6}, {"integer", 0}, {"alpha", 1}, {"symmetric", 0}}}};
    EXPECT_EQ(weight_precision(parse_quantizer(obj, "t"), "t"), "ap_fixed<6,1>");
    EXPECT_THROW(parse_quantizer("quantized_bits(4,0,alpha='auto_po2')", "t"), ModelError);
    EXPECT_THROW(parse_quantizer("quantized_tanh(4)", "t"), ModelError);
}

TEST(QKerasQuantizers, WeightValues) {
    const auto qb = parse_quantizer("quantized_bits(4,0,1,alpha=1)", "t");  // symmetric: [-0.875, 0.875]
    EXPECT_EQ(qkeras_quantize(qb, 0.3), 0.25);
    EXPECT_EQ(qkeras_quantize(qb, 0.0625), 0.0);  // tie to even
    EXPECT_EQ(qkeras_quantize(qb, 0.1875), 0.25);
    EXPECT_EQ(qkeras_quantize(qb, -5.0), -0.875);
    EXPECT_EQ(qkeras_quantize(parse_quantizer("quantized_bits(4,0)", "t"), -5.0), -1.0);
    const auto po2 = parse_quantizer("quantized_po2(4,1)", "t");  // exponents -8..7, |x| clipped to 1
    EXPECT_EQ(po2_exponent_range(po2), (std::pair<int, int>{-8, 7}));
    EXPECT_EQ(qkeras_quantize(po2, 0.3), 0.25);
    EXPECT_EQ(qkeras_quantize(po2, -0.37), -0.5);  // log2 0.37 = -1.43 -> -1
    EXPECT_EQ(qkeras_quantize(po2, 5.0), 1.0);
    EXPECT_EQ(qkeras_quantize(po2, 0.0), std::ldexp(1.0, -8));
    EXPECT_EQ(qkeras_quantize(po2, 1e-4), std::ldexp(1.0, -8));
    EXPECT_EQ(po2_exponent_range(parse_quantizer("quantized_po2(4)", "t")), (std::pair<int, int>{-4, 3}));
}

TEST(QKerasPo2, ProductMatchesNaiveReference) {
    DenseConfig c;
    c.n_in = 6;
    c.n_out = 3;
    c.data_t = Precision::parse("ap_fixed<8,3>");
    c.weight_t = Precision::parse("ap_int<4>");
    c.bias_t = Precision::parse("ap_fixed<8,3>");
    c.accum_t = Precision::parse("ap_fixed<18,8>");
    c.result_t = Precision::parse("ap_fixed<16,8>");
    c.weight_exponential = true;
    const int exps[18] = {-8, -3, 0, 2, 2, -1, 0, -5, 1, 0, -8, -7, -2, 1, -6, 2, -4, 1};  // no overflow
    for (int k = 0; k < 18; ++k) {
        c.weights.push_back(exps[k]);
        c.weight_negative.push_back(k % 3 == 1 ? 1 : 0);
    }
    c.biases = {5, -17, 0};
    const DenseConfig keep = c;
    const DenseLayer d("po2", std::move(c));
    EXPECT_EQ(d.product_kind(), ProductKind::WeightExponential);
    const int64_t in[6] = {-128, 127, 33, -7, 1, 64};
    int64_t out[3];
    d.compute(in, out);
    for (size_t j = 0; j < 3; ++j) {
        // Naive: real products a*2^e floored to accum_t's grid, summed with the bias, floored into result_t.
        const double lsb_acc = std::ldexp(1.0, -keep.accum_t.frac());
        double acc = keep.bias_t.to_double(keep.biases[j]);
        for (size_t i = 0; i < 6; ++i) {
            const double w = std::ldexp(keep.weight_negative[i * 3 + j] ? -1.0 : 1.0, static_cast<int>(keep.weights[i * 3 + j]));
            acc += std::floor(keep.data_t.to_double(in[i]) * w / lsb_acc) * lsb_acc;
        }
        const double lsb_res = std::ldexp(1.0, -keep.result_t.frac());
        EXPECT_EQ(keep.result_t.to_double(out[j]), std::floor(acc / lsb_res) * lsb_res) << "output " << j;
    }
}

TEST(MnistIdx, ReadsTheTestSet) {
    NEED_SHARED();
    const IdxImages im = read_idx_images(mnist_file(kMnist.string(), "t10k-images-idx3-ubyte"));
    EXPECT_EQ(im.count, 10000u);
    EXPECT_EQ(im.rows, 28u);
    EXPECT_EQ(im.cols, 28u);
    EXPECT_EQ(im.pixels.size(), 10000u * 784u);
    const auto labels = read_idx_labels(mnist_file(kMnist.string(), "t10k-labels-idx1-ubyte"));
    ASSERT_EQ(labels.size(), 10000u);
    EXPECT_EQ(labels[0], 7);
    // A label file is not an image file (magic 2049 vs 2051), and a missing file is named.
    try {
        read_idx_images((kMnist / "t10k-labels-idx1-ubyte.gz").string());
        FAIL() << "no error";
    } catch (const ModelError& e) {
        EXPECT_NE(std::string(e.what()).find("2051"), std::string::npos) << e.what();
    }
    EXPECT_THROW(read_idx_labels("/nonexistent/t10k-labels-idx1-ubyte.gz"), ModelError);
}

TEST(QKerasImport, ThreeLayerRunsAndMatchesPredict) {
    NEED_SHARED();
    const std::string cfg = (kModels / "qkeras_3layer_config.yml").string();
    const fs::path tmp = fs::temp_directory_path() / ("tlm4ml_q3_" + std::to_string(::getpid()));
    fs::create_directories(tmp);
    {
        std::ofstream f(tmp / "in.dat");
        for (int s = 0; s < 20; ++s) {
            for (int i = 0; i < 16; ++i) f << (i ? " " : "") << ((s * 37 + i * 11) % 64 - 32) / 8.0;
            f << "\n";
        }
    }
    const CmdResult run = tlm4ml_cmd("run '" + cfg + "' --check-ii --inputs '" + (tmp / "in.dat").string() + "' --outputs '" +
                               (tmp / "run.dat").string() + "'");
    EXPECT_EQ(run.rc, 0) << run.err;
    const CmdResult pred = tlm4ml_cmd("predict '" + cfg + "' --inputs '" + (tmp / "in.dat").string() + "' --outputs '" +
                                (tmp / "pred.dat").string() + "'");
    EXPECT_EQ(pred.rc, 0) << pred.err;
    EXPECT_FALSE(read_text(tmp / "run.dat").empty());
    EXPECT_EQ(read_text(tmp / "run.dat"), read_text(tmp / "pred.dat"));
    fs::remove_all(tmp);
}

// qkeras_mnist_dense_config.yml gives its QActivations ap_fixed<3,1> and ap_fixed<4,2> without modes. hls4ml
// 1.x builds them as written (TRN, WRAP: hls4ml/model/layers.py Activation.initialize takes the result type
// from the configuration, never from the quantizer), so a ReLU output of 1.0 wraps to -1 and the firmware
// scores about 14 %; tlm4ml computes the same and warns, naming the quantizer's type. The same configuration
// with the quantizer's modes written out (what config_from_keras_model(granularity='name') writes) scores
// as QKeras does.
double mnist_accuracy(const fs::path& config, const std::string& needle_in_stderr) {
    const CmdResult r = tlm4ml_cmd("run '" + config.string() + "' --mnist '" + kMnist.string() + "' --samples 1000 --quiet");
    EXPECT_EQ(r.rc, 0) << r.err;
    if (!needle_in_stderr.empty()) {
        EXPECT_NE(r.err.find(needle_in_stderr), std::string::npos) << r.err;
    }
    const std::string accuracy = tlm4ml_test::accuracy_over(r.out, 1000);
    if (accuracy.empty()) {
        ADD_FAILURE() << r.out;
        return -1;
    }
    return std::stod(accuracy);
}

TEST(QKerasImport, MnistDenseAccuracy) {
    NEED_SHARED();
    const fs::path original = kModels / "qkeras_mnist_dense_config.yml";
    const double as_written = mnist_accuracy(
        original, "layer \"q_activation_2\" (class QActivation): QKeras computes this activation in "
                  "ap_ufixed<2,0,AP_RND_CONV,AP_SAT> (the quantizer's type), but hls4ml's firmware, and tlm4ml, use "
                  "ap_fixed<3,1>");
    std::cout << "qkeras_mnist_dense accuracy, types as configured (TRN, WRAP): " << as_written << "\n";
    EXPECT_LT(as_written, 0.3);

    std::ifstream in(original);
    std::stringstream text;
    text << in.rdbuf();
    std::string cfg = text.str();
    for (const std::string t : {"ap_fixed<3,1>", "ap_fixed<4,2>"})
        cfg.replace(cfg.find("result: " + t), 8 + t.size(), "result: " + t.substr(0, t.size() - 1) + ",AP_RND_CONV,AP_SAT>");
    const fs::path tmp = fs::temp_directory_path() / ("tlm4ml_mnist_modes_" + std::to_string(::getpid()));
    fs::create_directories(tmp);
    // Same folder layout as the original (KerasJson relative to the configuration): absolute paths instead.
    for (const char* key : {"KerasJson:", "KerasH5:"}) {
        const size_t at = cfg.find(key);
        ASSERT_NE(at, std::string::npos);
        const size_t value = cfg.find_first_not_of(' ', at + std::string(key).size());
        cfg.insert(value, (kModels.string() + "/"));
    }
    std::ofstream(tmp / "modes.yml") << cfg;
    const double with_rnd_sat = mnist_accuracy(tmp / "modes.yml", "");
    fs::remove_all(tmp);
    std::cout << "qkeras_mnist_dense accuracy, AP_RND_CONV + AP_SAT: " << with_rnd_sat << "\n";
    EXPECT_GT(with_rnd_sat, 0.80);
}

TEST(QKerasImport, MnistMissingFolderIsNamed) {
    NEED_SHARED();
    const CmdResult r = tlm4ml_cmd("run '" + (kModels / "qkeras_mnist_dense_config.yml").string() +
                             "' --mnist /nonexistent/mnist --samples 10");
    EXPECT_EQ(r.rc, 1);
    EXPECT_NE(r.err.find("/nonexistent/mnist/t10k-images-idx3-ubyte.gz"), std::string::npos) << r.err;
}
