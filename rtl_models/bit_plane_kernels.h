// The Dense kernel for one- and two-bit weights on fixed-point data, with the weights kept packed.
// A binary or ternary weight only chooses which of a few values each input adds to an output (+x, -x or 0,
// after hls4ml's product cast), so a layer is a set of masked additions: for every input i, add d[i] to
// the accumulators of the outputs whose bit is set in row i of a weight plane. The sums are modular (the
// accumulator wraps, see mac_kernels.h), so 16- or 32-bit lanes give the exact result of a narrower
// accum_t once wrapped. Packed rows are 16x smaller than int16 weights: a 784x128 layer's 12.5 KB stay in
// the L1 cache, where 200 KB of int16 weights would not.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "rtl_models/scratch_buffer.h"

#if defined(__AVX512BW__) || defined(__AVX2__)
#include <immintrin.h>
#endif

namespace tlm4ml {

// plane: n_in rows of row_words 64-bit words (output j of row i is bit j % 64 of word j / 64);
// acc: row_words * 64 lanes. acc[j] += d[i] (modulo 2^bits of Lane) for every set bit (i, j).
template <class Lane>
inline void masked_accumulate_portable(const Lane* d, size_t n_in, const uint64_t* plane, size_t row_words,
                                       Lane* acc) {
    for (size_t i = 0; i < n_in; ++i) {
        const Lane x = d[i];
        const uint64_t* row = plane + i * row_words;
        for (size_t w = 0; w < row_words; ++w) {
            const uint64_t bits = row[w];
            Lane* a = acc + 64 * w;
            for (unsigned b = 0; b < 64; ++b)
                a[b] = static_cast<Lane>(a[b] + (x & static_cast<Lane>(0 - ((bits >> b) & 1))));
        }
    }
}

#if defined(__AVX512BW__)
// Words (64 outputs each) per block held in registers: 2 words are 4 (16-bit lanes) or 8 (32-bit) vectors.
template <class Lane, size_t Words>
inline void masked_block_avx512(const Lane* d, size_t n_in, const uint64_t* plane, size_t row_words, Lane* acc) {
    static_assert(sizeof(Lane) == 2 || sizeof(Lane) == 4, "16- or 32-bit lanes");
    constexpr size_t kLanes = 64 / sizeof(Lane);
    constexpr size_t kVectors = Words * 64 / kLanes;
    __m512i a[kVectors];
    for (size_t v = 0; v < kVectors; ++v) a[v] = _mm512_loadu_si512(acc + v * kLanes);
    for (size_t i = 0; i < n_in; ++i) {
        // The mask of each vector is read straight from the row (kmov from memory, no shifts).
        const unsigned char* row = reinterpret_cast<const unsigned char*>(plane + i * row_words);
        if constexpr (sizeof(Lane) == 2) {
            const __m512i x = _mm512_set1_epi16(static_cast<short>(d[i]));
            for (size_t v = 0; v < kVectors; ++v) {
                uint32_t m;
                std::memcpy(&m, row + 4 * v, 4);
                a[v] = _mm512_mask_add_epi16(a[v], m, a[v], x);
            }
        } else {
            const __m512i x = _mm512_set1_epi32(static_cast<int>(d[i]));
            for (size_t v = 0; v < kVectors; ++v) {
                uint16_t m;
                std::memcpy(&m, row + 2 * v, 2);
                a[v] = _mm512_mask_add_epi32(a[v], m, a[v], x);
            }
        }
    }
    for (size_t v = 0; v < kVectors; ++v) _mm512_storeu_si512(acc + v * kLanes, a[v]);
}
#endif

#if defined(__AVX2__) && !defined(__AVX512BW__)
// AVX2 has no mask registers: each 32-bit piece of a row is broadcast and every lane keeps its own bit
// ((m & bit) == bit gives all ones). With 16-bit lanes a broadcast dword holds bit k of the piece in lane
// 2k' (k = k' < 16) or 2k'+1 (k = 16 + k'), so vector A (bits 0-7 and 16-23) and B (8-15, 24-31) hold the
// outputs in that interleaved order; piece_output16 maps them back.
inline size_t piece_output16(size_t vector, size_t lane) { return 8 * vector + (lane >> 1) + 16 * (lane & 1); }

template <class Lane>
inline void masked_piece_avx2(const Lane* d, size_t n_in, const uint64_t* plane, size_t row_words, size_t piece,
                              Lane* acc) {
    static_assert(sizeof(Lane) == 2 || sizeof(Lane) == 4, "16- or 32-bit lanes");
    constexpr size_t kLanes = 32 / sizeof(Lane);
    constexpr size_t kVectors = 32 / kLanes;  // 2 (16-bit lanes) or 4 (32-bit) per 32 outputs
    alignas(32) Lane tmp[kVectors][kLanes];
    __m256i bit[kVectors], a[kVectors];
    for (size_t v = 0; v < kVectors; ++v) {
        alignas(32) Lane b[kLanes];
        for (size_t k = 0; k < kLanes; ++k) {
            const size_t out = sizeof(Lane) == 2 ? piece_output16(v, k) : kLanes * v + k;
            b[k] = static_cast<Lane>(sizeof(Lane) == 2 ? (uint32_t{1} << (out & 15)) : (uint32_t{1} << out));
            tmp[v][k] = acc[out];
        }
        bit[v] = _mm256_load_si256(reinterpret_cast<const __m256i*>(b));
        a[v] = _mm256_load_si256(reinterpret_cast<const __m256i*>(tmp[v]));
    }
    const unsigned char* base = reinterpret_cast<const unsigned char*>(plane) + 4 * piece;
    for (size_t i = 0; i < n_in; ++i) {
        uint32_t m32;
        std::memcpy(&m32, base + 8 * row_words * i, 4);
        const __m256i m = _mm256_set1_epi32(static_cast<int>(m32));
        const __m256i x = sizeof(Lane) == 2 ? _mm256_set1_epi16(static_cast<short>(d[i]))
                                            : _mm256_set1_epi32(static_cast<int>(d[i]));
        for (size_t v = 0; v < kVectors; ++v) {
            const __m256i sel = sizeof(Lane) == 2 ? _mm256_cmpeq_epi16(_mm256_and_si256(m, bit[v]), bit[v])
                                                  : _mm256_cmpeq_epi32(_mm256_and_si256(m, bit[v]), bit[v]);
            a[v] = sizeof(Lane) == 2 ? _mm256_add_epi16(a[v], _mm256_and_si256(sel, x))
                                     : _mm256_add_epi32(a[v], _mm256_and_si256(sel, x));
        }
    }
    for (size_t v = 0; v < kVectors; ++v) {
        _mm256_store_si256(reinterpret_cast<__m256i*>(tmp[v]), a[v]);
        for (size_t k = 0; k < kLanes; ++k)
            acc[sizeof(Lane) == 2 ? piece_output16(v, k) : kLanes * v + k] = tmp[v][k];
    }
}
#endif

template <class Lane>
inline void masked_accumulate(const Lane* d, size_t n_in, const uint64_t* plane, size_t row_words, Lane* acc) {
#if defined(__AVX512BW__)
    size_t w = 0;
    for (; w + 2 <= row_words; w += 2) masked_block_avx512<Lane, 2>(d, n_in, plane + w, row_words, acc + 64 * w);
    if (w < row_words) masked_block_avx512<Lane, 1>(d, n_in, plane + w, row_words, acc + 64 * w);
#elif defined(__AVX2__)
    // One pass over the inputs per 32 outputs (pieces of rows, little-endian halves of the words).
    for (size_t piece = 0; piece < 2 * row_words; ++piece)
        masked_piece_avx2(d, n_in, plane, row_words, piece, acc + 32 * piece);
#else
    masked_accumulate_portable(d, n_in, plane, row_words, acc);
#endif
}

}  // namespace tlm4ml
