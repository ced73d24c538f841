// Dense, BinaryDense, TernaryDense and QDense with their weights (hls4ml's route for fixed-point weights;
// QKeras' quantized values and types), and Reshape.
#include "models/keras/layer_converters.h"

#include <fmt/format.h>

#include "models/keras/firmware_values.h"
#include "models/model.h"
#include "models/passes/bn_quant.h"

namespace tlm4ml {

using nlohmann::json;

void LayerConverters::add_dense(const KerasLayer& l) {
    const std::vector<std::string> classes = {"Dense", l.cls};
    if (shape_.size() != 1)
        fail_at(l.where, fmt::format("Dense on a {}-dimensional input: add a Flatten layer", shape_.size()));
    const size_t n_in = shape_[0];
    if (!l.config.contains("units") || !l.config["units"].is_number_integer()) fail_at(l.where, "no \"units\"");
    const size_t n_out = l.config["units"].get<size_t>();
    const bool use_bias = l.config.value("use_bias", true);
    const auto w = layer_weights(weights_, l);
    const H5Array& kernel = need(weights_, l, w, "kernel", {n_in, n_out});

    json d = {{"name", l.name}, {"class", l.cls}, {"units", n_out}};
    common(d, l.name, classes);
    d["strategy"] = cfg_.strategy(l.name, classes);
    json p = json::object();
    if (l.cls == "QDense") {
        add_qdense_weights(l, classes, w, kernel, n_in, n_out, use_bias, d, p);
    } else if (l.cls == "Dense") {
        add_fixed_weights(l, classes, w, kernel, {n_in, n_out}, use_bias, d, p);
        if (!use_bias) d["use_bias"] = false;
    } else {
        if (use_bias) fail_at(l.where, "use_bias true is not supported for binary / ternary Dense layers");
        const bool ternary = l.cls == "TernaryDense";
        // hls4ml's BinaryQuantizer(bits=2): x >= 0 -> +1 else -1; TernaryQuantizer: x > 0.5 -> +1,
        // x <= -0.5 -> -1, else 0.
        std::vector<double> kv(kernel.values.size());
        for (size_t k = 0; k < kv.size(); ++k) {
            const double x = kernel.values[k];
            kv[k] = ternary ? (x > 0.5 ? 1.0 : (x <= -0.5 ? -1.0 : 0.0)) : (x >= 0 ? 1.0 : -1.0);
        }
        d["kernel"] = matrix_json(kv, n_in, n_out);
        d["use_bias"] = false;
        if (prev_bnqt_) {
            // hls4ml's QuantizeDenseOutput (models/passes/bn_quant.h): XNOR (binary) or ternary weights on
            // the quantized activations, with an integer accumulator.
            p = quantize_dense_output(n_in, ternary);
        } else {
            p["weight"] = "ap_int<2>";
            p["bias"] = "ap_uint<1>";
            p["accum"] = prec(l.name, classes, "accum", "ap_fixed<16,6>");
            p["result"] = prec(l.name, classes, "result", "ap_fixed<16,6>");
        }
    }
    d["precision"] = p;
    out_.push_back(std::move(d));
    shape_ = {n_out};
}

// Dense / Conv with fixed-point weights: the configured types, and the values the firmware holds (hls4ml's
// weight route). The kernel keeps its Keras shape (the last axis is the outputs, hence the bias length).
void LayerConverters::add_fixed_weights(const KerasLayer& l, const std::vector<std::string>& classes,
                                        const std::map<std::string, H5Array>& w, const H5Array& kernel,
                                        const std::vector<size_t>& kernel_shape, bool use_bias, json& d, json& p) {
    Precision wt, bt;
    p["weight"] = prec(l.name, classes, "weight", "ap_fixed<16,6>", &wt);
    p["bias"] = prec(l.name, classes, "bias", "ap_fixed<16,6>", &bt);
    p["accum"] = prec(l.name, classes, "accum", "ap_fixed<16,6>");
    p["result"] = prec(l.name, classes, "result", "ap_fixed<16,6>");
    std::vector<double> kv(kernel.values.size());
    for (size_t k = 0; k < kv.size(); ++k) kv[k] = firmware_value(kernel.values[k], wt);
    d["kernel"] = tensor_json(kv.data(), kernel_shape);
    RawWeights& raw = raw_weights_[l.name];
    raw = {kernel.values, {}, kernel_shape, wt, bt, std::nullopt, std::nullopt, false, false};
    if (use_bias) {
        raw.bias = need(weights_, l, w, "bias", {kernel_shape.back()}).values;
        d["bias"] = values_json(raw.bias, bt);
    }
}

// QDense: hls4ml takes the weight and bias types from the quantizers (they override the configuration)
// and writes the values QKeras quantized; accum and result come from the configuration.
void LayerConverters::add_qdense_weights(const KerasLayer& l, const std::vector<std::string>& classes,
                                         const std::map<std::string, H5Array>& w, const H5Array& kernel, size_t n_in,
                                         size_t n_out, bool use_bias, json& d, json& p,
                                         const std::vector<size_t>& kernel_shape) {
    const std::string where = l.where;
    auto quantizer = [&](const char* key) -> std::optional<QuantizerSpec> {
        if (!l.config.contains(key) || l.config[key].is_null()) return std::nullopt;
        return parse_quantizer(l.config[key], where + ": " + key);
    };
    const auto kq = quantizer("kernel_quantizer");
    const auto bq = quantizer("bias_quantizer");
    Precision wt, bt;
    if (kq) {
        p["weight"] = weight_precision(*kq, where + ": kernel_quantizer");
        wt = parse_precision(where, p["weight"].get<std::string>());
    } else {
        p["weight"] = prec(l.name, classes, "weight", "ap_fixed<16,6>", &wt);
    }
    if (bq) {
        if (bq->cls == "quantized_po2" || bq->cls == "binary" || bq->cls == "ternary")
            fail_at(where, fmt::format("bias_quantizer {} is not supported (use quantized_bits)", bq->cls));
        p["bias"] = weight_precision(*bq, where + ": bias_quantizer");
        bt = parse_precision(where, p["bias"].get<std::string>());
    } else {
        p["bias"] = prec(l.name, classes, "bias", "ap_fixed<16,6>", &bt);
    }
    p["accum"] = prec(l.name, classes, "accum", "ap_fixed<16,6>");
    p["result"] = prec(l.name, classes, "result", "ap_fixed<16,6>");
    std::vector<double> kv(kernel.values.size());
    const bool po2 = kq && kq->cls == "quantized_po2";
    for (size_t k = 0; k < kv.size(); ++k) {
        if (!kq)
            kv[k] = firmware_value(kernel.values[k], wt);
        else if (po2 || kq->cls == "binary" || kq->cls == "ternary")
            kv[k] = qkeras_quantize(*kq, kernel.values[k]);
        else
            kv[k] = firmware_value(qkeras_quantize(*kq, kernel.values[k]), wt);
    }
    if (po2) d["weight_encoding"] = "po2";
    if (po2 && !kernel_shape.empty())
        fail_at(where, "quantized_po2 kernels are not supported in convolutions (use quantized_bits)");
    d["kernel"] = kernel_shape.empty() ? matrix_json(kv, n_in, n_out) : tensor_json(kv.data(), kernel_shape);
    RawWeights& raw = raw_weights_[l.name];
    raw.kernel_shape = kernel_shape.empty() ? std::vector<size_t>{n_in, n_out} : kernel_shape;
    raw.wt = wt;
    raw.bt = bt;
    raw.kq = kq;
    raw.bq = bq;
    raw.po2 = po2;
    raw.binary = kq && (kq->cls == "binary" || kq->cls == "ternary");
    raw.kernel.resize(kernel.values.size());
    for (size_t k = 0; k < kv.size(); ++k)
        raw.kernel[k] = kq ? qkeras_quantize(*kq, kernel.values[k]) : kernel.values[k];
    if (use_bias) {
        std::vector<double> bv = need(weights_, l, w, "bias", {n_out}).values;
        if (bq)
            for (double& x : bv) x = qkeras_quantize(*bq, x);
        raw.bias = bv;
        d["bias"] = values_json(bv, bt);
    } else {
        d["use_bias"] = false;
    }
}

void LayerConverters::add_reshape(const KerasLayer& l) {
    const json& c = l.config;
    const json& ts = c.contains("target_shape") ? c["target_shape"] : json();
    if (!ts.is_array() || ts.empty()) fail_at(l.where, "no \"target_shape\"");
    std::vector<size_t> t;
    for (const auto& d : ts) {
        if (!d.is_number_integer() || d.get<int64_t>() < 1)
            fail_at(l.where, fmt::format("target_shape {}: only fixed positive sizes are supported", ts.dump()));
        t.push_back(d.get<size_t>());
    }
    if (element_count(t) != element_count(shape_))
        fail_at(l.where,
             fmt::format("target_shape {} does not hold the {} input values", ts.dump(), element_count(shape_)));
    out_.push_back({{"name", l.name}, {"class", "Reshape"}, {"target_shape", t}});
    known_names_.insert(lower_case(l.name));
    shape_ = t;
}

}  // namespace tlm4ml
