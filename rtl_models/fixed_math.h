// Exact ap_fixed arithmetic on raw integers: products and sums never lose a bit (ap_fixed widens the
// result type), so they are plain integer operations on values that carry their scale (fractional bits).
// Quantization happens only when a result is stored into a narrower type (quantize.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "rtl_models/quantize.h"

namespace tlm4ml {

// An exact fixed-point value: raw * 2^-frac. Used where exactness matters more than speed
// (tables, thresholds, tests); the layer hot loops use raw int64_t directly.
struct ExactValue {
    int128 raw = 0;
    int frac = 0;
};

inline ExactValue exact_mul(ExactValue a, ExactValue b) { return {a.raw * b.raw, a.frac + b.frac}; }

// Aligns both operands to the finer LSB; exact as long as the shifted value fits 128 bits, which holds for
// every operand pair of at most 64 bits whose fractional bits differ by less than 63.
inline ExactValue exact_add(ExactValue a, ExactValue b) {
    if (a.frac < b.frac) std::swap(a, b);
    return {a.raw + b.raw * (int128{1} << (a.frac - b.frac)), a.frac};
}
inline ExactValue exact_neg(ExactValue a) { return {-a.raw, a.frac}; }
inline ExactValue exact_sub(ExactValue a, ExactValue b) { return exact_add(a, exact_neg(b)); }

inline ExactValue exact_of(int64_t raw, const Precision& p) { return {raw, p.frac()}; }
inline int64_t cast(ExactValue v, const Precision& to) { return quantize(v.raw, v.frac, to); }

// ap_fixed::to_int(): truncation toward zero (C semantics), not floor.
inline int64_t to_int_trunc(ExactValue v) {
    if (v.frac <= 0) return static_cast<int64_t>(static_cast<uint128>(v.raw) << -v.frac);
    if (v.frac >= 127) return 0;
    return static_cast<int64_t>(v.raw / (int128{1} << v.frac));
}

// ap_fixed's `x /= n`: the quotient of the mantissas, truncated toward zero at x's own LSB.
// (sc_fixed would floor here; average pooling depends on the difference.)
inline int64_t div_trunc(int64_t raw, uint64_t divisor) {
    return static_cast<int64_t>(static_cast<int128>(raw) / static_cast<int128>(divisor));
}

// Every digit of raw * 2^-frac, no rounding: "-0.0009765625", "3", "0". Integers print without a point.
std::string to_decimal(int128 raw, int frac);
// The same characters written at `out` (no terminating NUL), for writers that fill a reusable buffer;
// returns the end. `out` must have room for kMaxDecimalChars.
char* write_decimal(char* out, int128 raw, int frac);
// A sign, 39 integer digits, a point and at most 128 fractional digits (a value below 2^128 with at
// most 128 fractional bits, which covers every supported precision), with room to spare.
constexpr size_t kMaxDecimalChars = 192;
inline std::string to_decimal(int64_t raw, const Precision& p) { return to_decimal(int128{raw}, p.frac()); }

// Parses a decimal the way hls4ml's generated testbench reads an input: atof, stored into a float,
// then converted to the input type. Returns false when the text is not a finite number (as a float).
bool parse_input_text(const std::string& text, const Precision& p, int64_t& raw_out, double& value_out);

}  // namespace tlm4ml
