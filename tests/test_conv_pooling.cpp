// Conv1D / Conv2D, pooling and zero padding (layers/arithmetic/conv, pooling, zero_padding) against
// independent SystemC fixed-point oracles written from ../shared/HLS4ML_SEMANTICS.md §7 and hls4ml's
// nnet_conv2d_latency.h / nnet_pooling.h: every cast is an assignment to an sc_fix / sc_ufix, products and
// sums are exact sc_fxval arithmetic; the oracle path never calls tlm4ml's quantize / Requantizer /
// fixed_math. Plus the model-file rules for these layers (one test per error) and the shape chain.
#include <gtest/gtest.h>

#include <systemc>

#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "layers/arithmetic/conv.h"
#include "models/model.h"
#include "layers/arithmetic/pooling.h"
#include "layers/arithmetic/zero_padding.h"
#include "tests/support/pooling_oracle.h"
#include "tests/support/seeded_rng.h"
#include "tests/support/test_support.h"

using namespace tlm4ml;
using namespace tlm4ml_test;
using nlohmann::json;
using sc_dt::sc_fxval;

namespace {

Precision P(const char* t) { return Precision::parse(t); }

std::vector<int64_t> random_raw(std::mt19937_64& rng, const Precision& p, size_t n) {
    std::uniform_int_distribution<int64_t> d(p.min_raw(), p.max_raw());
    std::vector<int64_t> v(n);
    for (auto& x : v) x = d(rng);
    return v;
}

// ---- Conv oracle: im2col + dense_latency, written out ---------------------------------------------------

std::vector<int64_t> conv_oracle(const ConvConfig& c, const std::vector<int64_t>& in) {
    const Fx data{c.data_t}, w{c.weight_t}, b{c.bias_t}, acc_t{c.accum_t}, res{c.result_t};
    const long ph = static_cast<long>(c.in_height + c.pad_top + c.pad_bottom);
    const long pw = static_cast<long>(c.in_width + c.pad_left + c.pad_right);
    const long oh = (ph - static_cast<long>(c.filt_height)) / static_cast<long>(c.stride_height) + 1;
    const long ow = (pw - static_cast<long>(c.filt_width)) / static_cast<long>(c.stride_width) + 1;
    std::vector<int64_t> out;
    for (long y = 0; y < oh; ++y)
        for (long x = 0; x < ow; ++x)
            for (size_t f = 0; f < c.n_filt; ++f) {
                sc_fxval acc = acc_t.cast(b.value(c.biases[f]));
                for (size_t ky = 0; ky < c.filt_height; ++ky)
                    for (size_t kx = 0; kx < c.filt_width; ++kx)
                        for (size_t ch = 0; ch < c.n_chan; ++ch) {
                            const long iy = y * static_cast<long>(c.stride_height) + static_cast<long>(ky) -
                                            static_cast<long>(c.pad_top);
                            const long ix = x * static_cast<long>(c.stride_width) + static_cast<long>(kx) -
                                            static_cast<long>(c.pad_left);
                            sc_fxval xv(0);
                            if (iy >= 0 && ix >= 0 && iy < static_cast<long>(c.in_height) &&
                                ix < static_cast<long>(c.in_width))
                                xv = data.value(in[(static_cast<size_t>(iy) * c.in_width + static_cast<size_t>(ix)) *
                                                       c.n_chan + ch]);
                            const sc_fxval wv =
                                w.value(c.weights[((ky * c.filt_width + kx) * c.n_chan + ch) * c.n_filt + f]);
                            const sc_fxval mult = acc_t.cast(xv * wv);  // product -> accum_t
                            acc = acc_t.cast(acc + mult);               // each partial sum re-stored
                        }
                out.push_back(res.raw(acc));
            }
    return out;
}

ConvConfig make_conv(std::mt19937_64& rng, bool one_d, size_t h, size_t w, size_t ch, size_t kh, size_t kw, size_t nf,
                     size_t sh, size_t sw, const std::string& padding, const char* data, const char* weight,
                     const char* accum, const char* result) {
    ConvConfig c;
    c.one_d = one_d;
    c.in_height = h;
    c.in_width = w;
    c.n_chan = ch;
    c.filt_height = kh;
    c.filt_width = kw;
    c.n_filt = nf;
    c.stride_height = sh;
    c.stride_width = sw;
    EXPECT_TRUE(keras_padding(padding, h, kh, sh, c.pad_top, c.pad_bottom));
    EXPECT_TRUE(keras_padding(padding, w, kw, sw, c.pad_left, c.pad_right));
    c.data_t = P(data);
    c.weight_t = P(weight);
    c.bias_t = P(weight);
    c.accum_t = P(accum);
    c.result_t = P(result);
    c.weights = random_raw(rng, c.weight_t, kh * kw * ch * nf);
    c.biases = random_raw(rng, c.bias_t, nf);
    return c;
}

void check_conv(const ConvConfig& cfg, std::mt19937_64& rng, int samples = 20) {
    const ConvLayer layer("conv", cfg);
    for (int s = 0; s < samples; ++s) {
        const auto x = random_raw(rng, cfg.data_t, cfg.in_height * cfg.in_width * cfg.n_chan);
        ASSERT_EQ(layer.compute(x), conv_oracle(cfg, x)) << "sample " << s;
    }
}

TEST(KerasPadding, SameSplitsFloorBeforeRemainderAfter) {
    size_t a = 0, b = 0;
    ASSERT_TRUE(keras_padding("same", 10, 4, 1, a, b));  // total 3
    EXPECT_EQ(a, 1u);
    EXPECT_EQ(b, 2u);
    ASSERT_TRUE(keras_padding("same", 25, 3, 3, a, b));  // out 9, total 2
    EXPECT_EQ(a, 1u);
    EXPECT_EQ(b, 1u);
    ASSERT_TRUE(keras_padding("same", 9, 5, 2, a, b));   // out 5, total 4
    EXPECT_EQ(a, 2u);
    EXPECT_EQ(b, 2u);
    EXPECT_FALSE(keras_padding("valid", 2, 3, 1, a, b));
}

TEST(ConvOracle, Conv2DValidStride1) {
    std::mt19937_64 rng(11);
    check_conv(make_conv(rng, false, 6, 5, 2, 3, 3, 4, 1, 1, "valid", "ap_fixed<16,6>", "ap_fixed<16,6>",
                         "ap_fixed<16,6>", "ap_fixed<16,6>"),
               rng);
}

TEST(ConvOracle, Conv2DSameKernel4Stride2) {
    std::mt19937_64 rng(12);
    check_conv(make_conv(rng, false, 7, 6, 3, 4, 4, 3, 2, 2, "same", "ap_fixed<12,4>", "ap_fixed<8,2>",
                         "ap_fixed<18,8>", "ap_fixed<10,4,AP_RND,AP_SAT>"),
               rng);
}

TEST(ConvOracle, Conv2DAsymmetricStridesAndKernel) {
    std::mt19937_64 rng(13);
    check_conv(make_conv(rng, false, 9, 8, 1, 3, 2, 2, 3, 2, "same", "ap_ufixed<8,3>", "ap_fixed<6,1>",
                         "ap_fixed<16,6>", "ap_fixed<16,6>"),
               rng);
}

TEST(ConvOracle, AccumulatorWrapsPerProductAndPerSum) {
    // accum_t <8,3>: products and partial sums of full-range <16,6> values wrap constantly.
    std::mt19937_64 rng(14);
    check_conv(make_conv(rng, false, 5, 5, 2, 3, 3, 2, 1, 1, "same", "ap_fixed<16,6>", "ap_fixed<16,6>",
                         "ap_fixed<8,3>", "ap_fixed<16,6>"),
               rng);
}

TEST(ConvOracle, SaturatingAccumulatorAddsInWindowOrder) {
    std::mt19937_64 rng(15);
    check_conv(make_conv(rng, false, 5, 4, 2, 2, 2, 2, 1, 1, "valid", "ap_fixed<16,6>", "ap_fixed<16,6>",
                         "ap_fixed<10,4,AP_TRN,AP_SAT>", "ap_fixed<16,6>"),
               rng);
}

TEST(ConvOracle, Conv1DSameAndValidWithStride) {
    std::mt19937_64 rng(16);
    check_conv(make_conv(rng, true, 1, 10, 4, 1, 4, 3, 1, 1, "same", "ap_fixed<16,6>", "ap_fixed<16,6>",
                         "ap_fixed<16,6>", "ap_fixed<16,6>"),
               rng);
    check_conv(make_conv(rng, true, 1, 11, 3, 1, 3, 2, 1, 2, "valid", "ap_fixed<16,6>", "ap_fixed<8,3>",
                         "ap_fixed<12,5>", "ap_fixed<16,6>"),
               rng);
}

TEST(ConvOracle, ShapesAndParallelizationFactor) {
    std::mt19937_64 rng(17);
    ConvConfig c = make_conv(rng, false, 8, 8, 1, 3, 3, 2, 1, 1, "same", "ap_fixed<16,6>", "ap_fixed<16,6>",
                             "ap_fixed<16,6>", "ap_fixed<16,6>");
    c.parallelization_factor = 3;  // 64 pixels: not a divisor
    EXPECT_THROW(ConvLayer("c", c), std::invalid_argument);
    c.parallelization_factor = 4;
    c.reuse_factor = 2;
    const ConvLayer l("c", c);
    EXPECT_EQ(l.n_out(), 128u);
    const LayerTiming t = layer_cost(l.cost_inputs(), DeviceProfile::vitis_default(), 5.0);
    EXPECT_EQ(t.ii, 16 * 2);  // n_partitions * RF
    EXPECT_EQ(t.multipliers, 9u * 2u * 4u / 2u);
}

// ---- Windows read in place (the io_stream line buffer's path) -------------------------------------------
// compute_window() with each window row copied into a vector of its own (a line buffer keeps its rows in a
// ring, in no particular order), on int64 rows and, where the layer reads int32, on int32 rows, against the
// oracle; compute() (the int32 kernel over a narrowed copy of the image) too. Unpadded layers only: the line
// buffer never sees padding (models/passes/conv_same_pad.h makes it an explicit layer).

template <class T>
std::vector<const T*> window_rows(const std::vector<int64_t>& image, size_t width, size_t n_chan, size_t y0,
                                  size_t x0, size_t height, size_t cells, std::vector<std::vector<T>>& store) {
    store.assign(height, {});
    std::vector<const T*> rows;
    for (size_t r = 0; r < height; ++r) {
        const int64_t* src = image.data() + ((y0 + r) * width + x0) * n_chan;
        store[r].assign(src, src + cells * n_chan);
        rows.push_back(store[r].data());
    }
    return rows;
}

// Where a layer's windows lie in its input image and output.
struct WindowGeometry {
    size_t in_width, n_chan, n_out, out_height, out_width, stride_height, stride_width, height, width;
};

// Every output pixel of `want` equals the layer's compute_window on that window read in place: from int64 rows
// and, when int32_rows, from int32 rows.
template <class Layer>
void check_each_window(const Layer& layer, const std::vector<int64_t>& x, const std::vector<int64_t>& want,
                       const WindowGeometry& g, bool int32_rows, int sample) {
    for (size_t y = 0; y < g.out_height; ++y)
        for (size_t px = 0; px < g.out_width; ++px) {
            SCOPED_TRACE("sample " + std::to_string(sample) + " pixel (" + std::to_string(y) + ", " +
                         std::to_string(px) + ")");
            const size_t at = (y * g.out_width + px) * g.n_out;
            const std::vector<int64_t> pixel(want.begin() + static_cast<std::ptrdiff_t>(at),
                                             want.begin() + static_cast<std::ptrdiff_t>(at + g.n_out));
            std::vector<std::vector<int64_t>> store64;
            const auto rows64 = window_rows(x, g.in_width, g.n_chan, y * g.stride_height, px * g.stride_width,
                                            g.height, g.width, store64);
            std::vector<int64_t> out(g.n_out);
            layer.compute_window(rows64.data(), out.data());
            ASSERT_EQ(out, pixel) << "int64 rows";
            if (!int32_rows) continue;
            std::vector<std::vector<int32_t>> store32;
            const auto rows32 = window_rows(x, g.in_width, g.n_chan, y * g.stride_height, px * g.stride_width,
                                            g.height, g.width, store32);
            std::fill(out.begin(), out.end(), -1);
            layer.compute_window(rows32.data(), out.data());
            ASSERT_EQ(out, pixel) << "int32 rows";
        }
}

void check_conv_windows(const ConvConfig& cfg, std::mt19937_64& rng, bool int32_expected) {
    const ConvLayer layer("conv", cfg);
    ASSERT_EQ(layer.reads_int32(), int32_expected);
    const size_t oh = cfg.out_height(), ow = cfg.out_width(), nf = cfg.n_filt;
    for (int s = 0; s < 4; ++s) {
        const auto x = random_raw(rng, cfg.data_t, cfg.in_height * cfg.in_width * cfg.n_chan);
        const std::vector<int64_t> want = conv_oracle(cfg, x);
        ASSERT_EQ(layer.compute(x), want) << "compute(), sample " << s;
        check_each_window(layer, x, want, {cfg.in_width, cfg.n_chan, nf, oh, ow, cfg.stride_height,
                                           cfg.stride_width, cfg.filt_height, cfg.filt_width}, int32_expected, s);
    }
}

TEST(ConvWindows, Int32KernelOverBlocksOfEightOutputs) {
    struct Case {
        bool one_d;
        size_t h, w, ch, kh, kw, nf, sh, sw;
        const char *data, *weight, *accum, *result;
    };
    const Case cases[] = {
        // 13 outputs: two blocks, the second partly padding; 16-bit weights (int16 lanes).
        {false, 5, 6, 3, 3, 3, 13, 1, 1, "ap_fixed<16,6>", "ap_fixed<16,6>", "ap_fixed<16,6>", "ap_fixed<16,6>"},
        // 40 outputs (a pass of four blocks, then one), stride 2; accum_t finer than the product (left shift) and
        // a rounding, saturating result.
        {false, 6, 7, 2, 2, 2, 40, 2, 2, "ap_fixed<12,4>", "ap_fixed<8,3>", "ap_fixed<32,12>",
         "ap_fixed<16,6,AP_RND,AP_SAT>"},
        // 20-bit weights (int32 lanes), 24 outputs (three blocks), an unsigned result.
        {false, 4, 5, 4, 3, 2, 24, 1, 1, "ap_fixed<10,2>", "ap_fixed<20,8>", "ap_fixed<32,12>", "ap_ufixed<12,4>"},
        // accum_t wrapping on every product and sum; a Conv1D (one row per window).
        {false, 4, 4, 3, 3, 3, 8, 1, 1, "ap_fixed<16,6>", "ap_fixed<16,6>", "ap_fixed<8,3>", "ap_fixed<16,6>"},
        {true, 1, 9, 5, 1, 3, 9, 1, 2, "ap_ufixed<8,3>", "ap_fixed<6,1>", "ap_fixed<16,6>", "ap_fixed<16,6>"},
    };
    auto rng = seeded_rng(31);
    for (const Case& c : cases)
        check_conv_windows(make_conv(rng, c.one_d, c.h, c.w, c.ch, c.kh, c.kw, c.nf, c.sh, c.sw, "valid", c.data,
                                     c.weight, c.accum, c.result),
                           rng, true);
}

TEST(ConvWindows, GeneralKernelOnInt64Rows) {
    auto rng = seeded_rng(32);
    // A saturating accumulator is not modular: the general kernel, int64 rows only.
    const ConvConfig c = make_conv(rng, false, 5, 4, 2, 2, 2, 3, 1, 1, "valid", "ap_fixed<16,6>", "ap_fixed<16,6>",
                                   "ap_fixed<10,4,AP_TRN,AP_SAT>", "ap_fixed<16,6>");
    check_conv_windows(c, rng, false);
    const ConvLayer layer("conv", c);
    std::vector<int32_t> row(4, 0);
    const int32_t* rows[2] = {row.data(), row.data()};
    std::vector<int64_t> out(3);
    EXPECT_THROW(layer.compute_window(rows, out.data()), std::logic_error);
}

// ---- Pooling: hls4ml's nnet_pooling.h loops (tests/support/pooling_oracle.h) ----------------------------

// hls4ml's pooling loops (tests/support/pooling_oracle.h) at the output size hls4ml's config gives; a global
// pooling is one window over the whole input.
std::vector<int64_t> pool_oracle(const PoolingConfig& c0, const std::vector<int64_t>& in) {
    PoolingConfig c = c0;
    if (c.global) {
        c.pool_height = c.stride_height = c.in_height;
        c.pool_width = c.stride_width = c.in_width;
    }
    const size_t oh = (c.in_height + c.pad_top + c.pad_bottom - c.pool_height) / c.stride_height + 1;
    const size_t ow = (c.in_width + c.pad_left + c.pad_right - c.pool_width) / c.stride_width + 1;
    return hls4ml_pooling_cl(c, oh, ow, in);
}

PoolingConfig make_pool(PoolOp op, bool one_d, size_t h, size_t w, size_t nf, size_t ph, size_t pw,
                        const std::string& padding, const char* data, const char* accum, const char* result) {
    PoolingConfig c;
    c.pool_op = op;
    c.one_d = one_d;
    c.in_height = h;
    c.in_width = w;
    c.n_filt = nf;
    c.pool_height = c.stride_height = ph;
    c.pool_width = c.stride_width = pw;
    EXPECT_TRUE(keras_padding(padding, h, ph, ph, c.pad_top, c.pad_bottom));
    EXPECT_TRUE(keras_padding(padding, w, pw, pw, c.pad_left, c.pad_right));
    c.data_t = P(data);
    c.accum_t = P(accum);
    c.result_t = P(result);
    return c;
}

void check_pool(const PoolingConfig& cfg, std::mt19937_64& rng, int samples = 30) {
    const PoolingLayer layer("pool", cfg);
    for (int s = 0; s < samples; ++s) {
        const auto x = random_raw(rng, cfg.data_t, cfg.in_height * cfg.in_width * cfg.n_filt);
        ASSERT_EQ(layer.compute(x), pool_oracle(cfg, x)) << "sample " << s;
    }
}

TEST(PoolingOracle, MaxValid2x2) {
    std::mt19937_64 rng(21);
    check_pool(make_pool(PoolOp::Max, false, 6, 6, 3, 2, 2, "valid", "ap_fixed<7,1,AP_RND,AP_SAT>", "ap_fixed<16,6>",
                         "ap_fixed<16,6>"),
               rng);
}

TEST(PoolingOracle, MaxSamePaddedCellsAreMostNegative) {
    std::mt19937_64 rng(22);
    check_pool(make_pool(PoolOp::Max, false, 5, 7, 2, 2, 3, "same", "ap_fixed<8,3>", "ap_fixed<8,3>", "ap_fixed<6,2>"),
               rng);
    // All-negative input: the padded cells must not win.
    const PoolingConfig c = make_pool(PoolOp::Max, true, 1, 3, 1, 1, 2, "same", "ap_fixed<8,3>", "ap_fixed<8,3>",
                                      "ap_fixed<8,3>");
    const PoolingLayer l("p", c);
    EXPECT_EQ(l.compute(std::vector<int64_t>{-5, -7, -9}), (std::vector<int64_t>{-5, -9}));
}

TEST(PoolingOracle, MaxUnsignedPadValueIsTheMsb) {
    // hls4ml's pad_val sets the MSB: for an unsigned type that is 2^(W-1), not 0 (reproduced as is).
    std::mt19937_64 rng(23);
    check_pool(make_pool(PoolOp::Max, false, 3, 3, 1, 2, 2, "same", "ap_ufixed<6,2>", "ap_fixed<16,6>",
                         "ap_fixed<16,6>"),
               rng);
}

TEST(PoolingOracle, AverageTruncatesTowardZero) {
    // (-3 LSB) / 2 -> -1 LSB (ap_fixed), where flooring would give -2.
    PoolingConfig c = make_pool(PoolOp::Average, true, 1, 2, 1, 1, 2, "valid", "ap_fixed<16,6>", "ap_fixed<16,6>",
                                "ap_fixed<16,6>");
    const PoolingLayer l("p", c);
    EXPECT_EQ(l.compute(std::vector<int64_t>{-1, -2}), (std::vector<int64_t>{-1}));
    EXPECT_EQ(pool_oracle(c, {-1, -2}), (std::vector<int64_t>{-1}));
    std::mt19937_64 rng(24);
    check_pool(make_pool(PoolOp::Average, false, 6, 6, 2, 3, 3, "valid", "ap_fixed<16,6>", "ap_fixed<16,6>",
                         "ap_fixed<10,3,AP_RND,AP_SAT>"),
               rng);
}

TEST(PoolingOracle, AverageSamePaddingCountsRealCellsOrPool) {
    std::mt19937_64 rng(25);
    PoolingConfig c = make_pool(PoolOp::Average, false, 5, 5, 2, 2, 2, "same", "ap_fixed<12,4>", "ap_fixed<14,6>",
                                "ap_fixed<16,6>");
    check_pool(c, rng);
    c.count_pad = true;
    check_pool(c, rng);
}

TEST(PoolingOracle, AverageNarrowAccumulatorWraps) {
    std::mt19937_64 rng(26);
    check_pool(make_pool(PoolOp::Average, false, 4, 4, 1, 2, 2, "valid", "ap_fixed<16,6>", "ap_fixed<10,3>",
                         "ap_fixed<16,6>"),
               rng);
}

TEST(PoolingOracle, GlobalMaxAndAverage1DAnd2D) {
    std::mt19937_64 rng(27);
    for (PoolOp op : {PoolOp::Max, PoolOp::Average})
        for (bool one_d : {true, false}) {
            PoolingConfig c;
            c.pool_op = op;
            c.one_d = one_d;
            c.global = true;
            c.in_height = one_d ? 1 : 4;
            c.in_width = 5;
            c.n_filt = 3;
            c.data_t = P("ap_fixed<16,6>");
            c.accum_t = P("ap_fixed<18,8>");
            c.result_t = P("ap_fixed<16,6>");
            const PoolingLayer l("g", c);
            EXPECT_EQ(l.n_out(), 3u);
            check_pool(c, rng, 10);
        }
}

// compute_window() on rows kept apart, int64 and (data within 32 bits) int32, against the oracle.
void check_pool_windows(const PoolingConfig& cfg, std::mt19937_64& rng, bool int32_expected) {
    const PoolingLayer layer("pool", cfg);
    ASSERT_EQ(layer.reads_int32(), int32_expected);
    const size_t oh = cfg.out_height(), ow = cfg.out_width(), nf = cfg.n_filt;
    for (int s = 0; s < 10; ++s) {
        const auto x = random_raw(rng, cfg.data_t, cfg.in_height * cfg.in_width * nf);
        const std::vector<int64_t> want = pool_oracle(cfg, x);
        check_each_window(layer, x, want, {cfg.in_width, nf, nf, oh, ow, cfg.stride_height, cfg.stride_width,
                                           cfg.pool_height, cfg.pool_width}, int32_expected, s);
    }
}

TEST(PoolingWindows, MaxAndAverageOnRowsInPlace) {
    struct Case {
        PoolOp op;
        bool one_d;
        size_t h, w, nf, ph, pw;
        const char *data, *accum, *result;
        bool int32_rows;  // data that fits 32 bits is also read from int32 rows
    };
    const Case cases[] = {
        {PoolOp::Max, false, 6, 8, 16, 2, 2, "ap_fixed<16,6>", "ap_fixed<16,6>", "ap_fixed<16,6>", true},
        // The max converted into a narrower accum_t and a rounding, saturating result; 3x2 windows.
        {PoolOp::Max, false, 6, 6, 3, 3, 2, "ap_fixed<12,4>", "ap_fixed<8,3>", "ap_fixed<6,2,AP_RND,AP_SAT>", true},
        {PoolOp::Max, true, 1, 9, 5, 1, 3, "ap_ufixed<8,3>", "ap_fixed<16,6>", "ap_fixed<16,6>", true},
        {PoolOp::Average, false, 6, 6, 2, 3, 3, "ap_fixed<16,6>", "ap_fixed<16,6>", "ap_fixed<10,3,AP_RND,AP_SAT>", true},
        {PoolOp::Average, false, 4, 4, 3, 2, 2, "ap_fixed<16,6>", "ap_fixed<10,3>", "ap_fixed<16,6>", true},
        // Data wider than 32 bits: int64 rows only.
        {PoolOp::Max, false, 4, 4, 2, 2, 2, "ap_fixed<40,12>", "ap_fixed<40,12>", "ap_fixed<16,6>", false},
    };
    auto rng = seeded_rng(33);
    for (const Case& c : cases)
        check_pool_windows(make_pool(c.op, c.one_d, c.h, c.w, c.nf, c.ph, c.pw, "valid", c.data, c.accum, c.result),
                           rng, c.int32_rows);
}

TEST(ZeroPadding, Pads1DAnd2DWithZeros) {
    ZeroPaddingConfig c;
    c.one_d = true;
    c.in_width = 2;
    c.n_chan = 2;
    c.pad_left = 1;
    c.pad_right = 2;
    c.data_t = P("ap_fixed<8,3>");
    EXPECT_EQ(ZeroPaddingLayer("z", c).compute(std::vector<int64_t>{1, 2, 3, 4}),
              (std::vector<int64_t>{0, 0, 1, 2, 3, 4, 0, 0, 0, 0}));
    ZeroPaddingConfig d;
    d.in_height = 2;
    d.in_width = 2;
    d.n_chan = 1;
    d.pad_top = 1;
    d.pad_bottom = 0;
    d.pad_left = 0;
    d.pad_right = 1;
    d.data_t = P("ap_fixed<8,3>");
    EXPECT_EQ(ZeroPaddingLayer("z", d).compute(std::vector<int64_t>{1, 2, 3, 4}),
              (std::vector<int64_t>{0, 0, 0, 1, 2, 0, 3, 4, 0}));
}

// ---- the model file ------------------------------------------------------------------------------------

json conv_layer(size_t kh, size_t kw, size_t c, size_t f) {
    json k = json::array();
    for (size_t a = 0; a < kh; ++a) {
        json r = json::array();
        for (size_t b = 0; b < kw; ++b) {
            json ch = json::array();
            for (size_t i = 0; i < c; ++i) ch.push_back(std::vector<double>(f, 0.25));
            r.push_back(ch);
        }
        k.push_back(r);
    }
    return {{"name", "c1"}, {"class", "Conv2D"}, {"filters", f}, {"kernel_size", {kh, kw}}, {"kernel", k},
            {"bias", std::vector<double>(f, 0.5)}};
}

json model_with(const std::vector<size_t>& shape, const std::vector<json>& layers) {
    json m = json::object();
    m["input"] = {{"shape", shape}};
    m["layers"] = json::array();
    for (const auto& l : layers) m["layers"].push_back(l);
    return m;
}

std::string load_error(const json& m) {
    try {
        load_model_json(m, "m.json", ".");
    } catch (const ModelError& e) {
        return e.what();
    }
    return "(no error)";
}

TEST(ConvModelFile, ShapesChainThroughPoolingAndFlatten) {
    json c = conv_layer(3, 3, 1, 4);
    c["padding"] = "same";
    c["activation"] = "relu";
    const json m = model_with({8, 8, 1}, {c,
                                          {{"name", "p"}, {"class", "MaxPooling2D"}, {"pool_size", 2}},
                                          {{"name", "z"}, {"class", "ZeroPadding2D"}, {"padding", {{1, 0}, {0, 1}}}},
                                          {{"name", "a"}, {"class", "AveragePooling2D"}, {"pool_size", {5, 5}}},
                                          {{"name", "f"}, {"class", "Flatten"}},
                                          {{"name", "d"}, {"class", "Dense"}, {"units", 1}, {"kernel", {{1}, {1}, {1}, {1}}},
                                           {"bias", {0}}}});
    const Model mm = load_model_json(m, "m.json", ".");
    ASSERT_EQ(mm.layers.size(), 6u);
    EXPECT_EQ(mm.layers[0]->n_out(), 256u);    // [8,8,4]
    EXPECT_EQ(mm.layers[1]->name(), "c1_relu");
    EXPECT_EQ(mm.layers[2]->n_out(), 64u);     // [4,4,4]
    EXPECT_EQ(mm.layers[3]->n_out(), 100u);    // [5,5,4]
    EXPECT_EQ(mm.layers[4]->n_out(), 4u);      // [1,1,4]
    EXPECT_EQ(mm.layers[5]->n_in(), 4u);
}

TEST(ConvModelFile, GlobalPoolingGivesOneValuePerChannel) {
    const json m = model_with({6, 3}, {{{"name", "g"}, {"class", "GlobalAveragePooling1D"}}});
    EXPECT_EQ(load_model_json(m, "m.json", ".").layers[0]->n_out(), 3u);
}

TEST(ConvModelFile, WrongInputRankIsAnError) {
    const std::string e = load_error(model_with({8, 8}, {conv_layer(3, 3, 1, 2)}));
    EXPECT_NE(e.find("layers[0]: Conv2D needs an input of shape [height, width, channels]"), std::string::npos) << e;
}

TEST(ConvModelFile, KernelShapeMustMatch) {
    const std::string e = load_error(model_with({8, 8, 2}, {conv_layer(3, 3, 1, 2)}));
    EXPECT_NE(e.find("layers[0].kernel: expected shape [3, 3, 2, 2]"), std::string::npos) << e;
}

TEST(ConvModelFile, KernelLargerThanValidInput) {
    const std::string e = load_error(model_with({2, 8, 1}, {conv_layer(3, 3, 1, 2)}));
    EXPECT_NE(e.find("layers[0].kernel_size: a [3, 3] kernel does not fit"), std::string::npos) << e;
}

TEST(ConvModelFile, KernelSizeNeedsOneEntryPerAxis) {
    json c = conv_layer(3, 3, 1, 2);
    c["kernel_size"] = {3, 3, 3};
    const std::string e = load_error(model_with({8, 8, 1}, {c}));
    EXPECT_NE(e.find("layers[0].kernel_size: kernel_size: expected an integer or an array of 2 integers"),
              std::string::npos)
        << e;
}

TEST(ConvModelFile, UnknownPaddingMode) {
    json c = conv_layer(3, 3, 1, 2);
    c["padding"] = "causal";
    const std::string e = load_error(model_with({8, 8, 1}, {c}));
    EXPECT_NE(e.find("layers[0].padding: \"causal\": expected \"valid\" or \"same\""), std::string::npos) << e;
}

TEST(ConvModelFile, ParallelizationFactorMustDivideThePixels) {
    json c = conv_layer(3, 3, 1, 2);
    c["parallelization_factor"] = 5;  // 6 x 6 = 36 output pixels
    const std::string e = load_error(model_with({8, 8, 1}, {c}));
    EXPECT_NE(e.find("layers[0].parallelization_factor: 5 does not divide the 36 output pixels"), std::string::npos)
        << e;
}

TEST(ConvModelFile, InvalidReuseFactorIsReplacedWithAWarning) {
    json c = conv_layer(3, 3, 1, 2);
    c["reuse_factor"] = 7;  // kernel 9 x 2
    const Model m = load_model_json(model_with({8, 8, 1}, {c}), "m.json", ".");
    ASSERT_EQ(m.warnings.size(), 1u);
    EXPECT_NE(m.warnings[0].find("reuse_factor 7 is not valid for the 9-input, 2-output kernel"), std::string::npos)
        << m.warnings[0];
}

TEST(ConvModelFile, PoolSizeThatDoesNotFit) {
    const std::string e =
        load_error(model_with({3, 3, 1}, {{{"name", "p"}, {"class", "MaxPooling2D"}, {"pool_size", {4, 2}}}}));
    EXPECT_NE(e.find("layers[0].pool_size: a [4, 2] pool does not fit"), std::string::npos) << e;
}

TEST(ConvModelFile, CountPadMustBeABoolean) {
    const std::string e = load_error(
        model_with({4, 4, 1}, {{{"name", "p"}, {"class", "AveragePooling2D"}, {"count_pad", 1}}}));
    EXPECT_NE(e.find("layers[0].count_pad: expected true or false"), std::string::npos) << e;
}

TEST(ConvModelFile, GlobalPoolingTakesNoPoolSize) {
    const std::string e = load_error(
        model_with({4, 4, 1}, {{{"name", "p"}, {"class", "GlobalMaxPooling2D"}, {"pool_size", 2}}}));
    EXPECT_NE(e.find("layers[0].pool_size: unknown key"), std::string::npos) << e;
}

TEST(ConvModelFile, ZeroPaddingForm) {
    const std::string e = load_error(
        model_with({4, 4, 1}, {{{"name", "z"}, {"class", "ZeroPadding2D"}, {"padding", {1, 2, 3}}}}));
    EXPECT_NE(e.find("layers[0].padding: expected an integer, [height, width] or [[top, bottom], [left, right]]"),
              std::string::npos)
        << e;
}

TEST(ConvModelFile, BinaryInputsAreRefused) {
    json m = model_with({4, 4, 1}, {conv_layer(3, 3, 1, 2)});
    m["input"]["precision"] = "ap_uint<1>";
    const std::string e = load_error(m);
    EXPECT_NE(e.find("layers[0]: Conv2D on binary (XNOR, ap_uint<1>) inputs is not supported"), std::string::npos) << e;
}

}  // namespace
