// The one conversion every cast in tlm4ml goes through: an exact value raw * 2^-from_frac brought into a
// Precision with its quantization (LSB side) and overflow (MSB side) modes, bit-true to ap_fixed.
#pragma once

#include <cstddef>
#include <cstdint>

#include "rtl_models/precision.h"

namespace tlm4ml {

using int128 = __int128;
using uint128 = unsigned __int128;

// Keeps the low `width` bits of v, sign-extended for signed types.
inline int64_t wrap_to_width(uint64_t v, int width, bool is_signed) {
    if (width >= 64) return static_cast<int64_t>(v);
    if (is_signed) {
        const int sh = 64 - width;
        return static_cast<int64_t>(v << sh) >> sh;
    }
    return static_cast<int64_t>(v & ((uint64_t{1} << width) - 1));
}

// The general conversion (every Q and O mode, any shift). raw * 2^-from_frac -> raw of `to`.
int64_t quantize(int128 raw, int from_frac, const Precision& to);

// Conversion from double exactly as ap_fixed does it: the exact binary value of d, quantized with the
// target's modes. inf and NaN overflow in the direction of their sign bit (SAT types give their extreme
// codes, SAT_ZERO 0); a wrapping target keeps the low W bits of an infinitely large power of two, which is 0.
int64_t quantize_double(double d, const Precision& to);

// A cast from a fixed source scale into one target, with the common TRN/WRAP case on a fast path.
// Built once per layer; apply() is what the per-MAC hot loops call.
class Requantizer {
public:
    Requantizer() = default;
    Requantizer(int from_frac, const Precision& to) : to_(to), from_frac_(from_frac) {
        const int shift = from_frac - to.frac();
        right_ = shift > 0 ? shift : 0;
        left_ = shift < 0 ? -shift : 0;
        // A plain wrap with no rounding work: TRN (floor is an arithmetic shift) or no bits dropped.
        fast_ = to.overflow == OverflowMode::WRAP && to.sat_bits == 0 && right_ < 64 && left_ < 64 &&
                (right_ == 0 || to.quant == QuantMode::TRN);
    }

    int64_t operator()(int64_t raw) const {
        if (fast_) return wrap_to_width(static_cast<uint64_t>(raw >> right_) << left_, to_.width, to_.is_signed);
        return quantize(raw, from_frac_, to_);
    }
    int64_t wide(int128 raw) const {
        if (fast_) return wrap_to_width(static_cast<uint64_t>(raw >> right_) << left_, to_.width, to_.is_signed);
        return quantize(raw, from_frac_, to_);
    }
    // out[i] = (*this)(in[i]) for n values; the fast case as one loop the compiler can vectorize.
    void apply(const int64_t* in, int64_t* out, size_t n) const {
        if (!fast_) {
            for (size_t i = 0; i < n; ++i) out[i] = quantize(in[i], from_frac_, to_);
            return;
        }
        const int r = right_, l = left_, w = to_.width;
        const bool s = to_.is_signed;
        for (size_t i = 0; i < n; ++i) out[i] = wrap_to_width(static_cast<uint64_t>(in[i] >> r) << l, w, s);
    }
    // Whether apply32() applies: the fast case into at most 32 bits, with shifts below 32.
    bool fits32() const { return fast_ && to_.width <= 32 && right_ < 32 && left_ < 32; }
    // apply() for 32-bit sources (only when fits32()): the same numbers (only the low W <= 32 bits of the
    // shifted value are kept), on 32-bit lanes, which AVX2 can shift arithmetically where it cannot on 64.
    void apply32(const int32_t* in, int64_t* out, size_t n) const {
        const int r = right_, l = left_, sh = 32 - to_.width;
        if (to_.is_signed) {
            for (size_t i = 0; i < n; ++i)
                out[i] = static_cast<int32_t>((static_cast<uint32_t>(in[i] >> r) << l) << sh) >> sh;
        } else {
            for (size_t i = 0; i < n; ++i) out[i] = ((static_cast<uint32_t>(in[i] >> r) << l) << sh) >> sh;
        }
    }
    const Precision& target() const { return to_; }
    int from_frac() const { return from_frac_; }
    int right_shift() const { return right_; }
    int left_shift() const { return left_; }
    bool fast() const { return fast_; }

private:
    Precision to_{};
    int from_frac_ = 0;
    int right_ = 0;
    int left_ = 0;
    bool fast_ = false;
};

}  // namespace tlm4ml
