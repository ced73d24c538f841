// io_stream II rules at reuse factors above 1, each as hls4ml's stream template pipelines its loop (hls4ml commit
// ef92ebdf2fc6; the rules and their pragma lines are in rtl_models/cost_model.cpp), measured by `tlm4ml run
// --check-ii` on every layer's isolated bench through the real program:
//   - element-wise activations (relu, sigmoid table) and line-buffer max pooling: "#pragma HLS PIPELINE", II 1
//     whatever R (nnet_activation_stream.h relu / sigmoid, nnet_pooling_stream.h pooling2d_cl);
//   - the line-buffer conv: "#pragma HLS PIPELINE II=CONFIG_T::reuse_factor", II R (6) per pixel;
//   - BatchNormalization: II = n_in / DIV_ROUNDUP(n_in, R) (nnet_batchnorm_stream.h normalize), 12 / 3 = 4 at R 5;
//   - softmax (stable): II = size / DIV_ROUNDUP(size, R) (softmax_stable), 10 / 3 = 3 at R 4;
//   - Dense: read every word, compute, write, then the next tensor: II = max(R, words + latency);
//   - global pooling: the same without R: words + latency.
// And the QKeras MNIST CNN configuration (../shared, ReuseFactor 16 for the model, 1 for the convs): its ReLUs and
// pooling run at II 1 and the network takes one image per 28 x 28 = 784 cycles (it was 26 x 26 x 16 = 10,816
// while they were given II = R).
#include <cmath>
#include <iostream>
#include <map>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "models/model.h"
#include "rtl_models/cost_model.h"
#include "tests/support/model_json.h"
#include "tests/support/test_support.h"

namespace {

using nlohmann::json;
using namespace tlm4ml;
using namespace tlm4ml_test;

const fs::path kShared = TLM4ML_SHARED_DIR;
const fs::path kMnistCnn = kShared / "data" / "example-models" / "qkeras_mnist_cnn_config.yml";

// 6x6x2 -> conv 3x3x3 (R 6, a valid reuse factor of its 18 x 3 kernel) -> relu (R 4) -> sigmoid (R 4) -> max
// pool 2x2 (R 4) -> BatchNorm (R 5) -> Flatten -> Dense 10 (R 4, 4 words of 3) -> softmax (R 4, one word of 10).
json chain_model() {
    return {{"name", "stream_rules"},
            {"io_type", "io_stream"},
            {"input", {{"shape", {6, 6, 2}}}},
            {"layers",
             {conv2d_layer("conv", 3, 2, 3, 6, 1),
              {{"name", "relu"}, {"class", "Activation"}, {"activation", "relu"}, {"reuse_factor", 4}},
              {{"name", "sigmoid"}, {"class", "Activation"}, {"activation", "sigmoid"}, {"reuse_factor", 4}},
              {{"name", "pool"}, {"class", "MaxPooling2D"}, {"pool_size", 2}, {"reuse_factor", 4}},
              {{"name", "bn"},
               {"class", "BatchNormalization"},
               {"scale", {0.5, -1.25, 2.0}},
               {"bias", {0.125, 0.0, -0.5}},
               {"reuse_factor", 5}},
              {{"name", "flat"}, {"class", "Flatten"}},
              dense_layer("fc", 12, 10, 4, 300),
              {{"name", "softmax"}, {"class", "Activation"}, {"activation", "softmax"}, {"reuse_factor", 4}}}}};
}

// 4x4x3 -> GlobalAveragePooling2D (R 4) -> Dense 2 (R 6, one word of 3).
json global_model() {
    return {{"name", "stream_rules_global"},
            {"io_type", "io_stream"},
            {"input", {{"shape", {4, 4, 3}}}},
            {"layers",
             {{{"name", "gpool"}, {"class", "GlobalAveragePooling2D"}, {"reuse_factor", 4}}, dense_layer("fc", 3, 2, 6, 300)}}};
}

class StreamTimingRules : public TempDirTest {
protected:
    StreamTimingRules() : TempDirTest("tlm4ml_stream_rules_") {}

    // `run MODEL --check-ii` on seeded random samples: the report's layers by name; the run must pass.
    std::map<std::string, json> run_check_ii(const std::string& model_arg, unsigned seed, json* report = nullptr) {
        std::cout << "random inputs: 4 samples, seed " << seed << "\n";
        const RunResult r = tlm4ml("run " + model_arg + " --samples 4 --seed " + std::to_string(seed) +
                                   " --check-ii --report " + at("report.json"));
        EXPECT_EQ(r.code, 0) << r.out << r.err;
        EXPECT_EQ(r.err.find("reuse"), std::string::npos) << r.err;  // every reuse factor taken as given
        EXPECT_NE(r.out.find("measured II equals expected II"), std::string::npos) << r.out;
        EXPECT_NE(r.out.find("reference    0 of 4 outputs differ"), std::string::npos) << r.out;
        std::map<std::string, json> m;
        if (!fs::exists(dir_ / "report.json")) return m;
        const json rep = json::parse(read_text(dir_ / "report.json"));
        for (const auto& l : rep["layers"]) {
            EXPECT_EQ(l["ii_check"], "pass") << l["name"];
            EXPECT_EQ(l["isolated_ii"], l["expected_ii"]) << l["name"];
            m[l["name"].get<std::string>()] = l;
        }
        if (report) *report = rep;
        return m;
    }
};

TEST_F(StreamTimingRules, ElementWiseAndPoolingRunAtOneWhateverTheReuseFactor) {
    const fs::path model = write_file("chain.json", chain_model().dump(1));
    auto l = run_check_ii(shell_quote(model.string()), 7);
    ASSERT_EQ(l.size(), 7u);  // Flatten has no module
    const std::map<std::string, int> reuse = {{"conv", 6}, {"relu", 4}, {"sigmoid", 4}, {"pool", 4},
                                              {"bn", 5},   {"fc", 4},   {"softmax", 4}};
    // The II each template's pragma gives (see the file comment), measured on the isolated bench.
    const std::map<std::string, int> ii = {{"conv", 6}, {"relu", 1}, {"sigmoid", 1}, {"pool", 1},
                                           {"bn", 4},   {"fc", 6},   {"softmax", 3}};
    for (const auto& [name, want] : ii) {
        SCOPED_TRACE(name);
        EXPECT_EQ(l[name]["reuse_factor"], reuse.at(name));
        EXPECT_EQ(l[name]["expected_ii"], want);
        EXPECT_EQ(l[name]["isolated_ii"], want);
    }
    // fc: 4 words of 3, read one per cycle, then its kernel's 2 cycles before the next tensor's words.
    EXPECT_EQ(l["fc"]["expected_latency"], 2);
    // In the network the ReLU gets a word every 6 cycles (the conv's II): nothing to measure back-to-back there.
    EXPECT_TRUE(l["relu"]["measured_ii"].is_null()) << l["relu"].dump();
}

TEST_F(StreamTimingRules, GlobalPoolingReadsEveryWordThenWritesWhateverTheReuseFactor) {
    const fs::path model = write_file("global.json", global_model().dump(1));
    auto l = run_check_ii(shell_quote(model.string()), 8);
    ASSERT_EQ(l.size(), 2u);
    // 16 pixel words, then the sum divided and written a cycle after the last: 17 (R 4 appears in no pragma).
    EXPECT_EQ(l["gpool"]["expected_latency"], 1);
    EXPECT_EQ(l["gpool"]["expected_ii"], 17);
    EXPECT_EQ(l["gpool"]["isolated_ii"], 17);
    // One word (1 cycle) + latency 2 is less than R 6: the kernel's II decides.
    EXPECT_EQ(l["fc"]["expected_ii"], 6);
    EXPECT_EQ(l["fc"]["isolated_ii"], 6);
}

TEST(StreamTimingRuleFormulas, BatchNormAndSoftmaxDivideBeforeTheyRound) {
    // n_in / DIV_ROUNDUP(n_in, R) and size / DIV_ROUNDUP(size, R): integer divisions, not R.
    const DeviceProfile p = DeviceProfile::vitis_default();
    LayerCostInputs bn;
    bn.kind = LayerCostInputs::Kind::BatchNorm;
    bn.n_in = bn.n_out = 26 * 26 * 16;
    bn.reuse_factor = 16;
    EXPECT_EQ(stream_layer_cost(bn, 16, p, 5.0).ii, 16);  // 10816 / 676
    bn.n_in = bn.n_out = 12;
    bn.reuse_factor = 5;
    EXPECT_EQ(stream_layer_cost(bn, 3, p, 5.0).ii, 4);  // 12 / 3
    bn.reuse_factor = 7;
    EXPECT_EQ(stream_layer_cost(bn, 3, p, 5.0).ii, 6);  // 12 / 2
    LayerCostInputs sm;
    sm.kind = LayerCostInputs::Kind::Softmax;
    sm.n_in = sm.n_out = 10;
    sm.reuse_factor = 4;
    sm.softmax_ii_from_reuse = true;  // stable / latency
    EXPECT_EQ(stream_layer_cost(sm, 10, p, 5.0).ii, 3);  // 10 / 4
    sm.reuse_factor = 3;
    EXPECT_EQ(stream_layer_cost(sm, 10, p, 5.0).ii, 2);  // 10 / 4
    sm.softmax_ii_from_reuse = false;  // legacy / argmax: PIPELINE without II
    EXPECT_EQ(stream_layer_cost(sm, 10, p, 5.0).ii, 1);
    // Activations of every kind and BatchNormalizationQuantizedTanh's thresholds: 1.
    for (auto kind : {LayerCostInputs::Kind::Activation, LayerCostInputs::Kind::TableActivation,
                      LayerCostInputs::Kind::Threshold}) {
        LayerCostInputs a;
        a.kind = kind;
        a.n_in = a.n_out = 64;
        a.reuse_factor = 16;
        EXPECT_EQ(stream_layer_cost(a, 4, p, 5.0).ii, 1);
    }
}

TEST_F(StreamTimingRules, QKerasMnistCnnReluAndPoolingAtOneAndTheNetworkAtItsInputRate) {
    if (!fs::exists(kMnistCnn)) GTEST_SKIP() << "needs " << kMnistCnn.string() << "; absent";
    json rep;
    auto l = run_check_ii(shell_quote(kMnistCnn.string()), 3, &rep);
    ASSERT_EQ(l.size(), 10u);
    // The model's ReuseFactor 16 reaches the conv activations and the pooling layers; their templates ignore it.
    for (const char* name : {"q_conv2d_relu", "max_pooling2d", "q_conv2d_1_relu", "max_pooling2d_1"}) {
        SCOPED_TRACE(name);
        EXPECT_EQ(l[name]["reuse_factor"], 16);
        EXPECT_EQ(l[name]["expected_ii"], 1);
        EXPECT_EQ(l[name]["isolated_ii"], 1);
    }
    // The first ReLU and pooling see the conv's pixels back-to-back (conv R 1): measured at 1 in the network too.
    EXPECT_EQ(l["q_conv2d_relu"]["measured_ii"], 1);
    EXPECT_EQ(l["max_pooling2d"]["measured_ii"], 1);
    // q_dense reads 5x5 pixel words, computes, then reads the next image's. The config's Backend: Vivado picks the
    // vivado2019 profile: 12.5% uncertainty leaves 4.375 ns, enough for the product and the 9-level adder tree
    // of its 400 inputs (1 + 9 x 0.35 ns), and no layer output register: 1 cycle (Vitis' profile: 2 + 1).
    EXPECT_EQ(rep["device_profile"], "vivado-2019.2-200MHz");
    EXPECT_EQ(l["q_dense"]["expected_ii"], 25 + 1);
    // Every layer now keeps up with the input, one 28x28 pixel per cycle.
    EXPECT_EQ(rep["ii"]["steady_state"].get<double>(), 28.0 * 28.0);
}

}  // namespace
