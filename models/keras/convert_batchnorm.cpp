// BatchNormalization and QBatchNormalization: scale = gamma/sqrt(var+eps), bias = beta - scale*mean in float32;
// fused into the Dense / Conv before it (models/passes/bn_fuse.h) or merged with a binary / ternary tanh that
// reads it (models/passes/bn_quant.h) when hls4ml does so.
#include "models/keras/layer_converters.h"

#include <cmath>

#include <fmt/format.h>

#include "models/keras/firmware_values.h"
#include "models/model.h"
#include "models/passes/bn_fuse.h"
#include "models/passes/bn_quant.h"

namespace tlm4ml {

using nlohmann::json;

// A (Q)BatchNormalization layer and, when hls4ml merges them, the binary / ternary tanh reading it.
void LayerConverters::add_batchnorm_layer(const KerasGraph& g, size_t i) {
    const std::vector<KerasLayer>& layers = g.layers;
    const KerasLayer& l = layers[i];
    // hls4ml's MergeBatchNormAndQuantizedTanh (models/passes/bn_quant.h): BN read by a binary/ternary tanh (through
    // Dropouts, which hls4ml drops) becomes one bnbt_<bn> layer. Only when that is the BN's only reader: hls4ml merges
    // regardless and rewires any other reader to the BN's *input* (ModelGraph.remove_node), which would
    // not compute the Keras model -- refused.
    std::vector<size_t> path;  // the Dropouts between the BN and its reader
    size_t k = i;
    while (g.consumers[k].size() == 1 && layers[g.consumers[k][0]].cls == "Dropout") {
        k = g.consumers[k][0];
        path.push_back(k);
    }
    std::string act;
    double ternary_threshold = 0.5;
    if (g.consumers[k].size() == 1) {
        path.push_back(g.consumers[k][0]);
        act = quantized_tanh(layers[path.back()], ternary_threshold);
    } else if (g.consumers[k].size() > 1) {
        std::vector<size_t> readers;
        readers_through_dropout(g, i, readers);
        std::vector<std::string> names;
        for (size_t r : readers) names.push_back(layers[r].name);
        for (size_t r : readers) {
            double t = 0;
            if (!quantized_tanh(layers[r], t).empty())
                fail_at(l.where, fmt::format("its output is read by {} layers ({}), one of them the binary/ternary tanh "
                                          "\"{}\": hls4ml would still merge the two into \"bnbt_{}\" and rewire the "
                                          "other readers to the BatchNormalization's input, so its firmware would not "
                                          "compute this model; not supported",
                                          readers.size(), quoted_list(names), layers[r].name, l.name));
        }
    }
    const bool binary = act == "binary";
    const bool ternary = act == "ternary";
    if (add_batchnorm(l, binary, ternary, ternary_threshold, fusable_parent(g, i))) {
        prev_bnqt_ = false;
        return;
    }
    if (binary || ternary) {
        for (size_t p : path) {
            known_names_.insert(lower_case(layers[p].name));
            absorbed_[p] = true;
            absorbed_now_.push_back(p);
        }
        prev_bnqt_ = true;
        prev_bnqt_ternary_ = ternary;
        return;
    }
    prev_bnqt_ = false;
}

// A binary / ternary tanh that hls4ml merges into the BatchNormalization before it (an Activation, or a
// QActivation with a binary / ternary quantizer: hls4ml's TernaryTanh brings the quantizer's threshold,
// 0.33 for the plain ternary_tanh function; an Activation layer uses 0.5). "" for anything else.
std::string LayerConverters::quantized_tanh(const KerasLayer& l, double& ternary_threshold) {
    ternary_threshold = 0.5;
    std::string act;
    if (l.cls == "Activation") {
        act = l.config.value("activation", "");
    } else if (l.cls == "QActivation" && l.config.contains("activation")) {
        const QuantizerSpec q = parse_quantizer(l.config["activation"], l.where);
        if (q.cls == "binary" || q.cls == "binary_tanh") act = "binary";
        if (q.cls == "ternary" || q.cls == "ternary_tanh") {
            act = "ternary";
            ternary_threshold = q.threshold ? *q.threshold : 0.33;
        }
    }
    return quantized_tanh_kind(act);
}

// The emitted Dense / Conv a BatchNormalization could be fused into (bn_fuse.py match(): the BN's input
// node is that layer, its output type is unspecified, and -- transform() -- nothing else reads it), or "".
std::string LayerConverters::fusable_parent(const KerasGraph& g, size_t bn) {
    const std::vector<KerasLayer>& layers = g.layers;
    if (out_.empty()) return "";
    const json& prev = out_.back();
    const std::string name = prev["name"].get<std::string>();
    if (tensors_.at(layers[bn].inbound[0]).name != name || !raw_weights_.count(name)) return "";
    if (!prev.contains("precision") || !prev["precision"].is_object() ||
        prev["precision"].value("result", std::string()) != "auto")
        return "";
    for (size_t k = 0; k < layers.size(); ++k)
        if (layers[k].name == name) {
            std::vector<size_t> readers;
            readers_through_dropout(g, k, readers);
            return readers.size() == 1 ? name : "";
        }
    return "";
}

// hls4ml's FuseBatchNormalization: the BN's scale and bias folded into the Dense / Conv before it.
void LayerConverters::fuse_batchnorm(const KerasLayer& l, const std::string& parent, const std::vector<float>& scale,
                                     const std::vector<float>& bias) {
    const RawWeights& raw = raw_weights_.at(parent);
    const FusedWeights f = fuse_batchnorm_weights(raw.kernel, raw.bias, scale, bias);
    std::vector<double> kv(f.kernel.size()), bv(f.bias.size());
    // transform() re-adds the weights through their quantizers (the Dense's; a BN has none).
    for (size_t k = 0; k < kv.size(); ++k)
        kv[k] = firmware_value(raw.kq ? qkeras_quantize(*raw.kq, f.kernel[k]) : f.kernel[k], raw.wt);
    for (size_t k = 0; k < bv.size(); ++k)
        bv[k] = firmware_value(raw.bq ? qkeras_quantize(*raw.bq, f.bias[k]) : f.bias[k], raw.bt);
    json& d = out_.back();
    d["kernel"] = tensor_json(kv.data(), raw.kernel_shape);
    d["bias"] = bv;
    d.erase("use_bias");
    known_names_.insert(lower_case(l.name));
    warnings_.push_back(
        fmt::format("{}: fused into \"{}\" (hls4ml's FuseBatchNormalization: the Dense / Conv "
                    "output type is \"auto\")",
                    l.where, parent));
}

// Returns true when the BN was fused into `fuse_parent` (then nothing is emitted for it).
bool LayerConverters::add_batchnorm(const KerasLayer& l, bool binary, bool ternary, double ternary_threshold,
                                    const std::string& fuse_parent) {
    const json& c = l.config;
    json axis_j = c.contains("axis") ? c["axis"] : json(-1);
    if (axis_j.is_array() && axis_j.size() == 1) axis_j = axis_j[0];  // Keras may write [3]
    if (!axis_j.is_number_integer())
        fail_at(l.where, fmt::format("axis {}: only one axis, the last, is supported", axis_j.dump()));
    const int axis = axis_j.get<int>();
    if (axis != -1 && static_cast<size_t>(axis) != shape_.size())
        fail_at(l.where, fmt::format("normalization over axis {} (only the last axis is supported)", axis));
    // QBatchNormalization: QKeras quantizes gamma/beta/mean/variance when it predicts, but hls4ml folds
    // the unquantized values (parse_qbatchnorm_layer keeps the quantizers; model/layers.py
    // BatchNormalization.initialize never applies them). tlm4ml does as hls4ml and says what differs.
    std::optional<BatchNormQuantizers> bq;
    if (l.cls == "QBatchNormalization") bq = parse_batchnorm_quantizers(c, l.where);
    const size_t nf = shape_.back();
    const auto w = layer_weights(weights_, l);
    const bool center = c.value("center", true), scale_on = c.value("scale", true);
    const double eps_d = c.contains("epsilon") && c["epsilon"].is_number() ? c["epsilon"].get<double>() : 1e-3;
    const H5Array& mean = need(weights_, l, w, "moving_mean", {nf});
    const H5Array& var = need(weights_, l, w, "moving_variance", {nf});
    const H5Array* gamma = scale_on ? &need(weights_, l, w, "gamma", {nf}) : nullptr;
    const H5Array* beta = center ? &need(weights_, l, w, "beta", {nf}) : nullptr;
    if (bq) {
        std::string changed;
        auto note = [&](const char* param, const std::optional<QuantizerSpec>& q, const H5Array* a) {
            if (!q || !a) return;  // QKeras skips gamma without scale and beta without center
            size_t n = 0, first = 0;
            for (size_t k = 0; k < a->values.size(); ++k)
                if (qkeras_quantize(*q, a->values[k]) != a->values[k] && n++ == 0) first = k;
            if (n == 0) return;
            changed +=
                fmt::format("{}{} by {} changes {} of {} values ({}[{}] {} -> {})", changed.empty() ? "" : "; ", param,
                            q->text(), n, a->values.size(), param, first, static_cast<float>(a->values[first]),
                            static_cast<float>(qkeras_quantize(*q, a->values[first])));
        };
        note("gamma", bq->gamma, gamma);
        note("beta", bq->beta, beta);
        note("moving_mean", bq->mean, &mean);
        note("moving_variance", bq->variance, &var);
        if (!changed.empty())
            warnings_.push_back(fmt::format(
                "{}: QKeras quantizes the parameters when it predicts ({}), but hls4ml folds the unquantized "
                "values into scale and bias (its BatchNormalization ignores these quantizers) and so does "
                "tlm4ml: the outputs are hls4ml's firmware's and can differ from QKeras'",
                l.where, changed));
    }
    // numpy on float32 arrays: scale = gamma / sqrt(var + eps), bias = beta - scale * mean, each
    // operation rounded to float32 (volatile keeps the compiler from fusing multiply and subtract).
    const float eps = static_cast<float>(eps_d);
    std::vector<float> scale(nf), bias(nf);
    for (size_t k = 0; k < nf; ++k) {
        const float g = gamma ? static_cast<float>(gamma->values[k]) : 1.0f;
        const float b = beta ? static_cast<float>(beta->values[k]) : 0.0f;
        const volatile float denom = std::sqrt(static_cast<float>(var.values[k]) + eps);
        scale[k] = g / denom;
        const volatile float sm = scale[k] * static_cast<float>(mean.values[k]);
        bias[k] = b - sm;
    }
    if (!fuse_parent.empty()) {
        const RawWeights& raw = raw_weights_.at(fuse_parent);
        BatchNormFuseFacts f;
        f.parent_is_dense_or_conv = f.parent_result_auto = f.parent_single_reader = true;
        f.parent_binary_weights = raw.binary;
        f.parent_exponent_weights = raw.po2;
        f.weight_quantizer = raw.kq.has_value();
        f.bias_quantizer = raw.bq.has_value();
        f.scale_all_ones = std::all_of(scale.begin(), scale.end(), [](float v) { return v == 1.0f; });
        f.bias_all_zero = std::all_of(bias.begin(), bias.end(), [](float v) { return v == 0.0f; });
        if (batchnorm_fuses(f)) {
            fuse_batchnorm(l, fuse_parent, scale, bias);
            return true;
        }
    }
    if (binary || ternary) {
        known_names_.insert(lower_case("bnbt_" + l.name));
        known_names_.insert(lower_case(l.name));
        out_.push_back(merge_batchnorm_quantized_tanh(l.name, ternary, scale, bias, ternary_threshold, l.where));
        return false;
    }
    const std::vector<std::string> classes = {"BatchNormalization", l.cls};
    json b = {{"name", l.name}, {"class", "BatchNormalization"}};
    common(b, l.name, classes);
    Precision st, bt;
    json p = json::object();
    p["scale"] = prec(l.name, classes, "scale", "ap_fixed<16,6>", &st);
    p["bias"] = prec(l.name, classes, "bias", "ap_fixed<16,6>", &bt);
    p["result"] = prec(l.name, classes, "result", "ap_fixed<16,6>");
    b["precision"] = p;
    std::vector<double> sv(scale.begin(), scale.end()), bv(bias.begin(), bias.end());
    b["scale"] = values_json(sv, st);
    b["bias"] = values_json(bv, bt);
    out_.push_back(std::move(b));
    return false;
}

}  // namespace tlm4ml
