// Dense: hls4ml's dense_latency / dense_resource arithmetic (HLS4ML_SEMANTICS.md §3).
// Every product is cast to accum_t, the accumulator starts at accum_t(bias), every partial sum is
// re-stored in accum_t, and the sum is cast once to result_t (XNOR layers: 2*acc - n_in first).
#pragma once

#include <vector>

#include "layers/arithmetic/layer.h"
#include "rtl_models/bit_plane_kernels.h"
#include "rtl_models/nibble_lookup_kernel.h"
#include "rtl_models/packed_bits.h"
#include "rtl_models/quantize.h"

namespace tlm4ml {

// Which nnet::product kernel hls4ml picks for a (data, weight) type pair.
enum class ProductKind { Mult, WeightBinary, DataBinary, BothBinary, WeightTernary, WeightExponential };
ProductKind choose_product(const Precision& data, const Precision& weight);
const char* to_string(ProductKind k);

// Mirrors hls4ml's dense_config: names as in nnet_dense.h.
struct DenseConfig {
    size_t n_in = 0;
    size_t n_out = 0;
    int reuse_factor = 1;
    Strategy strategy = Strategy::Latency;
    Precision data_t;    // the input's type (hls4ml: data_T)
    Precision weight_t;
    Precision bias_t;
    Precision accum_t;
    Precision result_t;
    // Raw values in weight_t / bias_t. weights in Keras layout [n_in][n_out], index i*n_out + j (for the
    // Resource strategy hls4ml stores the transpose; the numbers are the same).
    std::vector<int64_t> weights;
    std::vector<int64_t> biases;
    // QKeras quantized_po2 weights (hls4ml's ExponentPrecisionType, product weight_exponential): weight_t
    // is the exponent's signed integer type, weights[k] the exponent e and weight_negative[k] the sign;
    // the product is +-(a << e), exact (a right shift for e < 0 keeps every bit).
    bool weight_exponential = false;
    std::vector<uint8_t> weight_negative;
};

class DenseLayer : public Layer {
public:
    DenseLayer(std::string name, DenseConfig cfg);

    void compute(const int64_t* in, int64_t* out) const override;
    // XNOR layers take their input as Packing::Binary words, binary / ternary weights on int<2> data as
    // Packing::Ternary planes (packed_input() says which, if any).
    void compute_from_packed(const uint64_t* in, int64_t* out) const override;
    // compute() through the general path only: exact products, every cast by quantize(). What the fast
    // paths are tested against.
    void compute_general(const int64_t* in, int64_t* out) const;
    std::string precision_summary() const override;
    LayerCostInputs cost_inputs() const override;

    const DenseConfig& config() const { return cfg_; }
    ProductKind product_kind() const { return kind_; }
    size_t zero_weights() const { return n_zeros_; }
    // Whether compute_int32() applies: the int32 kernel with plain (non-binary) data. Convolutions use it to
    // build their windows straight into int32 and skip a conversion per window.
    bool takes_int32() const { return int32_path_ && !data_xnor_; }
    // Whether the int32 kernel reads its weights as int16 (every effective weight fits).
    bool int16_weights() const { return !weights16_.empty(); }
    // compute() for inputs already narrowed to int32 (raw codes of data_t; binary data as +-1); only when
    // takes_int32() (or the int32 kernel with binary data).
    void compute_int32(const int32_t* x, int64_t* out) const;
    // The int32 kernel's sums modulo 2^32 (the bias included) to the layer's outputs: the wrap into accum_t,
    // then the cast to result_t.
    void finish_mod32(const uint32_t* acc, int64_t* out) const;
    // The int32 kernel's operands, for kernels that lay the weights out their own way (a convolution reading
    // its windows in place); only when takes_int32(). Effective weight k of [n_in][n_out] (binary and ternary
    // ones as -1 / 0 / +1), and the shifts that floor a product onto accum_t's LSB.
    int32_t weight32(size_t k) const { return weights16_.empty() ? weights32_[k] : weights16_[k]; }
    int product_right_shift() const { return product_to_accum_.right_shift(); }
    int product_left_shift() const { return product_to_accum_.left_shift(); }

    // What a fused successor (dense_threshold.h) builds on, compute()'s arithmetic. The cast of n sums in accum_t
    // to result_t (non-XNOR layers); the final casts of all n_out sums (XNOR layers included).
    void results_of_accum(const int64_t* acc, int64_t* out, size_t n) const { result_cast_.apply(acc, out, n); }
    const Requantizer& result_cast() const { return result_cast_; }
    void finish_sums(const int64_t* acc, int64_t* out) const { finish(acc, out); }
    int64_t bias_in_accum(size_t j) const { return bias_in_accum_[j]; }
    // XNOR layers counting matches on packed words: output j's weight column, packed_words(n_in) words.
    bool counts_matches() const { return !xnor_columns_.empty(); }
    const uint64_t* xnor_column(size_t j) const { return xnor_columns_.data() + j * packed_words(cfg_.n_in); }
    // Binary / ternary weights on fixed-point data with accum_t within 16 bits: the sums modulo 2^16 (bias
    // included, not yet wrapped to accum_t) in plane_lanes() lanes, outputs in order.
    bool sums_on_16bit_lanes() const { return plane_path_ && cfg_.accum_t.width <= 16; }
    size_t plane_lanes() const { return row_words_ * 64; }
    void plane_sums16(const int64_t* in, uint16_t* lanes) const;
    // Ternary data on Packing::Ternary planes (packed_input()): the n_out sums as accum_t codes.
    void ternary_sums(const uint64_t* in, int32_t* acc32) const;

private:
    void compute_mult(const int64_t* in, int64_t* acc) const;
    void compute_generic(const int64_t* in, int64_t* acc) const;
    // The cast of the sums (in accum_t) to result_t, with the XNOR layers' 2*acc - n_in first.
    void finish(const int64_t* acc, int64_t* out) const;
    void finish_general(const int64_t* acc, int64_t* out) const;

    DenseConfig cfg_;
    ProductKind kind_;
    size_t n_zeros_ = 0;
    int product_frac_ = 0;
    Requantizer product_to_accum_;
    Requantizer accumulate_;  // accum_t + accum_t re-stored in accum_t
    Requantizer result_cast_; // accum_t -> result_t
    std::vector<int64_t> bias_in_accum_;
    std::vector<uint32_t> bias32_;  // the same modulo 2^32, for the int32 kernel
    // Order in which hls4ml adds the inputs into each accumulator: ascending for Latency (and Resource
    // with RF == 1, RF >= n_in); dense_resource_rf_leq_nin with 1 < RF < n_in adds i = ir + m*RF, ir outer.
    std::vector<size_t> input_order_;
    bool narrow_mult_ = false;  // products fit in int64_t
    // The common case (products and accum_t within 32 bits, TRN/WRAP casts) runs on int32 lanes the
    // compiler vectorizes; binary and ternary weights enter it as effective multipliers.
    bool int32_path_ = false;
    bool data_xnor_ = false;  // binary data enters the int32 kernel as +-1
    std::vector<int32_t> weights32_;
    std::vector<int32_t> columns32_;  // the same, [n_out][n_in], for layers with few outputs
    // The same two when every weight fits int16 (then the int32 copies are empty).
    std::vector<int16_t> weights16_, columns16_;
    void mult32_accumulate(const int32_t* x, uint32_t* acc) const;
    // Packed XNOR weights, [n_out][packed_words(n_in)] (output j's column; bits past n_in zero).
    std::vector<uint64_t> xnor_columns_;
    // XNOR layers counting matches: the final casts with integer wraps (xnor_width_: hls4ml's ap_int<k>).
    int xnor_width_ = 0;
    Requantizer xnor_to_result_;
    // Binary / ternary weights on fixed-point data whose casts all wrap (rtl_models/bit_plane_kernels.h):
    // per input row, the outputs whose weight is +1 (plus_rows_) and -1 (minus_rows_, empty when no weight
    // is 0: then every input adds its -x product to every output and the plus plane adds the difference).
    bool plane_path_ = false;
    size_t row_words_ = 0;
    std::vector<uint64_t> plus_rows_, minus_rows_;
    std::vector<uint32_t> bias_lanes_;  // bias_in_accum_ modulo 2^32 per lane, 0 past n_out
    // The same planes four inputs at a time, for 16-bit lanes without AVX-512 (nibble_accumulate).
    bool use_nibbles_ = false;
    NibblePlane plus_nibbles_, minus_nibbles_;
    template <class Lane>
    void compute_planes(const int64_t* in, int32_t* acc) const;
    template <class Lane>
    void plane_sums(const int64_t* in, Lane* lanes) const;
    // accum_t codes (at most 32 bits) to result_t.
    void finish32(const int32_t* acc, int64_t* out) const;
    // XNOR layers: the matches (plus the bias) to result_t, on 32-bit lanes when the types allow.
    void finish_xnor(const int64_t* matches, int64_t* out) const;
    // Packing::Ternary input: per output column, the nonzero and the -1 weights, and the accum_t codes of
    // the products +1 and -1 (data code times weight).
    std::vector<uint64_t> column_nonzero_, column_negative_;
    int64_t product_plus_one_ = 0, product_minus_one_ = 0;
    // weight_exponential: the effective multipliers +-2^(e + po2_shift_) (product scaled by 2^-product_frac_).
    std::vector<int64_t> po2_mult_;
};

}  // namespace tlm4ml
