// hls4ml 1.x configurations as config_from_keras_model writes them, against vectors made by hls4ml itself
// (../shared/reference, README there):
//   * KERAS_3layer__name_auto (granularity 'name', every layer type "auto"): `predict` reproduces
//     outputs.dat and every trace/ file byte for byte, and the types tlm4ml resolves equal manifest.json's
//     (Dense accum/result, weight, bias, activation tables, the softmax's types and its inp_norm_t);
//   * KERAS_3layer_batch_norm (model granularity): BatchNormalization stays a layer (not fused), bit for bit;
//   * the same model with "auto" Dense outputs: hls4ml's FuseBatchNormalization folds every BN into the Dense
//     before it; the fused weights are checked against bn_fuse.py's formula computed here from the .h5;
//   * the granularity='type' configurations shipped in testbenches/models/configs run with --check-ii;
//   * TableSize, InputData and ClockUncertainty change what they change in hls4ml.
// The reference config.yml names its Keras files relative to ../shared/data/example-models (not to its own
// folder, which hls4ml would not resolve either: hls4ml opens them relative to the working directory), so
// the test writes a copy with those paths made absolute.
#include <gtest/gtest.h>

#include <hdf5.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/model.h"
#include "layers/arithmetic/softmax.h"
#include "models/load_model.h"
#include "rtl_models/precision.h"
#include "tests/support/reference_vectors.h"
#include "tests/support/test_support.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const fs::path kShared = TLM4ML_SHARED_DIR;
const fs::path kExamples = kShared / "data" / "example-models";
const fs::path kReference = kShared / "reference";

using tlm4ml_test::read_text;
using tlm4ml_test::RunResult;
using tlm4ml_test::run_program;
using tlm4ml_test::shell_quote;

// hls4ml's precision spelling of a type string ("ap_fixed<37,17>" -> "fixed<37,17,TRN,WRAP,0>").
std::string hls4ml_spelling(const std::string& text) { return tlm4ml::Precision::parse(text).hls4ml_str(); }

std::vector<float> h5_floats(const fs::path& file, const std::string& dataset) {
    const hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    EXPECT_GE(f, 0) << file;
    const hid_t d = H5Dopen2(f, dataset.c_str(), H5P_DEFAULT);
    EXPECT_GE(d, 0) << dataset;
    const hid_t space = H5Dget_space(d);
    const hssize_t n = H5Sget_simple_extent_npoints(space);
    std::vector<float> v(static_cast<size_t>(n));
    H5Dread(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
    H5Sclose(space);
    H5Dclose(d);
    H5Fclose(f);
    return v;
}

class ReferenceAutoTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (!fs::is_directory(kReference / "KERAS_3layer__name_auto") || !fs::is_directory(kExamples / "keras"))
            GTEST_SKIP() << "needs " << kShared.string()
                         << " (hls4ml's KERAS_3layer__name_auto / KERAS_3layer_batch_norm vectors, example models); absent";
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        tmp_ = fs::temp_directory_path() / (std::string("tlm4ml_refauto_") + info->name() + "_" + std::to_string(::getpid()));
        fs::remove_all(tmp_);
        fs::create_directories(tmp_);
    }
    void TearDown() override {
        if (!tmp_.empty()) fs::remove_all(tmp_);
    }

    // The reference's config.yml with KerasJson / KerasH5 made absolute (they are relative to
    // ../shared/data/example-models); every other line as hls4ml wrote it.
    fs::path resolved_config(const std::string& ref, const std::string& body_override = "") {
        std::istringstream in(body_override.empty() ? read_text(kReference / ref / "config.yml") : body_override);
        std::string line, out;
        while (std::getline(in, line)) {
            for (const char* key : {"KerasJson: ", "KerasH5: "})
                if (line.rfind(key, 0) == 0) line = key + (kExamples / line.substr(std::string(key).size())).string();
            out += line + "\n";
        }
        const fs::path p = tmp_ / (ref + ".yml");
        std::ofstream(p) << out;
        return p;
    }

    int tlm4ml(const std::string& args) {
        const RunResult r = run_program(TLM4ML_BINARY, args, tmp_);
        out_ = r.out;
        err_ = r.err;
        return r.code;
    }

    // `predict` must reproduce outputs.dat and every trace file of a reference folder byte for byte.
    void expect_bit_exact(const fs::path& config, const std::string& ref) {
        tlm4ml_test::expect_predict_reproduces(config, kReference / ref, tmp_);
    }

    json import(const fs::path& config) {
        const fs::path model = tmp_ / "model.json";
        EXPECT_EQ(tlm4ml("import " + shell_quote(config.string()) + " -o " + shell_quote(model.string())), 0) << err_;
        return json::parse(read_text(model));
    }

    fs::path tmp_;
    std::string out_, err_;
};

TEST_F(ReferenceAutoTest, NameGranularityAutoReproducesHls4mlBitForBit) {
    expect_bit_exact(resolved_config("KERAS_3layer__name_auto"), "KERAS_3layer__name_auto");
}

TEST_F(ReferenceAutoTest, ResolvedTypesEqualManifest) {
    const fs::path cfg = resolved_config("KERAS_3layer__name_auto");
    const json manifest = json::parse(read_text(kReference / "KERAS_3layer__name_auto" / "manifest.json"));
    const json model = import(cfg);
    EXPECT_EQ(hls4ml_spelling(model.at("input").at("precision").get<std::string>()),
              manifest.at("inputs")[0].at("precision").get<std::string>());
    std::map<std::string, json> mine;
    for (const auto& l : model.at("layers")) mine[l.at("name").get<std::string>()] = l;
    size_t compared = 0;
    for (const auto& ml : manifest.at("layers")) {
        const std::string name = ml.at("name").get<std::string>();
        if (ml.at("class") == "Input") continue;
        ASSERT_TRUE(mine.count(name)) << "no layer " << name;
        const json& p = mine[name].at("precision");
        for (const auto& [type, text] : ml.at("types").items()) {
            if (type == "index_t") continue;  // compression only
            const std::string var = type.substr(0, type.size() - 2);
            ASSERT_TRUE(p.contains(var)) << name << " has no " << var;
            EXPECT_EQ(hls4ml_spelling(p.at(var).get<std::string>()), text.get<std::string>()) << name << "." << type;
            ++compared;
        }
    }
    EXPECT_EQ(compared, 4u * 4 + 3 * 2 + 6u);  // 4 Dense x 4, 3 ReLU x 2, softmax 6

    // The softmax's internal inp_norm_t (config struct typedef) and the exp table size hls4ml keeps.
    const tlm4ml::Model m = tlm4ml::load_model(cfg.string());
    const auto* sm = dynamic_cast<const tlm4ml::SoftmaxLayer*>(m.layers.back().get());
    ASSERT_NE(sm, nullptr);
    const json& cs = manifest.at("layers").back().at("config_structs").at("softmax_config9");
    EXPECT_EQ(sm->inp_norm_t(), tlm4ml::Precision::parse(cs.at("typedefs").at("inp_norm_t").get<std::string>()));
    EXPECT_EQ(std::to_string(sm->config().exp_table_size), cs.at("constants").at("exp_table_size").get<std::string>());
    // The degenerate table is named, with its types (issue 11 item 3).
    bool warned = false;
    for (const auto& w : m.warnings)
        if (w.find("output_softmax_softmax") != std::string::npos && w.find("ap_ufixed<37,17>") != std::string::npos)
            warned = true;
    EXPECT_TRUE(warned) << "no warning about the softmax's exp table";
}

// hls4ml turns a layer's TableSize into its table_size attribute (layers.py: every LayerName key in snake case)
// and the softmax template takes exp_table_size / inv_table_size from it (core_templates.py
// SoftmaxConfigTemplate.format, setdefault).
TEST_F(ReferenceAutoTest, TableSizeIsHonoured) {
    std::string text = read_text(kReference / "KERAS_3layer__name_auto" / "config.yml");
    const std::string from = "      TableSize: 1024\n      Implementation: stable";
    ASSERT_NE(text.find(from), std::string::npos);
    text.replace(text.find(from), from.size(), "      TableSize: 256\n      Implementation: stable");
    const tlm4ml::Model m = tlm4ml::load_model(resolved_config("KERAS_3layer__name_auto", text).string());
    const auto* sm = dynamic_cast<const tlm4ml::SoftmaxLayer*>(m.layers.back().get());
    ASSERT_NE(sm, nullptr);
    EXPECT_EQ(sm->config().exp_table_size, 256);
    EXPECT_EQ(sm->config().inv_table_size, 256);
    EXPECT_EQ(sm->exp_table().size(), 256u);
}

// InputData (hls4ml's testbench input file) feeds `run` when --inputs is not given: the KERAS_3layer
// reference's own inputs give exactly its outputs (random inputs do not). ClockUncertainty (here 60 %: 2 ns of
// the 5 ns period left to fill, instead of the profile's 27 %: 3.65 ns) enters the cost model's table (README):
// each Dense needs t_mult + ceil(log2(n_in+1))·t_add = 1 + 5..7·0.35 ns, 2.75..3.45 ns: one cycle at 3.65 ns,
// two at 2 ns; the softmax's ceil(log2 5)·t_add + t_mult = 2.05 ns likewise. Five cycles more. (Backend: Vitis
// picks the vitis profile; without it hls4ml builds with Vivado: tests/test_backend_profile.cpp.)
TEST_F(ReferenceAutoTest, InputDataAndClockUncertaintyAreHonoured) {
    const std::string body = "KerasJson: keras/KERAS_3layer.json\nKerasH5: keras/KERAS_3layer_weights.h5\n"
                             "Backend: Vitis\nClockPeriod: 5\nHLSConfig:\n  Model:\n    Precision: ap_fixed<16,6>\n"
                             "    ReuseFactor: 1\n    Strategy: Latency\n";
    const fs::path plain = resolved_config("plain", body);
    const fs::path with_data = resolved_config(
        "with_data", "InputData: " + (kReference / "KERAS_3layer" / "inputs.dat").string() + "\n" + body);
    const std::string expected = " --expected " + shell_quote((kReference / "KERAS_3layer" / "outputs.dat").string());
    ASSERT_EQ(tlm4ml("run " + shell_quote(with_data.string()) + expected + " --quiet"), 0) << err_ << out_;
    EXPECT_EQ(err_.find("no --inputs"), std::string::npos) << err_;
    EXPECT_EQ(tlm4ml("run " + shell_quote(plain.string()) + expected + " --quiet"), 3) << err_;

    auto latency = [&](const fs::path& cfg) {
        const fs::path report = tmp_ / "report.json";
        EXPECT_EQ(tlm4ml("run " + shell_quote(cfg.string()) + " --samples 5 --quiet --report " + shell_quote(report.string())),
                  0)
            << err_;
        return json::parse(read_text(report)).at("latency").at("expected_cycles").get<int64_t>();
    };
    const fs::path uncertain = resolved_config("uncertain", "ClockUncertainty: 60%\n" + body);
    EXPECT_EQ(latency(plain), 14);
    EXPECT_EQ(latency(uncertain), 19);
}

TEST_F(ReferenceAutoTest, BatchNormModelGranularityStaysUnfusedBitForBit) {
    expect_bit_exact(resolved_config("KERAS_3layer_batch_norm"), "KERAS_3layer_batch_norm");
    const json model = import(resolved_config("KERAS_3layer_batch_norm"));
    size_t bn = 0;
    for (const auto& l : model.at("layers")) bn += l.at("class") == "BatchNormalization";
    EXPECT_EQ(bn, 4u);
}

// bn_fuse.py transform(): fused_weight = scale * weight, fused_bias = scale * bias + bn_bias on float32
// arrays, with scale = gamma / sqrt(var + eps) and bn_bias = beta - scale * mean (BatchNormalization.initialize
// in hls4ml/model/layers.py); the fused values then go through hls4ml's weight route for fixed<16,6>:
// decimal text with 10 decimals, read back, floored at 2^-10.
TEST_F(ReferenceAutoTest, AutoDenseOutputFusesBatchNormAsHls4ml) {
    const std::string body =
        "KerasJson: keras/KERAS_3layer_batch_norm.json\nKerasH5: keras/KERAS_3layer_batch_norm_weights.h5\n"
        "Backend: Vivado\nClockPeriod: 5\nIOType: io_parallel\nHLSConfig:\n  Model:\n    Precision:\n"
        "      default: fixed<16,6>\n    ReuseFactor: 1\n    Strategy: Latency\n  LayerType:\n    Dense:\n"
        "      Precision:\n        result: auto\n        weight: auto\n        bias: auto\n        accum: auto\n"
        "    BatchNormalization:\n      Precision:\n        result: auto\n        scale: auto\n        bias: auto\n";
    const fs::path cfg = resolved_config("bn_auto", body);
    const json model = import(cfg);
    std::vector<std::string> names;
    for (const auto& l : model.at("layers")) names.push_back(l.at("name").get<std::string>());
    EXPECT_EQ(names, (std::vector<std::string>{"fc1_relu", "relu1", "fc2_relu", "relu2", "fc3_relu", "relu3",
                                               "output_softmax", "softmax"}));
    EXPECT_NE(err_.find("\"bn1\""), std::string::npos) << "the fusion is reported: " << err_;

    const fs::path h5 = kExamples / "keras" / "KERAS_3layer_batch_norm_weights.h5";
    auto firmware = [](float v) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.10f", static_cast<double>(v));
        return std::floor(std::strtod(buf, nullptr) * 1024.0) / 1024.0;
    };
    const json& fc1 = model.at("layers")[0];
    const std::vector<float> w = h5_floats(h5, "/fc1_relu/fc1_relu/kernel:0");
    const std::vector<float> b = h5_floats(h5, "/fc1_relu/fc1_relu/bias:0");
    const std::vector<float> gamma = h5_floats(h5, "/bn1/bn1/gamma:0"), beta = h5_floats(h5, "/bn1/bn1/beta:0");
    const std::vector<float> mean = h5_floats(h5, "/bn1/bn1/moving_mean:0");
    const std::vector<float> var = h5_floats(h5, "/bn1/bn1/moving_variance:0");
    float eps = 0;
    const json arch = json::parse(read_text(kExamples / "keras" / "KERAS_3layer_batch_norm.json"));
    const json& arch_layers = arch["config"].is_array() ? arch["config"] : arch["config"]["layers"];
    for (const auto& l : arch_layers)
        if (l["config"].value("name", "") == "bn1") eps = l["config"]["epsilon"].get<float>();
    ASSERT_GT(eps, 0.0f);
    const size_t n_out = gamma.size();
    ASSERT_EQ(n_out, 64u);
    ASSERT_EQ(w.size(), 16 * n_out);
    size_t checked = 0;
    for (size_t j = 0; j < n_out; ++j) {
        const volatile float denom = std::sqrt(var[j] + eps);
        const float scale = gamma[j] / denom;
        const volatile float sm = scale * mean[j];
        const float bn_bias = beta[j] - sm;
        const volatile float sb = scale * b[j];
        const volatile float fused_b = sb + bn_bias;
        EXPECT_EQ(fc1.at("bias")[j].get<double>(), firmware(fused_b)) << "bias " << j;
        for (size_t i = 0; i < 16; ++i) {
            const volatile float fw = scale * w[i * n_out + j];
            EXPECT_EQ(fc1.at("kernel")[i][j].get<double>(), firmware(fw)) << "kernel " << i << "," << j;
            ++checked;
        }
    }
    EXPECT_EQ(checked, 1024u);
    // The fused Dense's output is sized by infer_precision_types: 16+16+4 bits, +1 for the bias.
    EXPECT_EQ(hls4ml_spelling(fc1.at("precision").at("result").get<std::string>()), "fixed<37,17,TRN,WRAP,0>");
    // And it runs, every II checked.
    EXPECT_EQ(tlm4ml("run " + shell_quote(cfg.string()) + " --check-ii --quiet --samples 50"), 0) << err_;
}

// hls4ml/model/optimizer/passes/linear.py: EliminateLinearActivation drops a linear activation only when it
// casts nothing (input type == output type); MergeLinearActivation drops it when its parent's output is auto.
// KERAS_3layer_batch_norm's Dense layers have linear activations ("fc1_relu_linear", ...).
TEST_F(ReferenceAutoTest, LinearActivationStaysWhenItCasts) {
    const std::string head = "KerasJson: keras/KERAS_3layer_batch_norm.json\nKerasH5: keras/KERAS_3layer_batch_norm_weights.h5\n"
                             "HLSConfig:\n  Model:\n    Precision: ap_fixed<16,6>\n    ReuseFactor: 1\n  LayerName:\n";
    auto layers_of = [&](const std::string& name, const std::string& extra) {
        std::vector<std::string> v;
        const json doc = import(resolved_config(name, head + extra));
        for (const auto& l : doc.at("layers"))
            v.push_back(l.at("name").get<std::string>() + ":" + l.at("class").get<std::string>());
        return v;
    };
    // The same type as its input: removed.
    const auto same = layers_of("same", "    fc1_relu_linear:\n      Precision:\n        result: ap_fixed<16,6>\n");
    ASSERT_GT(same.size(), 2u) << err_;
    EXPECT_EQ(same[1], "bn1:BatchNormalization");
    // Another type: a cast hls4ml keeps.
    const json m = import(resolved_config("cast", head + "    fc1_relu_linear:\n      Precision:\n        result: ap_fixed<10,4>\n"));
    ASSERT_GT(m.at("layers").size(), 2u);
    EXPECT_EQ(m.at("layers")[1].at("name"), "fc1_relu_linear");
    EXPECT_EQ(m.at("layers")[1].at("activation"), "linear");
    EXPECT_EQ(m.at("layers")[1].at("precision").at("result"), "ap_fixed<10,4>");
    // An auto Dense output: merged away whatever the activation's type.
    const auto merged = layers_of("merged", "    fc1_relu:\n      Precision:\n        result: auto\n        accum: auto\n"
                                            "    fc1_relu_linear:\n      Precision:\n        result: ap_fixed<10,4>\n");
    ASSERT_GT(merged.size(), 2u) << err_;
    EXPECT_EQ(merged[1], "relu1:Activation");  // bn1 fused too (the Dense output is auto)
}

TEST_F(ReferenceAutoTest, TypeGranularityConfigsOfShippedExamplesRunWithCheckedII) {
    const fs::path configs = fs::path(TLM4ML_SOURCE_DIR) / "testbenches" / "models" / "configs";
    size_t n = 0;
    for (const auto& e : fs::directory_iterator(configs)) {
        if (e.path().filename().string().find("_type.yml") == std::string::npos) continue;
        ++n;
        EXPECT_EQ(tlm4ml("run " + shell_quote(e.path().string()) + " --check-ii --quiet --samples 50"), 0)
            << e.path() << ": " << err_;
        EXPECT_NE(out_.find("check-ii     all"), std::string::npos) << out_;
        EXPECT_NE(out_.find("reference    0 of"), std::string::npos) << out_;
    }
    EXPECT_EQ(n, 3u);  // KERAS_3layer, _binary_smaller, _ternary_small
}

}  // namespace
