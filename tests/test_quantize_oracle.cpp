// quantize / quantize_double / cast / Requantizer against SystemC's sc_fix, with ap_fixed as the truth.
//
// The truth is ap_fixed (Xilinx ap_types, byte-identical to the copy hls4ml ships). SystemC's sc_fixed
// agrees with it for every quantization mode and for AP_SAT, AP_SAT_ZERO, AP_SAT_SYM (W >= 2), AP_WRAP
// (N = 0, and N > 0 for signed types) and AP_WRAP_SM with N >= 1. It does NOT agree in three places, all
// read from ap_fixed_base.h (overflow_adjust() and the conversion operator=/ap_fixed_base(double)):
//
//   A. Unsigned AP_WRAP with N > 0 on underflow (a negative value into ap_ufixed): overflow_adjust sets
//      bits W-N..W-1 to ONE for overflow and underflow alike (`ap_int_base<_AP_W,false> mask(-1)` with no
//      sign test). SystemC clears them on underflow.
//   B. AP_WRAP_SM with N = 0: the new sign bit is the lowest deleted bit `lD`, which ap_fixed reads from
//      the *source* operand (bit F2-F+W of op.V), i.e. before rounding. SystemC (like a value-based model)
//      uses the bit of the rounded value. They differ exactly when rounding carries into bit W.
//   C. Signed AP_SAT_SYM with W = 1: -max is 0, but ap_fixed writes `1 << (W-1) | 1`, the code -1.
//   D. Infinity and NaN from double: sc_fixed raises an error (E305); ap_fixed treats them as +-2^1024
//      times the mantissa, signed by the double's sign bit (so a NaN with the sign bit set acts like -inf).
//      Tested against hand-computed values only (InfNaN.*).
//
// Where the two agree, the tests compare with sc_fix directly. In A, B and C the expected value is
// derived from SystemC's own rounding plus the ap_fixed rule quoted above, and each of A, B, C also has
// a small table of hand-computed ap_fixed results (ApFixedTables.*).
#include <gtest/gtest.h>

#include <systemc>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <limits>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "rtl_models/fixed_math.h"
#include "rtl_models/precision.h"
#include "rtl_models/quantize.h"
#include "tests/support/test_support.h"

using namespace tlm4ml;


using namespace tlm4ml_test;
namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr int kRandomScale = 4;  // sanitizer builds run 4x fewer random cases
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr int kRandomScale = 4;
#else
constexpr int kRandomScale = 1;
#endif
#else
constexpr int kRandomScale = 1;
#endif

uint64_t base_seed() {
    static const uint64_t seed = [] {
        const char* env = std::getenv("TLM4ML_SEED");
        return env ? std::strtoull(env, nullptr, 0) : uint64_t{20260611};
    }();
    return seed;
}

// ---------------------------------------------------------------------------------------------------------
// SystemC side



// The exact value raw * 2^-frac.
sc_dt::sc_fxval sc_value(int64_t raw, int frac) {
    const sc_dt::sc_fxval v(static_cast<sc_dt::int64>(raw));
    return frac >= 0 ? (v >> frac) : (v << -frac);
}

// sc_fix / sc_ufix conversion of v into (w, i, q, o, n); returns the raw code. Exact for w <= 53.
int64_t sc_cast(const sc_dt::sc_fxval& v, int w, int i, bool is_signed, QuantMode q, OverflowMode o, int n) {
    double d;
    if (is_signed) {
        const sc_dt::sc_fix r(v, w, i, sc_q(q), sc_o(o), n);
        d = r.to_double();
    } else {
        const sc_dt::sc_ufix r(v, w, i, sc_q(q), sc_o(o), n);
        d = r.to_double();
    }
    return static_cast<int64_t>(std::ldexp(d, w - i));
}
int64_t sc_cast(const sc_dt::sc_fxval& v, const Precision& t) {
    return sc_cast(v, t.width, t.integer, t.is_signed, t.quant, t.overflow, t.sat_bits);
}

// v rounded to t's LSB with mode q, without overflow handling, as a double (exact below 2^53, and always
// exact in sign and in how it compares with codes of <= 32-bit types).
double sc_rounded(const sc_dt::sc_fxval& v, const Precision& t, QuantMode q) {
    const sc_dt::sc_fix r(v, 160, 160 - t.frac(), sc_q(q), sc_dt::SC_WRAP, 0);
    return std::ldexp(r.to_double(), t.frac());
}

// Bit W (the lowest bit above the target) of v rounded with mode q at t's LSB.
bool sc_bit_w(const sc_dt::sc_fxval& v, const Precision& t, QuantMode q) {
    return sc_cast(v, t.width + 1, t.integer + 1, true, q, OverflowMode::WRAP, 0) < 0;
}

uint64_t low_mask(int w) { return w >= 64 ? ~uint64_t{0} : (uint64_t{1} << w) - 1; }
int64_t sign_extend(uint64_t v, int w) { return wrap_to_width(v, w, true); }

// ---------------------------------------------------------------------------------------------------------
// The ap_fixed expectation

enum class ApRule { None, UnsignedWrapN, WrapSmRoundCarry, SatSymWidth1 };

struct Expected {
    int64_t value;
    int64_t sc;     // what SystemC gives
    ApRule rule;    // which ap_fixed rule overrode SystemC (None: SystemC is the expectation)
};

Expected expect_ap(const sc_dt::sc_fxval& v, const Precision& t) {
    const int64_t sc = sc_cast(v, t);
    const int w = t.width;
    if (t.overflow == OverflowMode::WRAP && t.sat_bits > 0 && !t.is_signed) {
        // A: underflow sets the top N bits to one (SystemC: zero). The low bits are the plain wrap.
        if (sc_rounded(v, t, t.quant) >= 0) return {sc, sc, ApRule::None};
        const uint64_t low = static_cast<uint64_t>(sc_cast(v, w, t.integer, false, t.quant, OverflowMode::WRAP, 0));
        const uint64_t top = low_mask(t.sat_bits) << (w - t.sat_bits);
        return {static_cast<int64_t>((low | top) & low_mask(w)), sc, ApRule::UnsignedWrapN};
    }
    if (t.overflow == OverflowMode::WRAP_SM && t.sat_bits == 0) {
        // B: the sign comes from bit W *before* rounding.
        const double r = sc_rounded(v, t, t.quant);
        if (r >= static_cast<double>(t.min_raw()) && r <= static_cast<double>(t.max_raw()))
            return {sc, sc, ApRule::None};
        const bool before = sc_bit_w(v, t, QuantMode::TRN);
        const bool after = sc_bit_w(v, t, t.quant);
        if (before == after) return {sc, sc, ApRule::None};
        uint64_t bits = static_cast<uint64_t>(sc_cast(v, w, t.integer, true, t.quant, OverflowMode::WRAP, 0)) &
                        low_mask(w);
        // overflow_adjust: if lD differs from the kept MSB, complement V and set the MSB to lD. As lD is then
        // the complement of the old MSB, that is a plain complement of all W bits. (Keep it in this form:
        // GCC 12.2 at -O1 and above miscompiles "v = ~v; v = lD ? v | msb : v & ~msb" when lD comes from a
        // sign test.)
        const bool msb = (bits >> (w - 1)) & 1;
        if (before != msb) bits = ~bits & low_mask(w);
        return {sign_extend(bits, w), sc, ApRule::WrapSmRoundCarry};
    }
    if (t.overflow == OverflowMode::SAT_SYM && t.is_signed && w == 1) {
        // C: ap_fixed<1,...,AP_SAT_SYM> saturates negative values to the code -1, not to -max = 0.
        if (sc_rounded(v, t, t.quant) < 0) return {-1, sc, ApRule::SatSymWidth1};
        return {sc, sc, ApRule::None};
    }
    return {sc, sc, ApRule::None};
}

// ---------------------------------------------------------------------------------------------------------
// Mismatch bookkeeping: many cases per EXPECT, with the first few failures spelled out.

class Tally {
public:
    // `what` is a callable returning the case description; it only runs for a mismatch.
    template <typename Describe>
    void check(const std::string& group, int64_t got, const Expected& e, Describe&& what) {
        Entry& g = groups_[group];
        ++g.cases;
        if (e.rule != ApRule::None) ++g.ap_rule;
        if (got == e.value) return;
        ++g.mismatches;
        if (g.examples.size() < 6) {
            std::ostringstream os;
            os << "  " << what() << ": got " << got << ", ap_fixed " << e.value << ", sc_fixed " << e.sc
               << (e.rule == ApRule::None ? "" : " (ap rule)") << "\n";
            g.examples.push_back(os.str());
        }
    }
    void expect_clean() const {
        for (const auto& [name, g] : groups_) {
            std::string ex;
            for (const auto& s : g.examples) ex += s;
            EXPECT_EQ(g.mismatches, 0) << name << ": " << g.mismatches << " of " << g.cases
                                       << " conversions differ from ap_fixed, e.g.\n"
                                       << ex;
        }
    }
    long cases() const {
        long n = 0;
        for (const auto& kv : groups_) n += kv.second.cases;
        return n;
    }
    long ap_rule_cases() const {
        long n = 0;
        for (const auto& kv : groups_) n += kv.second.ap_rule;
        return n;
    }

private:
    struct Entry {
        long cases = 0, mismatches = 0, ap_rule = 0;
        std::vector<std::string> examples;
    };
    std::map<std::string, Entry> groups_;
};

std::string describe_source(int64_t raw, int w, int i, bool s) {
    std::ostringstream os;
    os << (s ? "ap_fixed<" : "ap_ufixed<") << w << "," << i << "> raw " << raw;
    return os.str();
}

struct OverflowCase {
    OverflowMode o;
    int n;
    const char* name;
};
const OverflowCase kOverflowCases[] = {
    {OverflowMode::SAT, 0, "SAT"},          {OverflowMode::SAT_ZERO, 0, "SAT_ZERO"},
    {OverflowMode::SAT_SYM, 0, "SAT_SYM"},  {OverflowMode::WRAP, 0, "WRAP"},
    {OverflowMode::WRAP, 1, "WRAP_N1"},     {OverflowMode::WRAP, 2, "WRAP_N2"},
    {OverflowMode::WRAP, 3, "WRAP_N3"},     {OverflowMode::WRAP_SM, 0, "WRAP_SM_N0"},
    {OverflowMode::WRAP_SM, 1, "WRAP_SM_N1"}, {OverflowMode::WRAP_SM, 2, "WRAP_SM_N2"},
};
constexpr QuantMode kQuantModes[] = {QuantMode::TRN,     QuantMode::TRN_ZERO,    QuantMode::RND,     QuantMode::RND_ZERO,
                                     QuantMode::RND_INF, QuantMode::RND_MIN_INF, QuantMode::RND_CONV};

}  // namespace

// ---------------------------------------------------------------------------------------------------------
// (a) Exhaustive: every 8-bit code of several source types into every 3..7-bit target with several I.

class Exhaustive8Bit : public ::testing::TestWithParam<std::tuple<int, int>> {};

TEST_P(Exhaustive8Bit, EveryCodeIntoSmallTargets) {
    const OverflowCase& oc = kOverflowCases[std::get<0>(GetParam())];
    const QuantMode q = kQuantModes[std::get<1>(GetParam())];
    Tally tally;
    for (bool target_signed : {true, false}) {
        if (!target_signed && oc.o == OverflowMode::WRAP_SM) continue;  // ap_ufixed rejects WRAP_SM
        for (bool source_signed : {true, false}) {
            for (int source_i : {-2, 3, 8, 11}) {
                const int source_frac = 8 - source_i;
                for (int w = 3; w <= 7; ++w) {
                    for (int i : {-2, 0, 2, w - 1, w, w + 3}) {
                        const Precision t = Precision::fixed(w, i, target_signed, q, oc.o, oc.n);
                        const std::string group = std::string(oc.name) + (target_signed ? " signed" : " unsigned");
                        for (int code = 0; code < 256; ++code) {
                            const int64_t raw = source_signed ? static_cast<int8_t>(code) : code;
                            const Expected e = expect_ap(sc_value(raw, source_frac), t);
                            const int64_t got = quantize(raw, source_frac, t);
                            tally.check(group, got, e, [&] {
                                return describe_source(raw, 8, source_i, source_signed) + " -> " + t.str();
                            });
                        }
                    }
                }
            }
        }
    }
    tally.expect_clean();
    RecordProperty("cases", static_cast<int>(tally.cases()));
    RecordProperty("ap_rule_cases", static_cast<int>(tally.ap_rule_cases()));
    // The modes where ap_fixed and SystemC part ways must actually reach the divergent cases.
    if ((oc.o == OverflowMode::WRAP && oc.n > 0) || (oc.o == OverflowMode::WRAP_SM && oc.n == 0 && q != QuantMode::TRN))
        EXPECT_GT(tally.ap_rule_cases(), 0);
    else
        EXPECT_EQ(tally.ap_rule_cases(), 0);
}

INSTANTIATE_TEST_SUITE_P(AllModes, Exhaustive8Bit,
                         ::testing::Combine(::testing::Range(0, static_cast<int>(std::size(kOverflowCases))),
                                            ::testing::Range(0, 7)),
                         [](const ::testing::TestParamInfo<std::tuple<int, int>>& info) {
                             return std::string(kOverflowCases[std::get<0>(info.param)].name) + "_" +
                                    to_string(kQuantModes[std::get<1>(info.param)]);
                         });

// ---------------------------------------------------------------------------------------------------------
// (b) Seeded random cases, widths up to 32.

namespace {

class RandomPrecision {
public:
    explicit RandomPrecision(uint64_t seed) : rng_(seed) {}
    std::mt19937_64& rng() { return rng_; }
    int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

    // Any target up to 32 bits, every mode.
    Precision target() {
        const int w = uniform(1, 32);
        const int i = uniform(-6, w + 6);
        const bool s = uniform(0, 1) == 1;
        const QuantMode q = kQuantModes[uniform(0, 6)];
        const OverflowCase& oc = kOverflowCases[uniform(0, static_cast<int>(std::size(kOverflowCases)) - 1)];
        OverflowMode o = oc.o;
        if (o == OverflowMode::WRAP_SM && (!s || w < 2)) o = OverflowMode::SAT;
        const int n = (o == OverflowMode::WRAP || o == OverflowMode::WRAP_SM) ? std::min(oc.n, w) : 0;
        return Precision::fixed(w, i, s, q, o, n);
    }
    // A random raw code of a w-bit type, with the edges (0, +-1, min, max) over-represented.
    int64_t code(int w, bool s) {
        const uint64_t bits = rng_() & low_mask(w);
        const int64_t lo = s ? -(int64_t{1} << (w - 1)) : 0;
        const int64_t hi = s ? (int64_t{1} << (w - 1)) - 1 : static_cast<int64_t>(low_mask(w));
        switch (uniform(0, 9)) {
            case 0: return lo;
            case 1: return hi;
            case 2: return std::max<int64_t>(lo, std::min<int64_t>(hi, uniform(-2, 2)));
            default: return s ? wrap_to_width(bits, w, true) : static_cast<int64_t>(bits);
        }
    }

private:
    std::mt19937_64 rng_;
};

int random_count(int n) { return n / kRandomScale; }

void announce_seed(uint64_t seed) {
    std::cout << "[ seed     ] " << seed << " (set TLM4ML_SEED to override)" << std::endl;
    ::testing::Test::RecordProperty("seed", std::to_string(seed));
}

}  // namespace

TEST(RandomOracle, ConversionsBetweenPrecisions) {
    const uint64_t seed = base_seed() * 4 + 1;
    announce_seed(seed);
    RandomPrecision gen(seed);
    Tally tally;
    const int n = random_count(300000);
    for (int k = 0; k < n; ++k) {
        const int sw = gen.uniform(1, 32);
        const int si = gen.uniform(-8, sw + 8);
        const bool ss = gen.uniform(0, 1) == 1;
        const int64_t raw = gen.code(sw, ss);
        const Precision t = gen.target();
        const Expected e = expect_ap(sc_value(raw, sw - si), t);
        const auto what = [&] { return describe_source(raw, sw, si, ss) + " -> " + t.str(); };
        tally.check(std::string("convert ") + to_string(t.overflow), quantize(raw, sw - si, t), e, what);
        const Requantizer rq(sw - si, t);
        tally.check(std::string("Requantizer ") + to_string(t.overflow), rq(raw), e, what);
        tally.check(std::string("Requantizer.wide ") + to_string(t.overflow), rq.wide(raw), e, what);
    }
    tally.expect_clean();
    EXPECT_EQ(tally.cases(), 3L * n);
}

TEST(RandomOracle, FromDouble) {
    const uint64_t seed = base_seed() * 4 + 2;
    announce_seed(seed);
    RandomPrecision gen(seed);
    Tally tally;
    const int n = random_count(300000);
    for (int k = 0; k < n; ++k) {
        const Precision t = gen.target();
        double d = 0;
        switch (gen.uniform(0, 3)) {
            case 0:  // anywhere from far below the LSB to far above the range
                d = std::ldexp(static_cast<double>(static_cast<int64_t>(gen.rng()())), gen.uniform(-75, 8) - 63 + t.integer);
                break;
            case 1:  // a few bits below the target LSB
                d = std::ldexp(static_cast<double>(static_cast<int64_t>(gen.rng()() >> gen.uniform(1, 63))),
                               -t.frac() - gen.uniform(0, 6));
                break;
            case 2: {  // exactly on a grid point, or half-way between two (the rounding ties)
                int64_t m = static_cast<int64_t>(gen.rng()() >> gen.uniform(12, 63));
                if (gen.uniform(0, 1)) m = -m;
                d = std::ldexp(static_cast<double>(m) + 0.5 * gen.uniform(-2, 2), -t.frac());
                break;
            }
            default:  // uniform within twice the range
                d = std::ldexp(std::uniform_real_distribution<double>(-2.0, 2.0)(gen.rng()), t.integer - 1);
                break;
        }
        const Expected e = expect_ap(sc_dt::sc_fxval(d), t);
        const auto what = [&] {
            std::ostringstream os;
            os << std::hexfloat << d << " -> " << t.str();
            return os.str();
        };
        tally.check(std::string("double ") + to_string(t.overflow), quantize_double(d, t), e, what);
    }
    tally.expect_clean();
}

TEST(RandomOracle, ProductsRequantized) {
    const uint64_t seed = base_seed() * 4 + 3;
    announce_seed(seed);
    RandomPrecision gen(seed);
    Tally tally;
    const int n = random_count(300000);
    for (int k = 0; k < n; ++k) {
        const int wa = gen.uniform(1, 32), wb = gen.uniform(1, 32);
        const int ia = gen.uniform(-4, wa + 4), ib = gen.uniform(-4, wb + 4);
        const bool sa = gen.uniform(0, 1) == 1, sb = gen.uniform(0, 1) == 1;
        const int64_t ra = gen.code(wa, sa), rb = gen.code(wb, sb);
        const Precision t = gen.target();
        const ExactValue p = exact_mul({ra, wa - ia}, {rb, wb - ib});
        ASSERT_EQ(p.raw, static_cast<int128>(ra) * rb);
        ASSERT_EQ(p.frac, wa - ia + wb - ib);
        const Expected e = expect_ap(sc_value(ra, wa - ia) * sc_value(rb, wb - ib), t);
        const auto what = [&] {
            return describe_source(ra, wa, ia, sa) + " * " + describe_source(rb, wb, ib, sb) + " -> " + t.str();
        };
        tally.check(std::string("product ") + to_string(t.overflow), cast(p, t), e, what);
        tally.check(std::string("product Requantizer ") + to_string(t.overflow), Requantizer(p.frac, t).wide(p.raw), e,
                    what);
    }
    tally.expect_clean();
}

TEST(RandomOracle, SumsAndDifferencesRequantized) {
    const uint64_t seed = base_seed() * 4 + 4;
    announce_seed(seed);
    RandomPrecision gen(seed);
    Tally tally;
    const int n = random_count(300000);
    for (int k = 0; k < n; ++k) {
        const int wa = gen.uniform(1, 32), wb = gen.uniform(1, 32);
        const int ia = gen.uniform(-4, wa + 4), ib = gen.uniform(-4, wb + 4);
        const bool sa = gen.uniform(0, 1) == 1, sb = gen.uniform(0, 1) == 1;
        const int64_t ra = gen.code(wa, sa), rb = gen.code(wb, sb);
        const Precision t = gen.target();
        const ExactValue a{ra, wa - ia}, b{rb, wb - ib};
        const sc_dt::sc_fxval va = sc_value(ra, wa - ia), vb = sc_value(rb, wb - ib);
        const auto what = [&] {
            return describe_source(ra, wa, ia, sa) + " , " + describe_source(rb, wb, ib, sb) + " -> " + t.str();
        };
        const ExactValue s = exact_add(a, b);
        EXPECT_EQ(s.frac, std::max(a.frac, b.frac));
        tally.check(std::string("sum ") + to_string(t.overflow), cast(s, t), expect_ap(va + vb, t), what);
        tally.check(std::string("difference ") + to_string(t.overflow), cast(exact_sub(a, b), t), expect_ap(va - vb, t),
                    what);
        tally.check(std::string("negation ") + to_string(t.overflow), cast(exact_neg(a), t), expect_ap(-va, t), what);
    }
    tally.expect_clean();
}

// ---------------------------------------------------------------------------------------------------------
// Hand-computed ap_fixed results where SystemC differs (see the header comment; each row also records
// what SystemC 2.3.4 gives, to show the difference is real).

namespace {
struct TableRow {
    const char* target;
    double value;  // exact in binary
    int64_t ap;    // ap_fixed raw code
    int64_t sc;    // sc_fixed raw code
};

void check_table(const std::vector<TableRow>& rows) {
    for (const auto& r : rows) {
        const Precision t = Precision::parse(r.target);
        SCOPED_TRACE(std::string(r.target) + " = " + std::to_string(r.value));
        EXPECT_EQ(sc_cast(sc_dt::sc_fxval(r.value), t), r.sc) << "SystemC no longer behaves as recorded";
        EXPECT_EQ(expect_ap(sc_dt::sc_fxval(r.value), t).value, r.ap) << "oracle rule disagrees with the table";
        EXPECT_EQ(quantize_double(r.value, t), r.ap) << "quantize_double";
        // The same value as an exact fixed-point source (8 fractional bits are enough for every row).
        EXPECT_EQ(quantize(static_cast<int64_t>(std::ldexp(r.value, 8)), 8, t), r.ap) << "quantize";
    }
}
}  // namespace

TEST(ApFixedTables, UnsignedWrapWithSaturationBitsOnUnderflow) {
    // ap_ufixed<4,4,AP_TRN,AP_WRAP,N>: the low 4 bits of the value, then bits 4-N..3 forced to 1 on
    // overflow and on underflow. SystemC forces them to 0 on underflow.
    check_table({
        {"ap_ufixed<4,4,AP_TRN,AP_WRAP,1>", -1.0, 15, 7},    // 1111 -> 1111
        {"ap_ufixed<4,4,AP_TRN,AP_WRAP,1>", -3.0, 13, 5},    // 1101 -> 1101
        {"ap_ufixed<4,4,AP_TRN,AP_WRAP,1>", -16.0, 8, 0},    // 0000 -> 1000
        {"ap_ufixed<4,4,AP_TRN,AP_WRAP,1>", -20.0, 12, 4},   // 1100 -> 1100
        {"ap_ufixed<4,4,AP_TRN,AP_WRAP,1>", 20.0, 12, 12},   // overflow: both set the MSB
        {"ap_ufixed<4,4,AP_TRN,AP_WRAP,2>", -1.0, 15, 3},
        {"ap_ufixed<4,4,AP_TRN,AP_WRAP,2>", -3.0, 13, 1},
        {"ap_ufixed<4,4,AP_TRN,AP_WRAP,2>", -16.0, 12, 0},
        {"ap_ufixed<4,4,AP_TRN,AP_WRAP,2>", 20.0, 12, 12},
        {"ap_ufixed<4,4,AP_TRN,AP_WRAP,3>", -3.0, 15, 1},
        {"ap_ufixed<4,2,AP_TRN,AP_WRAP,1>", -0.25, 15, 7},   // 3.75 in ap, 1.75 in sc
        {"ap_ufixed<4,4,AP_RND,AP_WRAP,1>", -0.5, 0, 0},     // rounds to 0: no underflow
        {"ap_ufixed<4,4,AP_RND,AP_WRAP,1>", -0.75, 15, 7},   // rounds to -1: underflow
        {"ap_ufixed<4,4,AP_TRN,AP_WRAP,1>", 5.0, 5, 5},      // in range: untouched
    });
}

TEST(ApFixedTables, WrapSmSignTakenBeforeRounding) {
    // ap_fixed<4,4,Q,AP_WRAP_SM,0>: range -8..7. lD = bit 4 of the truncated value; SystemC uses bit 4 of
    // the rounded one. 15.5: floor 01111 (bit4 0), RND 10000 (bit4 1); kept bits 0000, MSB 0.
    check_table({
        {"ap_fixed<4,4,AP_RND,AP_WRAP_SM,0>", 15.5, 0, -1},
        {"ap_fixed<4,4,AP_RND,AP_WRAP_SM,0>", -16.5, 0, -1},   // floor -17 = ..101111, RND -16 = ..110000
        {"ap_fixed<4,4,AP_RND,AP_WRAP_SM,0>", 31.5, -1, 0},    // floor 011111 (bit4 1), RND 100000 (bit4 0)
        {"ap_fixed<4,4,AP_TRN_ZERO,AP_WRAP_SM,0>", -16.5, 0, -1},
        {"ap_fixed<4,4,AP_RND_CONV,AP_WRAP_SM,0>", 15.5, 0, -1},
        {"ap_fixed<4,4,AP_RND,AP_WRAP_SM,0>", 7.5, 7, 7},      // no carry into bit 4: both agree
        {"ap_fixed<4,4,AP_RND,AP_WRAP_SM,0>", 23.5, -8, -8},   // no carry into bit 4: both agree
        {"ap_fixed<4,4,AP_TRN,AP_WRAP_SM,0>", 15.5, 0, 0},     // TRN never carries: 01111 -> 1111 -> 0000
    });
}

TEST(ApFixedTables, SatSymOneBit) {
    // ap_fixed<1,1,Q,AP_SAT_SYM>: max = 0, min code -1; ap_fixed saturates a negative value to
    // `1 << (W-1) | 1` = the code -1, where SystemC gives -max = 0.
    check_table({
        {"ap_fixed<1,1,AP_TRN,AP_SAT_SYM>", -1.0, -1, 0},
        {"ap_fixed<1,1,AP_TRN,AP_SAT_SYM>", -5.0, -1, 0},
        {"ap_fixed<1,1,AP_TRN,AP_SAT_SYM>", 3.0, 0, 0},
        {"ap_fixed<1,1,AP_TRN,AP_SAT_SYM>", 0.0, 0, 0},
        {"ap_fixed<1,1,AP_RND,AP_SAT_SYM>", -0.5, 0, 0},       // rounds to 0
    });
}

TEST(ApFixedTables, SatSymMapsTheMinimumCodeToMinusMax) {
    // ap_fixed and SystemC agree here; spelled out because it is the point of AP_SAT_SYM.
    const Precision p8 = Precision::parse("ap_fixed<8,8,AP_TRN,AP_SAT_SYM>");
    EXPECT_EQ(quantize(-128, 0, p8), -127);
    EXPECT_EQ(quantize(-129, 0, p8), -127);
    EXPECT_EQ(quantize(-1000, 0, p8), -127);
    EXPECT_EQ(quantize(-127, 0, p8), -127);
    EXPECT_EQ(quantize(127, 0, p8), 127);
    EXPECT_EQ(quantize(128, 0, p8), 127);
    EXPECT_EQ(quantize_double(-32.0, Precision::parse("ap_fixed<16,6,AP_RND,AP_SAT_SYM>")), -32767);
    EXPECT_EQ(quantize_double(-31.9999, Precision::parse("ap_fixed<16,6,AP_TRN,AP_SAT_SYM>")), -32767);
    EXPECT_EQ(quantize_double(-32.0, Precision::parse("ap_fixed<16,6,AP_RND,AP_SAT>")), -32768);
    EXPECT_EQ(quantize_double(-5.0, Precision::parse("ap_ufixed<8,4,AP_TRN,AP_SAT_SYM>")), 0);
}

// ---------------------------------------------------------------------------------------------------------
// Examples from HLS4ML_SEMANTICS.md section 1 and the defaults.

TEST(QuantizeExamples, DoubleIntoDefaultType) {
    const Precision p = Precision::parse("ap_fixed<16,6>");
    EXPECT_EQ(quantize_double(-0.0001, p), -1);      // floor at 2^-10
    EXPECT_EQ(quantize_double(0.0009, p), 0);
    EXPECT_EQ(quantize_double(40.0, p), -24 * 1024);  // wraps
    EXPECT_EQ(quantize_double(-19.25, p), -19712);
    EXPECT_EQ(quantize_double(31.9990234375, p), 32767);
    EXPECT_EQ(quantize_double(-32.0, p), -32768);
    EXPECT_EQ(quantize_double(32.0, p), -32768);
    EXPECT_EQ(quantize_double(0.0, p), 0);
    EXPECT_EQ(quantize_double(-0.0, p), 0);
    EXPECT_EQ(quantize_double(5e-324, p), 0);         // smallest subnormal
    EXPECT_EQ(quantize_double(-5e-324, p), -1);
    EXPECT_EQ(quantize_double(1e-300, Precision::parse("ap_fixed<16,6,AP_TRN_ZERO,AP_SAT>")), 0);
    EXPECT_EQ(quantize_double(-1e-300, Precision::parse("ap_fixed<16,6,AP_TRN_ZERO,AP_SAT>")), 0);
    EXPECT_EQ(quantize_double(1e300, p), 0);          // low 16 bits of a huge power-of-two multiple
    EXPECT_EQ(quantize_double(1e300, Precision::parse("ap_fixed<16,6,AP_TRN,AP_SAT>")), 32767);
    EXPECT_EQ(quantize_double(-1e300, Precision::parse("ap_fixed<16,6,AP_TRN,AP_SAT>")), -32768);
}

TEST(QuantizeExamples, WideToNarrow) {
    // The <16,6> x <16,6> product (20 fractional bits) cast into accum_t <16,6>: floor then wrap.
    const Precision acc = Precision::parse("ap_fixed<16,6>");
    EXPECT_EQ(quantize(int128{-1}, 20, acc), -1);
    EXPECT_EQ(quantize(int128{1023}, 20, acc), 0);
    EXPECT_EQ(quantize(int128{1024}, 20, acc), 1);
    EXPECT_EQ(quantize(int128{32768} << 10, 20, acc), -32768);
    // Left shifts (source coarser than target) are exact; huge left shifts wrap to 0 or saturate.
    EXPECT_EQ(quantize(3, -2, acc), 12 * 1024);
    EXPECT_EQ(quantize(1, -100, acc), 0);
    EXPECT_EQ(quantize(1, -100, Precision::parse("ap_fixed<16,6,AP_TRN,AP_SAT>")), 32767);
    EXPECT_EQ(quantize(-1, -100, Precision::parse("ap_fixed<16,6,AP_TRN,AP_SAT>")), -32768);
    EXPECT_EQ(quantize(-1, -100, Precision::parse("ap_fixed<16,6,AP_TRN,AP_SAT_ZERO>")), 0);
    // Dropping more than 128 bits.
    EXPECT_EQ(quantize(int128{-5}, 200, acc), -1);
    EXPECT_EQ(quantize(int128{5}, 200, acc), 0);
    EXPECT_EQ(quantize(int128{5}, 200, Precision::parse("ap_fixed<16,6,AP_RND,AP_WRAP>")), 0);
    EXPECT_EQ(quantize(int128{-5}, 200, Precision::parse("ap_fixed<16,6,AP_RND_MIN_INF,AP_WRAP>")), 0);
    EXPECT_EQ(quantize(int128{-5}, 200, Precision::parse("ap_fixed<16,6,AP_TRN_ZERO,AP_WRAP>")), 0);
}

TEST(QuantizeExamples, WrapToWidth) {
    EXPECT_EQ(wrap_to_width(0xFFFF, 16, true), -1);
    EXPECT_EQ(wrap_to_width(0x18000, 16, true), -32768);
    EXPECT_EQ(wrap_to_width(0x18000, 16, false), 32768);
    EXPECT_EQ(wrap_to_width(~uint64_t{0}, 1, true), -1);
    EXPECT_EQ(wrap_to_width(~uint64_t{0}, 1, false), 1);
    EXPECT_EQ(wrap_to_width(0x8000000000000000ULL, 64, true), INT64_MIN);
}

TEST(QuantizeExamples, RequantizerFastPathIsTheTrnWrapCase) {
    const Precision acc = Precision::parse("ap_fixed<16,6>");
    EXPECT_TRUE(Requantizer(20, acc).fast());
    EXPECT_TRUE(Requantizer(10, acc).fast());
    EXPECT_TRUE(Requantizer(4, acc).fast());
    EXPECT_FALSE(Requantizer(20, Precision::parse("ap_fixed<16,6,AP_RND>")).fast());
    EXPECT_FALSE(Requantizer(20, Precision::parse("ap_fixed<16,6,AP_TRN,AP_SAT>")).fast());
    EXPECT_FALSE(Requantizer(20, Precision::parse("ap_fixed<16,6,AP_TRN,AP_WRAP,1>")).fast());
    const Requantizer rq(20, acc);
    EXPECT_EQ(rq(-1), -1);
    EXPECT_EQ(rq(int64_t{40} << 20), -24 * 1024);
    EXPECT_EQ(rq.wide(int128{1} << 100), 0);
    EXPECT_EQ(Requantizer(4, acc)(3), 3 << 6);
}

// ---------------------------------------------------------------------------------------------------------
// Infinity and NaN from double (ap_fixed: the double's exponent field is all ones, so the value is an
// enormous +-2^1024 multiple; the sign bit decides the direction, also for NaN, and NaN prints a warning).

namespace {
double from_bits(uint64_t b) {
    double d;
    std::memcpy(&d, &b, sizeof d);
    return d;
}
const double kPosNaN = from_bits(0x7ff8000000000000ULL);
const double kNegNaN = from_bits(0xfff8000000000000ULL);  // what 0.0/0.0 produces on x86
const double kInf = std::numeric_limits<double>::infinity();
}  // namespace

TEST(InfNaN, SaturatingTypesGiveTheExtremeCodes) {
    const Precision inv = Precision::parse("ap_fixed<18,8,AP_RND,AP_SAT>");  // softmax inv_table_t
    EXPECT_EQ(quantize_double(kInf, inv), 131071);  // 127.9990234375, hls4ml's 1/0 table entry
    EXPECT_EQ(inv.to_double(quantize_double(kInf, inv)), 127.9990234375);
    EXPECT_EQ(quantize_double(-kInf, inv), -131072);
    EXPECT_EQ(quantize_double(kPosNaN, inv), 131071);  // NaN -> max
    EXPECT_EQ(quantize_double(std::numeric_limits<double>::quiet_NaN(), inv), 131071);
    const Precision u = Precision::parse("ap_ufixed<8,3,AP_TRN,AP_SAT>");
    EXPECT_EQ(quantize_double(kInf, u), 255);
    EXPECT_EQ(quantize_double(-kInf, u), 0);
    EXPECT_EQ(quantize_double(kPosNaN, u), 255);
    const Precision sym = Precision::parse("ap_fixed<8,3,AP_TRN,AP_SAT_SYM>");
    EXPECT_EQ(quantize_double(kInf, sym), 127);
    EXPECT_EQ(quantize_double(-kInf, sym), -127);
    EXPECT_EQ(quantize_double(kPosNaN, sym), 127);
    const Precision zero = Precision::parse("ap_fixed<8,3,AP_TRN,AP_SAT_ZERO>");
    EXPECT_EQ(quantize_double(kInf, zero), 0);
    EXPECT_EQ(quantize_double(-kInf, zero), 0);
    EXPECT_EQ(quantize_double(kPosNaN, zero), 0);
}

TEST(InfNaN, WrappingTypes) {
    // Plain wrap keeps the low W bits of a multiple of 2^1024: 0.
    for (const char* t : {"ap_fixed<8,3>", "ap_ufixed<8,3>", "ap_fixed<16,6,AP_RND,AP_WRAP>", "ap_int<64>"}) {
        EXPECT_EQ(quantize_double(kInf, Precision::parse(t)), 0) << t;
        EXPECT_EQ(quantize_double(-kInf, Precision::parse(t)), 0) << t;
        EXPECT_EQ(quantize_double(kPosNaN, Precision::parse(t)), 0) << t;
    }
    // Signed WRAP with N: sign bit = sign of the source, next N-1 bits = its complement, rest 0.
    const Precision w2 = Precision::parse("ap_fixed<8,3,AP_TRN,AP_WRAP,2>");
    EXPECT_EQ(quantize_double(kInf, w2), 0x40);
    EXPECT_EQ(quantize_double(-kInf, w2), -128);
    EXPECT_EQ(quantize_double(kPosNaN, w2), 0x40);
    // WRAP_SM, N = 1: the sign bit follows the source; N = 2: saturates to +-max... as the N-bit rule gives.
    EXPECT_EQ(quantize_double(kInf, Precision::parse("ap_fixed<8,3,AP_TRN,AP_WRAP_SM,1>")), 0);
    EXPECT_EQ(quantize_double(-kInf, Precision::parse("ap_fixed<8,3,AP_TRN,AP_WRAP_SM,1>")), -1);
    EXPECT_EQ(quantize_double(kInf, Precision::parse("ap_fixed<8,3,AP_TRN,AP_WRAP_SM,2>")), 127);
    EXPECT_EQ(quantize_double(-kInf, Precision::parse("ap_fixed<8,3,AP_TRN,AP_WRAP_SM,2>")), -128);
}

TEST(InfNaN, WrappingTypesWhereApFixedDiffersFromAValueModel) {
    // Unsigned WRAP with N: ap_fixed sets the top N bits to one for -inf too (rule A): 0b11000000.
    const Precision uw2 = Precision::parse("ap_ufixed<8,3,AP_TRN,AP_WRAP,2>");
    EXPECT_EQ(quantize_double(kInf, uw2), 192);
    EXPECT_EQ(quantize_double(-kInf, uw2), 192);
    EXPECT_EQ(quantize_double(-1e300, uw2), 192);
    EXPECT_EQ(quantize_double(-5e-324, uw2), 255);  // floors to -1 LSB: 11111111 with the top bits set
    // WRAP_SM, N = 0: lD is bit pos1 = F2-F+W of the 54-bit mantissa, and pos1 < 0 here, so lD = 0; the kept
    // bits are 0 with MSB 0, so nothing changes: 0 for +-inf and for any finite value beyond 2^(W+1000).
    const Precision sm0 = Precision::parse("ap_fixed<8,3,AP_TRN,AP_WRAP_SM,0>");
    EXPECT_EQ(quantize_double(kInf, sm0), 0);
    EXPECT_EQ(quantize_double(-kInf, sm0), 0);
    EXPECT_EQ(quantize_double(1e300, sm0), 0);
    EXPECT_EQ(quantize_double(-1e300, sm0), 0);
    EXPECT_EQ(quantize(int128{-1}, -200, sm0), 0);  // the same through a huge left shift
}

TEST(InfNaN, NegativeNaNFollowsItsSignBit) {
    // ap_fixed_base(double) negates the mantissa when bit 63 is set, NaN or not, so a NaN with the sign
    // bit set (0.0/0.0 on x86 is 0xfff8000000000000) behaves like -inf. hls4ml's softmax table only
    // produces +inf (1/0), never NaN.
    EXPECT_EQ(quantize_double(kNegNaN, Precision::parse("ap_fixed<18,8,AP_RND,AP_SAT>")), -131072);
    EXPECT_EQ(quantize_double(kNegNaN, Precision::parse("ap_ufixed<8,3,AP_TRN,AP_SAT>")), 0);
    EXPECT_EQ(quantize_double(kNegNaN, Precision::parse("ap_fixed<8,3,AP_TRN,AP_SAT_SYM>")), -127);
    EXPECT_EQ(quantize_double(kNegNaN, Precision::parse("ap_fixed<8,3,AP_TRN,AP_WRAP,2>")), -128);
    EXPECT_EQ(quantize_double(kNegNaN, Precision::parse("ap_fixed<8,3,AP_TRN,AP_WRAP_SM,1>")), -1);
    EXPECT_EQ(quantize_double(kNegNaN, Precision::parse("ap_fixed<8,3,AP_TRN,AP_SAT_ZERO>")), 0);
    EXPECT_EQ(quantize_double(kNegNaN, Precision::parse("ap_fixed<8,3>")), 0);
}
