#include "rtl_models/fixed_math.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>

namespace tlm4ml {

namespace {
// The digits of mag * 2^-frac: the integer part, then the fraction digit by digit (ten times the fraction must
// fit the type: frac <= 60 for 64 bits, <= 124 for 128).
template <typename U>
char* write_magnitude(char* out, U mag, int frac) {
    char digits[40];
    char* d = digits + sizeof digits;
    U int_part = mag >> frac;
    const U mask = (U{1} << frac) - 1;
    U frac_part = mag & mask;
    do {
        *--d = static_cast<char>('0' + static_cast<int>(int_part % 10));
        int_part /= 10;
    } while (int_part != 0);
    const size_t n = static_cast<size_t>(digits + sizeof digits - d);
    std::memcpy(out, d, n);
    out += n;
    if (frac_part != 0) {
        *out++ = '.';
        while (frac_part != 0) {
            frac_part *= 10;
            *out++ = static_cast<char>('0' + static_cast<int>(frac_part >> frac));
            frac_part &= mask;
        }
    }
    return out;
}
}  // namespace

char* write_decimal(char* out, int128 raw, int frac) {
    const bool neg = raw < 0;
    uint128 mag = neg ? uint128(0) - static_cast<uint128>(raw) : static_cast<uint128>(raw);
    if (frac <= 0) {
        // Integer with trailing zero bits; shifting stays within 128 bits for supported precisions.
        mag <<= -frac;
        frac = 0;
    }
    if (neg && mag != 0) *out++ = '-';
    // Most values fit 64 bits with at most 60 fractional bits: 64-bit arithmetic then (128-bit division is
    // a library call), the same digits.
    if ((mag >> 64) == 0 && frac <= 60) return write_magnitude(out, static_cast<uint64_t>(mag), frac);
    if (frac > 124) {
        // Ten times a fraction of more than 124 bits overflows 128 bits: mag * 5^frac in decimal digits
        // instead, the point frac places from the right.
        char big[2 * kMaxDecimalChars];
        char* const end = big + sizeof big;
        char* first = end;
        do {
            *--first = static_cast<char>(mag % 10);
            mag /= 10;
        } while (mag != 0);
        for (int i = 0; i < frac; ++i) {
            int carry = 0;
            for (char* q = end; q-- > first;) {
                const int v = *q * 5 + carry;
                *q = static_cast<char>(v % 10);
                carry = v / 10;
            }
            if (carry) *--first = static_cast<char>(carry);
        }
        const ptrdiff_t n = end - first;
        const char* point = n > frac ? end - frac : nullptr;  // within the digits, or all fractional
        if (!point) *out++ = '0';
        for (const char* q = first; q < (point ? point : first); ++q) *out++ = static_cast<char>('0' + *q);
        const char* last = end;
        while (last > (point ? point : first) && last[-1] == 0) --last;
        if (last > (point ? point : first) || (!point && last > first)) {
            *out++ = '.';
            for (ptrdiff_t z = 0; !point && z < frac - n; ++z) *out++ = '0';
            for (const char* q = point ? point : first; q < last; ++q) *out++ = static_cast<char>('0' + *q);
        }
        return out;
    }
    return write_magnitude(out, mag, frac);
}

std::string to_decimal(int128 raw, int frac) {
    char buf[kMaxDecimalChars];
    return std::string(buf, write_decimal(buf, raw, frac));
}

bool parse_input_text(const std::string& text, const Precision& p, int64_t& raw_out, double& value_out) {
    if (text.empty()) return false;
    errno = 0;
    char* end = nullptr;
    const double d = std::strtod(text.c_str(), &end);
    if (end != text.c_str() + text.size()) return false;
    const float f = static_cast<float>(d);
    if (!std::isfinite(f)) return false;
    value_out = f;
    raw_out = quantize_double(static_cast<double>(f), p);
    return true;
}

}  // namespace tlm4ml
