// Exact arithmetic on raw values (fixed_math.h): products/sums, to_int truncation, ap_fixed's division,
// exact decimal printing and the testbench's input parsing.
#include <gtest/gtest.h>

#include <systemc>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <random>
#include <string>

#include "rtl_models/fixed_math.h"
#include "rtl_models/precision.h"
#include "rtl_models/quantize.h"

using namespace tlm4ml;

namespace {

uint64_t seed_for(uint64_t salt) {
    const char* env = std::getenv("TLM4ML_SEED");
    const uint64_t seed = (env ? std::strtoull(env, nullptr, 0) : uint64_t{20260611}) * 8 + salt;
    std::cout << "[ seed     ] " << seed << " (set TLM4ML_SEED to override)" << std::endl;
    ::testing::Test::RecordProperty("seed", std::to_string(seed));
    return seed;
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------
// Exact products and sums

TEST(ExactMath, ProductsAddFractionalBits) {
    const Precision p = Precision::parse("ap_fixed<16,6>");
    const ExactValue a = exact_of(-19712, p);  // -19.25
    const ExactValue b = exact_of(3072, p);    // 3.0
    const ExactValue m = exact_mul(a, b);
    EXPECT_EQ(m.frac, 20);
    EXPECT_EQ(m.raw, int128{-19712} * 3072);
    EXPECT_EQ(std::ldexp(static_cast<double>(m.raw), -m.frac), -57.75);
    // Cast into accum_t <16,6>: -57.75 wraps to 6.25 (-57.75 + 64).
    EXPECT_EQ(cast(m, p), 6400);
    // Extreme 64-bit operands stay exact in 128 bits.
    const ExactValue big = exact_mul({INT64_MIN, 0}, {INT64_MIN, 0});
    EXPECT_EQ(big.raw, int128{1} << 126);
}

TEST(ExactMath, SumsAlignToTheFinerLsb) {
    const ExactValue a{5, 2};     // 1.25
    const ExactValue b{-3, 5};    // -0.09375
    const ExactValue s = exact_add(a, b);
    EXPECT_EQ(s.frac, 5);
    EXPECT_EQ(s.raw, 5 * 8 - 3);  // 1.15625
    const ExactValue s2 = exact_add(b, a);
    EXPECT_EQ(s2.frac, 5);
    EXPECT_EQ(s2.raw, s.raw);
    const ExactValue d = exact_sub(a, b);
    EXPECT_EQ(d.frac, 5);
    EXPECT_EQ(d.raw, 5 * 8 + 3);
    const ExactValue n = exact_neg(a);
    EXPECT_EQ(n.raw, -5);
    EXPECT_EQ(n.frac, 2);
    // -ap_fixed<16,6>(-32) = +32 needs the extra integer bit ap_fixed adds; casting back wraps it.
    const Precision p = Precision::parse("ap_fixed<16,6>");
    EXPECT_EQ(cast(exact_neg(exact_of(-32768, p)), p), -32768);
    EXPECT_EQ(cast(exact_neg(exact_of(-32768, p)), Precision::parse("ap_fixed<17,7>")), 32768);
    // Negative fractional bits (coarse integer types) work the same way.
    const ExactValue c = exact_add({3, -2}, {1, 0});
    EXPECT_EQ(c.frac, 0);
    EXPECT_EQ(c.raw, 13);
}

// ---------------------------------------------------------------------------------------------------------
// to_int: truncation toward zero

TEST(ToIntTrunc, Examples) {
    const Precision p = Precision::parse("ap_fixed<16,6>");
    EXPECT_EQ(to_int_trunc(exact_of(-19712, p)), -19);  // -19.25 -> -19, not -20
    EXPECT_EQ(to_int_trunc(exact_of(19712, p)), 19);
    EXPECT_EQ(to_int_trunc(exact_of(-20480, p)), -20);  // exact integer
    EXPECT_EQ(to_int_trunc(exact_of(-1, p)), 0);        // -2^-10 -> 0
    EXPECT_EQ(to_int_trunc(exact_of(-1023, p)), 0);
    EXPECT_EQ(to_int_trunc(exact_of(-1025, p)), -1);
    EXPECT_EQ(to_int_trunc(exact_of(-32768, p)), -32);
    EXPECT_EQ(to_int_trunc(exact_of(32767, p)), 31);
    // -7.5 in ap_fixed<8,4> (the example in ap_fixed_base.h's to_ap_int_base): -7.
    EXPECT_EQ(to_int_trunc(exact_of(-120, Precision::parse("ap_fixed<8,4>"))), -7);
    EXPECT_EQ(to_int_trunc({3, -2}), 12);      // frac <= 0: an integer times 2^-frac
    EXPECT_EQ(to_int_trunc({-3, 0}), -3);
    EXPECT_EQ(to_int_trunc({-5, 200}), 0);     // far below one
    EXPECT_EQ(to_int_trunc({-(int128{1} << 100), 90}), -1024);
}

TEST(ToIntTrunc, EveryCodeAgreesWithSystemCAndWithCTruncation) {
    // sc_fxnum::to_int() truncates toward zero as well (it converts like a C cast).
    long checked = 0;
    for (const char* text : {"ap_fixed<16,6>", "ap_fixed<8,3>", "ap_fixed<12,12>", "ap_fixed<10,-2>", "ap_fixed<6,9>",
                             "ap_ufixed<12,4>", "ap_fixed<18,8>", "ap_fixed<1,1>"}) {
        const Precision p = Precision::parse(text);
        for (int64_t raw = p.min_raw(); raw <= p.max_raw(); ++raw) {
            const double v = p.to_double(raw);
            const int64_t got = to_int_trunc(exact_of(raw, p));
            ASSERT_EQ(got, static_cast<int64_t>(std::trunc(v))) << text << " raw " << raw;
            int sc;
            if (p.is_signed) {
                const sc_dt::sc_fix x(v, p.width, p.integer);
                sc = x.to_int();
            } else {
                const sc_dt::sc_ufix x(v, p.width, p.integer);
                sc = x.to_int();
            }
            ASSERT_EQ(got, sc) << text << " raw " << raw << " (SystemC to_int)";
            ++checked;
        }
    }
    EXPECT_GT(checked, 300000);
}

// ---------------------------------------------------------------------------------------------------------
// Division: ap_fixed truncates toward zero at the dividend's LSB; sc_fixed floors.

TEST(DivTrunc, ApFixedExamples) {
    EXPECT_EQ(div_trunc(-3, 2), -1);  // -3 LSB / 2 -> -1 LSB (sc_fixed: -2)
    EXPECT_EQ(div_trunc(-5, 3), -1);  // -5 LSB / 3 -> -1 LSB (sc_fixed: -2)
    EXPECT_EQ(div_trunc(3, 2), 1);
    EXPECT_EQ(div_trunc(5, 3), 1);
    EXPECT_EQ(div_trunc(-6, 3), -2);
    EXPECT_EQ(div_trunc(-1, 4), 0);
    EXPECT_EQ(div_trunc(0, 7), 0);
    EXPECT_EQ(div_trunc(-7, 1), -7);
    EXPECT_EQ(div_trunc(INT64_MIN, 1), INT64_MIN);
    EXPECT_EQ(div_trunc(INT64_MIN, 2), INT64_MIN / 2);
    EXPECT_EQ(div_trunc(INT64_MIN + 1, 4), -(INT64_MAX / 4));
    EXPECT_EQ(div_trunc(INT64_MAX, UINT64_MAX), 0);
    EXPECT_EQ(div_trunc(INT64_MIN, uint64_t{1} << 63), -1);
    // Average pooling of four <16,6> values: (-0.25 - 0.25 - 0.25 - 0.2490234375) / 4.
    EXPECT_EQ(div_trunc(-256 - 256 - 256 - 255, 4), -255);
}

TEST(DivTrunc, SystemCFloorsInstead) {
    // Documents why div_trunc exists: the same division in sc_fixed lands one LSB lower.
    const sc_dt::sc_fixed<16, 6> x3 = -3.0 / 1024;
    const sc_dt::sc_fixed<16, 6> q3 = x3 / 2;
    EXPECT_EQ(q3.to_double() * 1024, -2.0);
    EXPECT_EQ(div_trunc(-3, 2), -1);
    const sc_dt::sc_fixed<16, 6> x5 = -5.0 / 1024;
    const sc_dt::sc_fixed<16, 6> q5 = x5 / 3;
    EXPECT_EQ(q5.to_double() * 1024, -2.0);
    EXPECT_EQ(div_trunc(-5, 3), -1);
    // For non-negative dividends, and exact quotients, the two agree.
    const sc_dt::sc_fixed<16, 6> x7 = 7.0 / 1024;
    const sc_dt::sc_fixed<16, 6> q7 = x7 / 2;
    EXPECT_EQ(q7.to_double() * 1024, static_cast<double>(div_trunc(7, 2)));
}

TEST(DivTrunc, RandomAgainstMagnitudeDivision) {
    std::mt19937_64 rng(seed_for(1));
    for (int k = 0; k < 200000; ++k) {
        const int bits = static_cast<int>(rng() % 64) + 1;
        int64_t raw = static_cast<int64_t>(rng() >> (64 - bits));
        if (rng() & 1) raw = -raw;
        if (k % 1000 == 0) raw = INT64_MIN;
        uint64_t d = (rng() >> (rng() % 64));
        if (k % 3 == 0) d = rng() % 16 + 1;  // the pooling sizes
        if (d == 0) d = 1;
        // |raw| / d on magnitudes, then the dividend's sign: truncation toward zero.
        const uint64_t mag = raw < 0 ? uint64_t{0} - static_cast<uint64_t>(raw) : static_cast<uint64_t>(raw);
        const uint64_t q = mag / d;
        const int64_t expected = raw < 0 ? static_cast<int64_t>(uint64_t{0} - q) : static_cast<int64_t>(q);
        ASSERT_EQ(div_trunc(raw, d), expected) << raw << " / " << d;
    }
}

// ---------------------------------------------------------------------------------------------------------
// to_decimal: every digit, no rounding

TEST(ToDecimal, Examples) {
    EXPECT_EQ(to_decimal(int128{-1}, 10), "-0.0009765625");
    EXPECT_EQ(to_decimal(int128{1}, 10), "0.0009765625");
    EXPECT_EQ(to_decimal(int128{0}, 10), "0");
    EXPECT_EQ(to_decimal(int128{0}, -3), "0");
    EXPECT_EQ(to_decimal(int128{5120}, 10), "5");            // integers print without a point
    EXPECT_EQ(to_decimal(int128{-5120}, 10), "-5");
    EXPECT_EQ(to_decimal(int128{-19712}, 10), "-19.25");
    EXPECT_EQ(to_decimal(int128{32767}, 10), "31.9990234375");
    EXPECT_EQ(to_decimal(int128{-32768}, 10), "-32");
    EXPECT_EQ(to_decimal(int128{3}, -2), "12");
    EXPECT_EQ(to_decimal(int128{-3}, -2), "-12");
    EXPECT_EQ(to_decimal(int128{7}, 0), "7");
    EXPECT_EQ(to_decimal(int128{1}, 1), "0.5");
    EXPECT_EQ(to_decimal(int128{1}, 64), "0.0000000000000000000542101086242752217003726400434970855712890625");
    EXPECT_EQ(to_decimal(int128{INT64_MIN}, 0), "-9223372036854775808");
    EXPECT_EQ(to_decimal(int128{INT64_MIN}, 63), "-1");
    EXPECT_EQ(to_decimal(int128{1} << 126, 0), "85070591730234615865843651857942052864");
    EXPECT_EQ(to_decimal(int64_t{-19712}, Precision::parse("ap_fixed<16,6>")), "-19.25");
    EXPECT_EQ(to_decimal(int64_t{255}, Precision::parse("ap_ufixed<8,0>")), "0.99609375");
    EXPECT_EQ(to_decimal(int64_t{-3}, Precision::parse("ap_fixed<8,12>")), "-48");
}

TEST(ToDecimal, RandomValuesAreExact) {
    // Independent check: with k digits after the point, digits * 2^frac == |raw| * 10^k, the last digit is
    // not 0, and strtod gives back the exact double.
    std::mt19937_64 rng(seed_for(2));
    for (int n = 0; n < 100000; ++n) {
        const int frac = static_cast<int>(rng() % 29) - 8;  // -8..20 keeps |raw| * 10^frac within 128 bits
        int64_t raw = static_cast<int64_t>(rng() >> (13 + rng() % 51));  // < 2^51: exact as a double
        if (rng() & 1) raw = -raw;
        const std::string s = to_decimal(int128{raw}, frac);
        ASSERT_EQ(std::strtod(s.c_str(), nullptr), std::ldexp(static_cast<double>(raw), -frac)) << s;
        const size_t point = s.find('.');
        std::string digits = s;
        int k = 0;
        if (point != std::string::npos) {
            k = static_cast<int>(s.size() - point - 1);
            digits.erase(point, 1);
            ASSERT_NE(s.back(), '0') << s;
            ASSERT_GT(k, 0) << s;
        }
        ASSERT_LE(k, std::max(frac, 0)) << s;
        const bool neg = !digits.empty() && digits[0] == '-';
        ASSERT_EQ(neg, raw < 0) << s;
        if (neg) digits.erase(0, 1);
        uint128 d = 0;
        for (char c : digits) {
            ASSERT_TRUE(c >= '0' && c <= '9') << s;
            d = d * 10 + static_cast<unsigned>(c - '0');
        }
        uint128 lhs = d, rhs = static_cast<uint128>(raw < 0 ? -raw : raw);
        if (frac >= 0) lhs <<= frac; else rhs <<= -frac;
        for (int i = 0; i < k; ++i) rhs *= 10;
        ASSERT_TRUE(lhs == rhs) << s << " for raw " << raw << " frac " << frac;
    }
}

// ---------------------------------------------------------------------------------------------------------
// parse_input_text: atof, stored into a float, then float -> input_t (TRN/WRAP for the default type)

TEST(ParseInputText, FloatRoute) {
    const Precision p = Precision::parse("ap_fixed<16,6>");
    int64_t raw = 0;
    double value = 0;
    ASSERT_TRUE(parse_input_text("1.5", p, raw, value));
    EXPECT_EQ(raw, 1536);
    EXPECT_EQ(value, 1.5);
    ASSERT_TRUE(parse_input_text("-0.0001", p, raw, value));
    EXPECT_EQ(raw, -1);                                    // floor at 2^-10
    EXPECT_EQ(value, static_cast<double>(-0.0001f));
    ASSERT_TRUE(parse_input_text("0.1", p, raw, value));
    EXPECT_EQ(raw, 102);                                   // 0.1f = 0.100000001490116..., *1024 = 102.4
    EXPECT_EQ(value, static_cast<double>(0.1f));
    ASSERT_TRUE(parse_input_text("40", p, raw, value));
    EXPECT_EQ(raw, -24 * 1024);                            // wraps like the firmware
    ASSERT_TRUE(parse_input_text("-19.25", p, raw, value));
    EXPECT_EQ(raw, -19712);
    ASSERT_TRUE(parse_input_text("1e-3", p, raw, value));
    EXPECT_EQ(raw, 1);
    // The float step matters: 0.000976562499999 is below 2^-10 as a double (floor -> 0) but rounds to exactly
    // 2^-10 as a float (-> 1 LSB).
    ASSERT_TRUE(parse_input_text("0.000976562499999", p, raw, value));
    EXPECT_EQ(raw, 1);
    EXPECT_EQ(value, 0.0009765625);
    EXPECT_EQ(quantize_double(0.000976562499999, p), 0);
    // Another type: the input type's own modes apply.
    ASSERT_TRUE(parse_input_text("0.7", Precision::parse("ap_ufixed<4,1,AP_RND,AP_SAT>"), raw, value));
    EXPECT_EQ(raw, 6);                                     // 0.7 * 8 = 5.6 -> 6
    ASSERT_TRUE(parse_input_text("5", Precision::parse("ap_ufixed<4,1,AP_RND,AP_SAT>"), raw, value));
    EXPECT_EQ(raw, 15);
}

TEST(ParseInputText, RejectsNonNumbers) {
    const Precision p = Precision::parse("ap_fixed<16,6>");
    int64_t raw = 0;
    double value = 0;
    EXPECT_FALSE(parse_input_text("", p, raw, value));
    EXPECT_FALSE(parse_input_text("abc", p, raw, value));
    EXPECT_FALSE(parse_input_text("1.5x", p, raw, value));
    EXPECT_FALSE(parse_input_text("1.5 ", p, raw, value));
    EXPECT_FALSE(parse_input_text("nan", p, raw, value));
    EXPECT_FALSE(parse_input_text("inf", p, raw, value));
    EXPECT_FALSE(parse_input_text("-inf", p, raw, value));
    EXPECT_FALSE(parse_input_text("1e39", p, raw, value));  // finite double, infinite float
}
