#include "models/model_file/layer_builder.h"

#include <cmath>

#include <fmt/format.h>

#include "layers/arithmetic/activation.h"
#include "layers/arithmetic/softmax.h"
#include "rtl_models/quantize.h"

namespace tlm4ml::model_file {

// Activation (any activation by name) or a class that names its activation (ReLU, LeakyReLU, ...).
void LayerBuilder::add_activation_class(const Ctx& c, const json& layer, const std::string& name,
                                        const std::string& cls, size_t n, Precision& in_prec) {
    std::string act;
    if (cls == "Activation")
        act = get_string(c.at("activation"), require(c, layer, "activation"));
    else if (cls == "ReLU")
        act = "relu";
    else if (cls == "LeakyReLU")
        act = "leaky_relu";
    else if (cls == "ThresholdedReLU")
        act = "thresholded_relu";
    else
        act = "softmax";
    if (cls != "Activation" && layer.contains("activation") &&
        get_string(c.at("activation"), layer["activation"]) != act)
        c.at("activation")
            .fail(fmt::format("a {} layer computes {}, not \"{}\"", cls, act, layer["activation"].get<std::string>()));
    add_activation(c, layer, name, act, n, in_prec);
}

void LayerBuilder::add_activation(const Ctx& c, const json& layer, const std::string& name, const std::string& act,
                                  size_t n, Precision& in_prec, bool fused) {
    if (act == "softmax") {
        check_keys(c, layer,
                   {"name", "class", "activation", "precision", "reuse_factor", "implementation", "table_size",
                    "exp_table_size", "inv_table_size", "axis"});
        const LayerPrecisions lp =
            layer_precisions(c, layer, {"result", "accum", "table", "exp_table", "inv_table", "inv_inp"});
        SoftmaxConfig cfg;
        cfg.n_in = n;
        cfg.reuse_factor = layer_reuse_factor(c, layer, d_);
        cfg.data_t = in_prec;
        cfg.result_t = lp.get("result", d_.precision);
        cfg.accum_t = lp.get("accum", d_.precision);
        cfg.table_t = lp.get("table", cfg.table_t);
        cfg.exp_table_t = lp.get("exp_table", cfg.exp_table_t);
        cfg.inv_table_t = lp.get("inv_table", cfg.inv_table_t);
        cfg.inv_inp_t = lp.get("inv_inp", cfg.inv_inp_t);
        if (layer.contains("implementation")) {
            const std::string impl = get_string(c.at("implementation"), layer["implementation"]);
            if (!parse_softmax_impl(impl, cfg.implementation))
                c.at("implementation").fail(fmt::format("\"{}\": expected stable, latency, legacy or argmax", impl));
        }
        auto table = [&](const char* key, int& field) {
            if (!layer.contains(key)) return;
            field = get_int(c.at(key), layer[key], 2, 1 << 20);
            if ((field & (field - 1)) != 0) c.at(key).fail(fmt::format("{} is not a power of two", field));
        };
        if (layer.contains("table_size")) {
            table("table_size", cfg.table_size);
            cfg.exp_table_size = cfg.inv_table_size = cfg.table_size;
        }
        table("exp_table_size", cfg.exp_table_size);
        table("inv_table_size", cfg.inv_table_size);
        try {
            push(std::make_unique<SoftmaxLayer>(name, std::move(cfg)), in_prec);
        } catch (const std::invalid_argument& e) {
            c.fail(e.what());
        }
        return;
    }
    ActivationConfig cfg;
    double implied_max = 0;
    if (!parse_activation_kind(act, cfg.kind, implied_max))
        c.at(fused ? "activation" : "activation")
            .fail(fmt::format("unknown activation \"{}\" (expected linear, relu, relu1, relu6, leaky_relu, "
                              "thresholded_relu, binary_tanh, ternary_tanh, hard_sigmoid, hard_tanh, sigmoid, "
                              "tanh, softplus, softsign, softmax)",
                              act));
    check_keys(c, layer,
               {"name", "class", "activation", "precision", "reuse_factor", "table_size", "max_value", "alpha", "theta",
                "slope", "shift", "negative_slope"});
    const LayerPrecisions lp = layer_precisions(c, layer, {"result", "table", "param", "slope", "shift"});
    cfg.n_in = n;
    cfg.reuse_factor = layer_reuse_factor(c, layer, d_);
    cfg.data_t = in_prec;
    Precision result_default = d_.precision;
    if (cfg.kind == ActivationKind::BinaryTanh) result_default = Precision::integer_of(1, false);
    if (cfg.kind == ActivationKind::TernaryTanh) result_default = Precision::integer_of(2, true);
    cfg.result_t = lp.get("result", result_default);
    cfg.table_t = lp.get("table", cfg.table_t);
    cfg.param_t = lp.get("param", d_.precision);
    cfg.slope_t = lp.get("slope", cfg.slope_t);
    cfg.shift_t = lp.get("shift", cfg.shift_t);
    if (layer.contains("table_size")) cfg.table_size = get_int(c.at("table_size"), layer["table_size"], 2, 1 << 20);
    if (layer.contains("negative_slope") && get_number(c.at("negative_slope"), layer["negative_slope"]) != 0)
        c.at("negative_slope").fail("ReLU with a negative slope: use a LeakyReLU layer");
    if (cfg.kind == ActivationKind::Relu && layer.contains("max_value") && !layer["max_value"].is_null()) {
        cfg.kind = ActivationKind::ReluMax;
        implied_max = get_number(c.at("max_value"), layer["max_value"]);
    }
    if (cfg.kind == ActivationKind::ReluMax) {
        if (layer.contains("max_value")) implied_max = get_number(c.at("max_value"), layer["max_value"]);
        if (implied_max <= 0 || implied_max != std::floor(implied_max))
            c.at("max_value").fail("relu_max needs a positive integer max_value (hls4ml's MAX_INT)");
        cfg.max_value = static_cast<int64_t>(implied_max);
    }
    if (cfg.kind == ActivationKind::LeakyRelu)
        cfg.param =
            quantize_double(layer.contains("alpha") ? get_number(c.at("alpha"), layer["alpha"]) : 0.3, cfg.param_t);
    if (cfg.kind == ActivationKind::ThresholdedRelu)
        cfg.param =
            quantize_double(layer.contains("theta") ? get_number(c.at("theta"), layer["theta"]) : 1.0, cfg.param_t);
    if (cfg.kind == ActivationKind::HardSigmoid || cfg.kind == ActivationKind::HardTanh) {
        cfg.slope =
            quantize_double(layer.contains("slope") ? get_number(c.at("slope"), layer["slope"]) : 0.2, cfg.slope_t);
        cfg.shift =
            quantize_double(layer.contains("shift") ? get_number(c.at("shift"), layer["shift"]) : 0.5, cfg.shift_t);
    }
    try {
        push(std::make_unique<ActivationLayer>(name, std::move(cfg)), in_prec);
    } catch (const std::invalid_argument& e) {
        c.fail(e.what());
    }
}

}  // namespace tlm4ml::model_file
