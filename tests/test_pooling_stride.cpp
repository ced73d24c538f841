// io_parallel pooling with a pool size other than the stride (overlapping windows, and windows with gaps
// between them), against the sc_fixed oracle of tests/support/pooling_oracle.h, which follows hls4ml's
// pooling2d_cl / pooling1d_cl line by line as of hls4ml commit ef92ebdf2fc6, the commit of ../shared/reference:
// since hls4ml PR #1335 ("Io parallel pooling stride fix", df6101770, first released in v1.2.0) those loops
// size the window by the pool size and step it by the stride. (hls4ml up to v1.1.0 sized the 2-D window by the
// stride and looped ii, jj up to full_padded / stride * stride, more positions than outputs when pool size >
// stride; the hand-made 2-D case below tells the two apart.)
#include <gtest/gtest.h>

#include <systemc>

#include <cstdint>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "layers/arithmetic/conv.h"
#include "layers/arithmetic/pooling.h"
#include "tests/support/pooling_oracle.h"
#include "tests/support/test_support.h"

using namespace tlm4ml;
using namespace tlm4ml_test;

namespace {

Precision P(const char* t) { return Precision::parse(t); }

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
