// BatchNormalization merged with binary_tanh / ternary_tanh (hls4ml's BatchNormalizationQuantizedTanh,
// HLS4ML_SEMANTICS.md §4): a per-feature comparison against thresholds held in the input's type.
//   binary:  ap_uint<1> out = x >= t          (1 encodes +1, 0 encodes -1)
//   ternary: ap_int<2>  out = x > t_hi ? +1 : (x <= t_lo ? -1 : 0)
#pragma once

#include <vector>

#include "layers/arithmetic/layer.h"

namespace tlm4ml {

struct QuantizedTanhConfig {
    size_t n_in = 0;
    size_t n_filt = 0;
    bool ternary = false;
    Precision data_t;                  // also threshold_t
    std::vector<int64_t> threshold;    // binary (raw in data_t)
    std::vector<int64_t> threshold_hi; // ternary
    std::vector<int64_t> threshold_lo; // ternary
};

class QuantizedTanhLayer : public Layer {
public:
    QuantizedTanhLayer(std::string name, QuantizedTanhConfig cfg);
    void compute(const int64_t* in, int64_t* out) const override;
    // The comparisons straight into packed words (Packing::Binary or Ternary).
    void compute_to_packed(const int64_t* in, uint64_t* out) const override;
    std::string precision_summary() const override;
    LayerCostInputs cost_inputs() const override;
    const QuantizedTanhConfig& config() const { return cfg_; }

private:
    QuantizedTanhConfig cfg_;
    // The thresholds repeated to n_in (n_filt < n_in when they are per channel): one comparison per element.
    std::vector<int64_t> threshold_, threshold_hi_, threshold_lo_;
};

}  // namespace tlm4ml
