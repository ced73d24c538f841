// Dense -> BatchNormalization -> binary_tanh: which of hls4ml's two passes takes the BatchNormalization.
// hls4ml's default flow (hls4ml commit ef92ebdf2fc6) runs the 'convert' flow (model/optimizer/__init__.py:
// 'fuse_batch_normalization', then 'infer_precision_types') before the backend's 'quantization' flow
// (backends/vivado/vivado_backend.py _register_flows: 'vivado:merge_batch_norm_quantized_tanh'), because the
// 'ip' flow requires 'optimize', which requires 'convert', before init_layers and quantization. So:
//   * Dense result `auto` (granularity 'name' / 'type'): FuseBatchNormalization's match() accepts the pair (the
//     Dense output type is unspecified, no quantizers), the BN is folded into the Dense, and the quantization
//     flow later finds a binary_tanh reading a Dense: no bnbt_ layer, the tanh stays an activation;
//   * Dense result explicit (granularity 'model'): nothing fuses, and merge_batch_norm_quantized_tanh makes
//     bnbt_bn.
// The fixture is written here with exact dyadic values (epsilon 0 and variance 4: scale = gamma / 2) so that
// the fused float32 weights are exact and the oracle is the sign of the real-valued sum: binary_tanh gives 1 for
// x > 0 and -1 otherwise (nnet_activation.h binary_tanh), and the merged layer compares with the same
// threshold (gamma > 0: the merge refuses a negative scale). No sum is 0, so the boundary is never tested.
#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/keras_files.h"
#include "tests/support/test_support.h"

namespace {

using nlohmann::json;
using namespace tlm4ml_test;

const std::vector<float> kKernel = {0.5f, -0.25f, 0.75f, 0.125f, -1.0f, 0.5f, 0.25f, -0.5f, 0.375f};  // [3][3]
const std::vector<float> kBias = {0.0625f, -0.125f, 0.1875f};
const std::vector<float> kGamma = {1.0f, 0.5f, 2.0f}, kBeta = {0.25f, 0.5f, -0.375f}, kMean = {0.5f, -0.25f, 0.125f},
                         kVar = {4.0f, 4.0f, 4.0f};

json keras_model() {
    json input = {{"class_name", "InputLayer"},
                  {"config", {{"batch_input_shape", {nullptr, 3}}, {"dtype", "float32"}, {"name", "input_1"}}}};
    json dense = {{"class_name", "Dense"},
                  {"config", {{"name", "fc"}, {"units", 3}, {"activation", "linear"}, {"use_bias", true}}}};
    json bn = {{"class_name", "BatchNormalization"},
               {"config", {{"name", "bn"}, {"axis", -1}, {"epsilon", 0.0}, {"center", true}, {"scale", true}}}};
    json act = {{"class_name", "Activation"}, {"config", {{"name", "act"}, {"activation", "binary_tanh"}}}};
    return {{"class_name", "Sequential"}, {"config", {{"name", "bn_tanh"}, {"layers", {input, dense, bn, act}}}}};
}

std::vector<std::vector<double>> inputs() {
    std::vector<std::vector<double>> xs;
    for (int s = 0; s < 12; ++s)
        xs.push_back({(s % 5 - 2) * 0.75 + 0.03125, (s % 3 - 1) * 1.25 - 0.0625, (s % 7 - 3) * 0.5 + 0.015625});
    return xs;
}

// hls4ml's arithmetic on these exact values: y = BN(Dense(x)) = gamma/2 * (x.W + b - mean) + beta, then sign.
std::vector<double> oracle(const std::vector<double>& x) {
    std::vector<double> y;
    for (size_t j = 0; j < 3; ++j) {
        double d = kBias[j];
        for (size_t i = 0; i < 3; ++i) d += x[i] * kKernel[i * 3 + j];
        const double v = kGamma[j] / 2.0 * (d - kMean[j]) + kBeta[j];
        EXPECT_NE(v, 0.0) << "the fixture must stay off the boundary";
        y.push_back(v > 0 ? 1.0 : -1.0);
    }
    return y;
}

class BnBinaryTanhOrder : public TempDirTest {
protected:
    BnBinaryTanhOrder() : TempDirTest("tlm4ml_bn_tanh_") {}

    // Imports the fixture with the Dense's result type `fc_result`; returns the model file and checks predict.
    json import_and_predict(const std::string& fc_result, std::string* warnings = nullptr) {
        write_text(dir_ / "model.json", keras_model().dump(1));
        write_keras2_weights(dir_ / "weights.h5",
                             {{"fc", {{"kernel", {3, 3}, kKernel}, {"bias", {3}, kBias}}},
                              {"bn", {{"gamma", {3}, kGamma}, {"beta", {3}, kBeta}, {"moving_mean", {3}, kMean},
                                      {"moving_variance", {3}, kVar}}}});
        write_text(dir_ / "c.yml", "KerasJson: model.json\nKerasH5: weights.h5\nBackend: Vivado\nIOType: io_parallel\n"
                                   "HLSConfig:\n  Model:\n    Precision: fixed<16,6>\n    ReuseFactor: 1\n"
                                   "  LayerName:\n    fc:\n      Precision:\n        result: " +
                                       fc_result + "\n");
        const RunResult imp = tlm4ml("import " + at("c.yml") + " -o " + at("m.json"));
        EXPECT_EQ(imp.code, 0) << imp.err;
        if (warnings) *warnings = imp.err;
        std::string rows;
        const auto xs = inputs();
        for (const auto& x : xs) rows += fmt_row(x) + "\n";
        write_text(dir_ / "in.dat", rows);
        const RunResult p = tlm4ml("predict " + at("c.yml") + " --inputs " + at("in.dat") + " --outputs " + at("out.dat"));
        EXPECT_EQ(p.code, 0) << p.err;
        const auto got = parse_rows(read_text(dir_ / "out.dat"));
        EXPECT_EQ(got.size(), xs.size());
        for (size_t s = 0; s < got.size() && s < xs.size(); ++s) {
            std::vector<double> sign;  // bnbt_ writes binary codes (1 / 0), the activation +1 / -1
            for (double v : got[s]) sign.push_back(v > 0 ? 1.0 : -1.0);
            EXPECT_EQ(sign, oracle(xs[s])) << "sample " << s;
        }
        return json::parse(read_text(dir_ / "m.json"));
    }
    static std::string fmt_row(const std::vector<double>& x) {
        std::string r;
        for (double v : x) r += (r.empty() ? "" : " ") + std::to_string(v);
        return r;
    }
    static std::vector<std::string> names(const json& m) {
        std::vector<std::string> n;
        for (const auto& l : m["layers"]) n.push_back(l["name"].get<std::string>() + ":" + l["class"].get<std::string>());
        return n;
    }
};

TEST_F(BnBinaryTanhOrder, AutoDenseResultFusesTheBatchNormFirst) {
    std::string warnings;
    const json m = import_and_predict("auto", &warnings);
    EXPECT_EQ(names(m), (std::vector<std::string>{"fc:Dense", "act:Activation"})) << m.dump(1).substr(0, 2000);
    EXPECT_EQ(m["layers"][1]["activation"], "binary_tanh");
    // The folded weights: gamma/2 * W column-wise, gamma/2 * (b - mean) + beta (exact here).
    for (size_t i = 0; i < 3; ++i)
        for (size_t j = 0; j < 3; ++j)
            EXPECT_EQ(m["layers"][0]["kernel"][i][j].get<double>(), kGamma[j] / 2.0 * kKernel[i * 3 + j]) << i << "," << j;
    for (size_t j = 0; j < 3; ++j)
        EXPECT_EQ(m["layers"][0]["bias"][j].get<double>(), kGamma[j] / 2.0 * kBias[j] - kGamma[j] / 2.0 * kMean[j] + kBeta[j]);
    EXPECT_NE(warnings.find("bn"), std::string::npos) << warnings;  // the fusion is reported
}

TEST_F(BnBinaryTanhOrder, ExplicitDenseResultMergesTheBatchNormWithTheTanh) {
    const json m = import_and_predict("fixed<16,6>");
    EXPECT_EQ(names(m), (std::vector<std::string>{"fc:Dense", "bnbt_bn:BatchNormalizationQuantizedTanh"}))
        << m.dump(1).substr(0, 2000);
}

}  // namespace
