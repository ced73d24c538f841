// An sc_fixed oracle of hls4ml's io_parallel pooling, shared by the pooling tests: pooling2d_cl and
// pooling1d_cl (the same loops with height 1) in hls4ml/templates/vitis/nnet_utils/nnet_pooling.h (vivado/ has
// the same loops), written out line by line. Every cast is an assignment to an sc_fix / sc_ufix (Fx); the
// oracle never calls tlm4ml's quantize code. Since hls4ml PR #1335 (v1.2.0) the loops size the window by the
// pool size and step it by the stride:
//   restricted_padded_width = (full_padded_width - pool_width) / stride_width * stride_width + 1;
//   for (ii = 0; ii < restricted_padded_height; ii += stride_height)
//     for (jj = 0; jj < restricted_padded_width; jj += stride_width)
//       for (kk = 0; kk < pool_height; kk++) for (ll = 0; ll < pool_width; ll++)
//         cond1 && cond2 ? data[...] : pad_val<data_T, pool_op>()   (overlap_pixel counts the real cells)
//       res[(ii / stride_height) * out_width * n_filt + (jj / stride_width) * n_filt + ff] =
//           pool_op<...>(pool, count_pad ? pool_height * pool_width : overlap_pixel);
// Needs SC_INCLUDE_FX (every test target defines it).
#pragma once

#include <systemc>

#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

#include "layers/arithmetic/pooling.h"
#include "rtl_models/precision.h"
#include "tests/support/test_support.h"

namespace tlm4ml_test {

// A runtime type as sc_fix / sc_ufix. `cast` is `T var = v;`, value() the value of a raw code, raw() the
// code of a value cast into the type.
struct Fx {
    tlm4ml::Precision p;
    sc_dt::sc_fxval cast(const sc_dt::sc_fxval& v) const {
        if (p.is_signed) {
            sc_dt::sc_fix t(p.width, p.integer, sc_q(p.quant), sc_o(p.overflow), p.sat_bits);
            t = v;
            return sc_dt::sc_fxval(t);
        }
        sc_dt::sc_ufix t(p.width, p.integer, sc_q(p.quant), sc_o(p.overflow), p.sat_bits);
        t = v;
        return sc_dt::sc_fxval(t);
    }
    sc_dt::sc_fxval value(int64_t raw) const {
        const sc_dt::sc_fxval v(static_cast<sc_dt::int64>(raw));
        const int f = p.width - p.integer;
        return f >= 0 ? (v >> f) : (v << -f);
    }
    int64_t raw(const sc_dt::sc_fxval& v) const {
        const int f = p.width - p.integer;
        const sc_dt::sc_fxval c = cast(v);
        return (f >= 0 ? (c << f) : (c >> -f)).to_int64();
    }
};

// pad_val<T, Max>: T x = 0; x[x.width - 1] = 1 (the top bit set: a signed type's most negative value).
// pad_val<T, Average> is 0.
inline sc_dt::sc_fxval max_pad_value(const tlm4ml::Precision& p) {
    if (p.is_signed) {
        sc_dt::sc_fix t(p.width, p.integer);
        t = 0;
        t[p.width - 1] = 1;
        return sc_dt::sc_fxval(t);
    }
    sc_dt::sc_ufix t(p.width, p.integer);
    t = 0;
    t[p.width - 1] = 1;
    return sc_dt::sc_fxval(t);
}

// hls4ml's pooling2d_cl for a config and the output size hls4ml's config gives (out_height / out_width).
// Entries no loop iteration writes stay INT64_MIN; a write outside the output fails the test.
inline std::vector<int64_t> hls4ml_pooling_cl(const tlm4ml::PoolingConfig& c, size_t out_height, size_t out_width,
                                              const std::vector<int64_t>& data) {
    using sc_dt::sc_fxval;
    using tlm4ml::PoolOp;
    const int full_padded_width = static_cast<int>(c.in_width + c.pad_left + c.pad_right);
    const int full_padded_height = static_cast<int>(c.in_height + c.pad_top + c.pad_bottom);
    const int pool_h = static_cast<int>(c.pool_height), pool_w = static_cast<int>(c.pool_width);
    const int stride_h = static_cast<int>(c.stride_height), stride_w = static_cast<int>(c.stride_width);
    const int restricted_padded_width = (full_padded_width - pool_w) / stride_w * stride_w + 1;
    const int restricted_padded_height = (full_padded_height - pool_h) / stride_h * stride_h + 1;
    const int pad_top = static_cast<int>(c.pad_top), pad_left = static_cast<int>(c.pad_left);
    const int in_h = static_cast<int>(c.in_height), in_w = static_cast<int>(c.in_width);
    const Fx data_t{c.data_t}, accum_t{c.accum_t}, result_t{c.result_t};
    const sc_fxval pad_max = max_pad_value(c.data_t);
    std::vector<int64_t> res(out_height * out_width * c.n_filt, INT64_MIN);  // INT64_MIN: never written
    for (size_t ff = 0; ff < c.n_filt; ff++) {
        for (int ii = 0; ii < restricted_padded_height; ii += stride_h) {
            for (int jj = 0; jj < restricted_padded_width; jj += stride_w) {
                std::vector<sc_fxval> pool(static_cast<size_t>(pool_h * pool_w));
                unsigned overlap_pixel = 0;
                for (int kk = 0; kk < pool_h; kk++) {
                    for (int ll = 0; ll < pool_w; ll++) {
                        const bool cond1 = ii + kk >= pad_top && ii + kk < in_h + pad_top;
                        const bool cond2 = jj + ll >= pad_left && jj + ll < in_w + pad_left;
                        if (cond1 && cond2) {
                            const size_t data_idx =
                                static_cast<size_t>((ii + kk - pad_top) * in_w + (jj + ll - pad_left)) * c.n_filt + ff;
                            pool[static_cast<size_t>(kk * pool_w + ll)] = data_t.value(data[data_idx]);
                            overlap_pixel++;
                        } else {
                            pool[static_cast<size_t>(kk * pool_w + ll)] =
                                c.pool_op == PoolOp::Max ? pad_max : sc_fxval(0);
                        }
                    }
                }
                const unsigned patch_size = c.count_pad ? static_cast<unsigned>(pool_h * pool_w) : overlap_pixel;
                sc_fxval acc;
                if (c.pool_op == PoolOp::Max) {
                    // max<T, N, accum_t>: T y = x[0]; y = x[i] > y ? x[i] : y; return y (as accum_t).
                    sc_fxval y = pool[0];
                    for (size_t i = 1; i < pool.size(); i++) y = pool[i] > y ? pool[i] : y;
                    acc = accum_t.cast(y);
                } else {
                    // avg<T, N, accum_t>: accum_t y = 0; y += x[i]; y /= length (ap_fixed: toward zero).
                    sc_fxval y = accum_t.cast(sc_fxval(0));
                    for (const auto& x : pool) y = accum_t.cast(y + x);
                    tlm4ml::Precision toward_zero = c.accum_t;
                    toward_zero.quant = tlm4ml::QuantMode::TRN_ZERO;
                    toward_zero.overflow = tlm4ml::OverflowMode::WRAP;
                    acc = Fx{toward_zero}.cast(y / sc_fxval(static_cast<int>(patch_size)));
                }
                const size_t idx = static_cast<size_t>(ii / stride_h) * out_width * c.n_filt +
                                   static_cast<size_t>(jj / stride_w) * c.n_filt + ff;
                EXPECT_LT(idx, res.size());
                if (idx < res.size()) res[idx] = result_t.raw(acc);
            }
        }
    }
    return res;
}

}  // namespace tlm4ml_test
