// BatchNormalization (per-channel scale and bias) and hls4ml's BatchNormalizationQuantizedTanh (per-feature
// thresholds in the input's type).
#include "models/model_file/layer_builder.h"

#include <fmt/format.h>

#include "layers/arithmetic/batchnorm.h"
#include "rtl_models/quantize.h"

namespace tlm4ml::model_file {

void LayerBuilder::add_batchnorm(const Ctx& c, const json& layer, const std::string& name,
                                 const std::vector<size_t>& shape, Precision& in_prec) {
    const size_t n = product(shape);
    check_keys(c, layer, {"name", "class", "precision", "reuse_factor", "scale", "bias"});
    const size_t nf = shape.back();
    const LayerPrecisions lp = layer_precisions(c, layer, {"scale", "bias", "result"});
    BatchNormConfig cfg;
    cfg.n_in = n;
    cfg.n_filt = nf;
    cfg.reuse_factor = layer_reuse_factor(c, layer, d_);
    cfg.data_t = in_prec;
    cfg.scale_t = lp.get("scale", d_.precision);
    cfg.bias_t = lp.get("bias", d_.precision);
    cfg.result_t = lp.get("result", d_.precision);
    cfg.scale = channel_tensor(c.at("scale"), require(c, layer, "scale"), nf, cfg.scale_t);
    cfg.bias = channel_tensor(c.at("bias"), require(c, layer, "bias"), nf, cfg.bias_t);
    push(std::make_unique<BatchNormLayer>(name, std::move(cfg)), in_prec);
}

void LayerBuilder::add_quantized_tanh(const Ctx& c, const json& layer, const std::string& name,
                                      const std::vector<size_t>& shape, Precision& in_prec) {
    const size_t n = product(shape);
    check_keys(c, layer, {"name", "class", "activation", "threshold", "threshold_hi", "threshold_lo"});
    const std::string act = get_string(c.at("activation"), require(c, layer, "activation"));
    QuantizedTanhConfig cfg;
    cfg.n_in = n;
    cfg.n_filt = shape.back();
    cfg.data_t = in_prec;
    if (act == "binary_tanh") {
        cfg.threshold = threshold_tensor(c.at("threshold"), require(c, layer, "threshold"), cfg);
    } else if (act == "ternary_tanh") {
        cfg.ternary = true;
        cfg.threshold_hi = threshold_tensor(c.at("threshold_hi"), require(c, layer, "threshold_hi"), cfg);
        cfg.threshold_lo = threshold_tensor(c.at("threshold_lo"), require(c, layer, "threshold_lo"), cfg);
    } else {
        c.at("activation").fail(fmt::format("\"{}\": expected binary_tanh or ternary_tanh", act));
    }
    push(std::make_unique<QuantizedTanhLayer>(name, std::move(cfg)), in_prec);
}

std::vector<int64_t> LayerBuilder::channel_tensor(const Ctx& c, const json& v, size_t nf, const Precision& p) {
    const Tensor t = get_tensor(c, v);
    if (t.shape != std::vector<size_t>{nf})
        c.fail(fmt::format("expected {} values (one per channel), got shape {}", nf, shape_str(t.shape)));
    return quantize_tensor(c, t, p);
}

std::vector<int64_t> LayerBuilder::threshold_tensor(const Ctx& c, const json& v, const QuantizedTanhConfig& cfg) {
    // Thresholds live in the input's type, floored to its LSB (hls4ml's threshold_t).
    const Tensor t = get_tensor(c, v);
    if (t.values.size() != cfg.n_filt)
        c.fail(fmt::format("expected {} values (one per feature), got shape {}", cfg.n_filt, shape_str(t.shape)));
    Precision tp = cfg.data_t;
    tp.quant = QuantMode::TRN;
    std::vector<int64_t> raw(t.values.size());
    for (size_t i = 0; i < raw.size(); ++i) raw[i] = quantize_double(t.values[i], tp);
    return raw;
}

}  // namespace tlm4ml::model_file
