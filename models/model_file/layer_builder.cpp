#include "models/model_file/layer_builder.h"

#include <fmt/format.h>

namespace tlm4ml::model_file {

void LayerBuilder::add(const Ctx& c, const json& layer, std::vector<size_t>& shape, Precision& in_prec,
                       const Operand* first, const Operand* second) {
    const std::string name = get_string(c.at("name"), require(c, layer, "name"));
    // Names become trace file names and VCD scopes: keep them identifiers.
    if (!valid_name(name))
        c.at("name").fail(
            fmt::format("\"{}\" is not a valid layer name (letters, digits and _, not starting with a digit)", name));
    if (!names_.insert(name).second) c.at("name").fail(fmt::format("duplicate layer name \"{}\"", name));
    const std::string cls = get_string(c.at("class"), require(c, layer, "class"));
    const size_t n = product(shape);

    MergeOp merge_op;
    if (parse_merge_class(cls, merge_op)) {
        if (!first || !second) c.at("inputs").fail(fmt::format("{} takes two inputs (\"inputs\": [a, b])", cls));
        add_merge(c, layer, name, merge_op, *first, *second, shape, in_prec);
    } else if (cls == "Dense" || cls == "BinaryDense" || cls == "TernaryDense" || cls == "QDense") {
        add_dense(c, layer, name, shape, in_prec);
    } else if (cls == "Conv1D" || cls == "Conv2D" || cls == "QConv1D" || cls == "QConv2D") {
        add_conv(c, layer, name, cls, shape, in_prec);
    } else if (cls == "MaxPooling1D" || cls == "MaxPooling2D" || cls == "AveragePooling1D" ||
               cls == "AveragePooling2D" || cls == "GlobalMaxPooling1D" || cls == "GlobalMaxPooling2D" ||
               cls == "GlobalAveragePooling1D" || cls == "GlobalAveragePooling2D") {
        add_pooling(c, layer, name, cls, shape, in_prec);
    } else if (cls == "ZeroPadding1D" || cls == "ZeroPadding2D") {
        add_zero_padding(c, layer, name, cls, shape, in_prec);
    } else if (cls == "BatchNormalization") {
        add_batchnorm(c, layer, name, shape, in_prec);
    } else if (cls == "BatchNormalizationQuantizedTanh") {
        add_quantized_tanh(c, layer, name, shape, in_prec);
    } else if (cls == "Activation" || cls == "ReLU" || cls == "LeakyReLU" || cls == "ThresholdedReLU" ||
               cls == "Softmax") {
        add_activation_class(c, layer, name, cls, n, in_prec);
    } else if (cls == "Dropout" || cls == "InputLayer") {
        check_keys(c, layer, {"name", "class", "rate"});
    } else if (cls == "Flatten") {
        check_keys(c, layer, {"name", "class"});
        shape = {n};
    } else if (cls == "Reshape") {
        add_reshape(c, layer, shape);
    } else {
        c.at("class").fail(fmt::format(
            "unknown or unsupported layer class \"{}\" (supported: Dense, BinaryDense, TernaryDense, "
            "Conv1D, Conv2D, MaxPooling1D/2D, AveragePooling1D/2D, GlobalMaxPooling1D/2D, "
            "GlobalAveragePooling1D/2D, ZeroPadding1D/2D, BatchNormalization, BatchNormalizationQuantizedTanh, "
            "Activation, ReLU, LeakyReLU, ThresholdedReLU, Softmax, Dropout, Flatten, Reshape, Add, Subtract, "
            "Multiply, Average, Maximum, Minimum, Concatenate)",
            cls));
    }
}

void LayerBuilder::push(LayerPtr l, Precision& in_prec) {
    in_prec = l->output_precision();
    m_.layers.push_back(std::move(l));
}

// A Dense / Conv layer's "activation": a separate layer "<name>_<activation>" (hls4ml's naming).
void LayerBuilder::fused_activation(const Ctx& c, const json& layer, const std::string& name, size_t n_out,
                                    Precision& in_prec) {
    if (!layer.contains("activation")) return;
    const std::string act = get_string(c.at("activation"), layer["activation"]);
    if (act == "linear") return;
    if (!names_.insert(name + "_" + act).second)
        c.at("activation")
            .fail(fmt::format("the fused activation layer \"{}_{}\" clashes with another layer name", name, act));
    json fused = json::object();
    add_activation(c, fused, name + "_" + act, act, n_out, in_prec, true);
}

void LayerBuilder::add_reshape(const Ctx& c, const json& layer, std::vector<size_t>& shape) {
    const size_t n = product(shape);
    check_keys(c, layer, {"name", "class", "target_shape"});
    const json& ts = require(c, layer, "target_shape");
    if (!ts.is_array() || ts.empty()) c.at("target_shape").fail("expected a non-empty array of sizes");
    std::vector<size_t> s;
    for (size_t i = 0; i < ts.size(); ++i)
        s.push_back(static_cast<size_t>(get_int(c.at("target_shape").at(i), ts[i], 1, 1 << 30)));
    check_tensor_size(c.at("target_shape"), s, "target");
    if (product(s) != n)
        c.at("target_shape")
            .fail(
                fmt::format("{} has {} elements, the input {} has {}", shape_str(s), product(s), shape_str(shape), n));
    shape = s;
}

}  // namespace tlm4ml::model_file
