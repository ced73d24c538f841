#include "models/keras/layer_converters.h"

#include <fmt/format.h>

#include "models/keras/firmware_values.h"
#include "models/model.h"
#include "models/passes/infer_precision.h"

namespace tlm4ml {

using nlohmann::json;

LayerConverters::LayerConverters(const Hls4mlConfig& cfg, const KerasWeights& weights,
                                 std::vector<std::string>& warnings, const std::string& model_precision,
                                 const KerasInput& input, const std::string& input_precision)
    : cfg_(cfg),
      weights_(weights),
      warnings_(warnings),
      shape_(input.shape),
      model_prec_(model_precision),
      input_name_(input.name),
      input_prec_(input_precision),
      first_layer_(input.first_layer) {
    known_names_.insert(lower_case(input.name));
}

json LayerConverters::convert(const KerasGraph& g) {
    const std::vector<KerasLayer>& layers = g.layers;
    const std::string& input_name = input_name_;
    file_ = g.file;
    // Each Keras layer's output lives in some emitted layer's output (or the model input): tensors_ says
    // which, with its shape. A layer reads what its inbound layers' tensors name; it gets "inputs" when
    // that is not simply the previous emitted layer (always for merges).
    tensors_[input_name] = {input_name, shape_, false, false};
    absorbed_.assign(layers.size(), false);
    out_ = json::array();
    for (size_t i = first_layer_; i < layers.size(); ++i) {
        if (absorbed_[i]) continue;
        const KerasLayer& l = layers[i];
        std::vector<Tensor> ins;
        for (const auto& src : l.inbound) ins.push_back(tensors_.at(src));
        shape_ = ins[0].shape;
        prev_bnqt_ = ins[0].bnqt;
        prev_bnqt_ternary_ = ins[0].bnqt_ternary;
        const size_t before = out_.size();
        const std::string last = before == 0 ? input_name : out_[before - 1]["name"].get<std::string>();
        absorbed_now_.clear();
        const bool merge = is_merge_class(l.cls);
        if (merge)
            add_merge(l, ins);
        else
            add(g, i);
        Tensor t{ins[0].name, shape_, prev_bnqt_, prev_bnqt_ternary_};
        if (out_.size() > before) {
            t.name = out_.back()["name"].get<std::string>();
            if (merge || ins[0].name != last) {
                json names = json::array();
                for (const auto& in : ins) names.push_back(in.name);
                out_[before]["inputs"] = names;
            }
        }
        tensors_[l.name] = t;
        for (size_t k : absorbed_now_) tensors_[layers[k].name] = t;
    }
    if (out_.empty())
        fail_at(file_, "the model computes nothing (no layer left after removing Dropout and linear activations)");
    if (tensors_.at(g.output_name).name != out_.back()["name"])
        fail_at(file_, fmt::format("the model's output \"{}\" is not the last layer computed (\"{}\")", g.output_name,
                                out_.back()["name"].get<std::string>()));
    return out_;
}

// hls4ml splits a Dense / Conv activation out as "<layer>_<activation>"; a binary / ternary Dense reading a
// merged BatchNormalization + tanh is re-typed (prev_bnqt_), so every other layer clears that mark.
void LayerConverters::add(const KerasGraph& g, size_t i) {
    const KerasLayer& l = g.layers[i];
    const json& c = l.config;
    if (l.cls == "InputLayer") fail_at(l.where, "an InputLayer in the middle of the model");
    if (l.cls == "Dropout") {  // inference: identity; hls4ml removes it
        known_names_.insert(lower_case(l.name));
        return;
    }
    if (l.cls == "Flatten") {
        out_.push_back({{"name", l.name}, {"class", "Flatten"}});
        known_names_.insert(lower_case(l.name));
        shape_ = {element_count(shape_)};
        return;
    }
    if (l.cls == "Reshape") {
        add_reshape(l);
        return;
    }
    if (l.cls == "Conv1D" || l.cls == "Conv2D" || l.cls == "QConv1D" || l.cls == "QConv2D") {
        add_conv(l);
        prev_bnqt_ = false;
        if (c.contains("activation") && !c["activation"].is_null()) {
            if (l.cls[0] == 'Q') {
                const QuantizerSpec q = parse_quantizer(c["activation"], l.where);
                if (!(q.plain && q.cls == "linear")) add_qactivation(l, l.name + "_" + q.cls, q);
            } else {
                const std::string act = c.value("activation", std::string("linear"));
                if (act != "linear")
                    add_activation(l, l.name + "_" + act, act, json::object());
                else
                    add_linear_activation(l, l.name + "_linear", l.name);
            }
        }
        return;
    }
    if (l.cls.find("Pooling") != std::string::npos) {
        add_pooling(l);
        prev_bnqt_ = false;
        return;
    }
    if (l.cls == "ZeroPadding1D" || l.cls == "ZeroPadding2D") {
        add_zero_padding(l);
        prev_bnqt_ = false;
        return;
    }
    if (l.cls == "Dense" || l.cls == "BinaryDense" || l.cls == "TernaryDense") {
        add_dense(l);
        prev_bnqt_ = false;
        const std::string act = c.value("activation", std::string("linear"));
        if (act != "linear")
            add_activation(l, l.name + "_" + act, act, json::object());
        else
            add_linear_activation(l, l.name + "_linear", l.name);
        return;
    }
    if (l.cls == "QDense") {
        add_dense(l);
        prev_bnqt_ = false;
        if (c.contains("activation") && !c["activation"].is_null()) {
            const QuantizerSpec q = parse_quantizer(c["activation"], l.where);
            if (!(q.plain && q.cls == "linear")) add_qactivation(l, l.name + "_" + q.cls, q);
        }
        return;
    }
    if (l.cls == "BatchNormalization" || l.cls == "QBatchNormalization") {
        add_batchnorm_layer(g, i);
        return;
    }
    prev_bnqt_ = false;
    if (l.cls == "Activation" || l.cls == "ReLU" || l.cls == "LeakyReLU" || l.cls == "Softmax" ||
        l.cls == "QActivation") {
        add_activation_layer(l);
        return;
    }
    fail_at(l.where, fmt::format("not supported by the importer (supported: {})", supported_classes()));
}

// A configured type. "auto" stays for result / accum (models/passes/infer_precision.cpp sizes them once the
// input types are known); any other "auto" (weight, bias, scale, tables) is the model default, as
// infer_precision.py's _infer_default_type makes it before the weights are written.
std::string LayerConverters::prec(const std::string& name, const std::vector<std::string>& classes,
                                  const std::string& var, const std::string& fallback, Precision* parsed) {
    std::string p = cfg_.precision(name, classes, var, fallback);
    if (is_auto_precision(p)) {
        if ((var == "result" || var == "accum") && !parsed) return "auto";
        p = model_prec_;
    }
    const Precision pp = parse_precision(fmt::format("{}: precision {} of layer \"{}\"", cfg_.path, var, name), p);
    if (parsed) *parsed = pp;
    return p;
}

void LayerConverters::common(json& l, const std::string& name, const std::vector<std::string>& classes) {
    l["reuse_factor"] = cfg_.reuse_factor(name, classes);
    known_names_.insert(lower_case(name));
}

int LayerConverters::to_int(const std::string& name, const char* key, const std::string& v) {
    try {
        size_t used = 0;
        const int i = std::stoi(v, &used);
        if (used == v.size()) return i;
    } catch (const std::exception&) {
    }
    fail_at(cfg_.path, fmt::format("{} of layer \"{}\": expected an integer, got \"{}\"", key, name, v));
}

// An explicit table type (table, exp_table, ...: Precision.<var>, or the <var>_t key), "auto" as the
// model default; "" when the configuration names none (the backend's default applies).
std::string LayerConverters::table_precision(const std::string& name, const std::vector<std::string>& classes,
                                             const std::string& var) {
    std::string v = cfg_.explicit_precision(name, classes, var);
    if (v.empty()) v = cfg_.setting(name, classes, var + "_t");
    if (is_auto_precision(v)) v = model_prec_;
    if (!v.empty()) parse_precision(fmt::format("{}: {}_t of layer \"{}\"", cfg_.path, var, name), v);
    return v;
}

}  // namespace tlm4ml
