// The count of differing bits between one packed input and every weight column of an XNOR layer (columns of
// `words` 64-bit words, one after the other): differ[j] = popcount(x ^ column j). The usual small layers (one or
// two words per column) count four columns at a time with AVX2 (nibble lookups and a byte sum, vpsadbw), which
// takes a third of the instructions of one popcnt per word; longer columns stay scalar.
#pragma once

#include <cstddef>
#include <cstdint>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace tlm4ml {

inline void count_differing_bits_portable(const uint64_t* x, size_t words, const uint64_t* columns, size_t n_out,
                                          uint32_t* differ) {
    for (size_t j = 0; j < n_out; ++j, columns += words) {
        uint32_t d = 0;
        for (size_t k = 0; k < words; ++k) d += static_cast<uint32_t>(__builtin_popcountll(x[k] ^ columns[k]));
        differ[j] = d;
    }
}

#if defined(__AVX2__)
// Bytes' bit counts of v summed per 64-bit lane.
inline __m256i popcount_per_qword(__m256i v) {
    const __m256i lut = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4,  //
                                         0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
    const __m256i nibble = _mm256_set1_epi8(0x0F);
    const __m256i counts = _mm256_add_epi8(_mm256_shuffle_epi8(lut, _mm256_and_si256(v, nibble)),
                                           _mm256_shuffle_epi8(lut, _mm256_and_si256(_mm256_srli_epi16(v, 4), nibble)));
    return _mm256_sad_epu8(counts, _mm256_setzero_si256());
}

// Four 64-bit counts to four uint32 at out.
inline void store_counts(__m256i counts, uint32_t* out) {
    const __m256i low = _mm256_permutevar8x32_epi32(counts, _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out), _mm256_castsi256_si128(low));
}
#endif

inline void count_differing_bits(const uint64_t* x, size_t words, const uint64_t* columns, size_t n_out,
                                 uint32_t* differ) {
    size_t j = 0;
#if defined(__AVX2__)
    if (words == 1) {
        const __m256i xv = _mm256_set1_epi64x(static_cast<long long>(x[0]));
        for (; j + 4 <= n_out; j += 4) {
            const __m256i w = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(columns + j));
            store_counts(popcount_per_qword(_mm256_xor_si256(w, xv)), differ + j);
        }
    } else if (words == 2) {
        const __m256i xv = _mm256_setr_epi64x(static_cast<long long>(x[0]), static_cast<long long>(x[1]),
                                              static_cast<long long>(x[0]), static_cast<long long>(x[1]));
        for (; j + 4 <= n_out; j += 4) {
            const __m256i* w = reinterpret_cast<const __m256i*>(columns + 2 * j);
            // Per column two word counts; the pair sums land in qwords [j, j, j+1, j+1] and [j+2, .., j+3, ..].
            __m256i a = popcount_per_qword(_mm256_xor_si256(_mm256_loadu_si256(w), xv));
            __m256i b = popcount_per_qword(_mm256_xor_si256(_mm256_loadu_si256(w + 1), xv));
            a = _mm256_add_epi64(a, _mm256_shuffle_epi32(a, _MM_SHUFFLE(1, 0, 3, 2)));
            b = _mm256_add_epi64(b, _mm256_shuffle_epi32(b, _MM_SHUFFLE(1, 0, 3, 2)));
            // [j, j+2, j+1, j+3] -> [j, j+1, j+2, j+3]
            const __m256i both = _mm256_permute4x64_epi64(_mm256_blend_epi32(a, b, 0xCC), _MM_SHUFFLE(3, 1, 2, 0));
            store_counts(both, differ + j);
        }
    }
#endif
    count_differing_bits_portable(x, words, columns + j * words, n_out - j, differ + j);
}

}  // namespace tlm4ml
