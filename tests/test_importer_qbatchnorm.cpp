// QKeras QBatchNormalization in the Keras importer. hls4ml (converters/keras/qkeras.py parse_qbatchnorm_layer,
// model/layers.py BatchNormalization) folds the *unquantized* gamma/beta/mean/variance into
// scale = gamma/sqrt(var+eps), bias = beta - scale*mean (numpy on float32) stored in scale_t / bias_t; the
// QKeras quantizers are kept but never applied. The fixture is written here (Keras JSON + a Keras 2 weights
// .h5 through the HDF5 C API): QDense -> QBatchNormalization -> QActivation(quantized_relu(8,3)). The tests
// assert the imported scale/bias (JSON values and raw codes) and `tlm4ml predict`'s outputs against an
// independent computation, the warning that lists what QKeras' quantizers (its defaults when the config
// says null) would change, center/scale false, the merge with a binary QActivation into bnbt_<bn>, and that
// an unsupported quantizer is refused by name with nothing written.
#include <hdf5.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "layers/arithmetic/batchnorm.h"
#include "models/model.h"
#include "layers/arithmetic/quantized_tanh.h"
#include "models/keras/keras_importer.h"
#include "models/load_model.h"
#include "models/keras/qkeras.h"
#include "tests/support/keras_files.h"
#include "tests/support/test_support.h"

namespace {

using nlohmann::json;
using namespace tlm4ml;
using namespace tlm4ml_test;

// ---- the fixture ---------------------------------------------------------------------------------------

// The BN parameters in the .h5 (the defaults: off QKeras' po2 grids in places).
struct Params {
    std::vector<float> gamma = {0.8f, 1.3f, 2.0f, 0.5f};
    std::vector<float> beta = {0.25f, -0.1f, 0.0f, 0.7f};
    std::vector<float> mean = {0.1f, -0.3f, 0.45f, 0.0f};
    std::vector<float> var = {4.0f, 1.0f, 3.0f, 0.2f};
};
const float kEps = 0.001f;

// Kernel multiples of 1/32 in [-0.5, 0.5), bias multiples of 1/8: on quantized_bits(8,2)'s grid, so QKeras
// leaves them alone and the firmware holds them exactly.
float kernel_value(size_t i) { return static_cast<float>(static_cast<int>((i * 7 + 3) % 32) - 16) / 32.0f; }
float dense_bias(size_t j) { return static_cast<float>(static_cast<int>(j * 3 % 8) - 4) / 8.0f; }

json po2_config(int bits, json max_value, bool quadratic) {
    return {{"bits", bits},      {"max_value", max_value},       {"use_stochastic_rounding", false},
            {"quadratic_approximation", quadratic}, {"qnoise_factor", 1.0}, {"log2_rounding", "rnd"}};
}

// QKeras' get_config of QBatchNormalization() with its default quantizers (mean: none).
json qbn_config(bool explicit_defaults) {
    json c = {{"name", "qbn"},      {"trainable", true}, {"axis", -1},         {"momentum", 0.99},
              {"epsilon", 0.001},   {"center", true},    {"scale", true},      {"beta_range", nullptr},
              {"gamma_range", nullptr}, {"mean_quantizer", nullptr}};
    if (explicit_defaults) {
        json g = po2_config(6, 2048, false);
        g["negative_slope"] = 0;
        json v = po2_config(6, nullptr, true);
        v["negative_slope"] = 0;
        c["gamma_quantizer"] = {{"class_name", "quantized_relu_po2"}, {"config", g}};
        c["variance_quantizer"] = {{"class_name", "quantized_relu_po2"}, {"config", v}};
        c["beta_quantizer"] = {{"class_name", "quantized_po2"}, {"config", po2_config(5, nullptr, false)}};
    } else {
        c["gamma_quantizer"] = nullptr;
        c["variance_quantizer"] = nullptr;
        c["beta_quantizer"] = nullptr;
    }
    return c;
}

json keras_model(const json& qbn, const std::string& activation) {
    const json qb = {{"class_name", "quantized_bits"},
                     {"config", {{"bits", 8}, {"integer", 2}, {"symmetric", 0}, {"alpha", 1}, {"keep_negative", true}}}};
    json input = {{"class_name", "InputLayer"}, {"config", json::object()}};
    input["config"]["batch_input_shape"] = json::array({nullptr, 4});
    input["config"]["dtype"] = "float32";
    input["config"]["name"] = "input_1";
    json dense = {{"class_name", "QDense"}, {"config", json::object()}};
    dense["config"]["name"] = "fc";
    dense["config"]["units"] = 4;
    dense["config"]["activation"] = "linear";
    dense["config"]["use_bias"] = true;
    dense["config"]["kernel_quantizer"] = qb;
    dense["config"]["bias_quantizer"] = qb;
    const json bn = {{"class_name", "QBatchNormalization"}, {"config", qbn}};
    json act = {{"class_name", "QActivation"}, {"config", json::object()}};
    act["config"]["name"] = "act";
    act["config"]["activation"] = activation;
    json m = {{"class_name", "Sequential"}, {"config", json::object()}};
    m["config"]["name"] = "qbn_model";
    m["config"]["layers"] = json::array({input, dense, bn, act});
    return m;
}

class QBatchNormImport : public TempDirTest {
protected:
    QBatchNormImport() : TempDirTest("tlm4ml_qbn_") {}

    // Writes model.json, weights.h5 and config.yml; returns the configuration's path.
    fs::path fixture(const json& qbn, const std::string& activation = "quantized_relu(8,3)", const Params& p = {}) {
        write_text(dir_ / "model.json", keras_model(qbn, activation).dump(1));
        std::vector<float> k(16), b(4);
        for (size_t i = 0; i < 16; ++i) k[i] = kernel_value(i);
        for (size_t j = 0; j < 4; ++j) b[j] = dense_bias(j);
        std::vector<Var> bn;
        if (qbn.value("scale", true)) bn.push_back({"gamma", {4}, p.gamma});
        if (qbn.value("center", true)) bn.push_back({"beta", {4}, p.beta});
        bn.push_back({"moving_mean", {4}, p.mean});
        bn.push_back({"moving_variance", {4}, p.var});
        write_keras2_weights(dir_ / "weights.h5", {{"fc", {{"kernel", {4, 4}, k}, {"bias", {4}, b}}}, {"qbn", bn}});
        const fs::path cfg = dir_ / "config.yml";
        write_text(cfg,
                   "KerasJson: model.json\nKerasH5: weights.h5\nIOType: io_parallel\nHLSConfig:\n  Model:\n"
                   "    Precision: ap_fixed<16,6>\n    ReuseFactor: 1\n    Strategy: Latency\n  LayerName:\n    qbn:\n"
                   "      Precision:\n        scale: ap_fixed<14,4,AP_RND>\n        bias: ap_fixed<16,6>\n"
                   "        result: ap_fixed<16,6>\n" +
                       // The quantizer's type, as config_from_keras_model(granularity='name') writes it: hls4ml 1.x
                       // takes a QActivation's result type from the configuration only.
                       (activation == "quantized_relu(8,3)"
                            ? std::string("    act:\n      Precision:\n        result: ap_ufixed<8,3,AP_RND_CONV,AP_SAT>\n")
                            : std::string()));
        return cfg;
    }

};

// ---- the independent computation -----------------------------------------------------------------------

// numpy on float32 arrays: every operation rounded to float32 (volatile: no fused multiply-add).
void fold(bool use_gamma, bool use_beta, std::vector<float>& scale, std::vector<float>& bias, const Params& p = {}) {
    scale.assign(4, 0.0f);
    bias.assign(4, 0.0f);
    for (size_t k = 0; k < 4; ++k) {
        const volatile float sum = p.var[k] + kEps;
        const volatile float root = std::sqrt(static_cast<float>(sum));
        const volatile float s = (use_gamma ? p.gamma[k] : 1.0f) / root;
        const volatile float sm = s * p.mean[k];
        scale[k] = s;
        bias[k] = (use_beta ? p.beta[k] : 0.0f) - sm;
    }
}

// hls4ml writes "%.{F}f" text, the firmware reads it as a double and converts: AP_RND rounds half up at the
// LSB, AP_TRN floors. Both types here have F = 10 and no overflow.
double via_text(float v, bool round_half_up) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.10f", static_cast<double>(v));
    const double t = std::strtod(buf, nullptr) * 1024.0;
    return (round_half_up ? std::floor(t + 0.5) : std::floor(t)) / 1024.0;
}

std::vector<std::vector<double>> sample_inputs() {
    std::vector<std::vector<double>> xs;
    for (size_t s = 0; s < 16; ++s) {
        std::vector<double> x;
        for (size_t i = 0; i < 4; ++i) x.push_back(static_cast<double>(static_cast<int>((s * 13 + i * 5 + 1) % 32) - 16) / 8.0);
        xs.push_back(x);
    }
    return xs;
}

// QDense (exact: grid values, no overflow in ap_fixed<16,6>), then the BN in ap_fixed<16,6> (floor), then
// quantized_relu(8,3) = ap_ufixed<8,3,AP_RND_CONV,AP_SAT>.
std::vector<double> reference(const std::vector<double>& x, const std::vector<double>& s, const std::vector<double>& b) {
    std::vector<double> out;
    for (size_t j = 0; j < 4; ++j) {
        double d = dense_bias(j);
        for (size_t i = 0; i < 4; ++i) d += x[i] * kernel_value(i * 4 + j);
        EXPECT_LT(std::fabs(d), 32.0);
        const double y = std::floor((d * s[j] + b[j]) * 1024.0) / 1024.0;
        EXPECT_LT(std::fabs(y), 32.0);
        const double r = y > 0 ? std::nearbyint(y * 32.0) / 32.0 : 0.0;  // ties to even
        out.push_back(std::min(r, 255.0 / 32.0));
    }
    return out;
}


const json* layer_named(const json& m, const std::string& name) {
    for (const auto& l : m["layers"])
        if (l["name"] == name) return &l;
    return nullptr;
}

// ---- tests ---------------------------------------------------------------------------------------------

TEST_F(QBatchNormImport, ScaleAndBiasFoldTheUnquantizedParameters) {
    const fs::path cfg = fixture(qbn_config(true));
    const ImportedModel im = import_hls4ml_config(cfg.string());
    std::vector<std::string> classes;
    for (const auto& l : im.model["layers"]) classes.push_back(l["class"]);
    EXPECT_EQ(classes, (std::vector<std::string>{"QDense", "BatchNormalization", "Activation"}));
    const json* bn = layer_named(im.model, "qbn");
    ASSERT_NE(bn, nullptr);
    EXPECT_EQ((*bn)["precision"]["scale"], "ap_fixed<14,4,AP_RND>");
    EXPECT_EQ((*bn)["precision"]["bias"], "ap_fixed<16,6>");
    std::vector<float> s, b;
    fold(true, true, s, b);
    const Model m = load_model(cfg.string());
    const auto* layer = dynamic_cast<const BatchNormLayer*>(m.layers.at(1).get());
    ASSERT_NE(layer, nullptr);
    for (size_t k = 0; k < 4; ++k) {
        const double sv = via_text(s[k], true), bv = via_text(b[k], false);
        EXPECT_EQ((*bn)["scale"][k].get<double>(), sv) << "scale " << k << " from " << s[k];
        EXPECT_EQ((*bn)["bias"][k].get<double>(), bv) << "bias " << k << " from " << b[k];
        EXPECT_EQ(layer->config().scale[k], static_cast<int64_t>(sv * 1024)) << k;
        EXPECT_EQ(layer->config().bias[k], static_cast<int64_t>(bv * 1024)) << k;
    }
    // Not what QKeras would fold: its po2 gamma (1, 1, 2, 0.5) gives another scale for feature 0.
    EXPECT_NE((*bn)["scale"][0].get<double>(), via_text(1.0f / std::sqrt(4.0f + kEps), true));
}

TEST_F(QBatchNormImport, WarnsWhatQKerasQuantizersWouldChange) {
    // Explicit quantizers as QKeras serializes its defaults, and null ones (QKeras' constructor puts the same
    // defaults in): the same warning. gamma 0.8 and 1.3 round to 1; beta -0.1 -> -0.125, 0 -> 2^-8 (QKeras'
    // po2 of 0), 0.7 -> 0.5; variance 3 -> 4 and 0.2 -> 0.25 (even exponents); the mean has no quantizer.
    for (bool explicit_defaults : {true, false}) {
        SCOPED_TRACE(explicit_defaults ? "explicit" : "null");
        const ImportedModel im = import_hls4ml_config(fixture(qbn_config(explicit_defaults)).string());
        ASSERT_EQ(im.warnings.size(), 1u);
        const std::string& w = im.warnings[0];
        EXPECT_NE(w.find("layer \"qbn\" (class QBatchNormalization)"), std::string::npos) << w;
        EXPECT_NE(w.find("gamma by quantized_relu_po2(6,2048) changes 2 of 4 values (gamma[0] 0.8 -> 1)"),
                  std::string::npos) << w;
        EXPECT_NE(w.find("beta by quantized_po2(5) changes 3 of 4 values (beta[1] -0.1 -> -0.125)"), std::string::npos)
            << w;
        EXPECT_NE(w.find("moving_variance by quantized_relu_po2(6,quadratic_approximation=True) changes 2 of 4 "
                         "values (moving_variance[2] 3 -> 4)"),
                  std::string::npos)
            << w;
        EXPECT_EQ(w.find("moving_mean"), std::string::npos) << w;
    }
    // A mean quantizer: quantized_bits(4,0) puts 0.1 -> 0.125, -0.3 -> -0.25, 0.45 -> 0.5.
    json c = qbn_config(true);
    c["mean_quantizer"] = "quantized_bits(4,0)";
    const ImportedModel im = import_hls4ml_config(fixture(c).string());
    ASSERT_EQ(im.warnings.size(), 1u);
    EXPECT_NE(im.warnings[0].find("moving_mean by quantized_bits(4,0) changes 3 of 4 values (moving_mean[0] 0.1 -> 0.125)"),
              std::string::npos)
        << im.warnings[0];
    // Parameters already on the default quantizers' grids (po2 gamma and beta, variance an even power of 2):
    // nothing to say, and the folded values are the same either way.
    Params on_grid;
    on_grid.gamma = {1.0f, 2.0f, 0.5f, 4.0f};
    on_grid.beta = {0.25f, -0.5f, 1.0f, 0.125f};
    on_grid.var = {4.0f, 1.0f, 16.0f, 0.25f};
    const ImportedModel quiet = import_hls4ml_config(fixture(qbn_config(false), "quantized_relu(8,3)", on_grid).string());
    EXPECT_TRUE(quiet.warnings.empty()) << quiet.warnings.front();
    std::vector<float> s, b;
    fold(true, true, s, b, on_grid);
    const json* bn = layer_named(quiet.model, "qbn");
    ASSERT_NE(bn, nullptr);
    for (size_t k = 0; k < 4; ++k) EXPECT_EQ((*bn)["scale"][k].get<double>(), via_text(s[k], true)) << k;
}

TEST_F(QBatchNormImport, PredictMatchesIndependentReference) {
    const fs::path cfg = fixture(qbn_config(false));
    const auto xs = sample_inputs();
    std::string text;
    for (const auto& x : xs) {
        for (size_t i = 0; i < x.size(); ++i) text += (i ? " " : "") + std::to_string(x[i]);
        text += "\n";
    }
    write_text(dir_ / "in.txt", text);
    RunResult r = tlm4ml("predict " + shell_quote(cfg.string()) + " --inputs " + shell_quote((dir_ / "in.txt").string()) +
                         " --outputs " + shell_quote((dir_ / "out.txt").string()));
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.err.find("warning: "), std::string::npos) << r.err;  // what QKeras' quantizers would change
    std::vector<float> s, b;
    fold(true, true, s, b);
    std::vector<double> sv, bv;
    for (size_t k = 0; k < 4; ++k) {
        sv.push_back(via_text(s[k], true));
        bv.push_back(via_text(b[k], false));
    }
    const auto rows = parse_rows(read_text(dir_ / "out.txt"));
    ASSERT_EQ(rows.size(), xs.size());
    size_t positive = 0;
    for (size_t n = 0; n < xs.size(); ++n) {
        const auto want = reference(xs[n], sv, bv);
        ASSERT_EQ(rows[n].size(), 4u) << n;
        for (size_t j = 0; j < 4; ++j) {
            EXPECT_EQ(rows[n][j], want[j]) << "sample " << n << " output " << j;
            positive += want[j] > 0;
        }
    }
    EXPECT_GT(positive, xs.size());  // the ReLU passes a good part of the outputs

    // The clocked network agrees with predict.
    r = tlm4ml("run " + shell_quote(cfg.string()) + " --check-ii --quiet --inputs " +
               shell_quote((dir_ / "in.txt").string()));
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("0 of 16 outputs differ from the untimed reference"), std::string::npos) << r.out;
}

TEST_F(QBatchNormImport, CenterAndScaleFalse) {
    for (const auto& [use_gamma, use_beta] : std::vector<std::pair<bool, bool>>{{false, true}, {true, false}, {false, false}}) {
        SCOPED_TRACE(std::string("scale ") + (use_gamma ? "true" : "false") + ", center " + (use_beta ? "true" : "false"));
        json c = qbn_config(false);
        c["scale"] = use_gamma;
        c["center"] = use_beta;
        const ImportedModel im = import_hls4ml_config(fixture(c).string());  // the .h5 has no gamma / beta
        const json* bn = layer_named(im.model, "qbn");
        ASSERT_NE(bn, nullptr);
        std::vector<float> s, b;
        fold(use_gamma, use_beta, s, b);
        for (size_t k = 0; k < 4; ++k) {
            EXPECT_EQ((*bn)["scale"][k].get<double>(), via_text(s[k], true)) << k;
            EXPECT_EQ((*bn)["bias"][k].get<double>(), via_text(b[k], false)) << k;
        }
        if (!use_beta) {
            EXPECT_EQ((*bn)["bias"][3].get<double>(), 0.0);  // mean 0, no beta
        }
        ASSERT_EQ(im.warnings.size(), 1u);
        EXPECT_EQ(im.warnings[0].find("gamma by") != std::string::npos, use_gamma) << im.warnings[0];
        EXPECT_EQ(im.warnings[0].find("beta by") != std::string::npos, use_beta) << im.warnings[0];
    }
}

TEST_F(QBatchNormImport, BinaryQActivationMergesIntoThresholds) {
    // hls4ml's merge_batch_norm_quantized_tanh also takes QActivation('binary'): one bnbt_qbn layer with
    // threshold -bias/scale (float32), compared in the input's type (ap_fixed<16,6>: floored to 2^-10).
    const fs::path cfg = fixture(qbn_config(false), "binary");
    const ImportedModel im = import_hls4ml_config(cfg.string());
    ASSERT_EQ(im.model["layers"].size(), 2u);
    const json& q = im.model["layers"][1];
    EXPECT_EQ(q["name"], "bnbt_qbn");
    EXPECT_EQ(q["class"], "BatchNormalizationQuantizedTanh");
    EXPECT_EQ(q["activation"], "binary_tanh");
    std::vector<float> s, b;
    fold(true, true, s, b);
    std::vector<double> t;
    for (size_t k = 0; k < 4; ++k) {
        const volatile float th = -b[k] / s[k];
        EXPECT_EQ(q["threshold"][k].get<double>(), static_cast<double>(th)) << k;
        t.push_back(std::floor(static_cast<double>(th) * 1024.0) / 1024.0);
    }
    const Model m = load_model(cfg.string());
    const auto* layer = dynamic_cast<const QuantizedTanhLayer*>(m.layers.at(1).get());
    ASSERT_NE(layer, nullptr);
    // Through predict: feature j is on (1) when the Dense output reaches its threshold.
    const auto xs = sample_inputs();
    std::string text;
    for (const auto& x : xs) {
        for (size_t i = 0; i < x.size(); ++i) text += (i ? " " : "") + std::to_string(x[i]);
        text += "\n";
    }
    write_text(dir_ / "in.txt", text);
    const RunResult r = tlm4ml("predict " + shell_quote(cfg.string()) + " --inputs " +
                               shell_quote((dir_ / "in.txt").string()) + " --outputs " +
                               shell_quote((dir_ / "out.txt").string()));
    ASSERT_EQ(r.code, 0) << r.err;
    const auto rows = parse_rows(read_text(dir_ / "out.txt"));
    ASSERT_EQ(rows.size(), xs.size());
    size_t on = 0;
    for (size_t n = 0; n < xs.size(); ++n)
        for (size_t j = 0; j < 4; ++j) {
            double d = dense_bias(j);
            for (size_t i = 0; i < 4; ++i) d += xs[n][i] * kernel_value(i * 4 + j);
            const bool want = d >= t[j];
            on += want;
            EXPECT_EQ(rows[n][j], want ? 1.0 : 0.0) << "sample " << n << " output " << j;
        }
    EXPECT_GT(on, 0u);
    EXPECT_LT(on, xs.size() * 4);
}

TEST_F(QBatchNormImport, TernaryQActivationBringsItsThreshold) {
    // hls4ml's TernaryTanh carries the quantizer's threshold T into set_thresholds: T/scale around -bias/scale
    // (an Activation('ternary_tanh') layer uses 0.5).
    const ImportedModel im = import_hls4ml_config(fixture(qbn_config(false), "ternary(threshold=0.4)").string());
    ASSERT_EQ(im.model["layers"].size(), 2u);
    const json& q = im.model["layers"][1];
    EXPECT_EQ(q["name"], "bnbt_qbn");
    EXPECT_EQ(q["activation"], "ternary_tanh");
    std::vector<float> s, b;
    fold(true, true, s, b);
    for (size_t k = 0; k < 4; ++k) {
        const volatile float t = -b[k] / s[k];
        const volatile float h = 0.4f / s[k];
        const volatile float hi = h + t, lo = -h + t;
        EXPECT_EQ(q["threshold_hi"][k].get<double>(), static_cast<double>(hi)) << k;
        EXPECT_EQ(q["threshold_lo"][k].get<double>(), static_cast<double>(lo)) << k;
    }
}

TEST_F(QBatchNormImport, UnsupportedQuantizerIsRefusedByName) {
    struct Case {
        json patch;
        std::string key, detail;
    };
    const std::vector<Case> cases = {
        {json{{"gamma_quantizer", "binary()"}}, "gamma_quantizer",
         "quantizer binary is not supported on QBatchNormalization parameters"},
        {json{{"beta_quantizer", {{"class_name", "quantized_ulaw"}, {"config", {{"bits", 8}}}}}}, "beta_quantizer",
         "quantizer quantized_ulaw is not supported on QBatchNormalization parameters"},
        {json{{"variance_quantizer", "quantized_relu_po2(6, use_stochastic_rounding=True)"}}, "variance_quantizer",
         "quantized_relu_po2 with use_stochastic_rounding is not supported"},
        {json{{"gamma_quantizer", "quantized_relu_po2(6, 2048, qnoise_factor=0.5)"}}, "gamma_quantizer",
         "qnoise_factor=0.5 is not supported"},
    };
    for (const Case& k : cases) {
        SCOPED_TRACE(k.detail);
        json c = qbn_config(true);
        c.update(k.patch);
        const fs::path cfg = fixture(c);
        const fs::path out = dir_ / "imported.json";
        const RunResult r = tlm4ml("import " + shell_quote(cfg.string()) + " -o " + shell_quote(out.string()));
        EXPECT_EQ(r.code, 1) << r.err;
        EXPECT_NE(r.err.find("model.json: layer \"qbn\" (class QBatchNormalization): " + k.key + ": "), std::string::npos)
            << r.err;
        EXPECT_NE(r.err.find(k.detail), std::string::npos) << r.err;
        EXPECT_FALSE(fs::exists(out));
    }
}

TEST(QKerasBatchNormQuantizers, Po2Values) {
    const BatchNormQuantizers d = parse_batchnorm_quantizers(json::object(), "t");  // QKeras' defaults
    ASSERT_TRUE(d.gamma && d.beta && d.variance);
    EXPECT_FALSE(d.mean);
    // quantized_relu_po2(6, 2048): no sign bit for x, exponents -32..31, |x| clipped to 2048.
    EXPECT_EQ(po2_exponent_range(*d.gamma), (std::pair<int, int>{-32, 31}));
    EXPECT_EQ(qkeras_quantize(*d.gamma, 0.8), 1.0);
    EXPECT_EQ(qkeras_quantize(*d.gamma, 0.7), 0.5);     // log2 0.7 = -0.51
    EXPECT_EQ(qkeras_quantize(*d.gamma, 5000.0), 2048.0);
    EXPECT_EQ(qkeras_quantize(*d.gamma, -3.0), std::ldexp(1.0, -32));  // relu: 0, below eps -> 2^min_exp
    // quantized_relu_po2(6, quadratic_approximation=True): exponents of sqrt(x) in -32..30/2, doubled.
    EXPECT_EQ(po2_exponent_range(*d.variance), (std::pair<int, int>{-32, 30}));
    EXPECT_EQ(qkeras_quantize(*d.variance, 3.0), 4.0);  // sqrt 1.73 -> 2^1 -> 2^2
    EXPECT_EQ(qkeras_quantize(*d.variance, 6.0), 4.0);  // sqrt 2.45 -> 2^1
    EXPECT_EQ(qkeras_quantize(*d.variance, 9.0), 16.0);  // sqrt 3 -> 2^2
    EXPECT_EQ(qkeras_quantize(*d.variance, 0.2), 0.25);
    // quantized_po2(5): sign bit, exponents -8..7.
    EXPECT_EQ(po2_exponent_range(*d.beta), (std::pair<int, int>{-8, 7}));
    EXPECT_EQ(qkeras_quantize(*d.beta, 0.0), std::ldexp(1.0, -8));
    EXPECT_EQ(qkeras_quantize(*d.beta, -1000.0), -128.0);
    EXPECT_EQ(qkeras_quantize(*d.beta, -0.1), -0.125);
    // A negative slope: -po2(-x * slope).
    const BatchNormQuantizers n =
        parse_batchnorm_quantizers(json{{"gamma_quantizer", "quantized_relu_po2(4, 8, 0.25)"}}, "t");
    EXPECT_EQ(qkeras_quantize(*n.gamma, -3.0), -1.0);  // 0.75 -> 2^0
    EXPECT_EQ(qkeras_quantize(*n.gamma, 100.0), 8.0);
    EXPECT_EQ(n.gamma->text(), "quantized_relu_po2(4,8,negative_slope=0.25)");
    // Weights keep refusing what only QBatchNormalization evaluates.
    EXPECT_THROW(parse_quantizer("quantized_relu_po2(4)", "t"), ModelError);
    EXPECT_THROW(parse_quantizer("quantized_po2(4, quadratic_approximation=True)", "t"), ModelError);
    EXPECT_THROW(parse_batchnorm_quantizers(json{{"gamma_quantizer", "quantized_relu_po2(4, 8, 0.3)"}}, "t"), ModelError);
}

}  // namespace
