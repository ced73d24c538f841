// One- and two-bit weights on fixed-point data, four inputs at a time (the "four Russians" trick), for 16-bit
// lanes where AVX-512's masked adds are missing: the 16 sums of every subset of inputs 4c..4c+3 form a table,
// and each output adds the entry its four weight bits select. On AVX2 the table is split into its low and high
// bytes and one vpshufb looks up 32 entries at once, a quarter of the additions of masked_accumulate
// (bit_plane_kernels.h) and no mask expansion. Every sum is modulo 2^16: the low bytes are summed on 16-bit
// lanes, the high bytes on 8-bit lanes (only their sum modulo 2^8 reaches bits 8-15).
// Chunks go in pairs: a 32-byte table holds chunk 2p's 16 entries in its low half and chunk 2p + 1's in its
// high half (vpshufb looks up each half in its own 16 bytes), so one lookup serves 16 outputs for two chunks
// and a pair's tables come from its 8 inputs with in-lane shuffles and one pack, nothing duplicated.
// For even inputs (doubled products) the low table keeps bits 1-7 instead, small enough for two pairs'
// lookups to add on 8-bit lanes before they are widened (nibble_accumulate_even).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "rtl_models/aligned_vector.h"
#include "rtl_models/scratch_buffer.h"

#if defined(__AVX2__) && defined(__GNUC__)
#define TLM4ML_NIBBLE_AVX2 1
#include <immintrin.h>
#endif

namespace tlm4ml {

// Where output j's four weight bits sit: per pair of chunks and group of 16 outputs, 32 bytes, the first 16 for
// the pair's first chunk and the last 16 for its second, each half in the order the AVX2 kernel widens them
// (byte 2q holds output q of the group, byte 2q + 1 output 8 + q), so its 16-bit lanes come out in output
// order without a shuffle.
struct NibblePlane {
    size_t n_in = 0;
    size_t groups = 0;           // of 32 outputs: the accumulator has 32 * groups lanes
    AlignedVector<uint8_t> index;  // [nibble_chunks(n_in) / 2][2 * groups][32], rows on 32-byte boundaries
};

// Chunks of four inputs, a whole number of pairs.
inline size_t nibble_chunks(size_t n_in) { return 2 * ((n_in + 7) / 8); }
// The output (of its group of 16) that byte p of a half serves, and the byte of a half that serves output k.
inline size_t nibble_byte_output(size_t p) { return (p & 1) ? 8 + p / 2 : p / 2; }
inline size_t nibble_output_byte(size_t k) { return k < 8 ? 2 * k : 2 * (k - 8) + 1; }

// plane: n_in rows of row_words 64-bit words, output j of row i is bit j % 64 of word j / 64.
inline NibblePlane make_nibble_plane(const uint64_t* plane, size_t n_in, size_t row_words, size_t n_out) {
    NibblePlane p;
    p.n_in = n_in;
    p.groups = (n_out + 31) / 32;
    const size_t sixteens = 2 * p.groups;
    p.index.assign(nibble_chunks(n_in) / 2 * sixteens * 32, 0);
    for (size_t i = 0; i < n_in; ++i)
        for (size_t j = 0; j < n_out; ++j)
            if ((plane[i * row_words + j / 64] >> (j % 64)) & 1) {
                const size_t c = i / 4;
                uint8_t& k = p.index[((c / 2) * sixteens + j / 16) * 32 + 16 * (c % 2) + nibble_output_byte(j % 16)];
                k = static_cast<uint8_t>(k | (1u << (i % 4)));
            }
    return p;
}

// acc[j] += d[i] for every set bit (i, j), modulo 2^16. d holds nibble_chunks(n_in) * 4 values (those past n_in
// zero); acc has groups * 32 lanes.
inline void nibble_accumulate_portable(const uint16_t* d, const NibblePlane& p, uint16_t* acc) {
    const size_t chunks = nibble_chunks(p.n_in), sixteens = 2 * p.groups;
    for (size_t c = 0; c < chunks; ++c) {
        const uint16_t* x = d + 4 * c;
        uint16_t table[16];
        for (unsigned m = 0; m < 16; ++m)
            table[m] = static_cast<uint16_t>(((m & 1) ? x[0] : 0) + ((m & 2) ? x[1] : 0) + ((m & 4) ? x[2] : 0) +
                                             ((m & 8) ? x[3] : 0));
        for (size_t h = 0; h < sixteens; ++h) {
            const uint8_t* index = p.index.data() + ((c / 2) * sixteens + h) * 32 + 16 * (c % 2);
            for (size_t b = 0; b < 16; ++b) {
                uint16_t& a = acc[16 * h + nibble_byte_output(b)];
                a = static_cast<uint16_t>(a + table[index[b]]);
            }
        }
    }
}

#if defined(TLM4ML_NIBBLE_AVX2)
namespace nibble_detail {

// A group's sums so far: `even` adds the looked-up low bytes as 16-bit lanes (lane q of a half: output q's
// byte plus 256 times output 8+q's), `odd` adds output 8+q's byte alone, `high` the high bytes on 8-bit lanes.
// Each half of a register counts its own chunk of every pair; finish() adds the halves. The 16-bit sums are
// GCC vector types, not __m256i: with __m256i (four 64-bit lanes) GCC 12 carries the loop's sums in a second,
// 16-bit-lane type and copies each of them once per iteration (a quarter of the loop's instructions).
typedef uint16_t LaneSums __attribute__((vector_size(32)));

struct Sums {
    LaneSums even{}, odd{};
    __m256i high = _mm256_setzero_si256();

    // Low lookups already added (at most 255 per byte) into the 16-bit sums.
    void widen_low(__m256i low) {
        even += (LaneSums)low;  // a vector cast: the same 32 bytes
        odd += (LaneSums)low >> 8;
    }
    void add_high(__m256i looked_up) { high = _mm256_add_epi8(high, looked_up); }
};

inline __m256i key_at(const uint8_t* index) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(index)); }

// Keeps a-d in registers: GCC would otherwise load a table once per lookup, or fold a key into each of its two
// vpshufb as a memory operand (twice the loads, which bound this loop).
inline void in_register(__m256i& a, __m256i& b, __m256i& c, __m256i& d) {
    asm("" : "+x"(a), "+x"(b), "+x"(c), "+x"(d));
}

// Output q's low sum is even - 256 * odd, output 8+q's is odd; each adds 256 times its high bytes. With halved
// low entries the low sums count twice. The halves (a pair's two chunks) are added and acc[0..15] gets the sums.
template <bool HalvedLow>
inline void finish(const Sums& s, uint16_t* acc) {
    const __m256i even = (__m256i)s.even, odd = (__m256i)s.odd;
    const __m256i high_byte = _mm256_set1_epi16(static_cast<short>(0xFF00));
    __m256i low_first = _mm256_sub_epi16(even, _mm256_slli_epi16(odd, 8)), low_second = odd;
    if (HalvedLow) {
        low_first = _mm256_add_epi16(low_first, low_first);
        low_second = _mm256_add_epi16(low_second, low_second);
    }
    const __m256i first = _mm256_add_epi16(low_first, _mm256_slli_epi16(s.high, 8));          // outputs 0-7
    const __m256i second = _mm256_add_epi16(low_second, _mm256_and_si256(s.high, high_byte));  // outputs 8-15
    const __m256i sum = _mm256_add_epi16(_mm256_permute2x128_si256(first, second, 0x20),
                                         _mm256_permute2x128_si256(first, second, 0x31));
    __m256i* out = reinterpret_cast<__m256i*>(acc);
    _mm256_storeu_si256(out, _mm256_add_epi16(_mm256_loadu_si256(out), sum));
}

// Groups h and h + 1 of 16 outputs over every pair of chunks. tables: per pair its low and high table.
// With halved (7-bit) low entries two pairs' low lookups add on 8-bit lanes before one widening. The loop
// holds 6 sums, 4 tables and 4 keys: all 16 vector registers, each table and key loaded once.
template <bool HalvedLow>
inline void two_groups(const __m256i* tables, size_t pairs, const NibblePlane& p, size_t h, uint16_t* acc) {
    Sums a, b;
    const size_t stride = 32 * 2 * p.groups;  // index bytes per pair
    const uint8_t* index = p.index.data() + 32 * h;
    size_t q = 0;
    if (HalvedLow) {
#pragma GCC unroll 2
        for (; q + 2 <= pairs; q += 2, index += 2 * stride) {
            __m256i lo0 = _mm256_load_si256(tables + 2 * q), hi0 = _mm256_load_si256(tables + 2 * q + 1);
            __m256i lo1 = _mm256_load_si256(tables + 2 * q + 2), hi1 = _mm256_load_si256(tables + 2 * q + 3);
            __m256i ka0 = key_at(index), ka1 = key_at(index + stride);
            __m256i kb0 = key_at(index + 32), kb1 = key_at(index + stride + 32);
            in_register(lo0, hi0, lo1, hi1);
            in_register(ka0, ka1, kb0, kb1);
            a.widen_low(_mm256_add_epi8(_mm256_shuffle_epi8(lo0, ka0), _mm256_shuffle_epi8(lo1, ka1)));
            b.widen_low(_mm256_add_epi8(_mm256_shuffle_epi8(lo0, kb0), _mm256_shuffle_epi8(lo1, kb1)));
            a.add_high(_mm256_add_epi8(_mm256_shuffle_epi8(hi0, ka0), _mm256_shuffle_epi8(hi1, ka1)));
            b.add_high(_mm256_add_epi8(_mm256_shuffle_epi8(hi0, kb0), _mm256_shuffle_epi8(hi1, kb1)));
        }
    }
    for (; q < pairs; ++q, index += stride) {
        __m256i lo = _mm256_load_si256(tables + 2 * q), hi = _mm256_load_si256(tables + 2 * q + 1);
        __m256i ka = key_at(index), kb = key_at(index + 32);
        in_register(lo, hi, ka, kb);
        a.widen_low(_mm256_shuffle_epi8(lo, ka));
        b.widen_low(_mm256_shuffle_epi8(lo, kb));
        a.add_high(_mm256_shuffle_epi8(hi, ka));
        b.add_high(_mm256_shuffle_epi8(hi, kb));
    }
    finish<HalvedLow>(a, acc + 16 * h);
    finish<HalvedLow>(b, acc + 16 * (h + 1));
}

// A pair's 32 table entries on 16-bit lanes: `first` holds entries 0-7 of chunk 2p (low half) and of chunk
// 2p + 1 (high half), `second` entries 8-15, from the pair's 8 inputs broadcast to both halves. Entry m of a
// chunk with inputs x0..x3 is the sum of the x_k whose bit k is set in m; entries 8-15 add x3 to entries 0-7.
inline void pair_entries(__m256i x, __m256i& first, __m256i& second) {
    // vpshufb controls: 16-bit lane m of each half gets x0 (bytes 0-1 of the half's chunk: 8-9 in the high
    // half) where bit 0 of m is set, x1 (bytes 2-3) where bit 1 is, x2 (bytes 4-5) where bit 2 is; -1 is zero.
    const __m256i bit0 = _mm256_setr_epi8(-1, -1, 0, 1, -1, -1, 0, 1, -1, -1, 0, 1, -1, -1, 0, 1,  //
                                          -1, -1, 8, 9, -1, -1, 8, 9, -1, -1, 8, 9, -1, -1, 8, 9);
    const __m256i bit1 = _mm256_setr_epi8(-1, -1, -1, -1, 2, 3, 2, 3, -1, -1, -1, -1, 2, 3, 2, 3,  //
                                          -1, -1, -1, -1, 10, 11, 10, 11, -1, -1, -1, -1, 10, 11, 10, 11);
    const __m256i bit2 = _mm256_setr_epi8(-1, -1, -1, -1, -1, -1, -1, -1, 4, 5, 4, 5, 4, 5, 4, 5,  //
                                          -1, -1, -1, -1, -1, -1, -1, -1, 12, 13, 12, 13, 12, 13, 12, 13);
    // x3 (bytes 6-7) in every lane.
    const __m256i x3 = _mm256_setr_epi8(6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7,  //
                                        14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15);
    first = _mm256_add_epi16(_mm256_add_epi16(_mm256_shuffle_epi8(x, bit0), _mm256_shuffle_epi8(x, bit1)),
                             _mm256_shuffle_epi8(x, bit2));
    second = _mm256_add_epi16(first, _mm256_shuffle_epi8(x, x3));
}

// HalvedLow: every d[i] is even (so is every table entry t), and the low table holds (t >> 1) & 0x7F instead of
// t's low byte: t = 2 * that + 256 * (t >> 8), and two pairs' low entries add up within a byte.
template <bool HalvedLow>
inline void accumulate(const uint16_t* d, const NibblePlane& p, uint16_t* acc) {
    const size_t pairs = nibble_chunks(p.n_in) / 2;
    // Every pair's low and high table (32 bytes each), built once and read by every group.
    ScratchBuffer<uint64_t, 1600> storage(8 * pairs + 4);
    __m256i* tables = reinterpret_cast<__m256i*>((reinterpret_cast<uintptr_t>(storage.data()) + 31) & ~uintptr_t{31});
    const __m256i low_byte = _mm256_set1_epi16(HalvedLow ? 0x7F : 0xFF);
#pragma GCC unroll 2
    for (size_t q = 0; q < pairs; ++q) {
        const __m256i x = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(d + 8 * q)));
        __m256i first, second;
        pair_entries(x, first, second);
        // packus takes 8 lanes from each operand per half: entries 0-7, then 8-15, of that half's chunk.
        const __m256i lo = HalvedLow ? _mm256_packus_epi16(_mm256_and_si256(_mm256_srli_epi16(first, 1), low_byte),
                                                           _mm256_and_si256(_mm256_srli_epi16(second, 1), low_byte))
                                     : _mm256_packus_epi16(_mm256_and_si256(first, low_byte),
                                                           _mm256_and_si256(second, low_byte));
        const __m256i hi = _mm256_packus_epi16(_mm256_srli_epi16(first, 8), _mm256_srli_epi16(second, 8));
        _mm256_store_si256(tables + 2 * q, lo);
        _mm256_store_si256(tables + 2 * q + 1, hi);
    }
    // Two groups of 16 per pass keep their 6 sums, 4 tables and the lookups within the 16 vector registers.
    for (size_t h = 0; h < 2 * p.groups; h += 2) two_groups<HalvedLow>(tables, pairs, p, h, acc);
}

}  // namespace nibble_detail
#endif

inline void nibble_accumulate(const uint16_t* d, const NibblePlane& p, uint16_t* acc) {
#if defined(TLM4ML_NIBBLE_AVX2)
    nibble_detail::accumulate<false>(d, p, acc);
#else
    nibble_accumulate_portable(d, p, acc);
#endif
}

// nibble_accumulate() for inputs that are all even (doubled products, DenseLayer::plane_sums): the same sums; on
// AVX2 the low lookups are widened (a shift and two additions) once per two pairs of chunks instead of per pair.
inline void nibble_accumulate_even(const uint16_t* d, const NibblePlane& p, uint16_t* acc) {
#if defined(TLM4ML_NIBBLE_AVX2)
    nibble_detail::accumulate<true>(d, p, acc);
#else
    nibble_accumulate_portable(d, p, acc);
#endif
}

}  // namespace tlm4ml
