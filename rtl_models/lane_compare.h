// Sums on 16-bit lanes compared with a bound per lane, straight into packed bits: bit j of the result is set
// where lane j, wrapped to the accumulator's W bits, is greater than above[j]. A fused Dense + threshold
// (layers/arithmetic/dense_threshold.h) turns its thresholds into such bounds once, at build time.
#pragma once

#include <cstddef>
#include <cstdint>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace tlm4ml {

// The W-bit code a 16-bit lane holds (signed W <= 16, unsigned W <= 15: every code fits an int16).
inline int16_t lane_code(uint16_t lane, int width, bool is_signed) {
    const int sh = 16 - width;
    const uint16_t up = static_cast<uint16_t>(lane << sh);
    return is_signed ? static_cast<int16_t>(static_cast<int16_t>(up) >> sh) : static_cast<int16_t>(up >> sh);
}

// lanes and above hold words * 64 values; bits gets `words` words.
inline void lanes_above_portable(const uint16_t* lanes, const int16_t* above, size_t words, int width, bool is_signed,
                                 uint64_t* bits) {
    for (size_t k = 0; k < words; ++k) {
        uint64_t w = 0;
        for (unsigned b = 0; b < 64; ++b)
            w |= static_cast<uint64_t>(lane_code(lanes[64 * k + b], width, is_signed) > above[64 * k + b]) << b;
        bits[k] = w;
    }
}

inline void lanes_above(const uint16_t* lanes, const int16_t* above, size_t words, int width, bool is_signed,
                        uint64_t* bits) {
#if defined(__AVX2__)
    const __m128i sh = _mm_cvtsi32_si128(16 - width);
    for (size_t k = 0; k < words; ++k) {
        uint64_t w = 0;
        for (unsigned half = 0; half < 2; ++half) {
            const size_t base = 64 * k + 32 * half;
            __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(lanes + base));
            __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(lanes + base + 16));
            a = _mm256_sll_epi16(a, sh);
            b = _mm256_sll_epi16(b, sh);
            a = is_signed ? _mm256_sra_epi16(a, sh) : _mm256_srl_epi16(a, sh);
            b = is_signed ? _mm256_sra_epi16(b, sh) : _mm256_srl_epi16(b, sh);
            const __m256i ga =
                _mm256_cmpgt_epi16(a, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(above + base)));
            const __m256i gb =
                _mm256_cmpgt_epi16(b, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(above + base + 16)));
            // packs works per 128-bit half: put the quarters back in lane order before taking the byte signs.
            const __m256i packed = _mm256_permute4x64_epi64(_mm256_packs_epi16(ga, gb), _MM_SHUFFLE(3, 1, 2, 0));
            w |= static_cast<uint64_t>(static_cast<uint32_t>(_mm256_movemask_epi8(packed))) << (32 * half);
        }
        bits[k] = w;
    }
#else
    lanes_above_portable(lanes, above, words, width, is_signed, bits);
#endif
}

}  // namespace tlm4ml
