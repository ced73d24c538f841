// io_parallel pooling with a pool size other than the stride (overlapping windows, and windows with gaps
// between them), against an sc_fixed oracle that follows hls4ml's loops line by line: pooling2d_cl and
// pooling1d_cl in hls4ml/templates/vitis/nnet_utils/nnet_pooling.h (vivado/ has the same loops) at hls4ml commit
// ef92ebdf2fc6, the commit of ../shared/reference. Since hls4ml PR #1335 ("Io parallel pooling stride fix",
// df6101770, first released in v1.2.0) those loops size the window by the pool size and step it by the stride:
//   restricted_padded_width = (full_padded_width - pool_width) / stride_width * stride_width + 1;
//   for (ii = 0; ii < restricted_padded_height; ii += stride_height)
//     for (jj = 0; jj < restricted_padded_width; jj += stride_width)
//       for (kk = 0; kk < pool_height; kk++) for (ll = 0; ll < pool_width; ll++)
//         cond1 && cond2 ? data[...] : pad_val<data_T, pool_op>()   (overlap_pixel counts the real cells)
//       res[(ii / stride_height) * out_width * n_filt + (jj / stride_width) * n_filt + ff] =
//           pool_op<...>(pool, count_pad ? pool_height * pool_width : overlap_pixel);
// (hls4ml up to v1.1.0 sized the 2-D window by the stride and looped ii, jj up to full_padded / stride * stride,
// more positions than outputs when pool size > stride; the hand-made 2-D case below tells the two apart.)
// The oracle's casts are assignments to sc_fix / sc_ufix; it never calls tlm4ml's quantize code.
#include <gtest/gtest.h>

#include <systemc>

#include <cstdint>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "layers/arithmetic/conv.h"
#include "layers/arithmetic/pooling.h"
#include "tests/support/test_support.h"

using namespace tlm4ml;
using namespace tlm4ml_test;
using sc_dt::sc_fix;
using sc_dt::sc_fxval;
using sc_dt::sc_ufix;

namespace {

Precision P(const char* t) { return Precision::parse(t); }

sc_fxval assign(const Precision& p, const sc_fxval& v) {
    if (p.is_signed) {
        sc_fix t(p.width, p.integer, sc_q(p.quant), sc_o(p.overflow), p.sat_bits);
        t = v;
        return sc_fxval(t);
    }
    sc_ufix t(p.width, p.integer, sc_q(p.quant), sc_o(p.overflow), p.sat_bits);
    t = v;
    return sc_fxval(t);
}
sc_fxval value_of(const Precision& p, int64_t raw) {
    const sc_fxval v(static_cast<sc_dt::int64>(raw));
    const int f = p.width - p.integer;
    return f >= 0 ? (v >> f) : (v << -f);
}
int64_t raw_of(const Precision& p, const sc_fxval& v) {
    const int f = p.width - p.integer;
    const sc_fxval c = assign(p, v);
    return (f >= 0 ? (c << f) : (c >> -f)).to_int64();
}

// hls4ml's pooling2d_cl (pooling1d_cl is the same with height 1), as written in nnet_pooling.h.
std::vector<int64_t> hls4ml_pooling_cl(const PoolingConfig& c, size_t out_height, size_t out_width,
                                       const std::vector<int64_t>& data) {
    const int full_padded_width = static_cast<int>(c.in_width + c.pad_left + c.pad_right);
    const int full_padded_height = static_cast<int>(c.in_height + c.pad_top + c.pad_bottom);
    const int pool_h = static_cast<int>(c.pool_height), pool_w = static_cast<int>(c.pool_width);
    const int stride_h = static_cast<int>(c.stride_height), stride_w = static_cast<int>(c.stride_width);
    const int restricted_padded_width = (full_padded_width - pool_w) / stride_w * stride_w + 1;
    const int restricted_padded_height = (full_padded_height - pool_h) / stride_h * stride_h + 1;
    const int pad_top = static_cast<int>(c.pad_top), pad_left = static_cast<int>(c.pad_left);
    const int in_h = static_cast<int>(c.in_height), in_w = static_cast<int>(c.in_width);
    // pad_val<T, Max>: T x = 0; x[x.width - 1] = 1.  pad_val<T, Average>: 0.
    sc_fxval pad_max;
    if (c.data_t.is_signed) {
        sc_fix t(c.data_t.width, c.data_t.integer);
        t = 0;
        t[c.data_t.width - 1] = 1;
        pad_max = sc_fxval(t);
    } else {
        sc_ufix t(c.data_t.width, c.data_t.integer);
        t = 0;
        t[c.data_t.width - 1] = 1;
        pad_max = sc_fxval(t);
    }
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
                            pool[static_cast<size_t>(kk * pool_w + ll)] = value_of(c.data_t, data[data_idx]);
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
                    acc = assign(c.accum_t, y);
                } else {
                    // avg<T, N, accum_t>: accum_t y = 0; y += x[i]; y /= length (ap_fixed: toward zero).
                    sc_fxval y = assign(c.accum_t, sc_fxval(0));
                    for (const auto& x : pool) y = assign(c.accum_t, y + x);
                    Precision toward_zero = c.accum_t;
                    toward_zero.quant = QuantMode::TRN_ZERO;
                    toward_zero.overflow = OverflowMode::WRAP;
                    acc = assign(toward_zero, y / sc_fxval(static_cast<int>(patch_size)));
                }
                const size_t idx = static_cast<size_t>(ii / stride_h) * out_width * c.n_filt +
                                   static_cast<size_t>(jj / stride_w) * c.n_filt + ff;
                EXPECT_LT(idx, res.size());
                if (idx < res.size()) res[idx] = raw_of(c.result_t, acc);
            }
        }
    }
    return res;
}

// Keras' output size for a pooling layer ('valid': floor((in - pool) / stride) + 1, 'same': ceil(in / stride)),
// what hls4ml's config takes as out_height / out_width.
size_t keras_out(const std::string& padding, size_t in, size_t pool, size_t stride) {
    return padding == "same" ? (in + stride - 1) / stride : (in - pool) / stride + 1;
}

struct Case {
    PoolOp op;
    bool one_d;
    size_t h, w, nf, ph, pw, sh, sw;
    const char* padding;
    bool count_pad;
    const char *data, *accum, *result;
};

void check(const Case& k, unsigned seed) {
    PoolingConfig c;
    c.pool_op = k.op;
    c.one_d = k.one_d;
    c.in_height = k.h;
    c.in_width = k.w;
    c.n_filt = k.nf;
    c.pool_height = k.ph;
    c.pool_width = k.pw;
    c.stride_height = k.sh;
    c.stride_width = k.sw;
    c.count_pad = k.count_pad;
    ASSERT_TRUE(keras_padding(k.padding, k.h, k.ph, k.sh, c.pad_top, c.pad_bottom));
    ASSERT_TRUE(keras_padding(k.padding, k.w, k.pw, k.sw, c.pad_left, c.pad_right));
    c.data_t = P(k.data);
    c.accum_t = P(k.accum);
    c.result_t = P(k.result);
    const PoolingLayer layer("pool", c);
    const size_t oh = keras_out(k.padding, k.h, k.ph, k.sh), ow = keras_out(k.padding, k.w, k.pw, k.sw);
    ASSERT_EQ(layer.n_out(), oh * ow * k.nf);
    std::cout << "seed " << seed << "\n";
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<int64_t> d(c.data_t.min_raw(), c.data_t.max_raw());
    for (int s = 0; s < 25; ++s) {
        std::vector<int64_t> x(k.h * k.w * k.nf);
        for (auto& v : x) v = d(rng);
        const std::vector<int64_t> want = hls4ml_pooling_cl(c, oh, ow, x);
        for (size_t i = 0; i < want.size(); ++i) ASSERT_NE(want[i], INT64_MIN) << "hls4ml writes no output " << i;
        ASSERT_EQ(layer.compute(x), want) << "sample " << s;
    }
}

TEST(PoolingStride, MaxOverlappingWindowsPool3Stride2) {
    check({PoolOp::Max, false, 7, 9, 2, 3, 3, 2, 2, "valid", false, "ap_fixed<8,3>", "ap_fixed<10,4>",
           "ap_fixed<8,3>"},
          101);
}

TEST(PoolingStride, MaxWindowsWithGapsPool2Stride3) {
    check({PoolOp::Max, false, 8, 8, 3, 2, 2, 3, 3, "valid", false, "ap_fixed<8,3>", "ap_fixed<8,3>",
           "ap_fixed<6,2,AP_RND,AP_SAT>"},
          102);
}

TEST(PoolingStride, MaxSamePaddingAsymmetricPoolAndStride) {
    check({PoolOp::Max, false, 6, 7, 2, 3, 2, 2, 3, "same", false, "ap_fixed<9,4>", "ap_fixed<9,4>",
           "ap_fixed<9,4>"},
          103);
}

TEST(PoolingStride, AverageOverlappingSameCountsRealCellsOrThePool) {
    for (bool count_pad : {false, true}) {
        SCOPED_TRACE(count_pad ? "count_pad" : "real cells");
        check({PoolOp::Average, false, 7, 6, 2, 3, 3, 2, 2, "same", count_pad, "ap_fixed<12,4>", "ap_fixed<14,6>",
               "ap_fixed<16,6>"},
              104);
    }
}

TEST(PoolingStride, AverageGapsAndNarrowAccumulator1D) {
    check({PoolOp::Average, true, 1, 11, 3, 1, 2, 1, 3, "valid", false, "ap_fixed<16,6>", "ap_fixed<10,3>",
           "ap_fixed<16,6>"},
          105);
    check({PoolOp::Max, true, 1, 10, 2, 1, 4, 1, 3, "same", false, "ap_ufixed<6,2>", "ap_fixed<16,6>",
           "ap_fixed<16,6>"},
          106);
}

TEST(PoolingStride, WindowIsThePoolSizeNotTheStride) {
    // 2-D, one row, pool 1x3, stride 1x2, valid: windows {1,2,9} and {9,3,4} give 9 and 9; windows the size of
    // the stride ({1,2}, {9,3}: hls4ml <= v1.1.0's pooling2d_cl) would give 2 and 9.
    PoolingConfig c;
    c.in_width = 5;
    c.n_filt = 1;
    c.pool_width = 3;
    c.stride_width = 2;
    c.data_t = c.accum_t = c.result_t = P("ap_fixed<8,8>");
    const PoolingLayer layer("pool", c);
    const std::vector<int64_t> x = {1, 2, 9, 3, 4};
    EXPECT_EQ(layer.compute(x), (std::vector<int64_t>{9, 9}));
    EXPECT_EQ(hls4ml_pooling_cl(c, 1, 2, x), (std::vector<int64_t>{9, 9}));
}

}  // namespace
