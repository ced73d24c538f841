// hls4ml's `auto` types for the cases ../shared/reference has no vectors for (conv, pooling, merges, batch
// norm, no bias, Model.Precision.maximum), each expected value worked out by hand from
// hls4ml/model/optimizer/passes/infer_precision.py (hls4ml commit ef92ebdf2fc6) -- the function named in
// each test -- not from tlm4ml's code; then the hls4ml 1.x YAML keys (TableSize, Trace, BramFactor, Skip,
// ClockUncertainty, InputData / OutputPredictions, Backend) as the configuration reader takes them.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "models/model.h"
#include "models/passes/bn_fuse.h"
#include "models/hls4ml/hls4ml_config.h"
#include "models/passes/infer_precision.h"

namespace fs = std::filesystem;
using nlohmann::json;
using tlm4ml::Precision;

namespace {

const Precision kDefault = Precision::fixed(16, 6);

// A model document with the input type `in` and the given layers; returns the resolved "precision" of each.
json resolve(const std::string& in, json layers, const std::optional<Precision>& maximum = std::nullopt) {
    json m = {{"input", {{"name", "x"}, {"precision", in}, {"shape", {4}}}}, {"layers", std::move(layers)}};
    tlm4ml::infer_precision_types(m, kDefault, maximum, "test.yml");
    json out = json::array();
    for (const auto& l : m["layers"]) out.push_back(l.value("precision", json::object()));
    return out;
}

json kernel(std::vector<size_t> shape) {
    json k = 0.0;
    for (auto it = shape.rbegin(); it != shape.rend(); ++it) k = json::array_t(*it, k);
    return k;
}

TEST(AutoPrecision, DenseWithBias) {
    // _infer_common_precision: n_ops = n_in = 16 (+4 bits); 16+16+4 = 36 bits, 6+6+4 = 16 integer bits;
    // the signed fixed<16,6> bias: integer max(16, 6) + 1 = 17, width 17 + max(20, 10) = 37.
    const json p = resolve("ap_fixed<16,6>", {{{"name", "d"}, {"class", "Dense"}, {"kernel", kernel({16, 3})},
                                              {"precision", {{"weight", "ap_fixed<16,6>"}, {"bias", "ap_fixed<16,6>"},
                                                             {"accum", "auto"}, {"result", "auto"}}}}});
    EXPECT_EQ(p[0]["accum"], "ap_fixed<37,17>");
    EXPECT_EQ(p[0]["result"], "ap_fixed<37,17>");
}

TEST(AutoPrecision, DenseWithoutBiasUsesHls4mlsUint1Bias) {
    // layers.py add_bias: no bias -> zeros typed uint<1>. n_in 10 (+4): ufixed<8,2> x fixed<6,1>:
    // width 8+6+4 = 18, integer 2+1+4 = 7, signed; bias uint<1>: integer max(7, 1+1) + 1 = 8,
    // width 8 + max(11, 0) = 19.
    const json p = resolve("ap_ufixed<8,2>", {{{"name", "d"}, {"class", "Dense"}, {"use_bias", false},
                                              {"kernel", kernel({10, 2})},
                                              {"precision", {{"weight", "ap_fixed<6,1>"}, {"bias", "ap_fixed<16,6>"},
                                                             {"accum", "auto"}, {"result", "auto"}}}}});
    EXPECT_EQ(p[0]["result"], "ap_fixed<19,8>");
}

TEST(AutoPrecision, Conv2DCountsKernelAreaTimesChannels) {
    // _infer_conv_precision: n_ops = n_chan * filt_h * filt_w = 4*3*3 = 36 (+6 bits): 16+8+6 = 30 bits,
    // 6+3+6 = 15 integer; bias fixed<8,3>: integer 16, width 16 + max(15, 5) = 31.
    const json p = resolve("ap_fixed<16,6>", {{{"name", "c"}, {"class", "Conv2D"}, {"kernel", kernel({3, 3, 4, 2})},
                                              {"precision", {{"weight", "ap_fixed<8,3>"}, {"bias", "ap_fixed<8,3>"},
                                                             {"accum", "auto"}, {"result", "auto"}}}}});
    EXPECT_EQ(p[0]["accum"], "ap_fixed<31,16>");
    EXPECT_EQ(p[0]["result"], "ap_fixed<31,16>");
}

TEST(AutoPrecision, MaximumCapsWidthAndIntegerBits) {
    // The same Dense as DenseWithBias with Model.Precision.maximum fixed<24,10>: min(37, 24), min(17, 10).
    const json p = resolve("ap_fixed<16,6>",
                           {{{"name", "d"}, {"class", "Dense"}, {"kernel", kernel({16, 3})},
                             {"precision", {{"weight", "ap_fixed<16,6>"}, {"bias", "ap_fixed<16,6>"}, {"accum", "auto"},
                                            {"result", "auto"}}}}},
                           Precision::fixed(24, 10));
    EXPECT_EQ(p[0]["result"], "ap_fixed<24,10>");
}

TEST(AutoPrecision, BatchNormalization) {
    // _infer_bn_precision: fixed<16,6> x fixed<16,6> = 32 bits, 12 integer; + fixed<16,6> bias:
    // integer max(12, 6) + 1 = 13, width 13 + max(20, 10) = 33.
    const json p = resolve("ap_fixed<16,6>", {{{"name", "bn"}, {"class", "BatchNormalization"},
                                              {"precision", {{"scale", "ap_fixed<16,6>"}, {"bias", "ap_fixed<16,6>"},
                                                             {"result", "auto"}}}}});
    EXPECT_EQ(p[0]["result"], "ap_fixed<33,13>");
}

TEST(AutoPrecision, Pooling) {
    // _infer_pooling_precision: average over 3x3 = 9 -> 4 extra bits: accum fixed<16+8, 6+4>; max: the
    // input type, modes included; result: the input type. Global pooling is not in _infer_precision's
    // list: the model default.
    const json p = resolve("ap_fixed<10,4,AP_RND,AP_SAT>",
                           {{{"name", "a"}, {"class", "AveragePooling2D"}, {"pool_size", {3, 3}},
                             {"precision", {{"accum", "auto"}, {"result", "auto"}}}},
                            {{"name", "m"}, {"class", "MaxPooling2D"}, {"pool_size", {2, 2}},
                             {"precision", {{"accum", "auto"}, {"result", "auto"}}}},
                            {{"name", "g"}, {"class", "GlobalAveragePooling2D"},
                             {"precision", {{"accum", "auto"}, {"result", "auto"}}}}});
    EXPECT_EQ(p[0]["accum"], "ap_fixed<18,8>");
    EXPECT_EQ(p[0]["result"], "ap_fixed<10,4,AP_RND,AP_SAT,0>");
    EXPECT_EQ(p[1]["accum"], "ap_fixed<10,4,AP_RND,AP_SAT,0>");
    EXPECT_EQ(p[1]["result"], "ap_fixed<10,4,AP_RND,AP_SAT,0>");
    EXPECT_EQ(p[2]["accum"], "ap_fixed<16,6>");
    EXPECT_EQ(p[2]["result"], "ap_fixed<16,6>");
}

// Two producers of different types feeding one merge: an unsigned ReLU output ufixed<8,3> ("a") and the
// input fixed<10,4> ("x").
json merged(const std::string& cls) {
    return resolve("ap_fixed<10,4>", {{{"name", "a"}, {"class", "Activation"}, {"activation", "relu"},
                                       {"precision", {{"result", "ap_ufixed<8,3>"}}}},
                                      {{"name", "m"}, {"class", cls}, {"inputs", {"a", "x"}},
                                       {"precision", {{"result", "auto"}}}}})[1]["result"];
}

TEST(AutoPrecision, Merges) {
    // _infer_merge_precision, add: signed; integer max(3 + 1, 4) + 1 = 5; width 5 + max(5, 6) = 11.
    EXPECT_EQ(merged("Add"), "ap_fixed<11,5>");
    EXPECT_EQ(merged("Average"), "ap_fixed<11,5>");
    EXPECT_EQ(merged("Subtract"), "ap_fixed<11,5>");
    // multiply: widths and integer bits add.
    EXPECT_EQ(merged("Multiply"), "ap_fixed<18,7>");
    // maximum / minimum: integer max(3 + 1, 4) = 4, width max(5, 6) + 4 = 10.
    EXPECT_EQ(merged("Maximum"), "ap_fixed<10,4>");
    EXPECT_EQ(merged("Minimum"), "ap_fixed<10,4>");
    // _infer_cat_precision: as maximum, and the first non-default mode of either input.
    EXPECT_EQ(merged("Concatenate"), "ap_fixed<10,4>");
    // Subtract of two unsigned inputs is signed anyway: integer 3 + 1 = 4, width 4 + 5 = 9.
    const json p = resolve("ap_ufixed<8,3>", {{{"name", "s"}, {"class", "Subtract"}, {"inputs", {"x", "x"}},
                                              {"precision", {{"result", "auto"}}}}});
    EXPECT_EQ(p[0]["result"], "ap_fixed<9,4>");
    const json c = resolve("ap_fixed<8,3,AP_RND,AP_SAT>",
                           {{{"name", "a"}, {"class", "Activation"}, {"activation", "relu"},
                             {"precision", {{"result", "ap_fixed<10,4>"}}}},
                            {{"name", "c"}, {"class", "Concatenate"}, {"inputs", {"x", "a"}},
                             {"precision", {{"result", "auto"}}}}});
    EXPECT_EQ(c[1]["result"], "ap_fixed<10,4,AP_RND,AP_SAT,0>");
}

TEST(AutoPrecision, ActivationsAndSoftmaxTakeTheModelDefault) {
    // Activation and Softmax are not in _infer_precision's list: _infer_default_type.
    const json p = resolve("ap_fixed<30,12>", {{{"name", "r"}, {"class", "Activation"}, {"activation", "relu"},
                                               {"precision", {{"result", "auto"}}}},
                                              {{"name", "s"}, {"class", "Softmax"},
                                               {"precision", {{"result", "auto"}, {"accum", "auto"}}}}});
    EXPECT_EQ(p[0]["result"], "ap_fixed<16,6>");
    EXPECT_EQ(p[1]["result"], "ap_fixed<16,6>");
    EXPECT_EQ(p[1]["accum"], "ap_fixed<16,6>");
}

TEST(AutoPrecision, FlattenPassesItsInputTypeOn) {
    const json p = resolve("ap_fixed<12,4>", {{{"name", "f"}, {"class", "Flatten"}},
                                              {{"name", "p"}, {"class", "MaxPooling1D"}, {"pool_size", {2}},
                                               {"precision", {{"accum", "auto"}, {"result", "auto"}}}}});
    EXPECT_EQ(p[1]["result"], "ap_fixed<12,4>");
}

TEST(FuseBatchNorm, WhenHls4mlFuses) {
    tlm4ml::BatchNormFuseFacts f;
    f.parent_is_dense_or_conv = f.parent_result_auto = f.parent_single_reader = true;
    EXPECT_TRUE(tlm4ml::batchnorm_fuses(f));
    f.parent_result_auto = false;  // explicit Dense output type (granularity 'model'): never
    EXPECT_FALSE(tlm4ml::batchnorm_fuses(f));
    f.parent_result_auto = true;
    f.weight_quantizer = true;  // a quantized kernel fuses only with a BN scale of 1
    EXPECT_FALSE(tlm4ml::batchnorm_fuses(f));
    f.scale_all_ones = true;
    EXPECT_TRUE(tlm4ml::batchnorm_fuses(f));
    f.parent_single_reader = false;
    EXPECT_FALSE(tlm4ml::batchnorm_fuses(f));
}

TEST(FuseBatchNorm, Float32Arithmetic) {
    // 0.1f * 3.0f rounds to float32 once; the bias is a product then a sum, both rounded to float32.
    const auto r = tlm4ml::fuse_batchnorm_weights({3.0, 1.0}, {0.5}, {0.1f}, {0.25f});
    EXPECT_EQ(r.kernel[0], static_cast<double>(0.1f * 3.0f));
    EXPECT_EQ(r.kernel[1], static_cast<double>(0.1f));
    EXPECT_EQ(r.bias[0], static_cast<double>(static_cast<float>(0.1f * 0.5f) + 0.25f));
    const auto nb = tlm4ml::fuse_batchnorm_weights({3.0}, {}, {2.0f}, {-1.5f});  // no bias: zeros
    EXPECT_EQ(nb.bias[0], -1.5);
}

class Hls4mlKeysTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("tlm4ml_keys_" + std::to_string(::getpid()));
        fs::create_directories(dir_ / "sub");
    }
    void TearDown() override { fs::remove_all(dir_); }
    fs::path write(const std::string& top, const std::string& layer = "") {
        const fs::path p = dir_ / "sub" / "c.yml";
        std::ofstream(p) << "KerasJson: m.json\nKerasH5: m.h5\n" << top
                         << "HLSConfig:\n  Model:\n    Precision:\n      default: fixed<16,6>\n      maximum: fixed<24,10>\n"
                            "    ReuseFactor: 1\n    BramFactor: 1000000000\n    TraceOutput: false\n"
                         << layer;
        return p;
    }
    std::string error(const fs::path& p) {
        try {
            tlm4ml::read_hls4ml_config(p.string());
        } catch (const tlm4ml::ModelError& e) {
            return e.what();
        }
        return "";
    }
    fs::path dir_;
};

TEST_F(Hls4mlKeysTest, Hls4ml1xKeysAreAccepted) {
    const auto c = tlm4ml::read_hls4ml_config(
        write("Backend: Vitis\nClockPeriod: 4\nClockUncertainty: 12.5%\nInputData: tb/in.dat\n"
              "OutputPredictions: ../out.dat\n",
              "  LayerName:\n    fc1:\n      Trace: true\n      TableSize: 2048\n      exp_table_size: 512\n"
              "      Precision:\n        result: auto\n    sm:\n      Skip: false\n      Implementation: stable\n"
              "      InvTableSize: 256\n")
            .string());
    EXPECT_EQ(c.backend, "Vitis");
    ASSERT_TRUE(c.clock_uncertainty);
    EXPECT_DOUBLE_EQ(*c.clock_uncertainty, 0.125);
    EXPECT_EQ(c.input_data, (dir_ / "sub" / "tb" / "in.dat").string());
    EXPECT_EQ(c.output_predictions, (dir_ / "out.dat").string());
    EXPECT_EQ(c.setting("fc1", {}, "table_size"), "2048");  // TableSize is table_size, as in hls4ml
    EXPECT_EQ(c.setting("fc1", {}, "exp_table_size"), "512");
    EXPECT_EQ(c.setting("sm", {}, "inv_table_size"), "256");
    EXPECT_EQ(c.setting("sm", {}, "implementation"), "stable");
    EXPECT_EQ(c.model.precision.at("maximum"), "fixed<24,10>");
}

TEST_F(Hls4mlKeysTest, ClockUncertaintyInNanoseconds) {
    const auto c = tlm4ml::read_hls4ml_config(write("ClockPeriod: 5\nClockUncertainty: 1.25\n").string());
    EXPECT_DOUBLE_EQ(*c.clock_uncertainty, 0.25);
}

TEST_F(Hls4mlKeysTest, BadValuesAreRefusedByName) {
    const std::string e1 = error(write("ClockUncertainty: lots\n"));
    EXPECT_NE(e1.find("ClockUncertainty"), std::string::npos) << e1;
    EXPECT_NE(e1.find("c.yml"), std::string::npos) << e1;
    const std::string e2 = error(write("", "  LayerName:\n    sm:\n      Skip: true\n"));
    EXPECT_NE(e2.find("HLSConfig.LayerName.sm.Skip"), std::string::npos) << e2;
    const std::string e3 = error(write("", "  LayerName:\n    sm:\n      TabelSize: 4\n"));
    EXPECT_NE(e3.find("HLSConfig.LayerName.sm.TabelSize: unknown key"), std::string::npos) << e3;
    const std::string e4 = error(write("", "  LayerName:\n    sm:\n      Trace: maybe\n"));
    EXPECT_NE(e4.find("HLSConfig.LayerName.sm.Trace"), std::string::npos) << e4;
    const std::string e5 = error(write("Backend: Quartus\n"));
    EXPECT_NE(e5.find("Backend"), std::string::npos) << e5;
}

TEST(AutoPrecisionSpelling, AutoIsCaseInsensitive) {
    EXPECT_TRUE(tlm4ml::is_auto_precision("auto"));
    EXPECT_TRUE(tlm4ml::is_auto_precision(" AUTO "));
    EXPECT_FALSE(tlm4ml::is_auto_precision("fixed<16,6>"));
}

}  // namespace
