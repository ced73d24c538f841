// int64 codes into narrower lanes on their way into the int32 / 16-bit kernels. The compiler's own
// vectorization of these narrowing loops spends most of its instructions on lane shuffles.
#pragma once

#include <cstddef>
#include <cstdint>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace tlm4ml {

// int64 codes that fit int32 to int32: on AVX2 one permute gathers the low halves of four 64-bit lanes.
inline void narrow_to_int32(const int64_t* in, size_t n, int32_t* out) {
    size_t i = 0;
#if defined(__AVX2__)
    const __m256i low_halves = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7);
    for (; i + 8 <= n; i += 8) {
        const __m256i a =
            _mm256_permutevar8x32_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + i)), low_halves);
        const __m256i b =
            _mm256_permutevar8x32_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + i + 4)), low_halves);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), _mm256_permute2x128_si256(a, b, 0x20));
    }
#endif
    for (; i < n; ++i) out[i] = static_cast<int32_t>(in[i]);
}

// Their low 16 bits (i.e. modulo 2^16), shifted left, and the sum of the unshifted codes modulo 2^16, in one
// pass: the first layer's input on its way into the nibble kernel.
inline uint16_t narrow_to_u16(const int64_t* in, size_t n, int shift, uint16_t* out) {
    uint16_t sum = 0;
    size_t i = 0;
#if defined(__AVX2__)
    const __m256i low16 = _mm256_set1_epi64x(0xFFFF);
    const __m128i sh = _mm_cvtsi32_si128(shift);
    __m256i total = _mm256_setzero_si256();
    for (; i + 16 <= n; i += 16) {
        const __m256i* p = reinterpret_cast<const __m256i*>(in + i);
        // Two 64-bit lanes' low halves into one 32-bit pair, then 32 -> 16 bits (the values fit: no saturation).
        const __m256i a = _mm256_or_si256(_mm256_and_si256(_mm256_loadu_si256(p), low16),
                                          _mm256_slli_epi64(_mm256_and_si256(_mm256_loadu_si256(p + 1), low16), 32));
        const __m256i b = _mm256_or_si256(_mm256_and_si256(_mm256_loadu_si256(p + 2), low16),
                                          _mm256_slli_epi64(_mm256_and_si256(_mm256_loadu_si256(p + 3), low16), 32));
        // a holds inputs 0,4,1,5 | 2,6,3,7 and b 8,12,9,13 | 10,14,11,15 (32-bit lanes); packus takes the
        // halves in turn: 0,4,1,5,8,12,9,13 | 2,6,3,7,10,14,11,15 (16-bit lanes). A byte shuffle within the
        // halves pairs them up (0,1,4,5,8,9,12,13 | 2,3,6,7,...) and a dword permute puts the pairs in order.
        const __m256i packed = _mm256_packus_epi32(a, b);
        const __m256i pairs = _mm256_shuffle_epi8(
            packed, _mm256_setr_epi8(0, 1, 4, 5, 2, 3, 6, 7, 8, 9, 12, 13, 10, 11, 14, 15,  //
                                     0, 1, 4, 5, 2, 3, 6, 7, 8, 9, 12, 13, 10, 11, 14, 15));
        const __m256i ordered = _mm256_permutevar8x32_epi32(pairs, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
        total = _mm256_add_epi16(total, ordered);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), _mm256_sll_epi16(ordered, sh));
    }
    // The 16 lanes' sum: halves folded onto each other (only the low 16 bits of each fold matter).
    __m128i t = _mm_add_epi16(_mm256_castsi256_si128(total), _mm256_extracti128_si256(total, 1));
    t = _mm_add_epi16(t, _mm_unpackhi_epi64(t, t));
    t = _mm_add_epi16(t, _mm_srli_epi64(t, 32));
    t = _mm_add_epi16(t, _mm_srli_epi32(t, 16));
    sum = static_cast<uint16_t>(_mm_cvtsi128_si32(t));
#endif
    for (; i < n; ++i) {
        const uint16_t v = static_cast<uint16_t>(in[i]);
        sum = static_cast<uint16_t>(sum + v);
        out[i] = static_cast<uint16_t>(v << shift);
    }
    return sum;
}

}  // namespace tlm4ml
