// Softmax as nnet::softmax computes it (HLS4ML_SEMANTICS.md §6): the stable implementation (max
// subtraction into an unsigned wrapping inp_norm_t, exp and inverse lookup tables addressed by the top
// mantissa bits, a balanced adder tree in accum_t), plus the latency, legacy and argmax variants.
#pragma once

#include <vector>

#include "layers/arithmetic/layer.h"
#include "rtl_models/quantize.h"

namespace tlm4ml {

enum class SoftmaxImpl { Stable, Latency, Legacy, Argmax };
bool parse_softmax_impl(const std::string& name, SoftmaxImpl& impl);
const char* to_string(SoftmaxImpl impl);

// Mirrors hls4ml's softmax_config.
struct SoftmaxConfig {
    size_t n_in = 0;
    int reuse_factor = 1;
    SoftmaxImpl implementation = SoftmaxImpl::Stable;
    Precision data_t;
    Precision result_t;
    Precision accum_t;
    Precision table_t = Precision::fixed(18, 8);  // legacy only
    Precision exp_table_t = Precision::fixed(18, 8, true, QuantMode::RND, OverflowMode::SAT);
    Precision inv_table_t = Precision::fixed(18, 8, true, QuantMode::RND, OverflowMode::SAT);
    Precision inv_inp_t = Precision::fixed(18, 8, true, QuantMode::RND, OverflowMode::SAT);
    int exp_table_size = 1024;
    int inv_table_size = 1024;
    int table_size = 1024;  // legacy only
};

class SoftmaxLayer : public Layer {
public:
    SoftmaxLayer(std::string name, SoftmaxConfig cfg);
    void compute(const int64_t* in, int64_t* out) const override;
    std::string precision_summary() const override;
    LayerCostInputs cost_inputs() const override;
    const SoftmaxConfig& config() const { return cfg_; }

    // hls4ml's inp_norm_t for the stable variant: ap_ufixed<W_in-1, I_in-1> (TRN, WRAP).
    const Precision& inp_norm_t() const { return inp_norm_t_; }
    const std::vector<int64_t>& exp_table() const { return exp_table_; }  // raw exp_table_t
    const std::vector<int64_t>& inv_table() const { return inv_table_; }  // raw inv_table_t

private:
    void compute_lookup(const int64_t* in, int64_t* out) const;  // stable and latency
    void compute_legacy(const int64_t* in, int64_t* out) const;
    void compute_argmax(const int64_t* in, int64_t* out) const;
    int64_t tree_sum(const int64_t* e, size_t n) const;
    int64_t add(int64_t a, int64_t b) const;  // accum_t + accum_t -> accum_t

    SoftmaxConfig cfg_;
    Precision inp_norm_t_;
    Precision exp_index_t_;  // the type whose top bits address the exp table
    int exp_bits_ = 10;
    int inv_bits_ = 10;
    // Every difference, pairwise sum and product of the lookup variants fits in 64 bits: no 128-bit arithmetic.
    bool narrow_ = false;
    std::vector<int64_t> exp_table_;
    std::vector<int64_t> exp_acc_table_;  // exp_to_acc_ of each entry: the per-element cast done once
    std::vector<int64_t> inv_table_;
    // The casts of the stable / latency variants, built once.
    Requantizer to_norm_;     // x_max - x_i -> inp_norm_t
    Requantizer exp_to_acc_;  // exp_table_t -> accum_t
    Requantizer acc_sum_;     // accum_t + accum_t -> accum_t
    Requantizer to_inv_in_;   // accum_t -> inv_inp_t
    Requantizer to_result_;   // accum_t * inv_table_t -> result_t
};

}  // namespace tlm4ml
