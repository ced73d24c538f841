// Builds tlm4ml's JSON model description from a Keras model (architecture JSON + HDF5 weights, or one
// all-in-one .h5 with a model_config attribute) and an hls4ml YAML configuration, applying what hls4ml's
// converter and default optimizer flow do for the Dense family (HLS4ML_SEMANTICS.md §2, §4, §5):
//   * Dense / BinaryDense / TernaryDense with the activation as a separate layer "<layer>_<activation>";
//   * BatchNormalization: scale = gamma/sqrt(var+eps), bias = beta - scale*mean in float32;
//   * BatchNormalization + binary_tanh / ternary_tanh merged into "bnbt_<bn>" thresholds;
//   * BinaryDense / TernaryDense after such a layer re-typed to XNOR / ternary integer arithmetic with
//     accum_t = result_t = ap_int<ceil(log2 n_in)+2>; the first binary layer uses int<2> weights;
//   * weights through hls4ml's route: decimal text with F decimals, then the weight type's modes.
//   * QKeras QDense / QActivation (models/keras/qkeras.h): quantizer values and types as hls4ml derives them;
//     QBatchNormalization folded from the unquantized parameters as hls4ml does, with a warning listing
//     what QKeras' gamma/beta/mean/variance quantizers would change; BN + binary/ternary QActivation merged.
//   * Conv1D / Conv2D / QConv1D / QConv2D (channels last, Keras 'valid' / 'same', kernel [kh][kw][c][f]),
//     Max/AveragePooling1D/2D, GlobalMax/GlobalAveragePooling1D/2D, ZeroPadding1D/2D, Reshape.
//   * functional models (Keras 2 and Keras 3 "inbound_nodes") with branches and the two-input merges Add,
//     Subtract, Multiply, Average, Maximum, Minimum (hls4ml's Merge) and Concatenate: each emitted layer
//     that does not read the previous one names its producers in "inputs" (a Keras layer's output is the
//     emitted layer holding it: "<layer>_<activation>", "bnbt_<bn>", the producer of a Dropout). One input,
//     one output; shared layers, other tensor indices and a BN + binary/ternary tanh merge whose BN has
//     other readers are refused.
// Layers it cannot model (recurrent, separable / depthwise convs, ...) are refused by name and class.
// Throws ModelError.
//
// The steps, in order: the hls4ml configuration (models/hls4ml/hls4ml_config.h); the Keras graph
// (models/keras/keras_graph.h) and its weights (keras_weights.h); the per-class converters
// (layer_converters.h), which apply hls4ml's passes bn_fuse, bn_quant and linear on the way; then
// infer_precision on the whole model (models/passes/).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tlm4ml {

struct ImportedModel {
    nlohmann::json model;               // tlm4ml's model file format (models/model_file/)
    std::vector<std::string> warnings;  // e.g. LayerName entries that match no layer
};

ImportedModel import_hls4ml_config(const std::string& config_path);

}  // namespace tlm4ml
