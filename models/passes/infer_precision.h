// hls4ml's `auto` precisions: what its infer_precision_types pass (hls4ml 1.x,
// hls4ml/model/optimizer/passes/infer_precision.py) makes of the types a configuration written with
// config_from_keras_model(granularity='name' or 'type') leaves as "auto".
//
// The importer resolves weight, bias, scale, table and input types that are "auto" to the model default
// itself (the pass's _infer_default_type, before any weight is quantized) and leaves "auto" only in the
// `result` and `accum` types of the model document; this pass sizes those, in network order, from each
// layer's input types:
//   * Dense / Conv (any class tlm4ml emits for them): accum = result = fixed<W, I, signed> with
//     W = W_in + W_w + ceil(log2 n_ops), I = I_in + I_w + ceil(log2 n_ops) (n_ops = n_in, or
//     filt_h*filt_w*n_chan), then widened to hold the bias (a layer without one has hls4ml's uint<1> bias);
//     po2 (exponent) weights get the model default;
//   * BatchNormalization: result from input * scale + bias;
//   * Max/AveragePooling: accum = the input type (max) or W+2e, I+e with e = ceil(log2 pool area)
//     (average); result = the input type. Global pooling is not in hls4ml's list: the model default;
//   * merges: Add/Subtract/Average, Multiply, Maximum/Minimum, Concatenate as _infer_merge_precision /
//     _infer_cat_precision;
//   * everything else (activations, softmax, ...): the model default.
// Model.Precision.maximum (config_from_keras_model's max_precision) caps widths and integer bits as hls4ml does.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "rtl_models/precision.h"

namespace tlm4ml {

struct InferredType {
    std::string layer;
    std::string var;  // "result", "accum"
    Precision precision;
};

// Whether a configured precision string is hls4ml's "auto" (case-insensitive, as convert_precision_string).
bool is_auto_precision(const std::string& text);

// Resolves every "auto" left in `model` (tlm4ml's model document: "input", "layers" with "precision",
// "inputs", "kernel", "use_bias", pooling sizes) in place and returns what it chose, in layer order.
// `where` names the configuration in messages. Throws ModelError when a layer's input type is unknown.
std::vector<InferredType> infer_precision_types(nlohmann::json& model, const Precision& model_default,
                                                const std::optional<Precision>& maximum, const std::string& where);

}  // namespace tlm4ml
