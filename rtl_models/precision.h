// Runtime description of an ap_fixed / ap_int type: the bits a value occupies and how a wider value
// is brought into them. Values themselves travel as raw two's-complement integers (see quantize.h).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace tlm4ml {

// Quantization modes, applied to the discarded least-significant bits (names as in ap_fixed).
enum class QuantMode : uint8_t { TRN, TRN_ZERO, RND, RND_ZERO, RND_INF, RND_MIN_INF, RND_CONV };

// Overflow modes, applied when the value does not fit the integer bits.
enum class OverflowMode : uint8_t { WRAP, SAT, SAT_ZERO, SAT_SYM, WRAP_SM };

const char* to_string(QuantMode q);
const char* to_string(OverflowMode o);

class PrecisionError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct Precision {
    int width = 16;          // W, 1..64
    int integer = 6;         // I, bits left of the binary point including the sign; may be <0 or >W
    bool is_signed = true;
    QuantMode quant = QuantMode::TRN;
    OverflowMode overflow = OverflowMode::WRAP;
    int sat_bits = 0;        // N, only meaningful with WRAP / WRAP_SM
    bool integer_type = false;  // written as ap_int / ap_uint (I == W, F == 0)

    int frac() const { return width - integer; }
    int64_t max_raw() const {
        return is_signed ? static_cast<int64_t>((uint64_t{1} << (width - 1)) - 1)
                         : static_cast<int64_t>(width >= 64 ? INT64_MAX : (int64_t{1} << width) - 1);
    }
    int64_t min_raw() const {
        return is_signed ? static_cast<int64_t>(~uint64_t{0} << (width - 1)) : 0;  // -2^(W-1), no overflow
    }
    // 2^-F as a double (the value of one LSB).
    double lsb() const;
    double to_double(int64_t raw) const;

    // Canonical spelling: ap_fixed<16,6> when the modes are the defaults, otherwise all five fields;
    // ap_int<W> / ap_uint<W> for integer types.
    std::string str() const;

    // hls4ml's spelling ("fixed<16,6,TRN,WRAP,0>", "int<8>", "uint<1>"), as in hls4ml's manifests.
    std::string hls4ml_str() const;

    // Parses every spelling hls4ml writes (ap_fixed<W,I[,Q[,O[,N]]]>, ap_ufixed<...>, ap_int<W>,
    // ap_uint<W>, and the short forms fixed/ufixed/int/uint, mode names with or without AP_).
    // Throws PrecisionError quoting the text and saying what was expected.
    static Precision parse(std::string_view text);

    static Precision fixed(int w, int i, bool is_signed = true, QuantMode q = QuantMode::TRN,
                           OverflowMode o = OverflowMode::WRAP, int n = 0);
    static Precision integer_of(int w, bool is_signed = true);

    bool operator==(const Precision& o) const {
        return width == o.width && integer == o.integer && is_signed == o.is_signed && quant == o.quant &&
               overflow == o.overflow && sat_bits == o.sat_bits;
    }
    bool operator!=(const Precision& o) const { return !(*this == o); }
};

}  // namespace tlm4ml
