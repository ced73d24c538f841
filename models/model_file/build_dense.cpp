#include "models/model_file/layer_builder.h"

#include <cmath>

#include <fmt/format.h>

#include "layers/arithmetic/dense.h"
#include "rtl_models/packed_bits.h"

namespace tlm4ml::model_file {

void LayerBuilder::add_dense(const Ctx& c, const json& layer, const std::string& name, std::vector<size_t>& shape,
                             Precision& in_prec) {
    check_keys(c, layer,
               {"name", "class", "units", "precision", "reuse_factor", "strategy", "kernel", "bias", "use_bias",
                "activation", "weight_encoding"});
    if (shape.size() != 1)
        c.fail(fmt::format("Dense needs a flat input, got shape {} (add a Flatten layer)", shape_str(shape)));
    DenseConfig cfg;
    cfg.n_in = shape[0];
    cfg.n_out = static_cast<size_t>(get_int(c.at("units"), require(c, layer, "units"), 1, 1 << 24));
    cfg.strategy = layer.contains("strategy") ? parse_strategy(c.at("strategy"), layer["strategy"]) : d_.strategy;
    cfg.data_t = in_prec;
    const LayerPrecisions lp = layer_precisions(c, layer, {"weight", "bias", "accum", "result"});
    cfg.weight_t = lp.get("weight", d_.precision);
    bool accum_given = false, result_given = false;
    cfg.accum_t = lp.get("accum", d_.precision, &accum_given);
    cfg.result_t = lp.get("result", d_.precision, &result_given);
    cfg.bias_t = lp.get("bias", d_.precision);
    if (is_xnor_type(cfg.weight_t) && is_xnor_type(cfg.data_t)) {
        // hls4ml's quantize_dense_output: XNOR layers accumulate in ap_int<ceil(log2 n_in)+2>.
        const Precision xp = xnor_result_precision(cfg.n_in);
        if (!accum_given) cfg.accum_t = xp;
        if (!result_given) cfg.result_t = xp;
    }

    check_tensor_size(c.at("units"), {cfg.n_in, cfg.n_out}, "kernel");
    const int rf = layer_reuse_factor(c, layer, d_);
    cfg.reuse_factor = rf;
    if (!is_valid_reuse_factor(cfg.n_in, cfg.n_out, rf)) {
        cfg.reuse_factor = closest_valid_reuse_factor(cfg.n_in, cfg.n_out, rf);
        const std::string where =
            layer.contains("reuse_factor") ? c.at("reuse_factor").path : c.path + " (default_reuse_factor)";
        m_.warnings.push_back(
            fmt::format("{}: {}: reuse_factor {} is not valid for n_in={} n_out={}; using "
                        "the closest valid one, {}",
                        c.file, where, rf, cfg.n_in, cfg.n_out, cfg.reuse_factor));
    }

    const Tensor k = get_tensor(c.at("kernel"), require(c, layer, "kernel"));
    if (k.shape != std::vector<size_t>{cfg.n_in, cfg.n_out})
        c.at("kernel").fail(
            fmt::format("expected shape [{}, {}] (n_in x units), got {}", cfg.n_in, cfg.n_out, shape_str(k.shape)));
    bool po2 = false;
    if (layer.contains("weight_encoding")) {
        const std::string enc = get_string(c.at("weight_encoding"), layer["weight_encoding"]);
        if (enc == "po2")
            po2 = true;
        else if (enc != "fixed")
            c.at("weight_encoding").fail(fmt::format("\"{}\": expected \"fixed\" or \"po2\"", enc));
    }
    if (po2) {
        // Power-of-two weights (QKeras quantized_po2, hls4ml's weight_exponential product): every value
        // is +-2^e and precision.weight is the exponent's signed integer type.
        if (!cfg.weight_t.is_signed || cfg.weight_t.frac() != 0 || cfg.weight_t.width > 8)
            c.at("precision")
                .fail(fmt::format("weight_encoding \"po2\" needs an ap_int<W> weight type (W <= 8) "
                                  "for the exponent, got {}",
                                  cfg.weight_t.str()));
        cfg.weight_exponential = true;
        cfg.weights.resize(k.values.size());
        cfg.weight_negative.resize(k.values.size());
        for (size_t i = 0; i < k.values.size(); ++i) {
            const double v = k.values[i];
            int e = 0;
            const double mant = std::frexp(std::fabs(v), &e);
            if (!(v != 0 && std::isfinite(v) && mant == 0.5))
                c.at("kernel").fail(fmt::format("element {} is {}: po2 weights must be +-2^e", i, v));
            --e;
            if (e < cfg.weight_t.min_raw() || e > cfg.weight_t.max_raw())
                c.at("kernel").fail(
                    fmt::format("element {} is {}: exponent {} does not fit {}", i, v, e, cfg.weight_t.str()));
            cfg.weights[i] = e;
            cfg.weight_negative[i] = v < 0 ? 1 : 0;
        }
    } else {
        cfg.weights = quantize_tensor(c.at("kernel"), k, cfg.weight_t, true);
    }
    bool use_bias = true;
    if (layer.contains("use_bias")) {
        if (!layer["use_bias"].is_boolean()) c.at("use_bias").fail("expected true or false");
        use_bias = layer["use_bias"].get<bool>();
    }
    if (use_bias && layer.contains("bias")) {
        const Tensor b = get_tensor(c.at("bias"), layer["bias"]);
        if (b.shape != std::vector<size_t>{cfg.n_out})
            c.at("bias").fail(fmt::format("expected {} values, got shape {}", cfg.n_out, shape_str(b.shape)));
        cfg.biases = quantize_tensor(c.at("bias"), b, cfg.bias_t);
    } else {
        if (use_bias) c.at("bias").fail("missing (required unless \"use_bias\": false)");
        cfg.biases.assign(cfg.n_out, 0);
    }
    const size_t n_out = cfg.n_out;
    push(std::make_unique<DenseLayer>(name, std::move(cfg)), in_prec);
    shape = {n_out};
    fused_activation(c, layer, name, n_out, in_prec);
}

}  // namespace tlm4ml::model_file
