#include "rtl_models/fixed_math.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace tlm4ml {

std::string to_decimal(int128 raw, int frac) {
    const bool neg = raw < 0;
    uint128 mag = neg ? uint128(0) - static_cast<uint128>(raw) : static_cast<uint128>(raw);
    std::string out;
    if (frac <= 0) {
        // Integer with trailing zero bits; shifting stays within 128 bits for supported precisions.
        mag <<= -frac;
        frac = 0;
    }
    uint128 int_part = frac >= 128 ? 0 : (mag >> frac);
    uint128 frac_part = frac >= 128 ? mag : (mag & ((uint128{1} << frac) - 1));
    std::string digits;
    do {
        digits.push_back(static_cast<char>('0' + static_cast<int>(int_part % 10)));
        int_part /= 10;
    } while (int_part != 0);
    std::reverse(digits.begin(), digits.end());
    if (neg && (mag != 0)) out.push_back('-');
    out += digits;
    if (frac_part != 0) {
        out.push_back('.');
        // frac_part < 2^frac; multiply by 10 keeps within 128 bits while frac <= 124.
        while (frac_part != 0) {
            frac_part *= 10;
            out.push_back(static_cast<char>('0' + static_cast<int>(frac_part >> frac)));
            frac_part &= (uint128{1} << frac) - 1;
        }
    }
    return out;
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
