// BatchNormalization as nnet::normalize (HLS4ML_SEMANTICS.md §5): res = result_t(x*scale[k] + bias[k]),
// exact product, exact add, one cast. k = i % n_filt for channels-last tensors, i for flat ones.
#pragma once

#include <vector>

#include "layers/arithmetic/layer.h"
#include "rtl_models/quantize.h"

namespace tlm4ml {

struct BatchNormConfig {
    size_t n_in = 0;
    size_t n_filt = 0;  // channels; equals n_in for flat inputs
    int reuse_factor = 1;
    Precision data_t;
    Precision scale_t;
    Precision bias_t;
    Precision result_t;
    std::vector<int64_t> scale;  // raw in scale_t, one per channel
    std::vector<int64_t> bias;   // raw in bias_t, one per channel
};

class BatchNormLayer : public Layer {
public:
    BatchNormLayer(std::string name, BatchNormConfig cfg);
    void compute(const int64_t* in, int64_t* out) const override;
    std::string precision_summary() const override;
    LayerCostInputs cost_inputs() const override;
    const BatchNormConfig& config() const { return cfg_; }

private:
    BatchNormConfig cfg_;
    int sum_frac_ = 0;
    int product_shift_ = 0;  // left shift aligning x*scale to sum_frac_
    int bias_shift_ = 0;     // left shift aligning bias to sum_frac_
    // When x*scale and the bias, aligned to sum_frac_, fit in 62 bits the sum is exact in int64: the
    // aligned parameters are stored once and the cast runs through a Requantizer (fast for TRN/WRAP).
    bool narrow_ = false;
    std::vector<int64_t> scale_aligned_;
    std::vector<int64_t> bias_aligned_;
    Requantizer to_result_;
    // Narrower still: every x*scale + bias (x anywhere in data_t) fits int32 and the cast keeps at most 32
    // bits: the same sums on 32-bit lanes, which AVX2 multiplies and shifts where it cannot on 64.
    std::vector<int32_t> scale32_;
    std::vector<int32_t> bias32_;
};

}  // namespace tlm4ml
