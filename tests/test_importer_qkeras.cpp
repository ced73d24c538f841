// QKeras in the importer (models/qkeras.*): quantizer -> hls4ml type mapping, QKeras weight values,
// the weight_exponential (po2) product against a naive reference, the MNIST idx reader and `tlm4ml run
// --mnist` on the QKeras MNIST model. Tests needing ../shared skip with a message when it is absent.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "layers/dense.h"
#include "layers/model.h"
#include "models/mnist_idx.h"
#include "models/qkeras.h"

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

TEST(QKerasImport, MnistDenseAccuracy) {
    NEED_SHARED();
    const CmdResult r = tlm4ml_cmd("run '" + (kModels / "qkeras_mnist_dense_config.yml").string() + "' --mnist '" +
                             kMnist.string() + "' --samples 1000 --quiet");
    ASSERT_EQ(r.rc, 0) << r.err;
    std::smatch m;
    const std::regex pattern("accuracy +([0-9.]+) over 1000 ");
    const bool found = std::regex_search(r.out, m, pattern);
    ASSERT_TRUE(found) << r.out;
    const double acc = std::stod(m[1]);
    std::cout << "qkeras_mnist_dense accuracy over the first 1000 test images: " << acc << "\n";
    EXPECT_GT(acc, 0.80);
}

TEST(QKerasImport, MnistMissingFolderIsNamed) {
    NEED_SHARED();
    const CmdResult r = tlm4ml_cmd("run '" + (kModels / "qkeras_mnist_dense_config.yml").string() +
                             "' --mnist /nonexistent/mnist --samples 10");
    EXPECT_EQ(r.rc, 1);
    EXPECT_NE(r.err.find("/nonexistent/mnist/t10k-images-idx3-ubyte.gz"), std::string::npos) << r.err;
}
