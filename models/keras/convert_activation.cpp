// Activation, ReLU, LeakyReLU, Softmax and QActivation (and the activations hls4ml splits out of a Dense /
// Conv as "<layer>_<activation>"), with their tables and types.
#include "models/keras/layer_converters.h"

#include <fmt/format.h>

#include "models/keras/firmware_values.h"
#include "models/model.h"
#include "models/passes/infer_precision.h"
#include "models/passes/linear.h"

namespace tlm4ml {

using nlohmann::json;

// A stand-alone activation layer (the activation of a Dense / Conv is added by the dispatch).
void LayerConverters::add_activation_layer(const KerasLayer& l) {
    const json& c = l.config;
    if (l.cls == "Activation") {
        const std::string act = c.value("activation", std::string("linear"));
        if (act == "linear") {
            add_linear_activation(l, l.name, tensors_.at(l.inbound[0]).name);
            return;
        }
        add_activation(l, l.name, act, json::object());
        return;
    }
    if (l.cls == "ReLU") {
        json extra = json::object();
        if (c.contains("max_value") && !c["max_value"].is_null()) extra["max_value"] = c["max_value"];
        if (c.contains("negative_slope") && c["negative_slope"].is_number() && c["negative_slope"].get<double>() != 0)
            fail_at(l.where, "ReLU with a negative_slope is not supported");
        if (c.contains("threshold") && c["threshold"].is_number() && c["threshold"].get<double>() != 0)
            fail_at(l.where, "ReLU with a threshold is not supported");
        add_activation(l, l.name, "relu", extra);
        return;
    }
    if (l.cls == "LeakyReLU") {
        json extra = json::object();
        extra["alpha"] =
            c.contains("alpha") ? c["alpha"] : (c.contains("negative_slope") ? c["negative_slope"] : json(0.3));
        add_activation(l, l.name, "leaky_relu", extra);
        return;
    }
    if (l.cls == "Softmax") {
        if (c.contains("axis") && c["axis"].is_number_integer() && c["axis"].get<int>() != -1 &&
            static_cast<size_t>(c["axis"].get<int>()) != shape_.size())
            fail_at(l.where, "softmax over an axis other than the last is not supported");
        add_activation(l, l.name, "softmax", json::object());
        return;
    }
    if (l.cls == "QActivation") {
        if (!c.contains("activation")) fail_at(l.where, "no \"activation\"");
        const QuantizerSpec q = parse_quantizer(c["activation"], l.where);
        if (q.plain && q.cls == "linear") {
            known_names_.insert(lower_case(l.name));
            return;
        }
        add_qactivation(l, l.name, q);
    }
}

// QActivation (or a QDense's quantized activation): the result type is the configuration's when it
// names one for this layer, else the type hls4ml derives from the quantizer (AP_RND_CONV, AP_SAT).
void LayerConverters::add_qactivation(const KerasLayer& l, const std::string& name, const QuantizerSpec& q) {
    const std::string where = l.where;
    if (q.plain) {
        add_activation(l, name, q.cls, json::object());
        return;
    }
    if (q.cls == "binary" || q.cls == "ternary") {
        add_activation(l, name, q.cls + "_tanh", json::object());
        return;
    }
    const std::vector<std::string> classes = {"Activation", l.cls};
    json a = {{"name", name}, {"class", "Activation"}};
    a["activation"] = q.cls == "quantized_relu" ? "relu" : "linear";
    common(a, name, classes);
    // hls4ml 1.x takes a QActivation's result type from the configuration alone, exactly as written
    // (TRN / WRAP when it names no modes): Activation.initialize (hls4ml/model/layers.py:961-964) sizes
    // the output with get_precision(self, 'result') -- LayerName, LayerType, Model --, and the quantizer
    // that get_activation_quantizer stores (converters/keras/qkeras.py:104-180) is never read again. The
    // quantizer's own type (AP_RND_CONV, AP_SAT) reaches the firmware only when the configuration carries
    // it, as config_from_keras_model writes it for granularity 'name' / 'type' (utils/config.py,
    // make_layer_config's quantizer loop and _get_precision_from_quantizer, :47-117).
    std::string r = cfg_.explicit_precision(name, classes, "result");
    if (r.empty()) {
        const auto it = cfg_.layer_name.find(lower_case(name));
        if (it != cfg_.layer_name.end() && it->second.precision.count("default"))
            r = it->second.precision.at("default");
    }
    if (r.empty()) r = cfg_.precision(name, classes, "result", model_prec_);
    if (is_auto_precision(r)) r = model_prec_;  // Activation is not inferred: the model default
    const std::string quantizer_type = activation_precision(q, where);
    if (parse_precision(where, quantizer_type) != parse_precision(where, r))
        warnings_.push_back(fmt::format(
            "{}: QKeras computes this activation in {} (the quantizer's type), but hls4ml's firmware, and tlm4ml, "
            "use {} from the configuration (hls4ml 1.x ignores the quantizer here): the outputs can differ from "
            "QKeras'; give the layer that type (LayerName.{}.Precision.result) to follow QKeras",
            where + (name == l.name ? "" : " (activation \"" + name + "\")"), quantizer_type, r, name));
    parse_precision(fmt::format("{}: result precision of layer \"{}\"", cfg_.path, name), r);
    a["precision"] = {{"result", r}};
    out_.push_back(std::move(a));
}

// A linear activation: models/passes/linear.h decides whether it stays, as a cast to its result type (the
// configuration's, "auto" being the model default: Activation is not inferred). `producer` is the emitted
// layer (or the model input) it reads.
void LayerConverters::add_linear_activation(const KerasLayer& l, const std::string& name, const std::string& producer) {
    known_names_.insert(lower_case(name));
    std::string in_type;
    if (producer == input_name_) {
        in_type = input_prec_;
    } else {
        for (const auto& e : out_) {
            if (e["name"] != producer) continue;
            const std::string cls = e.value("class", std::string());
            if (cls == "BinaryDense" || cls == "TernaryDense") {
                // The XNOR / ternary re-typing (quantize_dense_output) is a backend pass that runs after
                // the linear activations are gone: they saw the configured type.
                in_type = cfg_.precision(producer, {"Dense", cls}, "result", model_prec_);
            } else if (e.contains("precision") && e["precision"].is_object() && e["precision"].contains("result")) {
                in_type = e["precision"]["result"].get<std::string>();
            }
        }
    }
    const std::vector<std::string> classes = {"Activation", l.cls};
    std::string result = cfg_.precision(name, classes, "result", model_prec_);
    if (is_auto_precision(result)) result = model_prec_;
    const std::string where = fmt::format("{}: result precision of layer \"{}\"", cfg_.path, name);
    if (!linear_activation_stays(in_type, result, where)) return;
    json a = {{"name", name}, {"class", "Activation"}, {"activation", "linear"}};
    common(a, name, classes);
    a["precision"] = {{"result", result}};
    out_.push_back(std::move(a));
}

void LayerConverters::add_activation(const KerasLayer& l, const std::string& name, const std::string& act,
                                     const json& extra) {
    json a = {{"name", name}};
    if (act == "softmax") {
        // hls4ml's Softmax layer has class_name "Softmax": LayerType.Activation does not reach it
        // (HLSConfig.get_layer_config / get_precision look up layer.class_name only).
        const std::vector<std::string> classes = {"Softmax"};
        a["class"] = "Softmax";
        common(a, name, classes);
        json p = json::object();
        p["result"] = prec(name, classes, "result", "ap_fixed<16,6>");
        p["accum"] = prec(name, classes, "accum", "ap_fixed<16,6>");
        for (const char* t : {"exp_table", "inv_table", "inv_inp", "table"})
            if (const std::string v = table_precision(name, classes, t); !v.empty()) p[t] = v;
        a["precision"] = p;
        std::string impl = cfg_.setting(name, classes, "implementation");
        if (impl.empty()) {
            // Older configurations select the softmax variant with Strategy (e.g. "Stable").
            const std::string st = lower_case(cfg_.strategy(name, classes));
            if (st == "stable" || st == "legacy" || st == "argmax") impl = st;
        }
        if (!impl.empty()) a["implementation"] = lower_case(impl);
        for (const char* k : {"table_size", "exp_table_size", "inv_table_size"})
            if (const std::string v = cfg_.setting(name, classes, k); !v.empty()) a[k] = to_int(name, k, v);
    } else {
        const std::vector<std::string> classes = {"Activation", l.cls};
        a["class"] = "Activation";
        a["activation"] = act;
        common(a, name, classes);
        json p = json::object();
        // A stand-alone binary/ternary tanh keeps its 1- / 2-bit result unless the configuration names one.
        if (act == "binary_tanh" || act == "ternary_tanh" || act == "binary" || act == "ternary") {
            const std::string r = cfg_.explicit_precision(name, classes, "result");
            if (!r.empty()) p["result"] = prec(name, classes, "result", r);
            if (act == "binary" || act == "ternary") a["activation"] = act + "_tanh";
        } else {
            p["result"] = prec(name, classes, "result", "ap_fixed<16,6>");
        }
        if (const std::string table = table_precision(name, classes, "table"); !table.empty()) p["table"] = table;
        a["precision"] = p;
        if (const std::string v = cfg_.setting(name, classes, "table_size"); !v.empty())
            a["table_size"] = to_int(name, "table_size", v);
        for (auto it = extra.begin(); it != extra.end(); ++it) a[it.key()] = it.value();
    }
    out_.push_back(std::move(a));
}

}  // namespace tlm4ml
