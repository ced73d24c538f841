// One- and two-bit weights on fixed-point data, four inputs at a time (the "four Russians" trick), for 16-bit
// lanes where AVX-512's masked adds are missing: the 16 sums of every subset of inputs 4c..4c+3 form a table,
// and each output adds the entry its four weight bits select. On AVX2 the table is split into its low and high
// bytes and one vpshufb looks up 32 outputs at once, a quarter of the additions of masked_accumulate
// (bit_plane_kernels.h) and no mask expansion. Every sum is modulo 2^16: the low bytes are summed on 16-bit
// lanes, the high bytes on 8-bit lanes (only their sum modulo 2^8 reaches bits 8-15).
// For even inputs (doubled products) the low table keeps bits 1-7 instead, small enough for two chunks' lookups
// to add on 8-bit lanes before they are widened (nibble_accumulate_even).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "rtl_models/scratch_buffer.h"

#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace tlm4ml {

// Where output j's four weight bits sit: per chunk of 4 inputs and group of 32 outputs, 32 bytes in the order
// the AVX2 kernel unpacks them (byte 2q holds output q of the group, byte 2q + 1 output 16 + q), so its 16-bit
// lanes come out in output order without a shuffle.
struct NibblePlane {
    size_t n_in = 0;
    size_t groups = 0;           // of 32 outputs
    std::vector<uint8_t> index;  // [ceil(n_in / 4)][groups][32]
};

inline size_t nibble_chunks(size_t n_in) { return (n_in + 3) / 4; }
// The output of a group that byte p of its index serves.
inline size_t nibble_byte_output(size_t p) { return (p & 1) ? 16 + p / 2 : p / 2; }

// plane: n_in rows of row_words 64-bit words, output j of row i is bit j % 64 of word j / 64.
inline NibblePlane make_nibble_plane(const uint64_t* plane, size_t n_in, size_t row_words, size_t n_out) {
    NibblePlane p;
    p.n_in = n_in;
    p.groups = (n_out + 31) / 32;
    p.index.assign(nibble_chunks(n_in) * p.groups * 32, 0);
    for (size_t i = 0; i < n_in; ++i)
        for (size_t g = 0; g < p.groups; ++g)
            for (size_t b = 0; b < 32; ++b) {
                const size_t j = 32 * g + nibble_byte_output(b);
                if (j < n_out && ((plane[i * row_words + j / 64] >> (j % 64)) & 1)) {
                    uint8_t& k = p.index[((i / 4) * p.groups + g) * 32 + b];
                    k = static_cast<uint8_t>(k | (1u << (i % 4)));
                }
            }
    return p;
}

// acc[j] += d[i] for every set bit (i, j), modulo 2^16. d holds nibble_chunks(n_in) * 4 values (those past n_in
// zero); acc has groups * 32 lanes.
inline void nibble_accumulate_portable(const uint16_t* d, const NibblePlane& p, uint16_t* acc) {
    const size_t chunks = nibble_chunks(p.n_in);
    for (size_t c = 0; c < chunks; ++c) {
        const uint16_t* x = d + 4 * c;
        uint16_t table[16];
        for (unsigned m = 0; m < 16; ++m)
            table[m] = static_cast<uint16_t>(((m & 1) ? x[0] : 0) + ((m & 2) ? x[1] : 0) + ((m & 4) ? x[2] : 0) +
                                             ((m & 8) ? x[3] : 0));
        for (size_t g = 0; g < p.groups; ++g) {
            const uint8_t* index = p.index.data() + (c * p.groups + g) * 32;
            for (size_t b = 0; b < 32; ++b) {
                uint16_t& a = acc[32 * g + nibble_byte_output(b)];
                a = static_cast<uint16_t>(a + table[index[b]]);
            }
        }
    }
}

#if defined(__AVX2__)
// One group's sums over the chunks so far: `even` adds the looked-up low bytes as 16-bit lanes (lane q: output
// q's byte plus 256 times output 16+q's), `odd` adds output 16+q's byte alone, `high` the high bytes on 8-bit
// lanes.
struct NibbleSums {
    __m256i even = _mm256_setzero_si256(), odd = _mm256_setzero_si256(), high = _mm256_setzero_si256();

    void add(__m256i lo, __m256i hi, const uint8_t* index) {
        const __m256i key = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(index));
        const __m256i l = _mm256_shuffle_epi8(lo, key);
        even = _mm256_add_epi16(even, l);
        odd = _mm256_add_epi16(odd, _mm256_srli_epi16(l, 8));
        high = _mm256_add_epi8(high, _mm256_shuffle_epi8(hi, key));
    }
    // Two chunks whose low entries have 7 bits: their lookups add on 8-bit lanes before being widened.
    void add_pair(__m256i lo0, __m256i hi0, const uint8_t* index0, __m256i lo1, __m256i hi1, const uint8_t* index1) {
        const __m256i key0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(index0));
        const __m256i key1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(index1));
        const __m256i l = _mm256_add_epi8(_mm256_shuffle_epi8(lo0, key0), _mm256_shuffle_epi8(lo1, key1));
        even = _mm256_add_epi16(even, l);
        odd = _mm256_add_epi16(odd, _mm256_srli_epi16(l, 8));
        high = _mm256_add_epi8(high, _mm256_add_epi8(_mm256_shuffle_epi8(hi0, key0), _mm256_shuffle_epi8(hi1, key1)));
    }
    // Output q's low sum is even - 256 * odd, output 16+q's is odd; each adds 256 times its high bytes. With
    // halved low entries (nibble_tables_avx2) the low sums count twice.
    template <bool HalvedLow>
    void finish(uint16_t* acc) const {
        const __m256i high_byte = _mm256_set1_epi16(static_cast<short>(0xFF00));
        __m256i low_first = _mm256_sub_epi16(even, _mm256_slli_epi16(odd, 8)), low_second = odd;
        if (HalvedLow) {
            low_first = _mm256_add_epi16(low_first, low_first);
            low_second = _mm256_add_epi16(low_second, low_second);
        }
        const __m256i first = _mm256_add_epi16(low_first, _mm256_slli_epi16(high, 8));
        const __m256i second = _mm256_add_epi16(low_second, _mm256_and_si256(high, high_byte));
        __m256i* out = reinterpret_cast<__m256i*>(acc);
        _mm256_storeu_si256(out, _mm256_add_epi16(_mm256_loadu_si256(out), first));
        _mm256_storeu_si256(out + 1, _mm256_add_epi16(_mm256_loadu_si256(out + 1), second));
    }
};

// Groups g and g + 1 over every chunk, or group g alone; with halved (7-bit) low entries two chunks at a time.
template <bool Two, bool HalvedLow>
inline void nibble_groups_avx2(const __m256i* tables, size_t chunks, const NibblePlane& p, size_t g,
                               uint16_t* acc) {
    NibbleSums a, b;
    const uint8_t* index = p.index.data() + 32 * g;
    const size_t stride = 32 * p.groups;
    size_t c = 0;
    if (HalvedLow) {
        for (; c + 2 <= chunks; c += 2, index += 2 * stride) {
            const __m256i* t = tables + 2 * c;
            a.add_pair(t[0], t[1], index, t[2], t[3], index + stride);
            if (Two) b.add_pair(t[0], t[1], index + 32, t[2], t[3], index + stride + 32);
        }
    }
    for (; c < chunks; ++c, index += stride) {
        const __m256i lo = _mm256_load_si256(tables + 2 * c);
        const __m256i hi = _mm256_load_si256(tables + 2 * c + 1);
        a.add(lo, hi, index);
        if (Two) b.add(lo, hi, index + 32);
    }
    a.template finish<HalvedLow>(acc + 32 * g);
    if (Two) b.template finish<HalvedLow>(acc + 32 * (g + 1));
}

// HalvedLow: every d[i] is even (so is every table entry t), and the low table holds (t >> 1) & 0x7F instead of
// t's low byte: t = 2 * that + 256 * (t >> 8), and two chunks' low entries add up within a byte.
template <bool HalvedLow>
inline void nibble_accumulate_avx2(const uint16_t* d, const NibblePlane& p, uint16_t* acc) {
    const size_t chunks = nibble_chunks(p.n_in);
    // The four sums of each pair of inputs (0, a, b, a + b) as one 64-bit word: a chunk's table is then its
    // first pair's word broadcast plus its second pair's spread over groups of four lanes.
    ScratchBuffer<uint64_t, 520> pairs(2 * chunks + 4);
    size_t q = 0;
    for (; q + 4 <= 2 * chunks; q += 4) {
        const __m256i ab = _mm256_cvtepu32_epi64(_mm_loadu_si128(reinterpret_cast<const __m128i*>(d + 2 * q)));
        const __m256i sum = _mm256_slli_epi64(_mm256_add_epi64(ab, _mm256_srli_epi64(ab, 16)), 48);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(pairs.data() + q),
                            _mm256_or_si256(_mm256_slli_epi64(ab, 16), sum));
    }
    for (; q < 2 * chunks; ++q) {
        const uint64_t a = d[2 * q], b = d[2 * q + 1];
        pairs[q] = (a << 16) | (b << 32) | (static_cast<uint64_t>(static_cast<uint16_t>(a + b)) << 48);
    }
    // Every chunk's table as two 32-byte vectors (low bytes, high bytes; the 16 entries in both 128-bit halves),
    // built once and read by every group.
    ScratchBuffer<uint64_t, 2052> storage(8 * chunks + 4);
    __m256i* tables = reinterpret_cast<__m256i*>((reinterpret_cast<uintptr_t>(storage.data()) + 31) & ~uintptr_t{31});
    // Entry m = first[m & 3] + second[m >> 2]: the second word's 16-bit piece k into lanes 4k..4k+3.
    const __m256i spread = _mm256_setr_epi8(0, 1, 0, 1, 0, 1, 0, 1, 2, 3, 2, 3, 2, 3, 2, 3,  //
                                            4, 5, 4, 5, 4, 5, 4, 5, 6, 7, 6, 7, 6, 7, 6, 7);
    const __m256i split = _mm256_setr_epi8(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15,  //
                                           0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);
    const __m256i seven_bits = _mm256_set1_epi8(0x7F);
    for (size_t c = 0; c < chunks; ++c) {
        const __m256i first = _mm256_set1_epi64x(static_cast<long long>(pairs[2 * c]));
        const __m256i second = _mm256_set1_epi64x(static_cast<long long>(pairs[2 * c + 1]));
        const __m256i t = _mm256_add_epi16(first, _mm256_shuffle_epi8(second, spread));
        // Per half: low bytes of its 8 entries, then their high bytes; then gather entries 0-15 per kind.
        const __m256i s = _mm256_shuffle_epi8(t, split);
        const __m256i low_source =
            HalvedLow ? _mm256_shuffle_epi8(_mm256_and_si256(_mm256_srli_epi16(t, 1), seven_bits), split) : s;
        _mm256_store_si256(tables + 2 * c, _mm256_permute4x64_epi64(low_source, _MM_SHUFFLE(2, 0, 2, 0)));
        _mm256_store_si256(tables + 2 * c + 1, _mm256_permute4x64_epi64(s, _MM_SHUFFLE(3, 1, 3, 1)));
    }
    // Two groups per pass keep their 6 sums, 2 tables and the lookups within the 16 vector registers.
    size_t g = 0;
    for (; g + 2 <= p.groups; g += 2) nibble_groups_avx2<true, HalvedLow>(tables, chunks, p, g, acc);
    if (g < p.groups) nibble_groups_avx2<false, HalvedLow>(tables, chunks, p, g, acc);
}
#endif

inline void nibble_accumulate(const uint16_t* d, const NibblePlane& p, uint16_t* acc) {
#if defined(__AVX2__)
    nibble_accumulate_avx2<false>(d, p, acc);
#else
    nibble_accumulate_portable(d, p, acc);
#endif
}

// nibble_accumulate() for inputs that are all even (doubled products, DenseLayer::plane_sums): the same sums; on
// AVX2 the low lookups are widened (a shift and two additions) once per two chunks instead of once per chunk.
inline void nibble_accumulate_even(const uint16_t* d, const NibblePlane& p, uint16_t* acc) {
#if defined(__AVX2__)
    nibble_accumulate_avx2<true>(d, p, acc);
#else
    nibble_accumulate_portable(d, p, acc);
#endif
}

}  // namespace tlm4ml
