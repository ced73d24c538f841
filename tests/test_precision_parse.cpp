// Precision::parse: every spelling hls4ml writes, the rejections, and str()/hls4ml_str() round trips.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "rtl_models/precision.h"

using tlm4ml::OverflowMode;
using tlm4ml::Precision;
using tlm4ml::PrecisionError;
using tlm4ml::QuantMode;

namespace {

constexpr QuantMode kAllQuant[] = {QuantMode::TRN,     QuantMode::TRN_ZERO, QuantMode::RND,     QuantMode::RND_ZERO,
                                   QuantMode::RND_INF, QuantMode::RND_MIN_INF, QuantMode::RND_CONV};
constexpr OverflowMode kAllOverflow[] = {OverflowMode::WRAP, OverflowMode::SAT, OverflowMode::SAT_ZERO,
                                         OverflowMode::SAT_SYM, OverflowMode::WRAP_SM};

// Every field, including integer_type (which operator== ignores).
void expect_precision(const Precision& p, int w, int i, bool is_signed, QuantMode q, OverflowMode o, int n,
                      bool integer_type, const std::string& text) {
    SCOPED_TRACE("parsing \"" + text + "\"");
    EXPECT_EQ(p.width, w);
    EXPECT_EQ(p.integer, i);
    EXPECT_EQ(p.is_signed, is_signed);
    EXPECT_EQ(p.quant, q) << tlm4ml::to_string(p.quant);
    EXPECT_EQ(p.overflow, o) << tlm4ml::to_string(p.overflow);
    EXPECT_EQ(p.sat_bits, n);
    EXPECT_EQ(p.integer_type, integer_type);
}

struct Accepted {
    std::string text;
    int w, i;
    bool is_signed;
    QuantMode q;
    OverflowMode o;
    int n;
    bool integer_type;
};

}  // namespace

TEST(PrecisionParse, DefaultsAreTrnWrapZero) {
    const Precision p = Precision::parse("ap_fixed<16,6>");
    expect_precision(p, 16, 6, true, QuantMode::TRN, OverflowMode::WRAP, 0, false, "ap_fixed<16,6>");
    EXPECT_EQ(p.frac(), 10);
    EXPECT_EQ(p.max_raw(), 32767);
    EXPECT_EQ(p.min_raw(), -32768);
    EXPECT_EQ(p.lsb(), 1.0 / 1024);
    EXPECT_EQ(p.to_double(-19712), -19.25);
    // The default-constructed Precision is the same type.
    EXPECT_EQ(Precision{}, p);
}

TEST(PrecisionParse, EveryFormHls4mlWrites) {
    const std::vector<Accepted> cases = {
        // ap_ spellings, 2..5 arguments
        {"ap_fixed<16,6>", 16, 6, true, QuantMode::TRN, OverflowMode::WRAP, 0, false},
        {"ap_fixed<18,8,AP_RND>", 18, 8, true, QuantMode::RND, OverflowMode::WRAP, 0, false},
        {"ap_fixed<18,8,AP_RND,AP_SAT>", 18, 8, true, QuantMode::RND, OverflowMode::SAT, 0, false},
        {"ap_fixed<16,6,AP_RND_CONV,AP_SAT>", 16, 6, true, QuantMode::RND_CONV, OverflowMode::SAT, 0, false},
        {"ap_fixed<16,6,AP_TRN,AP_WRAP,0>", 16, 6, true, QuantMode::TRN, OverflowMode::WRAP, 0, false},
        {"ap_fixed<10,4,AP_TRN_ZERO,AP_WRAP,3>", 10, 4, true, QuantMode::TRN_ZERO, OverflowMode::WRAP, 3, false},
        {"ap_fixed<12,2,AP_RND_ZERO,AP_SAT_ZERO>", 12, 2, true, QuantMode::RND_ZERO, OverflowMode::SAT_ZERO, 0,
         false},
        {"ap_fixed<12,2,AP_RND_INF,AP_SAT_SYM>", 12, 2, true, QuantMode::RND_INF, OverflowMode::SAT_SYM, 0, false},
        {"ap_fixed<9,5,AP_RND_MIN_INF,AP_WRAP_SM,2>", 9, 5, true, QuantMode::RND_MIN_INF, OverflowMode::WRAP_SM, 2,
         false},
        {"ap_ufixed<8,0>", 8, 0, false, QuantMode::TRN, OverflowMode::WRAP, 0, false},
        {"ap_ufixed<15,5>", 15, 5, false, QuantMode::TRN, OverflowMode::WRAP, 0, false},
        {"ap_ufixed<8,0,AP_RND_CONV,AP_SAT>", 8, 0, false, QuantMode::RND_CONV, OverflowMode::SAT, 0, false},
        {"ap_ufixed<6,3,AP_TRN,AP_WRAP,2>", 6, 3, false, QuantMode::TRN, OverflowMode::WRAP, 2, false},
        {"ap_int<8>", 8, 8, true, QuantMode::TRN, OverflowMode::WRAP, 0, true},
        {"ap_uint<1>", 1, 1, false, QuantMode::TRN, OverflowMode::WRAP, 0, true},
        {"ap_int<64>", 64, 64, true, QuantMode::TRN, OverflowMode::WRAP, 0, true},
        {"ap_uint<64>", 64, 64, false, QuantMode::TRN, OverflowMode::WRAP, 0, true},
        // hls4ml's short forms (model/types.py), including the fully spelled-out manifests
        {"fixed<16,6>", 16, 6, true, QuantMode::TRN, OverflowMode::WRAP, 0, false},
        {"fixed<16,6,TRN,WRAP,0>", 16, 6, true, QuantMode::TRN, OverflowMode::WRAP, 0, false},
        {"fixed<18,8,RND,SAT,0>", 18, 8, true, QuantMode::RND, OverflowMode::SAT, 0, false},
        {"fixed<16,6,RND_CONV,SAT>", 16, 6, true, QuantMode::RND_CONV, OverflowMode::SAT, 0, false},
        {"ufixed<15,5>", 15, 5, false, QuantMode::TRN, OverflowMode::WRAP, 0, false},
        {"ufixed<8,0,RND_CONV,SAT,0>", 8, 0, false, QuantMode::RND_CONV, OverflowMode::SAT, 0, false},
        {"int<8>", 8, 8, true, QuantMode::TRN, OverflowMode::WRAP, 0, true},
        {"int<2>", 2, 2, true, QuantMode::TRN, OverflowMode::WRAP, 0, true},
        {"uint<1>", 1, 1, false, QuantMode::TRN, OverflowMode::WRAP, 0, true},
        // mode names with and without AP_, mixed within one string
        {"fixed<8,3,AP_RND,SAT>", 8, 3, true, QuantMode::RND, OverflowMode::SAT, 0, false},
        {"ap_fixed<8,3,RND_INF,AP_SAT_SYM,0>", 8, 3, true, QuantMode::RND_INF, OverflowMode::SAT_SYM, 0, false},
        {"ap_fixed<8,3,TRN,WRAP_SM,1>", 8, 3, true, QuantMode::TRN, OverflowMode::WRAP_SM, 1, false},
        // whitespace anywhere between tokens
        {"  ap_fixed<16,6>  ", 16, 6, true, QuantMode::TRN, OverflowMode::WRAP, 0, false},
        {"ap_fixed < 16 , 6 >", 16, 6, true, QuantMode::TRN, OverflowMode::WRAP, 0, false},
        {"ap_fixed<16, 6, AP_RND, AP_SAT, 0>", 16, 6, true, QuantMode::RND, OverflowMode::SAT, 0, false},
        {"\tfixed<\t18 ,8,\nRND ,SAT >\n", 18, 8, true, QuantMode::RND, OverflowMode::SAT, 0, false},
        {" ap_uint< 3 > ", 3, 3, false, QuantMode::TRN, OverflowMode::WRAP, 0, true},
        // I outside 0..W
        {"ap_fixed<8,-3>", 8, -3, true, QuantMode::TRN, OverflowMode::WRAP, 0, false},
        {"ap_ufixed<4,-10>", 4, -10, false, QuantMode::TRN, OverflowMode::WRAP, 0, false},
        {"ap_fixed<8,12>", 8, 12, true, QuantMode::TRN, OverflowMode::WRAP, 0, false},
        {"ufixed<3,40,RND,SAT>", 3, 40, false, QuantMode::RND, OverflowMode::SAT, 0, false},
        {"ap_fixed<1,1>", 1, 1, true, QuantMode::TRN, OverflowMode::WRAP, 0, false},
        {"ap_fixed<64,32,AP_RND,AP_SAT>", 64, 32, true, QuantMode::RND, OverflowMode::SAT, 0, false},
    };
    for (const auto& c : cases) {
        Precision p;
        ASSERT_NO_THROW(p = Precision::parse(c.text)) << c.text;
        expect_precision(p, c.w, c.i, c.is_signed, c.q, c.o, c.n, c.integer_type, c.text);
    }
}

TEST(PrecisionParse, EveryQuantAndOverflowName) {
    for (QuantMode q : kAllQuant) {
        for (OverflowMode o : kAllOverflow) {
            for (const char* prefix : {"AP_", ""}) {
                const std::string text = std::string("ap_fixed<12,4,") + prefix + tlm4ml::to_string(q) + "," + prefix +
                                         tlm4ml::to_string(o) + ",1>";
                const Precision p = Precision::parse(text);
                expect_precision(p, 12, 4, true, q, o, 1, false, text);
            }
        }
    }
}

TEST(PrecisionParse, EveryWidthFrom1To64) {
    for (int w = 1; w <= 64; ++w) {
        for (int i : {-w, -1, 0, 1, w / 2, w, w + 1, 2 * w}) {
            const std::string sw = std::to_string(w), si = std::to_string(i);
            expect_precision(Precision::parse("ap_fixed<" + sw + "," + si + ">"), w, i, true, QuantMode::TRN,
                             OverflowMode::WRAP, 0, false, "ap_fixed");
            expect_precision(Precision::parse("ufixed<" + sw + "," + si + ",RND,SAT>"), w, i, false, QuantMode::RND,
                             OverflowMode::SAT, 0, false, "ufixed");
        }
        expect_precision(Precision::parse("ap_int<" + std::to_string(w) + ">"), w, w, true, QuantMode::TRN,
                         OverflowMode::WRAP, 0, true, "ap_int");
        expect_precision(Precision::parse("uint<" + std::to_string(w) + ">"), w, w, false, QuantMode::TRN,
                         OverflowMode::WRAP, 0, true, "uint");
        // N may go up to W.
        expect_precision(Precision::parse("ap_fixed<" + std::to_string(w) + ",2,AP_TRN,AP_WRAP," + std::to_string(w) + ">"),
                         w, 2, true, QuantMode::TRN, OverflowMode::WRAP, w, false, "N=W");
    }
}

TEST(PrecisionParse, RawRangesFollowWidthAndSign) {
    EXPECT_EQ(Precision::parse("ap_fixed<8,3>").max_raw(), 127);
    EXPECT_EQ(Precision::parse("ap_fixed<8,3>").min_raw(), -128);
    EXPECT_EQ(Precision::parse("ap_ufixed<8,3>").max_raw(), 255);
    EXPECT_EQ(Precision::parse("ap_ufixed<8,3>").min_raw(), 0);
    EXPECT_EQ(Precision::parse("ap_int<1>").max_raw(), 0);
    EXPECT_EQ(Precision::parse("ap_int<1>").min_raw(), -1);
    EXPECT_EQ(Precision::parse("ap_uint<1>").max_raw(), 1);
    EXPECT_EQ(Precision::parse("ap_fixed<64,10>").max_raw(), INT64_MAX);
    EXPECT_EQ(Precision::parse("ap_fixed<64,10>").min_raw(), INT64_MIN);
    EXPECT_EQ(Precision::parse("ap_fixed<8,-3>").frac(), 11);
    EXPECT_EQ(Precision::parse("ap_fixed<8,12>").frac(), -4);
    EXPECT_EQ(Precision::parse("ap_fixed<8,12>").lsb(), 16.0);
    EXPECT_EQ(Precision::parse("ap_fixed<8,12>").to_double(-3), -48.0);
    EXPECT_EQ(Precision::parse("ap_int<8>").frac(), 0);
}

namespace {

// The parse must throw PrecisionError, quote the text verbatim, say what it expected, and name the problem.
void expect_rejected(const std::string& text, const std::string& reason) {
    SCOPED_TRACE("rejecting \"" + text + "\"");
    try {
        const Precision p = Precision::parse(text);
        ADD_FAILURE() << "accepted as " << p.str();
    } catch (const PrecisionError& e) {
        const std::string msg = e.what();
        EXPECT_NE(msg.find("\"" + text + "\""), std::string::npos) << "message does not quote the text: " << msg;
        EXPECT_NE(msg.find("expected ap_fixed<W,I"), std::string::npos) << "message lacks the expected forms: " << msg;
        EXPECT_NE(msg.find(reason), std::string::npos) << "message does not say \"" << reason << "\": " << msg;
    } catch (const std::exception& e) {
        ADD_FAILURE() << "threw something other than PrecisionError: " << e.what();
    }
}

}  // namespace

TEST(PrecisionParse, RejectsWithAMessageThatQuotesTheText) {
    expect_rejected("ap_fixed<0,0>", "width 0 is out of range");
    expect_rejected("ap_fixed<65,6>", "width 65 is out of range");
    expect_rejected("ap_ufixed<-4,2>", "width -4 is out of range");
    expect_rejected("ap_int<0>", "width 0 is out of range");
    expect_rejected("uint<65>", "width 65 is out of range");
    expect_rejected("ap_fixed<16,6,AP_FOO>", "unknown quantization mode \"AP_FOO\"");
    expect_rejected("ap_fixed<16,6,SAT>", "unknown quantization mode \"SAT\"");
    expect_rejected("fixed<16,6,TRN,CLAMP>", "unknown overflow mode \"CLAMP\"");
    expect_rejected("fixed<16,6,TRN,RND>", "unknown overflow mode \"RND\"");
    expect_rejected("ap_fixed<16,6", "missing <...>");
    expect_rejected("ap_fixed16,6>", "missing <...>");
    expect_rejected("ap_fixed<16,6> x", "missing <...>");
    expect_rejected("", "missing <...>");
    expect_rejected("float", "missing <...>");
    expect_rejected("hello world", "missing <...>");
    expect_rejected("ap_fixed<16,<6>>", "unbalanced");
    expect_rejected("ap_float<16,6>", "unknown type name \"float\"");
    expect_rejected("<16,6>", "unknown type name \"\"");
    expect_rejected("ap_fixed<16,6,AP_TRN,AP_WRAP,0,1>", "takes 2 to 5 arguments");
    expect_rejected("ap_fixed<16>", "takes 2 to 5 arguments");
    expect_rejected("ap_int<8,3>", "takes exactly one argument");
    expect_rejected("uint<>", "width W is empty");
    expect_rejected("ap_fixed<,6>", "width W is empty");
    expect_rejected("ap_fixed<16.5,6>", "width W \"16.5\" is not an integer");
    expect_rejected("ap_fixed<16,six>", "integer bits I \"six\" is not an integer");
    expect_rejected("ap_fixed<16,->", "integer bits I \"-\" is not an integer");
    expect_rejected("ap_fixed<1234567,6>", "out of range");
    expect_rejected("ap_fixed<16,200>", "outside the supported range");
    expect_rejected("ap_fixed<16,6,AP_TRN,AP_WRAP,x>", "saturation bits N \"x\" is not an integer");
    expect_rejected("ap_fixed<16,6,AP_TRN,AP_WRAP,17>", "saturation bits 17 must be between 0 and W=16");
    expect_rejected("ap_fixed<16,6,AP_TRN,AP_WRAP,-1>", "saturation bits -1 must be between 0 and W=16");
    expect_rejected("ap_ufixed<8,3,AP_TRN,AP_WRAP_SM>", "AP_WRAP_SM is defined only for signed types");
    expect_rejected("ufixed<8,3,RND,WRAP_SM,1>", "AP_WRAP_SM is defined only for signed types");
}

TEST(PrecisionStr, CanonicalSpellings) {
    EXPECT_EQ(Precision::fixed(16, 6).str(), "ap_fixed<16,6>");
    EXPECT_EQ(Precision::fixed(16, 6).hls4ml_str(), "fixed<16,6,TRN,WRAP,0>");
    EXPECT_EQ(Precision::fixed(15, 5, false).str(), "ap_ufixed<15,5>");
    EXPECT_EQ(Precision::fixed(18, 8, true, QuantMode::RND, OverflowMode::SAT).str(), "ap_fixed<18,8,AP_RND,AP_SAT,0>");
    EXPECT_EQ(Precision::fixed(18, 8, true, QuantMode::RND, OverflowMode::SAT).hls4ml_str(), "fixed<18,8,RND,SAT,0>");
    EXPECT_EQ(Precision::fixed(6, 3, false, QuantMode::TRN, OverflowMode::WRAP, 2).str(),
              "ap_ufixed<6,3,AP_TRN,AP_WRAP,2>");
    EXPECT_EQ(Precision::fixed(8, -2).str(), "ap_fixed<8,-2>");
    EXPECT_EQ(Precision::integer_of(8).str(), "ap_int<8>");
    EXPECT_EQ(Precision::integer_of(8).hls4ml_str(), "int<8>");
    EXPECT_EQ(Precision::integer_of(1, false).str(), "ap_uint<1>");
    EXPECT_EQ(Precision::integer_of(1, false).hls4ml_str(), "uint<1>");
    // Parsing normalises the spelling.
    EXPECT_EQ(Precision::parse(" fixed< 16 ,6 >").str(), "ap_fixed<16,6>");
    EXPECT_EQ(Precision::parse("ap_fixed<16,6,AP_TRN,AP_WRAP,0>").str(), "ap_fixed<16,6>");
    EXPECT_EQ(Precision::parse("fixed<16,6,RND_CONV,SAT>").str(), "ap_fixed<16,6,AP_RND_CONV,AP_SAT,0>");
}

TEST(PrecisionStr, RoundTripsThroughBothSpellings) {
    int checked = 0;
    for (bool is_signed : {true, false}) {
        for (int w : {1, 2, 7, 16, 33, 64}) {
            for (int i : {-5, 0, 1, w, w + 7}) {
                for (QuantMode q : kAllQuant) {
                    for (OverflowMode o : kAllOverflow) {
                        if (!is_signed && o == OverflowMode::WRAP_SM) continue;
                        for (int n : {0, 1, w}) {
                            const Precision p = Precision::fixed(w, i, is_signed, q, o, n);
                            for (const std::string& s : {p.str(), p.hls4ml_str()}) {
                                const Precision back = Precision::parse(s);
                                EXPECT_EQ(back, p) << s;
                                EXPECT_FALSE(back.integer_type) << s;
                                EXPECT_EQ(back.str(), p.str()) << s;
                                ++checked;
                            }
                        }
                    }
                }
            }
        }
    }
    for (bool is_signed : {true, false}) {
        for (int w = 1; w <= 64; ++w) {
            const Precision p = Precision::integer_of(w, is_signed);
            for (const std::string& s : {p.str(), p.hls4ml_str()}) {
                const Precision back = Precision::parse(s);
                EXPECT_EQ(back, p) << s;
                EXPECT_TRUE(back.integer_type) << s;
                EXPECT_EQ(back.hls4ml_str(), p.hls4ml_str()) << s;
                ++checked;
            }
        }
    }
    EXPECT_GT(checked, 5000);
}
