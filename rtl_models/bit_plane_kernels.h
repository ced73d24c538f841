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

// Four inputs at a time (the "four Russians" trick), for 16-bit lanes where AVX-512 masks are missing: the
// 16 sums of every subset of inputs 4c..4c+3 go into a table, and each output adds the entry its four
// weight bits select. On AVX2 the 16-entry table is split into its low and high bytes, and one vpshufb looks
// up 32 outputs at once: a quarter of the additions of masked_accumulate and no mask expansion. The low
// bytes are summed on 16-bit lanes and the high bytes on 8-bit lanes (only their sum modulo 2^8 reaches
// bits 8-15), so the result is the sum modulo 2^16.
struct NibblePlane {
    size_t n_in = 0;
    size_t groups = 0;           // of 32 outputs
    std::vector<uint8_t> index;  // [ceil(n_in / 4)][groups * 32]: the weight bits of inputs 4c..4c+3 of output j
};

inline NibblePlane make_nibble_plane(const uint64_t* plane, size_t n_in, size_t row_words, size_t n_out) {
    NibblePlane p;
    p.n_in = n_in;
    p.groups = (n_out + 31) / 32;
    const size_t chunks = (n_in + 3) / 4, lanes = p.groups * 32;
    p.index.assign(chunks * lanes, 0);
    for (size_t i = 0; i < n_in; ++i)
        for (size_t j = 0; j < n_out; ++j)
            if ((plane[i * row_words + j / 64] >> (j % 64)) & 1)
                p.index[(i / 4) * lanes + j] = static_cast<uint8_t>(p.index[(i / 4) * lanes + j] | (1u << (i % 4)));
    return p;
}

// acc[j] += d[i] for every set bit (i, j), modulo 2^16; acc has groups * 32 lanes.
inline void nibble_accumulate_portable(const uint16_t* d, const NibblePlane& p, uint16_t* acc) {
    const size_t chunks = (p.n_in + 3) / 4, lanes = p.groups * 32;
    for (size_t c = 0; c < chunks; ++c) {
        uint16_t x[4] = {0, 0, 0, 0};
        for (size_t b = 0; b < 4 && 4 * c + b < p.n_in; ++b) x[b] = d[4 * c + b];
        uint16_t table[16];
        for (unsigned m = 0; m < 16; ++m)
            table[m] = static_cast<uint16_t>(((m & 1) ? x[0] : 0) + ((m & 2) ? x[1] : 0) + ((m & 4) ? x[2] : 0) +
                                             ((m & 8) ? x[3] : 0));
        const uint8_t* index = p.index.data() + c * lanes;
        for (size_t j = 0; j < lanes; ++j) acc[j] = static_cast<uint16_t>(acc[j] + table[index[j]]);
    }
}

#if defined(__AVX2__)
inline void nibble_accumulate_avx2(const uint16_t* d, const NibblePlane& p, uint16_t* acc) {
    const size_t chunks = (p.n_in + 3) / 4, lanes = p.groups * 32;
    // Every chunk's table as two 32-byte vectors (low bytes, high bytes; the 16 entries in both 128-bit halves).
    ScratchBuffer<uint8_t, 16384> table_bytes(64 * chunks);
    __m256i* tables = reinterpret_cast<__m256i*>(table_bytes.data());  // written and read unaligned
    const __m256i bit0 = _mm256_setr_epi16(0, -1, 0, -1, 0, -1, 0, -1, 0, -1, 0, -1, 0, -1, 0, -1);
    const __m256i bit1 = _mm256_setr_epi16(0, 0, -1, -1, 0, 0, -1, -1, 0, 0, -1, -1, 0, 0, -1, -1);
    const __m256i bit2 = _mm256_setr_epi16(0, 0, 0, 0, -1, -1, -1, -1, 0, 0, 0, 0, -1, -1, -1, -1);
    const __m256i bit3 = _mm256_setr_epi16(0, 0, 0, 0, 0, 0, 0, 0, -1, -1, -1, -1, -1, -1, -1, -1);
    const __m256i split = _mm256_setr_epi8(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15,  //
                                           0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);
    for (size_t c = 0; c < chunks; ++c) {
        short x[4] = {0, 0, 0, 0};
        for (size_t b = 0; b < 4 && 4 * c + b < p.n_in; ++b) x[b] = static_cast<short>(d[4 * c + b]);
        const __m256i t = _mm256_add_epi16(
            _mm256_add_epi16(_mm256_and_si256(_mm256_set1_epi16(x[0]), bit0),
                             _mm256_and_si256(_mm256_set1_epi16(x[1]), bit1)),
            _mm256_add_epi16(_mm256_and_si256(_mm256_set1_epi16(x[2]), bit2),
                             _mm256_and_si256(_mm256_set1_epi16(x[3]), bit3)));
        // Per half: low bytes of its 8 entries, then their high bytes; then gather entries 0-15 per kind.
        const __m256i s = _mm256_shuffle_epi8(t, split);
        _mm256_storeu_si256(tables + 2 * c, _mm256_permute4x64_epi64(s, _MM_SHUFFLE(2, 0, 2, 0)));
        _mm256_storeu_si256(tables + 2 * c + 1, _mm256_permute4x64_epi64(s, _MM_SHUFFLE(3, 1, 3, 1)));
    }
    const __m256i zero = _mm256_setzero_si256();
    for (size_t g = 0; g < p.groups; ++g) {
        __m256i low_a = zero, low_b = zero, high = zero;
        const uint8_t* index = p.index.data() + 32 * g;
        for (size_t c = 0; c < chunks; ++c) {
            const __m256i k = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(index + c * lanes));
            const __m256i lo = _mm256_shuffle_epi8(_mm256_loadu_si256(tables + 2 * c), k);
            high = _mm256_add_epi8(high, _mm256_shuffle_epi8(_mm256_loadu_si256(tables + 2 * c + 1), k));
            low_a = _mm256_add_epi16(low_a, _mm256_unpacklo_epi8(lo, zero));
            low_b = _mm256_add_epi16(low_b, _mm256_unpackhi_epi8(lo, zero));
        }
        alignas(32) uint16_t a[16], b[16];
        alignas(32) uint8_t h[32];
        _mm256_store_si256(reinterpret_cast<__m256i*>(a), low_a);
        _mm256_store_si256(reinterpret_cast<__m256i*>(b), low_b);
        _mm256_store_si256(reinterpret_cast<__m256i*>(h), high);
        // The unpacks work per 128-bit half: low_a holds outputs 0-7 and 16-23, low_b 8-15 and 24-31.
        uint16_t* out = acc + 32 * g;
        for (size_t k = 0; k < 8; ++k) {
            out[k] = static_cast<uint16_t>(out[k] + a[k] + (h[k] << 8));
            out[8 + k] = static_cast<uint16_t>(out[8 + k] + b[k] + (h[8 + k] << 8));
            out[16 + k] = static_cast<uint16_t>(out[16 + k] + a[8 + k] + (h[16 + k] << 8));
            out[24 + k] = static_cast<uint16_t>(out[24 + k] + b[8 + k] + (h[24 + k] << 8));
        }
    }
}
#endif

inline void nibble_accumulate(const uint16_t* d, const NibblePlane& p, uint16_t* acc) {
#if defined(__AVX2__)
    nibble_accumulate_avx2(d, p, acc);
#else
    nibble_accumulate_portable(d, p, acc);
#endif
}

}  // namespace tlm4ml
