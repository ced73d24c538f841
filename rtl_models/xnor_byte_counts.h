// The count of differing bits between one packed input and every weight column of an XNOR layer with fewer than
// 255 inputs, one byte per output, four inputs at a time: the count over inputs 4c..4c+3 is popcount(x_c ^ w),
// x_c the input's nibble and w the output's weight nibble, so each chunk's 16 possible counts form a table and
// one vpshufb looks up 32 of them (16 outputs for two chunks: the low half of a table serves chunk 2p, the high
// half chunk 2p + 1). The counts add on 8-bit lanes (at most n_in < 255). For 128 inputs and 128 outputs that
// is 16 tables and 128 lookups, against 256 64-bit popcounts (xnor_popcount.h). The fused XNOR steps of the
// untimed pass (dense_threshold.h, xnor_lookup.h) read these counts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "rtl_models/packed_bits.h"

#if defined(__AVX2__) && defined(__GNUC__)
#define TLM4ML_XNOR_BYTES_AVX2 1
#include <immintrin.h>
#endif

namespace tlm4ml {

// The weight nibbles, per pair of chunks and group of 16 outputs: 32 bytes, byte b < 16 output b of the group
// in chunk 2p, byte 16 + b the same output in chunk 2p + 1.
struct XnorNibbleKeys {
    size_t n_in = 0, n_out = 0;
    size_t pairs = 0;   // of chunks: (n_in + 7) / 8, one input byte each
    size_t groups = 0;  // of 16 outputs: counts are written for 16 * groups outputs
    std::vector<uint8_t> key;
};

// Counts up to 254 fit a byte with 255 to spare (an empty interval in bytes_within). Below 64 outputs the
// per-sample tables cost more than the 64-bit popcounts they replace (xnor_popcount.h).
inline constexpr size_t kMaxXnorByteInputs = 254;
inline constexpr size_t kMinXnorByteOutputs = 64;
inline bool xnor_byte_counts_pay(size_t n_in, size_t n_out) {
    return n_in <= kMaxXnorByteInputs && n_out >= kMinXnorByteOutputs;
}

// columns: n_out columns of packed_words(n_in) words (bit i of column j: input i's weight for output j).
inline XnorNibbleKeys make_xnor_nibble_keys(const uint64_t* columns, size_t n_in, size_t n_out) {
    XnorNibbleKeys k;
    k.n_in = n_in;
    k.n_out = n_out;
    k.pairs = (n_in + 7) / 8;
    k.groups = (n_out + 15) / 16;
    k.key.assign(k.pairs * k.groups * 32, 0);
    const size_t words = packed_words(n_in);
    for (size_t j = 0; j < n_out; ++j)
        for (size_t p = 0; p < k.pairs; ++p) {
            // Column byte p: its low nibble for chunk 2p, its high one for chunk 2p + 1 (bits past n_in masked).
            const size_t valid = n_in - 8 * p < 8 ? n_in - 8 * p : 8;
            const unsigned byte = static_cast<unsigned>(columns[j * words + p / 8] >> (8 * (p % 8))) & ((1u << valid) - 1);
            uint8_t* key = k.key.data() + (p * k.groups + j / 16) * 32 + j % 16;
            key[0] = static_cast<uint8_t>(byte & 0x0F);
            key[16] = static_cast<uint8_t>(byte >> 4);
        }
    return k;
}

// The input's byte p (inputs 8p..8p+7); bits past n_in must be zero.
inline uint8_t xnor_input_byte(const uint64_t* x, size_t p) { return static_cast<uint8_t>(x[p / 8] >> (8 * (p % 8))); }

// differ[j] = popcount(x ^ column j) for j < 16 * groups (outputs past n_out count 0 weight bits); x has
// packed_words(n_in) words, bits past n_in zero. n_in <= kMaxXnorByteInputs.
inline void count_differing_bytes_portable(const uint64_t* x, const XnorNibbleKeys& k, uint8_t* differ) {
    for (size_t j = 0; j < 16 * k.groups; ++j) differ[j] = 0;
    for (size_t p = 0; p < k.pairs; ++p) {
        const uint8_t in = xnor_input_byte(x, p);
        for (size_t g = 0; g < k.groups; ++g)
            for (size_t b = 0; b < 32; ++b) {
                const unsigned nibble = b < 16 ? in & 0x0F : in >> 4;
                uint8_t& d = differ[16 * g + b % 16];
                d = static_cast<uint8_t>(d + __builtin_popcount(nibble ^ k.key[(p * k.groups + g) * 32 + b]));
            }
    }
}

#if defined(TLM4ML_XNOR_BYTES_AVX2)
namespace xnor_bytes_detail {

// The sums as a GCC vector type, not __m256i: GCC 12 otherwise copies each loop-carried sum once per iteration.
typedef uint8_t ByteSums __attribute__((vector_size(32)));

// Groups g..g+G-1 over every pair: G byte sums in registers, each pair's table loaded once.
template <size_t G>
inline void groups_pass(const __m256i* tables, const XnorNibbleKeys& k, size_t g, uint8_t* differ) {
    ByteSums sums[G] = {};
    const uint8_t* key = k.key.data() + 32 * g;
    for (size_t p = 0; p < k.pairs; ++p, key += 32 * k.groups) {
        const __m256i table = _mm256_load_si256(tables + p);
        for (size_t s = 0; s < G; ++s)
            sums[s] += (ByteSums)_mm256_shuffle_epi8(table, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(key + 32 * s)));
    }
    // Each half counted its own chunk of every pair.
    for (size_t s = 0; s < G; ++s) {
        const __m256i both = (__m256i)sums[s];
        const __m128i total = _mm_add_epi8(_mm256_castsi256_si128(both), _mm256_extracti128_si256(both, 1));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(differ + 16 * (g + s)), total);
    }
}

}  // namespace xnor_bytes_detail
#endif

inline void count_differing_bytes(const uint64_t* x, const XnorNibbleKeys& k, uint8_t* differ) {
#if defined(TLM4ML_XNOR_BYTES_AVX2)
    // Per pair its table: low half popcount(m ^ low nibble of input byte p), high half with the high nibble.
    const __m256i low4 = _mm256_set1_epi8(0x0F), one = _mm256_set1_epi8(1);
    const __m256i iota = _mm256_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,  //
                                          0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m256i popcount4 = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4,  //
                                               0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
    alignas(32) __m256i tables[32];
    const size_t words = packed_words(k.n_in);
    for (size_t w = 0; w < words; w += 2) {
        // Input bytes 8w..8w+15 (x86: little-endian words), in both halves.
        const __m256i both = _mm256_setr_epi64x(static_cast<long long>(x[w]),
                                                static_cast<long long>(w + 1 < words ? x[w + 1] : 0),
                                                static_cast<long long>(x[w]),
                                                static_cast<long long>(w + 1 < words ? x[w + 1] : 0));
        // Byte p of the low half: input byte p's low nibble; of the high half: its high nibble.
        const __m256i nibbles = _mm256_blend_epi32(_mm256_and_si256(both, low4),
                                                   _mm256_and_si256(_mm256_srli_epi16(both, 4), low4), 0xF0);
        __m256i select = _mm256_setzero_si256();
        for (size_t p = 8 * w; p < k.pairs && p < 8 * w + 16; ++p, select = _mm256_add_epi8(select, one))
            tables[p] = _mm256_shuffle_epi8(popcount4, _mm256_xor_si256(iota, _mm256_shuffle_epi8(nibbles, select)));
    }
    // Up to 8 groups (128 outputs) per pass: 8 sums, a table and a key in registers.
    size_t g = 0;
    for (; g + 8 <= k.groups; g += 8) xnor_bytes_detail::groups_pass<8>(tables, k, g, differ);
    for (; g + 2 <= k.groups; g += 2) xnor_bytes_detail::groups_pass<2>(tables, k, g, differ);
    if (g < k.groups) xnor_bytes_detail::groups_pass<1>(tables, k, g, differ);
#else
    count_differing_bytes_portable(x, k, differ);
#endif
}

// Bit j of bits[j / 64]: differ[j] - first[j] <= span[j] on bytes (modulo 256), for j < 64 * words; the three
// arrays hold 64 * words bytes.
inline void bytes_within(const uint8_t* differ, const uint8_t* first, const uint8_t* span, size_t words,
                         uint64_t* bits) {
    for (size_t w = 0; w < words; ++w) {
        uint64_t word = 0;
#if defined(__AVX2__)
        for (size_t b = 0; b < 64; b += 32) {
            const size_t j = 64 * w + b;
            const __m256i d = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(differ + j));
            const __m256i f = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(first + j));
            const __m256i s = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(span + j));
            const __m256i in = _mm256_cmpeq_epi8(_mm256_max_epu8(_mm256_sub_epi8(d, f), s), s);
            word |= static_cast<uint64_t>(static_cast<uint32_t>(_mm256_movemask_epi8(in))) << b;
        }
#else
        for (size_t b = 0; b < 64; ++b) {
            const size_t j = 64 * w + b;
            word |= static_cast<uint64_t>(static_cast<uint8_t>(differ[j] - first[j]) <= span[j]) << b;
        }
#endif
        bits[w] = word;
    }
}

}  // namespace tlm4ml
