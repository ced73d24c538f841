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

// The final store into accum_t: the low `width` bits, sign-extended for signed types (width <= 32).
inline int32_t wrap_mod32(uint32_t v, int width, bool is_signed) {
    const int sh = 32 - width;
    return is_signed ? static_cast<int32_t>(v << sh) >> sh : static_cast<int32_t>((v << sh) >> sh);
}

}  // namespace tlm4ml
