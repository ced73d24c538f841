// The multiply-accumulate kernels behind every Dense layer whose casts are TRN/WRAP into at most 32 bits
// (the common hls4ml case). hls4ml casts each product to accum_t (floor to its LSB, then wrap) and stores
// each partial sum back into accum_t (wrap). A wrap is a reduction modulo 2^W and reductions commute with
// sums, so only the per-product floor has to happen per element; the sum runs modulo 2^32 and is wrapped
// to W bits once at the end. Bit-identical, and the loops vectorize.
// The weights come as int32_t or, when every weight fits, as int16_t: the product is the same int32
// multiplication (the weight is widened on load), and half the bytes keep a layer's weights in L1 next to
// the clocked engine's own state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace tlm4ml {

// The floored product of one data value and one weight, aligned to the accum_t LSB (modulo 2^32).
inline uint32_t floored_product(int32_t x, int32_t w, int right, int left) {
    return static_cast<uint32_t>((x * w) >> right) << left;
}

// acc[j] += floor(x[i] * w[i][j]) for every i, j (weights row-major [n_in][n_out]): vectorizes over j.
// Four input rows per pass: the sums are modular, so adding four products before touching acc[] is the
// same number, and acc[] makes a quarter of the store-to-load round trips (the chain that bounds narrow
// layers such as a convolution's 16 filters).
template <class Weight>
inline void mac_rows_mod32(const int32_t* x, size_t n_in, const Weight* w, size_t n_out, int right, int left,
                           uint32_t* acc) {
    size_t i = 0;
    for (; i + 4 <= n_in; i += 4) {
        const int32_t x0 = x[i], x1 = x[i + 1], x2 = x[i + 2], x3 = x[i + 3];
        const Weight* r0 = w + i * n_out;
        const Weight* r1 = r0 + n_out;
        const Weight* r2 = r1 + n_out;
        const Weight* r3 = r2 + n_out;
        for (size_t j = 0; j < n_out; ++j)
            acc[j] += (floored_product(x0, r0[j], right, left) + floored_product(x1, r1[j], right, left)) +
                      (floored_product(x2, r2[j], right, left) + floored_product(x3, r3[j], right, left));
    }
    for (; i < n_in; ++i) {
        const int32_t xi = x[i];
        const Weight* row = w + i * n_out;
        for (size_t j = 0; j < n_out; ++j) acc[j] += floored_product(xi, row[j], right, left);
    }
}

// sum_i floor(x[i] * w[i]) modulo 2^32, for one output (a column of the weights): vectorizes over i.
template <class Weight>
inline uint32_t mac_dot_mod32(const int32_t* x, const Weight* w, size_t n, int right, int left) {
    uint32_t acc = 0;
    for (size_t i = 0; i < n; ++i) acc += floored_product(x[i], w[i], right, left);
    return acc;
}

// Eight 32-bit lanes as a GCC / Clang vector (one AVX2 register, two SSE ones without AVX2). The kernel
// below keeps its sums in such registers for a whole window instead of adding into acc[] in memory.
typedef uint32_t Lanes8 __attribute__((vector_size(32)));
typedef int32_t SignedLanes8 __attribute__((vector_size(32)));
typedef int16_t Halves8 __attribute__((vector_size(16)));

inline void load_lanes(const int32_t* p, SignedLanes8& v) { std::memcpy(&v, p, sizeof v); }
inline void load_lanes(const int16_t* p, SignedLanes8& v) {
#if defined(__AVX2__)
    // One widening load (GCC 12 makes two halves and an insert of the generic conversion).
    v = (SignedLanes8)_mm256_cvtepi16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
#else
    Halves8 h;
    std::memcpy(&h, p, sizeof h);
    v = __builtin_convertvector(h, SignedLanes8);
#endif
}

// A convolution window read in place: acc[j] += floor(x * w) over the `n_rows` segments of `row_len` inputs
// (segment r at rows[r]; its input k meets weight row r * row_len + k) for kBlocks * 8 outputs. Weight row i
// of these outputs starts at w + i * w_stride (8 * kBlocks values; the caller pads the outputs to whole
// blocks). The same sums modulo 2^32 as mac_rows_mod32 over the gathered window; the kBlocks accumulators
// stay in registers from the first input to the last.
template <size_t kBlocks, bool kLeftShift, class Weight>
inline void mac_window_blocks_mod32(const int32_t* const* rows, size_t n_rows, size_t row_len, const Weight* w,
                                    size_t w_stride, int right, int left, uint32_t* acc) {
    Lanes8 sum[kBlocks];
    for (size_t b = 0; b < kBlocks; ++b) std::memcpy(&sum[b], acc + 8 * b, sizeof(Lanes8));
    for (size_t r = 0; r < n_rows; ++r) {
        const int32_t* x = rows[r];
        const Weight* wr = w + r * row_len * w_stride;
        for (size_t k = 0; k < row_len; ++k, wr += w_stride) {
            const SignedLanes8 xk = SignedLanes8{} + x[k];
            for (size_t b = 0; b < kBlocks; ++b) {
                SignedLanes8 wk;
                load_lanes(wr + 8 * b, wk);
                const Lanes8 floored = __builtin_convertvector((xk * wk) >> right, Lanes8);
                sum[b] += kLeftShift ? floored << left : floored;
            }
        }
    }
    for (size_t b = 0; b < kBlocks; ++b) std::memcpy(acc + 8 * b, &sum[b], sizeof(Lanes8));
}

template <size_t kBlocks, class Weight>
inline void mac_window_mod32(const int32_t* const* rows, size_t n_rows, size_t row_len, const Weight* w,
                             size_t w_stride, int right, int left, uint32_t* acc) {
    if (left == 0) mac_window_blocks_mod32<kBlocks, false>(rows, n_rows, row_len, w, w_stride, right, left, acc);
    else mac_window_blocks_mod32<kBlocks, true>(rows, n_rows, row_len, w, w_stride, right, left, acc);
}

// The final store into accum_t: the low `width` bits, sign-extended for signed types (width <= 32).
inline int32_t wrap_mod32(uint32_t v, int width, bool is_signed) {
    const int sh = 32 - width;
    return is_signed ? static_cast<int32_t>(v << sh) >> sh : static_cast<int32_t>((v << sh) >> sh);
}

}  // namespace tlm4ml
