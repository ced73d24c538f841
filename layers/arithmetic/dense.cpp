#include "layers/arithmetic/dense.h"

#include <algorithm>
#include <limits>
#include <stdexcept>

#include <fmt/format.h>

#include "rtl_models/bit_plane_kernels.h"
#include "rtl_models/mac_kernels.h"
#include "rtl_models/narrow_lanes.h"
#include "rtl_models/nibble_lookup_kernel.h"
#include "rtl_models/resource_model.h"
#include "rtl_models/scratch_buffer.h"

namespace tlm4ml {

ProductKind choose_product(const Precision& data, const Precision& weight) {
    const bool xd = is_xnor_type(data);
    const bool xw = is_xnor_type(weight);
    if (xd && xw) return ProductKind::BothBinary;
    if (xw) return ProductKind::WeightBinary;
    if (xd) return ProductKind::DataBinary;
    if (is_ternary_type(weight)) return ProductKind::WeightTernary;
    return ProductKind::Mult;
}

const char* to_string(ProductKind k) {
    switch (k) {
        case ProductKind::Mult: return "mult";
        case ProductKind::WeightBinary: return "weight_binary";
        case ProductKind::DataBinary: return "data_binary";
        case ProductKind::BothBinary: return "both_binary";
        case ProductKind::WeightTernary: return "weight_ternary";
        case ProductKind::WeightExponential: return "weight_exponential";
    }
    return "?";
}

namespace {
// hls4ml's nnet::ceillog2: 1 for x <= 2.
int hls_ceillog2(int x) { return x <= 2 ? 1 : 1 + hls_ceillog2((x + 1) / 2); }

int product_frac(ProductKind k, const Precision& d, const Precision& w) {
    switch (k) {
        case ProductKind::Mult: return d.frac() + w.frac();
        case ProductKind::WeightBinary:
        case ProductKind::WeightTernary: return d.frac();
        case ProductKind::DataBinary: return w.frac();
        case ProductKind::BothBinary: return 0;
        case ProductKind::WeightExponential: return d.frac();  // plus the exponent offset, see the constructor
    }
    return 0;
}

// The exact product of nnet::product::<kind>, scaled by product_frac().
inline int128 product(ProductKind k, int64_t a, int64_t w) {
    switch (k) {
        case ProductKind::Mult: return int128{a} * w;
        case ProductKind::WeightBinary: return w == 0 ? -int128{a} : int128{a};
        case ProductKind::DataBinary: return a == 0 ? -int128{w} : int128{w};
        case ProductKind::BothBinary: return a == w ? 1 : 0;
        case ProductKind::WeightTernary: return w == 0 ? 0 : (w == -1 ? -int128{a} : int128{a});
        case ProductKind::WeightExponential: return int128{a} * w;  // w: the effective multiplier
    }
    return 0;
}
}  // namespace

DenseLayer::DenseLayer(std::string name, DenseConfig cfg)
    : Layer(std::move(name), "Dense", cfg.n_in, cfg.n_out, cfg.data_t, cfg.result_t, cfg.reuse_factor),
      cfg_(std::move(cfg)) {
    if (cfg_.weights.size() != cfg_.n_in * cfg_.n_out || cfg_.biases.size() != cfg_.n_out)
        throw std::invalid_argument(fmt::format("Dense {}: weight/bias sizes do not match n_in x n_out", name_));
    kind_ = cfg_.weight_exponential ? ProductKind::WeightExponential : choose_product(cfg_.data_t, cfg_.weight_t);
    product_frac_ = product_frac(kind_, cfg_.data_t, cfg_.weight_t);
    int po2_bits = 0;  // bits of the largest effective multiplier magnitude
    if (kind_ == ProductKind::WeightExponential) {
        if (cfg_.weight_negative.size() != cfg_.weights.size())
            throw std::invalid_argument(fmt::format("Dense {}: weight_negative size does not match the weights", name_));
        if (cfg_.weights.empty()) throw std::invalid_argument(fmt::format("Dense {}: no weights", name_));
        const auto [lo, hi] = std::minmax_element(cfg_.weights.begin(), cfg_.weights.end());
        const int64_t shift = *lo < 0 ? -*lo : 0;  // scale every product by 2^shift: exact right shifts
        if (*hi + shift > 62 || cfg_.data_t.width > 64)
            throw std::invalid_argument(fmt::format("Dense {}: po2 exponents span {}..{}: too wide to model", name_,
                                                    *lo, *hi));
        product_frac_ += static_cast<int>(shift);
        po2_bits = static_cast<int>(*hi + shift) + 2;
        po2_mult_.resize(cfg_.weights.size());
        for (size_t k = 0; k < cfg_.weights.size(); ++k) {
            const int64_t m = int64_t{1} << (cfg_.weights[k] + shift);
            po2_mult_[k] = cfg_.weight_negative[k] ? -m : m;
        }
    }
    product_to_accum_ = Requantizer(product_frac_, cfg_.accum_t);
    accumulate_ = Requantizer(cfg_.accum_t.frac(), cfg_.accum_t);
    result_cast_ = Requantizer(cfg_.accum_t.frac(), cfg_.result_t);
    narrow_mult_ = cfg_.data_t.width + cfg_.weight_t.width <= 62;
    if (kind_ == ProductKind::WeightExponential) narrow_mult_ = cfg_.data_t.width + po2_bits <= 62;
    // Every product kind except XNOR is a multiplication by an effective integer: a binary weight is
    // +-1, a ternary one -1/0/+1 (hls4ml's weight_ternary treats any other code as +1), binary data +-1.
    // Those run through one int32 kernel when the product and accum_t fit 32 bits.
    const int data_bits = kind_ == ProductKind::DataBinary ? 2 : cfg_.data_t.width + (cfg_.data_t.is_signed ? 0 : 1);
    const int weight_bits = (kind_ == ProductKind::WeightBinary || kind_ == ProductKind::WeightTernary)
                                ? 2
                                : kind_ == ProductKind::WeightExponential
                                      ? po2_bits
                                      : cfg_.weight_t.width + (cfg_.weight_t.is_signed ? 0 : 1);
    data_xnor_ = kind_ == ProductKind::DataBinary;
    int32_path_ = kind_ != ProductKind::BothBinary && data_bits + weight_bits <= 32 &&
                  cfg_.accum_t.width <= (cfg_.accum_t.is_signed ? 32 : 31) && product_to_accum_.fast() &&
                  accumulate_.fast() && product_to_accum_.left_shift() < 32 && product_to_accum_.right_shift() < 32;
    if (int32_path_) {
        weights32_.resize(cfg_.weights.size());
        for (size_t k = 0; k < cfg_.weights.size(); ++k) {
            const int64_t w = cfg_.weights[k];
            switch (kind_) {
                case ProductKind::WeightBinary: weights32_[k] = w ? 1 : -1; break;
                case ProductKind::WeightTernary: weights32_[k] = w == 0 ? 0 : (w == -1 ? -1 : 1); break;
                case ProductKind::WeightExponential: weights32_[k] = static_cast<int32_t>(po2_mult_[k]); break;
                default: weights32_[k] = static_cast<int32_t>(w); break;
            }
        }
        // Narrow layers vectorize better along the inputs: keep the weights column by column too.
        if (cfg_.n_out < 16) {
            columns32_.resize(weights32_.size());
            for (size_t i = 0; i < cfg_.n_in; ++i)
                for (size_t j = 0; j < cfg_.n_out; ++j) columns32_[j * cfg_.n_in + i] = weights32_[i * cfg_.n_out + j];
        }
        // Weights that all fit int16 are kept as int16 alone (same values, half the bytes).
        const bool fits16 = std::all_of(weights32_.begin(), weights32_.end(), [](int32_t w) {
            return w >= std::numeric_limits<int16_t>::min() && w <= std::numeric_limits<int16_t>::max();
        });
        if (fits16) {
            weights16_.assign(weights32_.begin(), weights32_.end());
            columns16_.assign(columns32_.begin(), columns32_.end());
            // Assigning {} would keep the int32 copies' memory (twice the int16 ones): release it.
            std::vector<int32_t>().swap(weights32_);
            std::vector<int32_t>().swap(columns32_);
        }
    }
    input_order_.clear();
    const size_t rf = cfg_.reuse_factor > 0 ? static_cast<size_t>(cfg_.reuse_factor) : 1;
    if (cfg_.strategy == Strategy::Resource && rf > 1 && rf < cfg_.n_in && cfg_.n_in % rf == 0) {
        for (size_t ir = 0; ir < rf; ++ir)
            for (size_t i = ir; i < cfg_.n_in; i += rf) input_order_.push_back(i);
    } else {
        for (size_t i = 0; i < cfg_.n_in; ++i) input_order_.push_back(i);
    }
    bias_in_accum_.resize(cfg_.n_out);
    for (size_t j = 0; j < cfg_.n_out; ++j)
        bias_in_accum_[j] = quantize(cfg_.biases[j], cfg_.bias_t.frac(), cfg_.accum_t);
    if (int32_path_) bias32_.assign(bias_in_accum_.begin(), bias_in_accum_.end());  // modulo 2^32
    // Zero weights need no multiplier (hls4ml subtracts them from the multiplier limit).
    if (kind_ == ProductKind::Mult || kind_ == ProductKind::WeightTernary)
        for (int64_t w : cfg_.weights) n_zeros_ += w == 0 ? 1 : 0;

    // XNOR layers count matches with popcounts when the accumulator cannot wrap (it never does with
    // hls4ml's int<ceil(log2 n_in)+2>); otherwise the generic loop keeps the per-sum wrap.
    if (kind_ == ProductKind::BothBinary) {
        bool fits = cfg_.accum_t.width < 64;
        for (int64_t b : bias_in_accum_)
            fits = fits && b >= 0 && b + static_cast<int64_t>(cfg_.n_in) <= cfg_.accum_t.max_raw();
        if (fits && cfg_.accum_t.frac() == 0) {
            const size_t words = packed_words(cfg_.n_in);
            xnor_columns_.assign(cfg_.n_out * words, 0);
            for (size_t i = 0; i < cfg_.n_in; ++i)
                for (size_t j = 0; j < cfg_.n_out; ++j)
                    xnor_columns_[j * words + (i >> 6)] |=
                        static_cast<uint64_t>(cfg_.weights[i * cfg_.n_out + j] != 0) << (i & 63);
            xnor_width_ = hls_ceillog2(static_cast<int>(cfg_.n_in)) + 2;
            xnor_to_result_ = Requantizer(0, cfg_.result_t);
            packed_in_ = Packing::Binary;
        }
    }

    // Binary and ternary weights on fixed-point data: masked additions of the +-x products on packed rows
    // when every cast wraps (the sums are then modular) and accum_t's codes fit an int32.
    if ((kind_ == ProductKind::WeightBinary || kind_ == ProductKind::WeightTernary) && product_to_accum_.fast() &&
        accumulate_.fast() && cfg_.accum_t.width <= (cfg_.accum_t.is_signed ? 32 : 31) && cfg_.data_t.width < 64) {
        // The sign of weight k: +1, -1 or 0 as nnet::product::weight_binary / weight_ternary read it.
        auto sign = [&](size_t k) {
            const int64_t w = cfg_.weights[k];
            if (kind_ == ProductKind::WeightBinary) return w != 0 ? 1 : -1;
            return w == 0 ? 0 : (w == -1 ? -1 : 1);
        };
        const size_t n_in = cfg_.n_in, n_out = cfg_.n_out;
        bool any_zero = false;
        for (size_t k = 0; k < cfg_.weights.size(); ++k) any_zero = any_zero || sign(k) == 0;
        plane_path_ = true;
        row_words_ = packed_words(n_out);
        bias_lanes_.assign(row_words_ * 64, 0);
        for (size_t j = 0; j < n_out; ++j) bias_lanes_[j] = static_cast<uint32_t>(bias_in_accum_[j]);
        plus_rows_.assign(n_in * row_words_, 0);
        if (any_zero) minus_rows_.assign(n_in * row_words_, 0);
        const size_t col_words = packed_words(n_in);
        const bool ternary_data = is_ternary_type(cfg_.data_t);
        if (ternary_data) {
            column_nonzero_.assign(n_out * col_words, 0);
            column_negative_.assign(n_out * col_words, 0);
        }
        for (size_t i = 0; i < n_in; ++i)
            for (size_t j = 0; j < n_out; ++j) {
                const int v = sign(i * n_out + j);
                const uint64_t row_bit = uint64_t{1} << (j & 63);
                if (v > 0) plus_rows_[i * row_words_ + (j >> 6)] |= row_bit;
                if (v < 0 && any_zero) minus_rows_[i * row_words_ + (j >> 6)] |= row_bit;
                if (ternary_data) {
                    const uint64_t col_bit = uint64_t{1} << (i & 63);
                    if (v != 0) column_nonzero_[j * col_words + (i >> 6)] |= col_bit;
                    if (v < 0) column_negative_[j * col_words + (i >> 6)] |= col_bit;
                }
            }
#if !defined(__AVX512BW__)
        use_nibbles_ = cfg_.accum_t.width <= 16;
        if (use_nibbles_) {
            plus_nibbles_ = make_nibble_plane(plus_rows_.data(), n_in, row_words_, n_out);
            if (any_zero) minus_nibbles_ = make_nibble_plane(minus_rows_.data(), n_in, row_words_, n_out);
        }
#endif
        if (ternary_data) {
            product_plus_one_ = product_to_accum_(1);
            product_minus_one_ = product_to_accum_(-1);
            packed_in_ = Packing::Ternary;
        }
    }
}

void DenseLayer::compute_mult(const int64_t* in, int64_t* acc) const {
    const size_t n_in = cfg_.n_in, n_out = cfg_.n_out;
    const int64_t* w = po2_mult_.empty() ? cfg_.weights.data() : po2_mult_.data();
    const int pr = product_to_accum_.right_shift(), pl = product_to_accum_.left_shift();
    const int aw = cfg_.accum_t.width;
    const bool as = cfg_.accum_t.is_signed;
    for (size_t i = 0; i < n_in; ++i) {
        const int64_t x = in[i];
        const int64_t* wrow = w + i * n_out;
        for (size_t j = 0; j < n_out; ++j) {
            const int64_t p = wrap_to_width(static_cast<uint64_t>((x * wrow[j]) >> pr) << pl, aw, as);
            acc[j] = wrap_to_width(static_cast<uint64_t>(acc[j] + p), aw, as);
        }
    }
}

void DenseLayer::mult32_accumulate(const int32_t* x, uint32_t* acc) const {
    // See rtl_models/mac_kernels.h: products floored per element, sums modulo 2^32, one wrap at the end.
    const size_t n_in = cfg_.n_in, n_out = cfg_.n_out;
    const int pr = product_to_accum_.right_shift(), pl = product_to_accum_.left_shift();
    // Few outputs (a column copy exists): one dot product per output over its weight column.
    if (!columns16_.empty()) {
        for (size_t j = 0; j < n_out; ++j) acc[j] += mac_dot_mod32(x, columns16_.data() + j * n_in, n_in, pr, pl);
    } else if (!weights16_.empty()) {
        mac_rows_mod32(x, n_in, weights16_.data(), n_out, pr, pl, acc);
    } else if (!columns32_.empty()) {
        for (size_t j = 0; j < n_out; ++j) acc[j] += mac_dot_mod32(x, columns32_.data() + j * n_in, n_in, pr, pl);
    } else {
        mac_rows_mod32(x, n_in, weights32_.data(), n_out, pr, pl, acc);
    }
}

void DenseLayer::compute_int32(const int32_t* x, int64_t* out) const {
    ScratchBuffer<uint32_t, 256> acc(cfg_.n_out);
    std::copy(bias32_.begin(), bias32_.end(), acc.data());
    mult32_accumulate(x, acc.data());
    finish_mod32(acc.data(), out);
}

void DenseLayer::finish_mod32(const uint32_t* acc, int64_t* out) const {
    // The one wrap into accum_t, then the cast to result_t, from 32-bit sums straight into the output:
    // no int64 copy of the accumulators (in a clocked network every layer runs in every cycle and those
    // copies crowded the weights out of the L1 cache).
    const size_t n_out = cfg_.n_out;
    const int aw = cfg_.accum_t.width;
    const bool as = cfg_.accum_t.is_signed;
    if (result_cast_.fits32() && result_cast_.target().is_signed && as) {
        // The common case in one pass: Requantizer::apply32 on each wrapped sum.
        const int wrap = 32 - aw, right = result_cast_.right_shift(), left = result_cast_.left_shift();
        const int keep = 32 - result_cast_.target().width;
        for (size_t j = 0; j < n_out; ++j) {
            const int32_t sum = static_cast<int32_t>(acc[j] << wrap) >> wrap;
            out[j] = static_cast<int32_t>((static_cast<uint32_t>(sum >> right) << left) << keep) >> keep;
        }
    } else if (result_cast_.fits32()) {
        ScratchBuffer<int32_t, 256> wrapped(n_out);
        for (size_t j = 0; j < n_out; ++j) wrapped[j] = wrap_mod32(acc[j], aw, as);
        result_cast_.apply32(wrapped.data(), out, n_out);
    } else {
        ScratchBuffer<int64_t, 256> wrapped(n_out);
        for (size_t j = 0; j < n_out; ++j) wrapped[j] = wrap_mod32(acc[j], aw, as);
        result_cast_.apply(wrapped.data(), out, n_out);
    }
}

void DenseLayer::compute_generic(const int64_t* in, int64_t* acc) const {
    const size_t n_out = cfg_.n_out;
    for (const size_t i : input_order_) {
        const int64_t x = in[i];
        const int64_t* wrow = (po2_mult_.empty() ? cfg_.weights.data() : po2_mult_.data()) + i * n_out;
        for (size_t j = 0; j < n_out; ++j) {
            const int64_t p = product_to_accum_.wide(product(kind_, x, wrow[j]));
            acc[j] = accumulate_.wide(int128{acc[j]} + p);
        }
    }
}

template <class Lane>
void DenseLayer::compute_planes(const int64_t* in, int32_t* acc32) const {
    const size_t n_out = cfg_.n_out;
    ScratchBuffer<Lane, 512> acc(row_words_ * 64);
    plane_sums(in, acc.data());
    // The final store into accum_t: its low W bits.
    const int sh = 32 - cfg_.accum_t.width;
    if (cfg_.accum_t.is_signed)
        for (size_t j = 0; j < n_out; ++j) acc32[j] = static_cast<int32_t>(static_cast<uint32_t>(acc[j]) << sh) >> sh;
    else
        for (size_t j = 0; j < n_out; ++j) acc32[j] = static_cast<int32_t>((static_cast<uint32_t>(acc[j]) << sh) >> sh);
}

namespace {
// The binary-weight inputs on 16-bit lanes without dropped bits: plus = 2x << l, base = -(sum of x) << l
// (modulo 2^16). False (nothing written) on 32-bit lanes or for shifts past the lane.
template <class Lane>
bool narrow_doubled(const int64_t* in, size_t n, int l, Lane* plus, Lane& base) {
    if constexpr (sizeof(Lane) == 2) {
        if (l + 1 >= 16) return false;
        const uint32_t sum = narrow_to_u16(in, n, l + 1, plus);
        base = static_cast<Lane>((0u - sum) << l);
        return true;
    } else {
        (void)in, (void)n, (void)l, (void)plus, (void)base;
        return false;
    }
}
}  // namespace

template <class Lane>
void DenseLayer::plane_sums(const int64_t* in, Lane* acc) const {
    const size_t n_in = cfg_.n_in, lanes = row_words_ * 64;
    const int r = product_to_accum_.right_shift(), l = product_to_accum_.left_shift();
    const bool ternary = !minus_rows_.empty();
    // Padded with zeros to whole chunks of the nibble kernel (nibble_lookup_kernel.h).
    const size_t padded = 4 * nibble_chunks(n_in);
    ScratchBuffer<Lane, 1024> plus(padded), minus(ternary ? padded : 0);
    for (size_t i = n_in; i < padded; ++i) {
        plus[i] = 0;
        if (ternary) minus[i] = 0;
    }
    // The two products of input i after hls4ml's product cast (floor to the accum_t LSB), modulo the lane.
    Lane base = 0;
    const bool narrowed = r == 0 && !ternary && narrow_doubled(in, n_in, l, plus.data(), base);
    if (narrowed) {
        // done: plus = 2x << l, base = -(sum of x) << l
    } else if (r == 0 && !ternary) {
        // No bits dropped: the -x product is exactly -(x << l) modulo the lane (a loop that vectorizes).
        for (size_t i = 0; i < n_in; ++i) {
            const Lane p = static_cast<Lane>(static_cast<uint64_t>(in[i]) << l);
            plus[i] = static_cast<Lane>(2 * p);
            base = static_cast<Lane>(base - p);
        }
    } else {
        for (size_t i = 0; i < n_in; ++i) {
            const Lane p = static_cast<Lane>(static_cast<uint64_t>(in[i] >> r) << l);
            const Lane m = static_cast<Lane>(static_cast<uint64_t>((-in[i]) >> r) << l);
            if (ternary) {
                plus[i] = p;
                minus[i] = m;
            } else {
                plus[i] = static_cast<Lane>(p - m);
                base = static_cast<Lane>(base + m);
            }
        }
    }
    for (size_t j = 0; j < lanes; ++j) acc[j] = static_cast<Lane>(bias_lanes_[j] + base);
    bool added = false;
    if constexpr (sizeof(Lane) == 2) {
        if (use_nibbles_) {
            // With no bits dropped, every plus value is a doubled product: even.
            if (r == 0 && !ternary)
                nibble_accumulate_even(plus.data(), plus_nibbles_, acc);
            else
                nibble_accumulate(plus.data(), plus_nibbles_, acc);
            if (ternary) nibble_accumulate(minus.data(), minus_nibbles_, acc);
            added = true;
        }
    }
    if (!added) {
        masked_accumulate(plus.data(), n_in, plus_rows_.data(), row_words_, acc);
        if (ternary) masked_accumulate(minus.data(), n_in, minus_rows_.data(), row_words_, acc);
    }
}

void DenseLayer::plane_sums16(const int64_t* in, uint16_t* lanes) const {
    if (!sums_on_16bit_lanes()) throw std::logic_error(name_ + ": no 16-bit plane sums");
    plane_sums(in, lanes);
}

void DenseLayer::finish32(const int32_t* acc, int64_t* out) const {
    if (result_cast_.fits32()) {
        result_cast_.apply32(acc, out, cfg_.n_out);
        return;
    }
    ScratchBuffer<int64_t, 256> wide(cfg_.n_out);
    std::copy(acc, acc + cfg_.n_out, wide.data());
    result_cast_.apply(wide.data(), out, cfg_.n_out);
}

void DenseLayer::finish_xnor(const int64_t* acc, int64_t* out) const {
    // finish_general's casts with accum_t integer (frac 0, see the constructor): the two into ap_int<k> are wraps.
    const size_t n_out = cfg_.n_out;
    const int64_t half = static_cast<int64_t>(cfg_.n_in / 2);
    const int k = xnor_width_;
    if (k <= 32 && xnor_to_result_.fits32()) {
        // (t - half) and 2t wrapped to k <= 32 bits depend only on the low 32 bits of t.
        ScratchBuffer<int32_t, 256> doubled(n_out);
        const int sh = 32 - k;
        for (size_t j = 0; j < n_out; ++j)
            doubled[j] = static_cast<int32_t>((static_cast<uint32_t>(acc[j] - half) << 1) << sh) >> sh;
        xnor_to_result_.apply32(doubled.data(), out, n_out);
        return;
    }
    ScratchBuffer<int64_t, 256> doubled(n_out);
    for (size_t j = 0; j < n_out; ++j) {
        const int64_t t = wrap_to_width(static_cast<uint64_t>(acc[j] - half), k, true);
        doubled[j] = wrap_to_width(static_cast<uint64_t>(t) * 2, k, true);
    }
    xnor_to_result_.apply(doubled.data(), out, n_out);
}

void DenseLayer::compute(const int64_t* in, int64_t* out) const {
    const size_t n_out = cfg_.n_out;
    if (!xnor_columns_.empty()) {
        // Pack the input bits (on the stack for up to 4096 inputs).
        ScratchBuffer<uint64_t, 64> bits(packed_words(cfg_.n_in));
        pack_codes(Packing::Binary, in, cfg_.n_in, bits.data());
        compute_from_packed(bits.data(), out);
        return;
    }
    if (plane_path_) {
        ScratchBuffer<int32_t, 256> acc32(n_out);
        if (cfg_.accum_t.width <= 16)
            compute_planes<uint16_t>(in, acc32.data());
        else
            compute_planes<uint32_t>(in, acc32.data());
        finish32(acc32.data(), out);
        return;
    }
    if (int32_path_) {
        ScratchBuffer<int32_t, 1024> x(cfg_.n_in);
        if (data_xnor_)
            for (size_t i = 0; i < cfg_.n_in; ++i) x[i] = in[i] ? 1 : -1;
        else
            narrow_to_int32(in, cfg_.n_in, x.data());
        compute_int32(x.data(), out);
        return;
    }
    ScratchBuffer<int64_t, 256> acc_buffer(n_out);
    int64_t* acc = acc_buffer.data();
    for (size_t j = 0; j < n_out; ++j) acc[j] = bias_in_accum_[j];
    if ((kind_ == ProductKind::Mult || kind_ == ProductKind::WeightExponential) && narrow_mult_ &&
               product_to_accum_.fast() && accumulate_.fast()) {
        compute_mult(in, acc);
    } else {
        compute_generic(in, acc);
    }
    finish(acc, out);
}

void DenseLayer::compute_from_packed(const uint64_t* in, int64_t* out) const {
    const size_t n_in = cfg_.n_in, n_out = cfg_.n_out, words = packed_words(n_in);
    ScratchBuffer<int64_t, 256> acc(n_out);
    if (packed_in_ == Packing::Binary) {
        // Matches counted with popcounts: the accumulator never wraps here (see the constructor). With the
        // bits past n_in zero in both, the matches are n_in minus the bits that differ.
        ScratchBuffer<uint64_t, 64> x(words);
        std::copy(in, in + words, x.data());
        if (n_in % 64) x[words - 1] &= (uint64_t{1} << (n_in % 64)) - 1;
        const uint64_t* w = xnor_columns_.data();
        const int64_t n = static_cast<int64_t>(n_in);
        if (words == 1) {
            // The common small layer: one word per output, no inner loop.
            for (size_t j = 0; j < n_out; ++j) acc[j] = bias_in_accum_[j] + n - __builtin_popcountll(x[0] ^ w[j]);
        } else {
            for (size_t j = 0; j < n_out; ++j, w += words) {
                int64_t differ = 0;
                for (size_t k = 0; k < words; ++k) differ += __builtin_popcountll(x[k] ^ w[k]);
                acc[j] = bias_in_accum_[j] + n - differ;
            }
        }
        finish_xnor(acc.data(), out);
        return;
    } else if (packed_in_ == Packing::Ternary) {
        ScratchBuffer<int32_t, 256> acc32(n_out);
        ternary_sums(in, acc32.data());
        finish32(acc32.data(), out);
        return;
    } else {
        Layer::compute_from_packed(in, out);
        return;
    }
    finish(acc.data(), out);
}

void DenseLayer::ternary_sums(const uint64_t* in, int32_t* acc32) const {
    if (packed_in_ != Packing::Ternary) throw std::logic_error(name_ + ": no ternary planes in");
    // Data codes and weights in {-1, 0, +1}: count the nonzero and the -1 products of each output. accum_t
    // has at most 32 bits here (the plane path's condition), so the sums run modulo 2^32.
    const size_t n_out = cfg_.n_out, words = packed_words(cfg_.n_in);
    const uint64_t* x_nonzero = in;
    const uint64_t* x_negative = in + words;
    const uint32_t plus_one = static_cast<uint32_t>(product_plus_one_);
    const uint32_t minus_one = static_cast<uint32_t>(product_minus_one_);
    const int sh = 32 - cfg_.accum_t.width;
    for (size_t j = 0; j < n_out; ++j) {
        const uint64_t* w_nonzero = column_nonzero_.data() + j * words;
        const uint64_t* w_negative = column_negative_.data() + j * words;
        uint32_t nonzero_count = 0, minus = 0;
        if (words == 1) {
            // The common small layer, kept apart so that the compiler leaves it scalar (popcnt instructions).
            const uint64_t nonzero = x_nonzero[0] & w_nonzero[0];
            nonzero_count = static_cast<uint32_t>(__builtin_popcountll(nonzero));
            minus = static_cast<uint32_t>(__builtin_popcountll((x_negative[0] ^ w_negative[0]) & nonzero));
        } else {
            for (size_t k = 0; k < words; ++k) {
                const uint64_t nonzero = x_nonzero[k] & w_nonzero[k];
                nonzero_count += static_cast<uint32_t>(__builtin_popcountll(nonzero));
                minus += static_cast<uint32_t>(__builtin_popcountll((x_negative[k] ^ w_negative[k]) & nonzero));
            }
        }
        // Every cast wraps, so the sum of the cast products modulo 2^W is the hls4ml sum.
        const uint32_t sum =
            static_cast<uint32_t>(bias_in_accum_[j]) + (nonzero_count - minus) * plus_one + minus * minus_one;
        acc32[j] = cfg_.accum_t.is_signed ? static_cast<int32_t>(sum << sh) >> sh
                                          : static_cast<int32_t>((sum << sh) >> sh);
    }
}

void DenseLayer::compute_general(const int64_t* in, int64_t* out) const {
    std::vector<int64_t> acc(bias_in_accum_);
    compute_generic(in, acc.data());
    finish_general(acc.data(), out);
}

void DenseLayer::finish(const int64_t* acc, int64_t* out) const {
    if (kind_ != ProductKind::BothBinary)
        result_cast_.apply(acc, out, cfg_.n_out);
    else if (xnor_width_ == 0)
        finish_general(acc, out);
    else
        finish_xnor(acc, out);
}

void DenseLayer::finish_general(const int64_t* acc, int64_t* out) const {
    const size_t n_out = cfg_.n_out;
    if (kind_ == ProductKind::BothBinary) {
        // nnet::cast for XNOR layers (nnet_mult.h):
        //   return (ap_int<ceillog2(n_in) + 2>)(x - CONFIG_T::n_in / 2) * 2;   // returned as ap_int<ceillog2(n_in)+2>
        // n_in / 2 is integer division, so odd n_in gives 2*acc - (n_in - 1); nnet::ceillog2(1) = 1.
        const Precision k = Precision::integer_of(hls_ceillog2(static_cast<int>(cfg_.n_in)) + 2, true);
        const int f = cfg_.accum_t.frac();
        const int128 half = static_cast<int128>(cfg_.n_in / 2);
        const int128 half_raw = f >= 0 ? half * (int128{1} << f) : half / (int128{1} << -f);
        for (size_t j = 0; j < n_out; ++j) {
            const int64_t t = quantize(int128{acc[j]} - half_raw, f, k);
            out[j] = quantize(quantize(int128{t} * 2, 0, k), 0, cfg_.result_t);
        }
    } else {
        for (size_t j = 0; j < n_out; ++j) out[j] = quantize(acc[j], cfg_.accum_t.frac(), cfg_.result_t);
    }
}

std::string DenseLayer::precision_summary() const {
    return fmt::format("weight={}{} bias={} accum={} result={}", cfg_.weight_t.str(),
                       cfg_.weight_exponential ? " (po2 exponent)" : "", cfg_.bias_t.str(),
                       cfg_.accum_t.str(), cfg_.result_t.str());
}

LayerCostInputs DenseLayer::cost_inputs() const {
    LayerCostInputs c = Layer::cost_inputs();
    c.kind = LayerCostInputs::Kind::Dense;
    c.n_zero_weights = n_zeros_;
    c.strategy = cfg_.strategy;
    c.weight_width = cfg_.weight_t.width;
    c.xnor = kind_ == ProductKind::BothBinary;
    c.no_dsp = kind_ != ProductKind::Mult;
    // Which constants the unrolled products multiply by (the resource model's shift-add / DSP decision).
    if (kind_ == ProductKind::Mult)
        for (int64_t w : cfg_.weights) ++c.weight_csd_histogram[static_cast<size_t>(csd_digits(w))];
    else if (kind_ == ProductKind::WeightExponential)
        c.weight_csd_histogram[1] = static_cast<uint32_t>(cfg_.weights.size());
    return c;
}

}  // namespace tlm4ml
