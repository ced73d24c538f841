// hls4ml's FuseBatchNormalization (hls4ml/model/optimizer/passes/bn_fuse.py): a BatchNormalization that
// reads a Dense / Conv is folded into that layer's weights, but only when hls4ml's match() accepts it --
// above all, only when the Dense / Conv output type is unspecified ("auto", as config_from_keras_model with
// granularity 'name' / 'type' writes it). With explicit types (granularity 'model') the BatchNormalization
// stays a layer of its own.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace tlm4ml {

// What bn_fuse.py's match() and transform() look at.
struct BatchNormFuseFacts {
    bool parent_is_dense_or_conv = false;  // the BN's input node is a Dense / Conv1D / Conv2D (not its activation)
    bool parent_result_auto = false;       // its output type is UnspecifiedPrecisionType
    bool parent_single_reader = false;     // transform() returns early when the output has other readers
    bool parent_binary_weights = false;    // XnorPrecisionType weights: never fused
    bool parent_exponent_weights = false;  // po2 weights: not Fixed / Integer, transform() returns early
    bool weight_quantizer = false;         // the Dense / Conv has a weight (kernel) quantizer
    bool bias_quantizer = false;           // ... a bias quantizer
    bool scale_all_ones = false;           // the BN's folded scale is 1 everywhere
    bool bias_all_zero = false;            // the BN's folded bias is 0 everywhere
};

// Whether hls4ml fuses the pair. The BN (plain or QBatchNormalization) has no scale / bias quantizer in
// hls4ml (parse_qbatchnorm_layer sets only gamma/beta/mean/variance quantizers), so a quantized Dense
// fuses only when the BN would not change its quantized values (scale 1; bias 0 or no bias quantizer).
bool batchnorm_fuses(const BatchNormFuseFacts& f);

// The fused values (transform(): fused_weight = scale * weight, fused_bias = scale * bias + bn_bias),
// computed as numpy does on float32 arrays (each operation rounded to float32). `kernel` is C-order with
// the outputs on the last axis (scale.size() of them); an empty `bias` is hls4ml's zero bias.
struct FusedWeights {
    std::vector<double> kernel;
    std::vector<double> bias;
};
FusedWeights fuse_batchnorm_weights(const std::vector<double>& kernel, const std::vector<double>& bias,
                                    const std::vector<float>& scale, const std::vector<float>& bn_bias);

}  // namespace tlm4ml
