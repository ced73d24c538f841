// The packed binary / ternary paths against the general ones, on seeded random weights and inputs:
// - the masked-accumulate and nibble-lookup kernels (rtl_models/bit_plane_kernels.h, nibble_lookup_kernel.h)
//   against their portable loops and a naive sum; the AVX2 helpers of the fused steps (narrow_lanes.h,
//   lane_compare.h, xnor_popcount.h) against plain arithmetic;
// - DenseLayer::compute() and compute_from_packed() against compute_general() (exact products, every cast
//   through quantize()) for binary and ternary weights, XNOR layers and ternary data, at sizes around the
//   64-bit word (1, 63, 64, 65, 4097 inputs), with wrapping, shifting and saturating accumulators;
// - the thresholds packed straight into words against compute() then pack_codes(), values on both sides of
//   every threshold and equal to it;
// - the byte counts of XNOR layers up to 254 inputs (xnor_byte_counts.h) against a bit-by-bit count;
// - an XNOR layer as tables indexed by its count (XnorLookupLayer), alone and with a BatchNormalization;
// - a Dense layer fused with the threshold after it (DenseThresholdLayer) against the two layers, with
//   thresholds at the values the sums take, one LSB either side and past the type's extremes; forward()'s
//   plan on a hand-built chain, before and after one of its layers is replaced;
// - forward() of the shipped binary models (packed hand-offs) against the layers' compute() one by one
//   (Dense layers through compute_general()).
// The seed is printed; TLM4ML_SEED overrides it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "layers/arithmetic/activation.h"
#include "layers/arithmetic/batchnorm.h"
#include "layers/arithmetic/dense.h"
#include "layers/arithmetic/dense_threshold.h"
#include "layers/arithmetic/forward_plan.h"
#include "layers/arithmetic/quantized_tanh.h"
#include "layers/arithmetic/reference.h"
#include "layers/arithmetic/xnor_lookup.h"
#include "models/model.h"
#include "rtl_models/bit_plane_kernels.h"
#include "rtl_models/lane_compare.h"
#include "rtl_models/narrow_lanes.h"
#include "rtl_models/nibble_lookup_kernel.h"
#include "rtl_models/packed_bits.h"
#include "rtl_models/quantize.h"
#include "rtl_models/xnor_byte_counts.h"
#include "rtl_models/xnor_popcount.h"
#include "tests/support/seeded_rng.h"

using namespace tlm4ml;

namespace {

using tlm4ml_test::seeded_rng;

int64_t random_raw(const Precision& p, std::mt19937_64& rng) {
    const uint64_t r = rng();
    if (r % 16 == 0) return p.min_raw();  // the most negative code: its negation is out of range
    if (r % 16 == 1) return p.max_raw();
    return wrap_to_width(rng(), p.width, p.is_signed);
}

const size_t kInputSizes[] = {1, 2, 63, 64, 65, 127, 200, 4097};
const size_t kOutputSizes[] = {1, 5, 31, 33, 64, 65, 130};

// ---------------------------------------------------------------------------------------------------------

template <class Lane>
void check_masked_accumulate(uint64_t salt) {
    auto rng = seeded_rng(salt);
    for (size_t n_in : {size_t{1}, size_t{3}, size_t{64}, size_t{100}})
        for (size_t n_out : {size_t{1}, size_t{32}, size_t{63}, size_t{64}, size_t{65}, size_t{130}, size_t{300}}) {
            SCOPED_TRACE("n_in " + std::to_string(n_in) + " n_out " + std::to_string(n_out));
            const size_t row_words = packed_words(n_out);
            std::vector<uint64_t> plane(n_in * row_words);
            for (auto& w : plane) w = rng();
            std::vector<Lane> d(n_in), acc(row_words * 64), portable, naive;
            for (auto& v : d) v = static_cast<Lane>(rng());
            for (auto& v : acc) v = static_cast<Lane>(rng());
            portable = naive = acc;
            for (size_t i = 0; i < n_in; ++i)
                for (size_t j = 0; j < row_words * 64; ++j)
                    if ((plane[i * row_words + j / 64] >> (j % 64)) & 1) naive[j] = static_cast<Lane>(naive[j] + d[i]);
            masked_accumulate(d.data(), n_in, plane.data(), row_words, acc.data());
            masked_accumulate_portable(d.data(), n_in, plane.data(), row_words, portable.data());
            ASSERT_EQ(acc, naive);
            ASSERT_EQ(portable, naive);
        }
}

TEST(NarrowLanes, LowSixteenBitsShiftedAndTheirSum) {
    auto rng = seeded_rng(4);
    for (size_t n : {size_t{0}, size_t{1}, size_t{15}, size_t{16}, size_t{17}, size_t{33}, size_t{784}})
        for (int shift : {0, 1, 5, 15}) {
            std::vector<int64_t> in(n);
            for (auto& v : in) {
                const uint64_t r = rng() % 8;
                v = r == 0 ? INT64_MIN : (r == 1 ? INT64_MAX : (r == 2 ? -1 : static_cast<int64_t>(rng())));
            }
            std::vector<uint16_t> out(n);
            uint16_t want_sum = 0;
            const uint16_t sum = narrow_to_u16(in.data(), n, shift, out.data());
            for (size_t i = 0; i < n; ++i) {
                const uint16_t low = static_cast<uint16_t>(static_cast<uint64_t>(in[i]) & 0xFFFF);
                want_sum = static_cast<uint16_t>(want_sum + low);
                ASSERT_EQ(out[i], static_cast<uint16_t>(low << shift)) << "n " << n << " shift " << shift << " i " << i;
            }
            ASSERT_EQ(sum, want_sum) << "n " << n << " shift " << shift;
        }
}

TEST(XnorPopcount, CountsMatchBitByBit) {
    auto rng = seeded_rng(5);
    for (size_t words : {size_t{1}, size_t{2}, size_t{3}})
        for (size_t n_out : {size_t{1}, size_t{3}, size_t{4}, size_t{5}, size_t{32}, size_t{130}}) {
            std::vector<uint64_t> x(words), columns(words * n_out);
            for (auto& v : x) v = rng();
            for (auto& v : columns) v = rng() % 8 == 0 ? x[0] : rng();  // now and then no differing bit
            std::vector<uint32_t> differ(n_out);
            count_differing_bits(x.data(), words, columns.data(), n_out, differ.data());
            for (size_t j = 0; j < n_out; ++j) {
                uint32_t want = 0;
                for (size_t k = 0; k < words; ++k)
                    for (unsigned b = 0; b < 64; ++b) want += ((x[k] ^ columns[j * words + k]) >> b) & 1;
                ASSERT_EQ(differ[j], want) << "words " << words << " n_out " << n_out << " output " << j;
            }
        }
}

// The byte counts of XNOR layers with at most 254 inputs (xnor_byte_counts.h), AVX2 and portable, against a
// bit-by-bit count; outputs past n_out (up to the group of 16) count the input's own bits.
TEST(XnorByteCounts, CountsMatchBitByBit) {
    auto rng = seeded_rng(36);
    for (size_t n_in : {size_t{1}, size_t{4}, size_t{7}, size_t{8}, size_t{9}, size_t{63}, size_t{64}, size_t{65},
                        size_t{128}, size_t{129}, size_t{200}, size_t{254}})
        for (size_t n_out : {size_t{1}, size_t{10}, size_t{16}, size_t{17}, size_t{100}, size_t{128}, size_t{130},
                             size_t{200}}) {
            const size_t words = packed_words(n_in);
            const uint64_t tail = n_in % 64 ? (uint64_t{1} << (n_in % 64)) - 1 : ~uint64_t{0};
            std::vector<uint64_t> x(words), columns(words * n_out);
            for (auto& v : x) v = rng();
            x.back() &= tail;
            for (size_t j = 0; j < n_out; ++j)
                for (size_t k = 0; k < words; ++k) {
                    // Now and then no differing bit, or all of them.
                    const uint64_t r = rng() % 8;
                    columns[j * words + k] = r == 0 ? x[k] : (r == 1 ? ~x[k] : rng());
                    if (k == words - 1) columns[j * words + k] &= tail;
                }
            const XnorNibbleKeys keys = make_xnor_nibble_keys(columns.data(), n_in, n_out);
            ASSERT_GE(16 * keys.groups, n_out);
            std::vector<uint8_t> differ(16 * keys.groups), portable(16 * keys.groups);
            count_differing_bytes(x.data(), keys, differ.data());
            count_differing_bytes_portable(x.data(), keys, portable.data());
            for (size_t j = 0; j < differ.size(); ++j) {
                unsigned want = 0;
                for (size_t k = 0; k < words; ++k)
                    for (unsigned b = 0; b < 64; ++b)
                        want += ((x[k] ^ (j < n_out ? columns[j * words + k] : 0)) >> b) & 1;
                ASSERT_EQ(differ[j], want) << "n_in " << n_in << " n_out " << n_out << " output " << j;
                ASSERT_EQ(portable[j], want) << "portable, n_in " << n_in << " n_out " << n_out << " output " << j;
            }
        }
}

TEST(XnorByteCounts, BitsWhereTheCountIsWithinItsInterval) {
    auto rng = seeded_rng(37);
    for (size_t words : {size_t{1}, size_t{2}, size_t{3}}) {
        std::vector<uint8_t> differ(64 * words), first(64 * words), span(64 * words);
        for (int round = 0; round < 50; ++round) {
            for (size_t j = 0; j < differ.size(); ++j) {
                differ[j] = static_cast<uint8_t>(rng() % 256);
                // Counts at both ends of their interval and one past, empty intervals (first 255, span 0).
                switch (rng() % 5) {
                    case 0: first[j] = differ[j]; span[j] = static_cast<uint8_t>(rng() % 4); break;
                    case 1: first[j] = static_cast<uint8_t>(differ[j] - rng() % 4); span[j] = static_cast<uint8_t>(differ[j] - first[j]); break;
                    case 2: first[j] = static_cast<uint8_t>(differ[j] + 1); span[j] = static_cast<uint8_t>(rng() % 256); break;
                    case 3: first[j] = 255; span[j] = 0; break;
                    default: first[j] = static_cast<uint8_t>(rng() % 256); span[j] = static_cast<uint8_t>(rng() % 256); break;
                }
            }
            std::vector<uint64_t> bits(words);
            bytes_within(differ.data(), first.data(), span.data(), words, bits.data());
            for (size_t j = 0; j < differ.size(); ++j) {
                // Modulo 256, as documented (the fused steps' intervals never wrap: first + span <= 255).
                const bool want = static_cast<uint8_t>(differ[j] - first[j]) <= span[j];
                ASSERT_EQ((bits[j / 64] >> (j % 64)) & 1, want ? 1u : 0u)
                    << "lane " << j << " count " << int{differ[j]} << " first " << int{first[j]} << " span "
                    << int{span[j]};
            }
        }
    }
}

TEST(LaneCompare, BitsWhereTheWrappedLaneIsAboveItsBound) {
    auto rng = seeded_rng(6);
    for (int width : {1, 7, 8, 15, 16})
        for (bool is_signed : {true, false}) {
            if (!is_signed && width == 16) continue;  // unsigned 16-bit codes do not fit an int16
            for (size_t words : {size_t{1}, size_t{3}}) {
                std::vector<uint16_t> lanes(64 * words);
                std::vector<int16_t> above(lanes.size());
                for (size_t j = 0; j < lanes.size(); ++j) {
                    lanes[j] = static_cast<uint16_t>(rng());
                    // At the lane's code, one below, or anywhere.
                    const int16_t code = lane_code(lanes[j], width, is_signed);
                    const uint64_t r = rng() % 3;
                    above[j] = r == 2 ? static_cast<int16_t>(rng()) : static_cast<int16_t>(code - static_cast<int>(r));
                }
                std::vector<uint64_t> bits(words), portable(words);
                lanes_above(lanes.data(), above.data(), words, width, is_signed, bits.data());
                lanes_above_portable(lanes.data(), above.data(), words, width, is_signed, portable.data());
                for (size_t j = 0; j < lanes.size(); ++j) {
                    // The code by arithmetic, not by shifts: the lane modulo 2^width, signed if need be.
                    int64_t code = lanes[j] % (int64_t{1} << width);
                    if (is_signed && code >= (int64_t{1} << (width - 1))) code -= int64_t{1} << width;
                    ASSERT_EQ((bits[j / 64] >> (j % 64)) & 1, static_cast<uint64_t>(code > above[j]))
                        << "width " << width << (is_signed ? " signed" : " unsigned") << " lane " << j;
                }
                ASSERT_EQ(portable, bits);
            }
        }
}

TEST(NibbleAccumulate, MatchesNaiveSum) {
    auto rng = seeded_rng(3);
    for (size_t n_in : {size_t{1}, size_t{3}, size_t{4}, size_t{5}, size_t{64}, size_t{301}})
        for (size_t n_out : {size_t{1}, size_t{31}, size_t{32}, size_t{33}, size_t{64}, size_t{65}, size_t{130}}) {
            SCOPED_TRACE("n_in " + std::to_string(n_in) + " n_out " + std::to_string(n_out));
            const size_t row_words = packed_words(n_out);
            std::vector<uint64_t> plane(n_in * row_words);
            for (auto& w : plane) w = rng();
            // Bits past n_out are not outputs.
            if (n_out % 64)
                for (size_t i = 0; i < n_in; ++i) plane[i * row_words + row_words - 1] &= (uint64_t{1} << (n_out % 64)) - 1;
            const NibblePlane nibbles = make_nibble_plane(plane.data(), n_in, row_words, n_out);
            std::vector<uint16_t> d(4 * nibble_chunks(n_in)), acc(nibbles.groups * 32), portable, naive;
            for (size_t i = 0; i < n_in; ++i) d[i] = static_cast<uint16_t>(rng());
            for (auto& v : acc) v = static_cast<uint16_t>(rng());
            portable = naive = acc;
            for (size_t i = 0; i < n_in; ++i)
                for (size_t j = 0; j < n_out; ++j)
                    if ((plane[i * row_words + j / 64] >> (j % 64)) & 1) naive[j] = static_cast<uint16_t>(naive[j] + d[i]);
            nibble_accumulate(d.data(), nibbles, acc.data());
            nibble_accumulate_portable(d.data(), nibbles, portable.data());
            ASSERT_EQ(acc, naive);
            ASSERT_EQ(portable, naive);
        }
}

// The even-input kernel (7-bit low entries, two chunks per widening): random even inputs and the extreme one
// (every input 0xFFFE, every weight bit set: the largest low entries), odd and even chunk counts.
TEST(NibbleAccumulate, EvenInputsMatchNaiveSum) {
    auto rng = seeded_rng(4);
    for (size_t n_in : {size_t{1}, size_t{4}, size_t{8}, size_t{9}, size_t{13}, size_t{301}, size_t{784}})
        for (size_t n_out : {size_t{1}, size_t{32}, size_t{33}, size_t{64}, size_t{128}, size_t{130}})
            for (bool extreme : {false, true}) {
                SCOPED_TRACE("n_in " + std::to_string(n_in) + " n_out " + std::to_string(n_out) +
                             (extreme ? " extreme" : " random"));
                const size_t row_words = packed_words(n_out);
                std::vector<uint64_t> plane(n_in * row_words);
                for (auto& w : plane) w = extreme ? ~uint64_t{0} : rng();
                if (n_out % 64)
                    for (size_t i = 0; i < n_in; ++i)
                        plane[i * row_words + row_words - 1] &= (uint64_t{1} << (n_out % 64)) - 1;
                const NibblePlane nibbles = make_nibble_plane(plane.data(), n_in, row_words, n_out);
                std::vector<uint16_t> d(4 * nibble_chunks(n_in)), acc(nibbles.groups * 32), naive;
                for (size_t i = 0; i < n_in; ++i) d[i] = extreme ? 0xFFFE : static_cast<uint16_t>(rng() & ~uint64_t{1});
                for (auto& v : acc) v = static_cast<uint16_t>(rng());
                naive = acc;
                for (size_t i = 0; i < n_in; ++i)
                    for (size_t j = 0; j < n_out; ++j)
                        if ((plane[i * row_words + j / 64] >> (j % 64)) & 1)
                            naive[j] = static_cast<uint16_t>(naive[j] + d[i]);
                nibble_accumulate_even(d.data(), nibbles, acc.data());
                ASSERT_EQ(acc, naive);
            }
}

TEST(MaskedAccumulate, SixteenBitLanesMatchNaiveSum) { check_masked_accumulate<uint16_t>(1); }
TEST(MaskedAccumulate, ThirtyTwoBitLanesMatchNaiveSum) { check_masked_accumulate<uint32_t>(2); }

// ---------------------------------------------------------------------------------------------------------

struct DenseCase {
    const char* name;
    Precision data, weight, accum, result, bias;
    int zero_percent = 0;  // ternary weights: share of zeros
};

DenseConfig random_dense(const DenseCase& c, size_t n_in, size_t n_out, std::mt19937_64& rng) {
    DenseConfig cfg;
    cfg.n_in = n_in;
    cfg.n_out = n_out;
    cfg.data_t = c.data;
    cfg.weight_t = c.weight;
    cfg.bias_t = c.bias;
    cfg.accum_t = c.accum;
    cfg.result_t = c.result;
    cfg.weights.resize(n_in * n_out);
    for (auto& w : cfg.weights) {
        if (is_xnor_type(c.weight)) {
            w = static_cast<int64_t>(rng() & 1);
        } else if (static_cast<int>(rng() % 100) < c.zero_percent) {
            w = 0;
        } else {
            // int<2>: -1 and +1, and now and then -2 (hls4ml's weight_ternary reads it as +1).
            const uint64_t r = rng() % 16;
            w = r == 0 ? -2 : ((r & 1) ? 1 : -1);
        }
    }
    cfg.biases.resize(n_out);
    for (auto& b : cfg.biases) b = random_raw(c.bias, rng);
    return cfg;
}

void check_dense(const DenseCase& c, uint64_t salt, Packing expected_packing = Packing::None) {
    auto rng = seeded_rng(salt);
    for (size_t n_in : kInputSizes)
        for (size_t n_out : kOutputSizes) {
            if (n_in * n_out > 300000) continue;
            SCOPED_TRACE(std::string(c.name) + ": n_in " + std::to_string(n_in) + " n_out " + std::to_string(n_out));
            const DenseLayer layer("d", random_dense(c, n_in, n_out, rng));
            ASSERT_EQ(layer.packed_input(), expected_packing);
            for (int sample = 0; sample < 3; ++sample) {
                std::vector<int64_t> x(n_in);
                for (auto& v : x) {
                    if (layer.packed_input() == Packing::Ternary)
                        v = static_cast<int64_t>(rng() % 3) - 1;  // what a ternary threshold hands on
                    else
                        v = random_raw(c.data, rng);
                }
                std::vector<int64_t> general(n_out), fast(n_out);
                layer.compute_general(x.data(), general.data());
                layer.compute(x.data(), fast.data());
                ASSERT_EQ(fast, general) << "compute(), sample " << sample;
                if (layer.packed_input() != Packing::None) {
                    std::vector<uint64_t> words(packed_size(layer.packed_input(), n_in));
                    pack_codes(layer.packed_input(), x.data(), n_in, words.data());
                    std::vector<int64_t> packed(n_out);
                    layer.compute_from_packed(words.data(), packed.data());
                    ASSERT_EQ(packed, general) << "compute_from_packed(), sample " << sample;
                }
            }
        }
}

Precision P(const char* s) { return Precision::parse(s); }

TEST(PackedDense, BinaryWeightsOnFixedData) {
    // mnist_binary's and the binary jet tagger's first layer: ap_int<2> +-1 weights, <16,6> everywhere.
    check_dense({"int<2> +-1 weights", P("ap_fixed<16,6>"), P("ap_int<2>"), P("ap_fixed<16,6>"),
                 P("ap_fixed<16,6>"), P("ap_uint<1>")},
                11);
    check_dense({"uint<1> weights", P("ap_fixed<12,4>"), P("ap_uint<1>"), P("ap_fixed<16,6>"), P("ap_fixed<8,3>"),
                 P("ap_fixed<16,6>")},
                12);
}

TEST(PackedDense, TernaryWeightsWithZerosOnFixedData) {
    check_dense({"ternary 30% zeros", P("ap_fixed<16,6>"), P("ap_int<2>"), P("ap_fixed<16,6>"), P("ap_fixed<16,6>"),
                 P("ap_fixed<16,6>"), 30},
                13);
    check_dense({"ternary 90% zeros", P("ap_fixed<10,2>"), P("ap_int<2>"), P("ap_fixed<14,5>"), P("ap_fixed<14,5>"),
                 P("ap_fixed<8,3>"), 90},
                14);
}

TEST(PackedDense, ProductCastsThatShift) {
    // accum with fewer fractional bits than the data: every +-x product is floored (-x floors differently).
    check_dense({"floored products", P("ap_fixed<16,4>"), P("ap_int<2>"), P("ap_fixed<12,6>"), P("ap_fixed<16,6>"),
                 P("ap_fixed<8,4>"), 20},
                15);
    // accum with more: the products shift left.
    check_dense({"left-shifted products", P("ap_fixed<8,3>"), P("ap_uint<1>"), P("ap_fixed<20,8>"),
                 P("ap_fixed<20,8>"), P("ap_fixed<8,3>")},
                16);
}

TEST(PackedDense, WideAccumulatorOnThirtyTwoBitLanes) {
    check_dense({"accum 24 bits", P("ap_fixed<18,8>"), P("ap_int<2>"), P("ap_fixed<24,12>"), P("ap_fixed<16,6>"),
                 P("ap_fixed<16,6>"), 25},
                17);
    check_dense({"accum 32 bits", P("ap_fixed<31,8>"), P("ap_uint<1>"), P("ap_fixed<32,9>"), P("ap_fixed<32,9>"),
                 P("ap_fixed<16,6>")},
                18);
    // Unsigned accumulators: 32 bits do not fit an int32 (general path), 12 bits do.
    check_dense({"unsigned accum 32 bits", P("ap_ufixed<16,8>"), P("ap_int<2>"), P("ap_ufixed<32,16>"),
                 P("ap_ufixed<32,16>"), P("ap_ufixed<8,4>"), 20},
                27);
    check_dense({"unsigned accum 12 bits", P("ap_ufixed<10,4>"), P("ap_uint<1>"), P("ap_ufixed<12,4>"),
                 P("ap_fixed<16,6>"), P("ap_ufixed<8,4>")},
                28);
}

TEST(PackedDense, SaturatingOrRoundingCastsTakeTheGeneralPath) {
    // Not modular: the kernel must not apply, and compute() must still equal the general path.
    check_dense({"saturating accum", P("ap_fixed<16,6>"), P("ap_int<2>"), P("ap_fixed<10,4,AP_TRN,AP_SAT>"),
                 P("ap_fixed<16,6>"), P("ap_fixed<16,6>"), 30},
                19);
    check_dense({"rounding product cast", P("ap_fixed<16,6>"), P("ap_uint<1>"), P("ap_fixed<12,6,AP_RND>"),
                 P("ap_fixed<16,6>"), P("ap_fixed<16,6>")},
                20);
}

TEST(PackedDense, XnorLayersOnPackedBits) {
    // hls4ml's XNOR layer: accum and result ap_int<ceil(log2 n)+2>; odd n_in too (n_in / 2 rounds down).
    auto rng = seeded_rng(21);
    for (size_t n_in : kInputSizes)
        for (size_t n_out : kOutputSizes) {
            if (n_in * n_out > 300000) continue;
            const Precision k = xnor_result_precision(n_in);
            for (const Precision& result : {k, P("ap_fixed<6,3,AP_RND,AP_SAT>"), P("ap_int<40>")}) {
                SCOPED_TRACE("n_in " + std::to_string(n_in) + " n_out " + std::to_string(n_out) + " result " +
                             result.str());
                DenseCase c{"xnor", P("ap_uint<1>"), P("ap_uint<1>"), k, result, P("ap_uint<1>")};
                DenseConfig cfg = random_dense(c, n_in, n_out, rng);
                cfg.biases.assign(n_out, 0);  // hls4ml's binary layers have none (use_bias false)
                const DenseLayer layer("x", cfg);
                ASSERT_EQ(layer.packed_input(), Packing::Binary);
                for (int sample = 0; sample < 3; ++sample) {
                    std::vector<int64_t> x(n_in);
                    for (auto& v : x) v = static_cast<int64_t>(rng() & 1);
                    std::vector<int64_t> general(n_out), fast(n_out), packed(n_out);
                    layer.compute_general(x.data(), general.data());
                    layer.compute(x.data(), fast.data());
                    std::vector<uint64_t> words(packed_words(n_in));
                    pack_codes(Packing::Binary, x.data(), n_in, words.data());
                    // Garbage past n_in must not count.
                    if (n_in % 64) words.back() |= ~uint64_t{0} << (n_in % 64);
                    layer.compute_from_packed(words.data(), packed.data());
                    ASSERT_EQ(fast, general);
                    ASSERT_EQ(packed, general);
                }
            }
        }
}

TEST(PackedDense, TernaryDataAndWeightsOnTwoPlanes) {
    // The ternary jet tagger's hidden layers: int<2> data from a ternary threshold, int<2> weights.
    check_dense({"ternary x ternary", P("ap_int<2>"), P("ap_int<2>"), P("ap_int<8>"), P("ap_int<8>"), P("ap_int<2>"),
                 35},
                22, Packing::Ternary);
    // A narrow accumulator that wraps: the modular counts must still agree.
    check_dense({"ternary x ternary, wrapping", P("ap_int<2>"), P("ap_int<2>"), P("ap_int<4>"), P("ap_fixed<6,4>"),
                 P("ap_int<2>"), 10},
                23, Packing::Ternary);
}

// ---------------------------------------------------------------------------------------------------------

TEST(PackedThresholds, BinaryAndTernaryOnBothSidesOfEveryThreshold) {
    auto rng = seeded_rng(24);
    const Precision data = P("ap_fixed<16,6>");
    for (bool ternary : {false, true})
        for (size_t n : {size_t{1}, size_t{63}, size_t{64}, size_t{65}, size_t{130}, size_t{4097}})
            for (size_t n_filt : {n, size_t{1}}) {
                SCOPED_TRACE(std::string(ternary ? "ternary" : "binary") + " n " + std::to_string(n) + " n_filt " +
                             std::to_string(n_filt));
                QuantizedTanhConfig cfg;
                cfg.n_in = n;
                cfg.n_filt = n_filt;
                cfg.ternary = ternary;
                cfg.data_t = data;
                for (size_t k = 0; k < n_filt; ++k) {
                    const int64_t a = random_raw(data, rng) / 2, b = random_raw(data, rng) / 2;
                    if (ternary) {
                        // Usually lo < hi; sometimes hi <= lo, where x > hi wins.
                        cfg.threshold_hi.push_back(std::max(a, b));
                        cfg.threshold_lo.push_back(rng() % 8 == 0 ? std::max(a, b) + 5 : std::min(a, b));
                    } else {
                        cfg.threshold.push_back(a);
                    }
                }
                const QuantizedTanhLayer layer("t", cfg);
                for (int sample = 0; sample < 4; ++sample) {
                    // Values at a threshold, one LSB either side, or anywhere.
                    std::vector<int64_t> x(n);
                    for (size_t i = 0; i < n; ++i) {
                        const size_t k = i % n_filt;
                        const int64_t t = ternary ? (rng() & 1 ? cfg.threshold_hi[k] : cfg.threshold_lo[k])
                                                  : cfg.threshold[k];
                        const uint64_t r = rng() % 4;
                        x[i] = r == 3 ? random_raw(data, rng) : t + static_cast<int64_t>(r) - 1;
                    }
                    std::vector<int64_t> values(n);
                    layer.compute(x.data(), values.data());
                    for (size_t i = 0; i < n; ++i) {
                        const size_t k = i % n_filt;
                        const int64_t want = ternary ? (x[i] > cfg.threshold_hi[k]
                                                            ? 1
                                                            : (x[i] <= cfg.threshold_lo[k] ? -1 : 0))
                                                     : (x[i] >= cfg.threshold[k] ? 1 : 0);
                        ASSERT_EQ(values[i], want) << "element " << i;
                    }
                    std::vector<uint64_t> want(packed_size(layer.packed_output(), n)), got(want.size());
                    pack_codes(layer.packed_output(), values.data(), n, want.data());
                    layer.compute_to_packed(x.data(), got.data());
                    ASSERT_EQ(got, want);
                }
            }
}

TEST(PackedThresholds, BinaryTanhActivationPacksSigns) {
    auto rng = seeded_rng(25);
    for (size_t n : {size_t{1}, size_t{64}, size_t{65}, size_t{200}}) {
        ActivationConfig cfg;
        cfg.kind = ActivationKind::BinaryTanh;
        cfg.n_in = n;
        cfg.data_t = P("ap_fixed<8,3>");
        cfg.result_t = P("ap_uint<1>");
        const ActivationLayer layer("a", cfg);
        ASSERT_EQ(layer.packed_output(), Packing::Binary);
        std::vector<int64_t> x(n), values(n);
        for (auto& v : x) v = static_cast<int64_t>(rng() % 5) - 2;  // -2..2: zero is +1
        layer.compute(x.data(), values.data());
        std::vector<uint64_t> want(packed_words(n)), got(want.size());
        pack_codes(Packing::Binary, values.data(), n, want.data());
        layer.compute_to_packed(x.data(), got.data());
        ASSERT_EQ(got, want) << "n " << n;
    }
}

TEST(PackedCodes, RoundTripAndZeroTail) {
    std::vector<int64_t> codes = {1, 0, -1, 0, 1, -1, -1};
    std::vector<uint64_t> words(packed_size(Packing::Ternary, codes.size()));
    pack_codes(Packing::Ternary, codes.data(), codes.size(), words.data());
    EXPECT_EQ(words[0], 0b1110101u);  // nonzero
    EXPECT_EQ(words[1], 0b1100100u);  // negative
    std::vector<int64_t> back(codes.size());
    unpack_codes(Packing::Ternary, words.data(), codes.size(), back.data());
    EXPECT_EQ(back, codes);
    std::vector<int64_t> bits = {1, 0, 0, 1};
    uint64_t word = ~uint64_t{0};
    pack_codes(Packing::Binary, bits.data(), bits.size(), &word);
    EXPECT_EQ(word, 0b1001u);
    EXPECT_THROW(pack_codes(Packing::None, bits.data(), bits.size(), &word), std::invalid_argument);
}

// ---------------------------------------------------------------------------------------------------------
// Dense + threshold fused (dense_threshold.h) against the two layers one after the other, the Dense through
// compute_general().

// Thresholds (raw in the Dense's result type) at values the Dense gives, one LSB either side, the type's
// extremes and beyond them: the edges of the integer bounds.
QuantizedTanhConfig random_thresholds(const DenseLayer& dense, bool ternary, bool per_output, std::mt19937_64& rng) {
    const Precision& t = dense.config().result_t;
    const size_t n = dense.n_out(), n_filt = per_output ? n : 1;
    std::vector<int64_t> seen(n);
    std::vector<int64_t> x(dense.n_in());
    for (auto& v : x)
        v = is_xnor_type(dense.config().data_t) ? static_cast<int64_t>(rng() & 1)
                                                : random_raw(dense.config().data_t, rng);
    dense.compute_general(x.data(), seen.data());
    auto pick = [&](size_t k) -> int64_t {
        switch (rng() % 8) {
            case 0: return t.min_raw();
            case 1: return t.max_raw();
            case 2: return t.min_raw() - 1;
            case 3: return t.max_raw() + 1;
            case 4: return random_raw(t, rng);
            default: return seen[k] + static_cast<int64_t>(rng() % 3) - 1;
        }
    };
    QuantizedTanhConfig cfg;
    cfg.n_in = n;
    cfg.n_filt = n_filt;
    cfg.ternary = ternary;
    cfg.data_t = t;
    for (size_t k = 0; k < n_filt; ++k) {
        if (ternary) {
            const int64_t a = pick(k), b = pick(k);
            cfg.threshold_hi.push_back(std::max(a, b));
            cfg.threshold_lo.push_back(rng() % 8 == 0 ? std::max(a, b) + 1 : std::min(a, b));  // hi <= lo now and then
        } else {
            cfg.threshold.push_back(pick(k));
        }
    }
    return cfg;
}

// The fused pair against the layers one by one on `samples` inputs; returns whether the pair fused.
bool check_fused(const DenseLayer& dense, const QuantizedTanhLayer& threshold, std::mt19937_64& rng, int samples = 4) {
    const auto fused = DenseThresholdLayer::fuse(dense, threshold);
    if (!fused) return false;
    EXPECT_EQ(fused->packed_output(), threshold.packed_output());
    const size_t n_in = dense.n_in(), n_out = dense.n_out();
    for (int sample = 0; sample < samples; ++sample) {
        std::vector<int64_t> x(n_in);
        for (auto& v : x) {
            switch (dense.packed_input()) {
                case Packing::Binary: v = static_cast<int64_t>(rng() & 1); break;
                case Packing::Ternary: v = static_cast<int64_t>(rng() % 3) - 1; break;  // a ternary threshold's codes
                case Packing::None: v = random_raw(dense.config().data_t, rng); break;
            }
        }
        std::vector<int64_t> sums(n_out), want(n_out), got(n_out);
        dense.compute_general(x.data(), sums.data());
        threshold.compute(sums.data(), want.data());
        fused->compute(x.data(), got.data());
        EXPECT_EQ(got, want) << "compute(), sample " << sample;
        std::vector<uint64_t> want_words(packed_size(threshold.packed_output(), n_out)), got_words(want_words.size());
        pack_codes(threshold.packed_output(), want.data(), n_out, want_words.data());
        fused->compute_to_packed(x.data(), got_words.data());
        EXPECT_EQ(got_words, want_words) << "compute_to_packed(), sample " << sample;
        EXPECT_EQ(fused->packed_input(), dense.packed_input());
        if (fused->packed_input() != Packing::None) {
            const size_t plane = packed_words(n_in);
            std::vector<uint64_t> words(packed_size(fused->packed_input(), n_in));
            pack_codes(fused->packed_input(), x.data(), n_in, words.data());
            // Garbage past n_in (in every plane) must not count.
            if (n_in % 64)
                for (size_t k = plane - 1; k < words.size(); k += plane) words[k] |= ~uint64_t{0} << (n_in % 64);
            std::fill(got_words.begin(), got_words.end(), 0);
            fused->compute_packed(words.data(), got_words.data());
            EXPECT_EQ(got_words, want_words) << "compute_packed(), sample " << sample;
            fused->compute_from_packed(words.data(), got.data());
            EXPECT_EQ(got, want) << "compute_from_packed(), sample " << sample;
        }
        if (::testing::Test::HasFailure()) return true;
    }
    return true;
}

TEST(FusedDenseThreshold, XnorCountsAgainstBinaryAndTernaryThresholds) {
    auto rng = seeded_rng(30);
    size_t fused = 0, cases = 0;
    for (size_t n_in : {size_t{1}, size_t{2}, size_t{7}, size_t{63}, size_t{64}, size_t{65}, size_t{127}, size_t{200}})
        for (size_t n_out : {size_t{1}, size_t{5}, size_t{33}, size_t{64}, size_t{130}})
            for (bool ternary : {false, true}) {
                const Precision k = xnor_result_precision(n_in);
                // hls4ml's ap_int<k>; a saturating rounding result (still non-decreasing); one that wraps.
                for (const Precision& result : {k, P("ap_fixed<6,3,AP_RND,AP_SAT>"), P("ap_int<3>")}) {
                    SCOPED_TRACE("n_in " + std::to_string(n_in) + " n_out " + std::to_string(n_out) + " result " +
                                 result.str() + (ternary ? " ternary" : " binary"));
                    DenseCase c{"xnor", P("ap_uint<1>"), P("ap_uint<1>"), k, result, P("ap_uint<1>")};
                    DenseConfig cfg = random_dense(c, n_in, n_out, rng);
                    cfg.biases.assign(n_out, 0);
                    const DenseLayer dense("x", cfg);
                    const QuantizedTanhLayer threshold("t", random_thresholds(dense, ternary, rng() & 1, rng));
                    const bool did = check_fused(dense, threshold, rng);
                    ASSERT_FALSE(HasFailure());
                    // A non-decreasing cast always fuses; a wrapping one may or may not (interval or not).
                    if (result == k || result.overflow == OverflowMode::SAT) {
                        EXPECT_TRUE(did);
                    }
                    fused += did;
                    ++cases;
                }
            }
    std::cout << "[ fused    ] " << fused << " of " << cases << " XNOR pairs" << std::endl;
}

// XNOR layers on both sides of the byte counts' limits (xnor_byte_counts_pay(): at most 254 inputs, at least 64
// outputs) and on the 32-bit counts past them: the fused threshold and the lookup table against the layers.
TEST(FusedDenseThreshold, XnorCountsOnBothSidesOfTheByteCountLimits) {
    auto rng = seeded_rng(38);
    for (size_t n_in : {size_t{65}, size_t{128}, size_t{253}, size_t{254}, size_t{255}, size_t{300}})
        for (size_t n_out : {size_t{10}, size_t{63}, size_t{64}, size_t{128}})
            for (bool ternary : {false, true}) {
                SCOPED_TRACE("n_in " + std::to_string(n_in) + " n_out " + std::to_string(n_out) +
                             (ternary ? " ternary" : " binary"));
                const Precision k = xnor_result_precision(n_in);
                DenseConfig cfg = random_dense({"xnor", P("ap_uint<1>"), P("ap_uint<1>"), k, k, P("ap_uint<1>")},
                                               n_in, n_out, rng);
                cfg.biases.assign(n_out, 0);
                const DenseLayer dense("x", cfg);
                const QuantizedTanhLayer threshold("t", random_thresholds(dense, ternary, rng() & 1, rng));
                EXPECT_TRUE(check_fused(dense, threshold, rng, 8));
                ASSERT_FALSE(HasFailure());
                const auto lookup = XnorLookupLayer::fuse(dense, nullptr);
                if (!lookup) {
                    ASSERT_GT((n_in + 1) * n_out, size_t{1} << 14);  // a table too large to pay off
                    continue;
                }
                for (int sample = 0; sample < 8; ++sample) {
                    std::vector<int64_t> x(n_in), want(n_out), got(n_out);
                    for (auto& v : x) v = static_cast<int64_t>(rng() & 1);
                    dense.compute_general(x.data(), want.data());
                    lookup->compute(x.data(), got.data());
                    ASSERT_EQ(got, want) << "lookup, sample " << sample;
                }
            }
}

TEST(FusedDenseThreshold, FixedDataSumsAgainstBinaryAndTernaryThresholds) {
    auto rng = seeded_rng(31);
    const DenseCase cases[] = {
        // The binary models' first layers: <16,6> data, +-1 int<2> weights, <16,6> accum and result.
        {"int<2> +-1, accum 16 bits", P("ap_fixed<16,6>"), P("ap_int<2>"), P("ap_fixed<16,6>"), P("ap_fixed<16,6>"),
         P("ap_uint<1>")},
        {"ternary 30% zeros, accum 10 bits that wraps", P("ap_fixed<12,4>"), P("ap_int<2>"), P("ap_fixed<10,4>"),
         P("ap_fixed<16,6>"), P("ap_fixed<8,3>"), 30},
        {"floored products, saturating result", P("ap_fixed<16,4>"), P("ap_int<2>"), P("ap_fixed<12,6>"),
         P("ap_fixed<8,3,AP_RND,AP_SAT>"), P("ap_fixed<8,4>"), 20},
        {"unsigned accum 12 bits", P("ap_ufixed<10,4>"), P("ap_uint<1>"), P("ap_ufixed<12,4>"), P("ap_fixed<16,6>"),
         P("ap_ufixed<8,4>")},
    };
    for (const DenseCase& c : cases)
        for (size_t n_in : {size_t{1}, size_t{3}, size_t{16}, size_t{63}, size_t{65}, size_t{301}})
            for (size_t n_out : {size_t{1}, size_t{31}, size_t{64}, size_t{65}, size_t{130}})
                for (bool ternary : {false, true}) {
                    SCOPED_TRACE(std::string(c.name) + ": n_in " + std::to_string(n_in) + " n_out " +
                                 std::to_string(n_out) + (ternary ? " ternary" : " binary"));
                    const DenseLayer dense("d", random_dense(c, n_in, n_out, rng));
                    ASSERT_TRUE(dense.sums_on_16bit_lanes());
                    const QuantizedTanhLayer threshold("t", random_thresholds(dense, ternary, rng() & 1, rng));
                    EXPECT_TRUE(check_fused(dense, threshold, rng));
                    ASSERT_FALSE(HasFailure());
                }
}

TEST(FusedDenseThreshold, TernaryDataCountsAgainstBinaryAndTernaryThresholds) {
    // The ternary jet tagger's hidden layers: int<2> data from a ternary threshold, int<2> weights, int<8>.
    auto rng = seeded_rng(35);
    const DenseCase cases[] = {
        {"ternary x ternary", P("ap_int<2>"), P("ap_int<2>"), P("ap_int<8>"), P("ap_int<8>"), P("ap_int<2>"), 35},
        {"ternary x ternary, accum that wraps", P("ap_int<2>"), P("ap_int<2>"), P("ap_int<4>"), P("ap_fixed<6,4>"),
         P("ap_int<2>"), 10},
    };
    for (const DenseCase& c : cases)
        for (size_t n_in : {size_t{1}, size_t{7}, size_t{64}, size_t{65}, size_t{130}})
            for (size_t n_out : {size_t{1}, size_t{5}, size_t{32}, size_t{65}})
                for (bool ternary : {false, true}) {
                    SCOPED_TRACE(std::string(c.name) + ": n_in " + std::to_string(n_in) + " n_out " +
                                 std::to_string(n_out) + (ternary ? " ternary" : " binary"));
                    const DenseLayer dense("d", random_dense(c, n_in, n_out, rng));
                    ASSERT_EQ(dense.packed_input(), Packing::Ternary);
                    const QuantizedTanhLayer threshold("t", random_thresholds(dense, ternary, rng() & 1, rng));
                    EXPECT_TRUE(check_fused(dense, threshold, rng));
                    ASSERT_FALSE(HasFailure());
                }
}

TEST(FusedDenseThreshold, CastsThatWrapOrWideSumsStayUnfused) {
    auto rng = seeded_rng(32);
    // accum <16,6> into result <8,3>: the cast wraps, so "result >= t" is no bound on the sum.
    const DenseLayer narrowing("d", random_dense({"wrapping result", P("ap_fixed<16,6>"), P("ap_int<2>"),
                                                  P("ap_fixed<16,6>"), P("ap_fixed<8,3>"), P("ap_uint<1>")},
                                                 20, 40, rng));
    // accum 24 bits: its sums run on 32-bit lanes.
    const DenseLayer wide("w", random_dense({"accum 24 bits", P("ap_fixed<18,8>"), P("ap_int<2>"),
                                             P("ap_fixed<24,12>"), P("ap_fixed<24,12>"), P("ap_uint<1>")},
                                            20, 40, rng));
    for (const DenseLayer* dense : {&narrowing, &wide}) {
        const QuantizedTanhLayer threshold("t", random_thresholds(*dense, false, true, rng));
        EXPECT_EQ(DenseThresholdLayer::fuse(*dense, threshold), nullptr) << dense->name();
    }
}

TEST(FusedXnorLookup, TablesAgainstTheLayers) {
    // An XNOR layer alone and with a BatchNormalization after it (the binary models' last two layers).
    auto rng = seeded_rng(34);
    for (size_t n_in : {size_t{1}, size_t{2}, size_t{31}, size_t{64}, size_t{65}, size_t{128}, size_t{300}})
        for (size_t n_out : {size_t{1}, size_t{5}, size_t{10}, size_t{40}})
            for (const Precision& result :
                 {xnor_result_precision(n_in), P("ap_fixed<6,3,AP_RND,AP_SAT>"), P("ap_int<3>")})
                for (bool with_batchnorm : {false, true}) {
                    SCOPED_TRACE("n_in " + std::to_string(n_in) + " n_out " + std::to_string(n_out) + " result " +
                                 result.str() + (with_batchnorm ? " + batchnorm" : ""));
                    const Precision k = xnor_result_precision(n_in);
                    DenseConfig cfg = random_dense(
                        {"xnor", P("ap_uint<1>"), P("ap_uint<1>"), k, result, P("ap_uint<1>")}, n_in, n_out, rng);
                    cfg.biases.assign(n_out, 0);
                    const DenseLayer dense("x", cfg);
                    BatchNormConfig bn;
                    bn.n_in = bn.n_filt = n_out;
                    bn.data_t = result;
                    bn.scale_t = bn.bias_t = bn.result_t = P("ap_fixed<16,6>");
                    for (size_t j = 0; j < n_out; ++j) {
                        bn.scale.push_back(random_raw(bn.scale_t, rng));
                        bn.bias.push_back(random_raw(bn.bias_t, rng));
                    }
                    const BatchNormLayer batchnorm("bn", bn);
                    const auto fused = XnorLookupLayer::fuse(dense, with_batchnorm ? &batchnorm : nullptr);
                    ASSERT_NE(fused, nullptr);
                    for (int sample = 0; sample < 4; ++sample) {
                        std::vector<int64_t> x(n_in);
                        for (auto& v : x) v = static_cast<int64_t>(rng() & 1);
                        std::vector<int64_t> sums(n_out), want(n_out), got(n_out);
                        dense.compute_general(x.data(), sums.data());
                        if (with_batchnorm)
                            batchnorm.compute(sums.data(), want.data());
                        else
                            want = sums;
                        fused->compute(x.data(), got.data());
                        ASSERT_EQ(got, want) << "compute(), sample " << sample;
                        std::vector<uint64_t> words(packed_words(n_in));
                        pack_codes(Packing::Binary, x.data(), n_in, words.data());
                        if (n_in % 64) words.back() |= ~uint64_t{0} << (n_in % 64);  // garbage past n_in
                        fused->compute_from_packed(words.data(), got.data());
                        ASSERT_EQ(got, want) << "compute_from_packed(), sample " << sample;
                    }
                }
}

TEST(FusedDenseThreshold, PlanFusesPairsAndFollowsChangedLayers) {
    auto rng = seeded_rng(33);
    // fixed data -> fc1 (+-1 weights) -> binary threshold -> XNOR fc2 -> ternary threshold -> ... -> Dense out
    const Precision data = P("ap_fixed<16,6>");
    auto xnor = [&](size_t n_in, size_t n_out) {
        const Precision k = xnor_result_precision(n_in);
        DenseConfig cfg =
            random_dense({"xnor", P("ap_uint<1>"), P("ap_uint<1>"), k, k, P("ap_uint<1>")}, n_in, n_out, rng);
        cfg.biases.assign(n_out, 0);
        return std::make_unique<DenseLayer>("fc", cfg);
    };
    Model model;
    model.input_shape = {37};
    model.input_precision = data;
    model.layers.push_back(std::make_unique<DenseLayer>(
        "fc1", random_dense({"fc1", data, P("ap_int<2>"), data, data, P("ap_uint<1>")}, 37, 70, rng)));
    model.layers.push_back(std::make_unique<QuantizedTanhLayer>(
        "t1", random_thresholds(static_cast<const DenseLayer&>(*model.layers[0]), false, true, rng)));
    model.layers.push_back(xnor(70, 65));
    model.layers.push_back(std::make_unique<QuantizedTanhLayer>(
        "t2", random_thresholds(static_cast<const DenseLayer&>(*model.layers[2]), true, true, rng)));
    // Ternary data into +-1 weights: a layer on plain values, unfused (nothing after it).
    model.layers.push_back(std::make_unique<DenseLayer>(
        "out", random_dense({"out", P("ap_int<2>"), P("ap_int<2>"), P("ap_int<10>"), P("ap_int<10>"), P("ap_int<2>")},
                            65, 3, rng)));
    auto check = [&](const char* what) {
        for (int sample = 0; sample < 50; ++sample) {
            std::vector<int64_t> x(37);
            for (auto& v : x) v = random_raw(data, rng);
            std::vector<int64_t> cur = x;
            for (const auto& layer : model.layers) {
                std::vector<int64_t> next(layer->n_out());
                if (const auto* dense = dynamic_cast<const DenseLayer*>(layer.get()))
                    dense->compute_general(cur.data(), next.data());
                else
                    layer->compute(cur.data(), next.data());
                cur = next;
            }
            std::vector<int64_t> out(3);
            forward(model, x.data(), out.data());
            ASSERT_EQ(out, cur) << what << ", sample " << sample;
            ASSERT_EQ(forward(model, x), cur) << what << ", sample " << sample;
        }
    };
    check("as built");
    ASSERT_NE(model.forward_plan, nullptr);
    EXPECT_EQ(model.forward_plan->fused.size(), 2u);
    EXPECT_EQ(model.forward_plan->steps.size(), 3u);
    // A new XNOR layer in place of fc2: the old plan no longer fits, forward() makes a new one.
    const ForwardPlan* before = model.forward_plan.get();
    model.layers[2] = xnor(70, 65);
    check("fc2 replaced");
    EXPECT_NE(model.forward_plan.get(), before);
}

// ---------------------------------------------------------------------------------------------------------

class PackedForward : public ::testing::TestWithParam<const char*> {};

TEST_P(PackedForward, MatchesLayerByLayerGeneralPath) {
    const Model model = load_model_file(std::string(TLM4ML_SOURCE_DIR) + "/testbenches/models/" + GetParam() + ".json");
    size_t packed_hand_offs = 0;
    for (size_t k = 0; k + 1 < model.layers.size(); ++k)
        packed_hand_offs += model.layers[k]->packed_output() != Packing::None &&
                            model.layers[k]->packed_output() == model.layers[k + 1]->packed_input();
    EXPECT_EQ(packed_hand_offs, 3u) << "every threshold hands its bits on packed";
    const auto plan = ForwardPlan::build(model);
    size_t threshold_pairs = 0;
    for (const auto& step : plan->fused)
        threshold_pairs += dynamic_cast<const DenseThresholdLayer*>(step.get()) != nullptr;
    EXPECT_EQ(threshold_pairs, 3u) << "every Dense + threshold pair fuses";
    auto rng = seeded_rng(26);
    std::uniform_real_distribution<double> u(-4.0, 4.0);
    for (int sample = 0; sample < 200; ++sample) {
        std::vector<int64_t> x(model.input_size());
        for (auto& v : x) v = quantize_double(u(rng), model.input_precision);
        std::vector<std::vector<int64_t>> trace;
        const std::vector<int64_t> got = forward(model, x, &trace);
        ASSERT_EQ(forward(model, x), got);
        std::vector<int64_t> cur = x;
        for (size_t k = 0; k < model.layers.size(); ++k) {
            const Layer& layer = *model.layers[k];
            std::vector<int64_t> next(layer.n_out());
            if (const auto* dense = dynamic_cast<const DenseLayer*>(&layer))
                dense->compute_general(cur.data(), next.data());
            else
                layer.compute(cur.data(), next.data());
            ASSERT_EQ(trace.at(k), next) << "layer " << layer.name() << ", sample " << sample;
            cur = next;
        }
        ASSERT_EQ(got, cur) << "sample " << sample;
    }
}

INSTANTIATE_TEST_SUITE_P(ShippedModels, PackedForward,
                         ::testing::Values("jet_tagger_binary", "jet_tagger_ternary", "mnist_binary"),
                         [](const auto& info) { return std::string(info.param); });

}  // namespace
