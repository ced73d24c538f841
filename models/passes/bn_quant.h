// hls4ml's MergeBatchNormAndQuantizedTanh and QuantizeDenseOutput (hls4ml/backends/vivado/passes/bn_quant.py):
//   * a BatchNormalization read by a binary / ternary tanh becomes one BatchNormalizationQuantizedTanh layer
//     "bnbt_<bn>" comparing each input with per-feature thresholds (set_thresholds, in float32);
//   * a Dense with binary / ternary weights reading such a layer is re-typed to XNOR / ternary integer
//     arithmetic, accum_t = result_t = ap_int<ceil(log2 n_in)+2>.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tlm4ml {

// The activations the merge matches: "binary" (binary, binary_tanh), "ternary" (ternary, ternary_tanh), or "".
std::string quantized_tanh_kind(const std::string& activation);

// The merged layer "bnbt_<bn_name>" of the model file, from the BatchNormalization's folded float32 scale and
// bias and the tanh's threshold (0.5 for a ternary Activation; a QKeras ternary quantizer brings its own).
// Throws ModelError naming `where` when a scale is not positive (hls4ml assumes it is).
nlohmann::json merge_batchnorm_quantized_tanh(const std::string& bn_name, bool ternary, const std::vector<float>& scale,
                                              const std::vector<float>& bias, double ternary_threshold,
                                              const std::string& where);

// The Dense's types after QuantizeDenseOutput: XNOR (ap_uint<1>) or ternary (ap_int<2>) weights and biases, an
// integer accumulator and result.
nlohmann::json quantize_dense_output(size_t n_in, bool ternary);

}  // namespace tlm4ml
