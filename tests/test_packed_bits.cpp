// Packed binary / ternary dot products (packed_bits.h) against naive +-1 loops, and the fixed-point
// kernels with one- and two-bit weights against a per-product-cast loop written with sc_fixed.
#include <gtest/gtest.h>

#include <systemc>

#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "rtl_models/packed_bits.h"
#include "rtl_models/precision.h"
#include "rtl_models/quantize.h"
#include "tests/support/test_support.h"

using namespace tlm4ml;


using namespace tlm4ml_test;
namespace {

constexpr size_t kMaxLength = 300;

std::mt19937_64 seeded_rng(uint64_t salt) {
    const char* env = std::getenv("TLM4ML_SEED");
    const uint64_t seed = (env ? std::strtoull(env, nullptr, 0) : uint64_t{20260611}) * 8 + salt;
    std::cout << "[ seed     ] " << seed << " (set TLM4ML_SEED to override)" << std::endl;
    ::testing::Test::RecordProperty("seed", std::to_string(seed));
    return std::mt19937_64(seed);
}

// Binary values as +-1 (bit 1 = +1, bit 0 = -1) and ternary values in {-1, 0, +1}, plus their packings.
struct BinaryCase {
    std::vector<int> v;
    BitVector bits;
};
struct TernaryCase {
    std::vector<int> v;
    TernaryVector packed;
};

BinaryCase random_binary(size_t n, std::mt19937_64& rng, int bias_percent = 50) {
    BinaryCase c{std::vector<int>(n), BitVector(n)};
    for (size_t i = 0; i < n; ++i) {
        const bool one = static_cast<int>(rng() % 100) < bias_percent;
        c.v[i] = one ? 1 : -1;
        c.bits.set(i, one);
    }
    return c;
}

TernaryCase random_ternary(size_t n, std::mt19937_64& rng) {
    TernaryCase c{std::vector<int>(n), TernaryVector(n)};
    for (size_t i = 0; i < n; ++i) {
        c.v[i] = static_cast<int>(rng() % 3) - 1;
        c.packed.set(i, c.v[i]);
    }
    return c;
}

int64_t naive_dot(const std::vector<int>& a, const std::vector<int>& b) {
    int64_t s = 0;
    for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
    return s;
}

}  // namespace

TEST(BitVector, SetGetAndMasks) {
    BitVector v(70);
    EXPECT_EQ(v.size(), 70u);
    EXPECT_EQ(v.word_count(), 2u);
    v.set(0, true);
    v.set(69, true);
    v.set(64, true);
    v.set(64, false);
    EXPECT_TRUE(v.get(0));
    EXPECT_TRUE(v.get(69));
    EXPECT_FALSE(v.get(64));
    EXPECT_EQ(v.data()[1], uint64_t{1} << 5);
    EXPECT_EQ(v.word_mask(0), ~uint64_t{0});
    EXPECT_EQ(v.word_mask(1), (uint64_t{1} << 6) - 1);
    EXPECT_EQ(BitVector(64).word_mask(0), ~uint64_t{0});
    TernaryVector t(3);
    t.set(0, -1);
    t.set(1, 0);
    t.set(2, 1);
    EXPECT_EQ(t.get(0), -1);
    EXPECT_EQ(t.get(1), 0);
    EXPECT_EQ(t.get(2), 1);
    t.set(0, 0);
    EXPECT_EQ(t.get(0), 0);
}

TEST(PackedDots, XnorEveryLengthFrom1To300) {
    auto rng = seeded_rng(1);
    for (size_t n = 1; n <= kMaxLength; ++n) {
        SCOPED_TRACE("n = " + std::to_string(n));
        for (int bias : {50, 95, 5}) {  // skewed densities reach all-match / no-match sums for short vectors
            const BinaryCase a = random_binary(n, rng, bias), b = random_binary(n, rng, bias);
            const int64_t expected = naive_dot(a.v, b.v);
            ASSERT_EQ(xnor_dot(a.bits, b.bits), expected);
            ASSERT_EQ(xnor_matches(a.bits, b.bits), (expected + static_cast<int64_t>(n)) / 2);
            ASSERT_EQ(xnor_dot(a.bits, a.bits), static_cast<int64_t>(n));
        }
    }
}

TEST(PackedDots, TernaryEveryLengthFrom1To300) {
    auto rng = seeded_rng(2);
    for (size_t n = 1; n <= kMaxLength; ++n) {
        SCOPED_TRACE("n = " + std::to_string(n));
        for (int rep = 0; rep < 3; ++rep) {
            const TernaryCase t = random_ternary(n, rng), u = random_ternary(n, rng);
            ASSERT_EQ(ternary_dot(t.packed, u.packed), naive_dot(t.v, u.v));
            ASSERT_EQ(ternary_dot(t.packed, t.packed), naive_dot(t.v, t.v));
        }
    }
}

TEST(PackedDots, TernaryBinaryEveryLengthFrom1To300) {
    auto rng = seeded_rng(3);
    for (size_t n = 1; n <= kMaxLength; ++n) {
        SCOPED_TRACE("n = " + std::to_string(n));
        for (int bias : {50, 95, 5}) {
            const TernaryCase t = random_ternary(n, rng);
            const BinaryCase x = random_binary(n, rng, bias);
            ASSERT_EQ(ternary_binary_dot(t.packed, x.bits), naive_dot(t.v, x.v));
        }
    }
}

TEST(PackedDots, ExtremeSums) {
    for (size_t n : {1u, 63u, 64u, 65u, 128u, 300u}) {
        BitVector ones(n), zeros(n);
        TernaryVector plus(n), minus(n), zero(n);
        for (size_t i = 0; i < n; ++i) {
            ones.set(i, true);
            plus.set(i, 1);
            minus.set(i, -1);
        }
        const int64_t sn = static_cast<int64_t>(n);
        EXPECT_EQ(xnor_dot(ones, ones), sn);
        EXPECT_EQ(xnor_dot(zeros, zeros), sn);  // (-1)*(-1) everywhere
        EXPECT_EQ(xnor_dot(ones, zeros), -sn);
        EXPECT_EQ(ternary_dot(plus, minus), -sn);
        EXPECT_EQ(ternary_dot(minus, minus), sn);
        EXPECT_EQ(ternary_dot(zero, minus), 0);
        EXPECT_EQ(ternary_binary_dot(minus, zeros), sn);
        EXPECT_EQ(ternary_binary_dot(plus, zeros), -sn);
        EXPECT_EQ(ternary_binary_dot(zero, ones), 0);
    }
}

TEST(PackedDots, PaddingBitsAreIgnored) {
    // The bits of the last word beyond size() are not part of the vector (BitVector::word_mask); writing
    // junk there through data() must not change any dot product.
    auto rng = seeded_rng(4);
    for (size_t n : {1u, 5u, 63u, 65u, 100u, 130u, 299u}) {
        SCOPED_TRACE("n = " + std::to_string(n));
        const BinaryCase a = random_binary(n, rng), b = random_binary(n, rng);
        const TernaryCase t = random_ternary(n, rng), u = random_ternary(n, rng);
        const int64_t x_ab = xnor_dot(a.bits, b.bits), t_tu = ternary_dot(t.packed, u.packed),
                      tb = ternary_binary_dot(t.packed, a.bits);
        const uint64_t junk = ~a.bits.word_mask(a.bits.word_count() - 1);
        if (junk == 0) continue;
        BitVector ja = a.bits, jb = b.bits;
        ja.data()[ja.word_count() - 1] |= junk;
        jb.data()[jb.word_count() - 1] |= junk & 0x5555555555555555ULL;
        TernaryVector jt = t.packed, ju = u.packed;
        for (TernaryVector* v : {&jt, &ju}) {
            v->nonzero.data()[v->nonzero.word_count() - 1] |= junk;
            v->negative.data()[v->negative.word_count() - 1] |= junk & 0x3333333333333333ULL;
        }
        EXPECT_EQ(xnor_dot(ja, jb), x_ab);
        EXPECT_EQ(ternary_binary_dot(jt, ja), tb);
        EXPECT_EQ(ternary_dot(jt, ju), t_tu);
    }
}

TEST(PackedDots, DifferentLengthsAreRejected) {
    EXPECT_THROW(xnor_dot(BitVector(10), BitVector(11)), std::invalid_argument);
    EXPECT_THROW(ternary_dot(TernaryVector(10), TernaryVector(9)), std::invalid_argument);
    EXPECT_THROW(ternary_binary_dot(TernaryVector(64), BitVector(65)), std::invalid_argument);
}

TEST(XnorResultPrecision, IsApIntOfCeilLog2NPlus2) {
    struct Row {
        size_t n;
        int width;
    };
    for (const Row& r : {Row{64, 8}, Row{32, 7}, Row{16, 6}, Row{5, 5}, Row{1, 2}, Row{2, 3}, Row{3, 4}, Row{4, 4},
                         Row{33, 8}, Row{1024, 12}, Row{1025, 13}}) {
        const Precision p = xnor_result_precision(r.n);
        EXPECT_EQ(p, Precision::integer_of(r.width, true)) << "n = " << r.n;
        EXPECT_TRUE(p.integer_type) << "n = " << r.n;
        EXPECT_EQ(p.str(), "ap_int<" + std::to_string(r.width) + ">") << "n = " << r.n;
        // The +-1 sum of n terms always fits: -n..n.
        EXPECT_LE(static_cast<int64_t>(r.n), p.max_raw() + 1) << "n = " << r.n;
    }
    EXPECT_EQ(xnor_result_precision(64).hls4ml_str(), "int<8>");
    EXPECT_EQ(xnor_result_precision(32).hls4ml_str(), "int<7>");
}

// ---------------------------------------------------------------------------------------------------------
// Fixed-point data with binary / ternary weights: hls4ml casts every +-x product to accum_t and re-stores
// every partial sum in accum_t, starting from the bias.

namespace {


// The naive kernel: per-product cast to accum_t, then acc = accum_t(acc + product), all in sc_fix.
// weights[i] is +1, 0 or -1 (0 only for ternary).
int64_t naive_weight_dot(const std::vector<int>& weights, const std::vector<int64_t>& x, const Precision& data,
                         const Precision& accum, int64_t init_raw) {
    auto to_accum = [&](const sc_dt::sc_fxval& v) {
        return sc_dt::sc_fix(v, accum.width, accum.integer, sc_q(accum.quant), sc_o(accum.overflow), accum.sat_bits);
    };
    sc_dt::sc_fix acc = to_accum(sc_dt::sc_fxval(static_cast<sc_dt::int64>(init_raw)) >> accum.frac());
    for (size_t i = 0; i < weights.size(); ++i) {
        const sc_dt::sc_fix xi(sc_dt::sc_fxval(static_cast<sc_dt::int64>(x[i])) >> data.frac(), data.width,
                               data.integer);
        // -x needs one more integer bit (ap_fixed's unary minus widens), so form the product exactly.
        const sc_dt::sc_fxval product = weights[i] == 0 ? sc_dt::sc_fxval(0) : (weights[i] > 0 ? sc_dt::sc_fxval(xi)
                                                                                                  : -sc_dt::sc_fxval(xi));
        const sc_dt::sc_fix p = to_accum(product);
        acc = to_accum(sc_dt::sc_fxval(acc) + sc_dt::sc_fxval(p));
    }
    return static_cast<int64_t>(std::ldexp(acc.to_double(), accum.frac()));
}

void check_weight_kernels(const Precision& data, const Precision& accum, uint64_t salt) {
    auto rng = seeded_rng(salt);
    const Requantizer product_cast(data.frac(), accum);
    const Requantizer accumulate(accum.frac(), accum);
    for (size_t n = 1; n <= kMaxLength; ++n) {
        SCOPED_TRACE("n = " + std::to_string(n) + ", data " + data.str() + ", accum " + accum.str());
        std::vector<int64_t> x(n);
        for (auto& v : x) {
            // Mostly random codes, some extremes (the most negative code negates out of range).
            const uint64_t r = rng();
            v = (r % 10 == 0) ? data.min_raw() : (r % 10 == 1 ? data.max_raw() : wrap_to_width(rng(), data.width, true));
        }
        const int64_t init = wrap_to_width(rng(), accum.width, accum.is_signed);  // the bias, already in accum_t

        const BinaryCase w = random_binary(n, rng);
        ASSERT_EQ(binary_weight_dot(w.bits, x.data(), init, product_cast, accumulate),
                  naive_weight_dot(w.v, x, data, accum, init));

        const TernaryCase t = random_ternary(n, rng);
        ASSERT_EQ(ternary_weight_dot(t.packed, x.data(), init, product_cast, accumulate),
                  naive_weight_dot(t.v, x, data, accum, init));
    }
}

}  // namespace

TEST(WeightKernels, BinaryAndTernaryIntoWrappingAccumulator) {
    // hls4ml's default: data, weights' products and accum all ap_fixed<16,6> (TRN, WRAP): the fast path.
    const Precision p = Precision::parse("ap_fixed<16,6>");
    ASSERT_TRUE(Requantizer(p.frac(), p).fast());
    check_weight_kernels(p, p, 5);
}

TEST(WeightKernels, NarrowerRoundingSaturatingAccumulator) {
    // A cast that drops bits with rounding and saturates: the general quantize() path.
    const Precision data = Precision::parse("ap_fixed<16,6>");
    const Precision accum = Precision::parse("ap_fixed<12,5,AP_RND_CONV,AP_SAT>");
    ASSERT_FALSE(Requantizer(data.frac(), accum).fast());
    check_weight_kernels(data, accum, 6);
}

TEST(WeightKernels, WiderAccumulator) {
    // accum with more fractional bits than the data: the product cast shifts left.
    check_weight_kernels(Precision::parse("ap_fixed<8,3>"), Precision::parse("ap_fixed<20,8>"), 7);
}

TEST(WeightKernels, HandExample) {
    // x = {1.5, -32.0, 0.25}, w = {+1, -1, -1}, bias 1.0, all <16,6> TRN/WRAP:
    // products 1.5, +32 -> wraps to -32, -0.25; sum 1 + 1.5 - 32 - 0.25 = -29.75.
    const Precision p = Precision::parse("ap_fixed<16,6>");
    const Requantizer rq(p.frac(), p);
    BitVector w(3);
    w.set(0, true);
    const int64_t x[3] = {1536, -32768, 256};
    EXPECT_EQ(binary_weight_dot(w, x, 1024, rq, rq), static_cast<int64_t>(-29.75 * 1024));
    TernaryVector t(3);
    t.set(0, 1);
    t.set(1, 0);
    t.set(2, -1);
    EXPECT_EQ(ternary_weight_dot(t, x, 1024, rq, rq), static_cast<int64_t>(2.25 * 1024));
}
