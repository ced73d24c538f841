#include "rtl_models/quantize.h"

#include <cmath>
#include <cstring>

namespace tlm4ml {

namespace {

// A value aligned to the target LSB, before the overflow step. When it does not fit in 128 bits,
// `huge` is set: only its sign and its low 64 bits (all a wrap can keep) are known.
struct Aligned {
    int128 value = 0;
    bool huge = false;
    bool negative = false;
    bool lowest_deleted = false;  // ap_fixed's lD: bit W of the value truncated (not rounded) to the target LSB
};

// Rounds raw * 2^-drop to an integer with mode q. drop > 0.
int128 round_shift(int128 raw, int drop, QuantMode q) {
    int128 floor_q;
    int cmp_half;     // sign of (discarded part - half LSB)
    bool inexact;
    if (drop >= 128) {
        // |raw| < 2^127 = half an LSB here, so the discarded part of a positive value is below half an
        // LSB and that of a negative value above it.
        floor_q = raw < 0 ? -1 : 0;
        inexact = raw != 0;
        cmp_half = raw > 0 ? -1 : (raw < 0 ? 1 : -1);
    } else {
        floor_q = raw >> drop;
        const uint128 mask = (uint128{1} << drop) - 1;
        const uint128 rem = static_cast<uint128>(raw) & mask;
        const uint128 half = uint128{1} << (drop - 1);
        inexact = rem != 0;
        cmp_half = rem < half ? -1 : (rem == half ? 0 : 1);
    }
    if (!inexact) return floor_q;
    const bool neg = raw < 0;
    switch (q) {
        case QuantMode::TRN: return floor_q;
        case QuantMode::TRN_ZERO: return neg ? floor_q + 1 : floor_q;
        case QuantMode::RND: return cmp_half >= 0 ? floor_q + 1 : floor_q;
        case QuantMode::RND_MIN_INF: return cmp_half > 0 ? floor_q + 1 : floor_q;
        case QuantMode::RND_ZERO:
            if (cmp_half == 0) return neg ? floor_q + 1 : floor_q;
            return cmp_half > 0 ? floor_q + 1 : floor_q;
        case QuantMode::RND_INF:
            if (cmp_half == 0) return neg ? floor_q : floor_q + 1;
            return cmp_half > 0 ? floor_q + 1 : floor_q;
        case QuantMode::RND_CONV:
            if (cmp_half == 0) return (floor_q & 1) ? floor_q + 1 : floor_q;
            return cmp_half > 0 ? floor_q + 1 : floor_q;
    }
    return floor_q;
}

Aligned align(int128 raw, int from_frac, const Precision& to) {
    Aligned a;
    a.negative = raw < 0;
    const int drop = from_frac - to.frac();
    if (drop > 0) {
        // Bit W of floor(raw * 2^-drop) is bit drop+W of raw (its sign beyond bit 127).
        const int pos = drop + to.width;
        a.lowest_deleted = static_cast<bool>((raw >> (pos < 127 ? pos : 127)) & 1);
        a.value = round_shift(raw, drop, to.quant);
        return a;
    } else if (drop == 0 || raw == 0) {
        a.value = raw;
    } else {
        const int up = -drop;
        // Shift as unsigned: left-shifting a negative signed value is undefined behaviour in C++17.
        const int128 shifted = up >= 128 ? 0 : static_cast<int128>(static_cast<uint128>(raw) << up);
        a.huge = up >= 127 || (shifted >> up) != raw;
        a.value = shifted;
    }
    a.lowest_deleted = static_cast<bool>((a.value >> to.width) & 1);  // low 128 bits are exact here
    return a;
}

uint64_t set_bit(uint64_t v, int pos, bool bit) {
    return bit ? (v | (uint64_t{1} << pos)) : (v & ~(uint64_t{1} << pos));
}

// Sets bits lo..hi (inclusive) of v to all ones or all zeros.
uint64_t set_range(uint64_t v, int lo, int hi, bool ones) {
    if (hi < lo) return v;
    const uint64_t m = (hi - lo + 1 >= 64 ? ~uint64_t{0} : ((uint64_t{1} << (hi - lo + 1)) - 1)) << lo;
    return ones ? (v | m) : (v & ~m);
}

int64_t finish_overflow(const Aligned& a, const Precision& to) {
    const int w = to.width;
    const int64_t lo = to.min_raw();
    const int64_t hi = to.max_raw();
    const bool neg = a.huge ? a.negative : a.value < 0;
    const bool over = a.huge ? !neg : a.value > hi;
    const bool under = a.huge ? neg : a.value < lo;
    const uint64_t low_bits = static_cast<uint64_t>(a.value);
    const int64_t wrapped = wrap_to_width(low_bits, w, to.is_signed);
    // ap_fixed (and sc_fixed) never produce the minimum code in a signed AP_SAT_SYM type: a result equal
    // to it counts as an underflow and becomes -max (ap_fixed_base::operator=,
    // `underflow |= neg_src && V(W-2, 0) == 0`).
    if (to.overflow == OverflowMode::SAT_SYM && to.is_signed && !a.huge && a.value == lo) return lo | 1;
    if (!over && !under) return wrapped;

    switch (to.overflow) {
        case OverflowMode::SAT: return over ? hi : lo;
        case OverflowMode::SAT_ZERO: return 0;
        case OverflowMode::SAT_SYM:
            if (over) return hi;
            // ap_fixed writes 1<<(W-1) | 1: -max, except for W = 1 where that is the code -1.
            return to.is_signed ? (lo | 1) : 0;
        case OverflowMode::WRAP: {
            const int n = to.sat_bits;
            if (n == 0) return wrapped;
            uint64_t v = static_cast<uint64_t>(wrapped);
            if (to.is_signed) {
                // The sign bit keeps the original sign; the next N-1 bits saturate away from it.
                v = set_bit(v, w - 1, neg);
                if (n > 1) v = set_range(v, w - n, w - 2, !neg);
            } else {
                v = set_range(v, w - n, w - 1, true);  // ap_fixed: ones on underflow too
            }
            return wrap_to_width(v, w, to.is_signed);
        }
        case OverflowMode::WRAP_SM: {
            const int n = to.sat_bits;
            uint64_t v = static_cast<uint64_t>(wrapped);
            const bool kept_msb = (v >> (w - 1)) & 1;
            if (n == 0) {
                // The lowest deleted bit becomes the sign; the magnitude bits flip when it changes.
                // ap_fixed takes lD from the source, before rounding; when it differs from the kept MSB
                // the whole word is complemented (which also makes the MSB equal to lD).
                if (a.lowest_deleted != kept_msb) v = ~v;
            } else if (n == 1) {
                if (neg != kept_msb) v = ~v;  // the complement makes the MSB equal to the sign
            } else {
                const bool low_sat = (v >> (w - n)) & 1;
                if (neg == low_sat) v = ~v;
                v = set_range(v, w - n, w - 2, !neg);
                v = set_bit(v, w - 1, neg);
            }
            return wrap_to_width(v, w, true);
        }
    }
    return wrapped;
}

}  // namespace

int64_t quantize(int128 raw, int from_frac, const Precision& to) {
    return finish_overflow(align(raw, from_frac, to), to);
}

int64_t quantize_double(double d, const Precision& to) {
    if (std::isnan(d) || std::isinf(d)) {
        Aligned a;
        a.huge = true;
        a.negative = std::signbit(d);  // ap_fixed: the sign bit decides, also for NaN
        a.value = 0;
        return finish_overflow(a, to);
    }
    if (d == 0.0) return 0;
    int exp = 0;
    const double m = std::frexp(d, &exp);  // d = m * 2^exp, 0.5 <= |m| < 1
    const int64_t mant = static_cast<int64_t>(std::ldexp(m, 53));  // exact: 53 significant bits
    // d = mant * 2^(exp-53), i.e. mant with (53-exp) fractional bits.
    return quantize(mant, 53 - exp, to);
}

}  // namespace tlm4ml
