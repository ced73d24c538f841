// Element-wise activations as nnet_activation.h computes them (HLS4ML_SEMANTICS.md §6). Softmax, which
// mixes elements, lives in softmax.h.
#pragma once

#include <string>
#include <vector>

#include "layers/arithmetic/layer.h"

namespace tlm4ml {

enum class ActivationKind {
    Linear, Relu, ReluMax, LeakyRelu, ThresholdedRelu, BinaryTanh, TernaryTanh, HardSigmoid, HardTanh,
    Sigmoid, Tanh, Softplus, Softsign
};

// Parses a Keras / hls4ml activation name (relu1 and relu6 give ReluMax with max_value 1 / 6).
// Returns false for names that are not element-wise activations.
bool parse_activation_kind(const std::string& name, ActivationKind& kind, double& implied_max);
const char* to_string(ActivationKind k);
bool uses_table(ActivationKind k);

// Mirrors hls4ml's activ_config.
struct ActivationConfig {
    ActivationKind kind = ActivationKind::Linear;
    size_t n_in = 0;
    int reuse_factor = 1;
    Precision data_t;
    Precision result_t;
    Precision table_t = Precision::fixed(18, 8);
    int table_size = 1024;
    // relu_max: the integer MAX_INT; leaky_relu alpha / thresholded_relu theta in param_t;
    // hard_sigmoid slope and shift in slope_t / shift_t.
    int64_t max_value = 0;
    Precision param_t = Precision::fixed(16, 6);
    int64_t param = 0;
    Precision slope_t = Precision::fixed(16, 0, false);
    Precision shift_t = Precision::fixed(1, 0, false);
    int64_t slope = 0;
    int64_t shift = 0;
};

class ActivationLayer : public Layer {
public:
    ActivationLayer(std::string name, ActivationConfig cfg);
    void compute(const int64_t* in, int64_t* out) const override;
    // binary_tanh into ap_uint<1> (the XNOR encoding) packs its signs straight into words.
    void compute_to_packed(const int64_t* in, uint64_t* out) const override;
    std::string precision_summary() const override;
    LayerCostInputs cost_inputs() const override;
    const ActivationConfig& config() const { return cfg_; }
    // The lookup table (raw table_t values) for sigmoid / tanh / softplus / softsign.
    const std::vector<int64_t>& table() const { return table_; }
    // The table index hls4ml computes for input raw x: int(x * N / range) + N/2, clamped.
    int table_index(int64_t x) const;

private:
    int64_t activate(int64_t x) const;

    ActivationConfig cfg_;
    std::vector<int64_t> table_;
    int table_range_ = 16;  // the table covers [-range/2, range/2)
};

}  // namespace tlm4ml
