#include "models/passes/bn_fuse.h"

#include <stdexcept>

namespace tlm4ml {

bool batchnorm_fuses(const BatchNormFuseFacts& f) {
    if (!f.parent_is_dense_or_conv || !f.parent_result_auto || f.parent_binary_weights) return false;
    // match(): scale_compatible / bias_compatible with the BN's own quantizers always None.
    const bool scale_compatible = !f.weight_quantizer || f.scale_all_ones;
    const bool bias_compatible = !f.bias_quantizer || f.bias_all_zero;
    if (!scale_compatible || !bias_compatible) return false;
    // transform(): one reader only, and Fixed / Integer / unspecified weight types.
    return f.parent_single_reader && !f.parent_exponent_weights;
}

FusedWeights fuse_batchnorm_weights(const std::vector<double>& kernel, const std::vector<double>& bias,
                                    const std::vector<float>& scale, const std::vector<float>& bn_bias) {
    const size_t n = scale.size();
    if (n == 0 || kernel.size() % n != 0 || bn_bias.size() != n || (!bias.empty() && bias.size() != n))
        throw std::logic_error("fuse_batchnorm_weights: shapes out of step");
    FusedWeights f;
    f.kernel.resize(kernel.size());
    for (size_t k = 0; k < kernel.size(); ++k) {
        const volatile float w = scale[k % n] * static_cast<float>(kernel[k]);
        f.kernel[k] = static_cast<double>(w);
    }
    f.bias.resize(n);
    for (size_t j = 0; j < n; ++j) {
        // volatile: two float32 roundings, as numpy, never a fused multiply-add.
        const volatile float product = bias.empty() ? 0.0f : scale[j] * static_cast<float>(bias[j]);
        const volatile float sum = product + bn_bias[j];
        f.bias[j] = static_cast<double>(sum);
    }
    return f;
}

}  // namespace tlm4ml
