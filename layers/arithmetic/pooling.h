// Max / average pooling (1-D, 2-D, global) as hls4ml's io_parallel pooling{1,2}d_cl and
// global_pooling{1,2}d_cl (nnet_pooling.h, HLS4ML_SEMANTICS.md §7):
//   * max: the largest window value (a padded cell holds pad_val: the type's MSB set, i.e. the most
//     negative code of a signed type), converted to accum_t and then to result_t;
//   * average: accum_t y = 0; y += x for every cell (each sum re-stored in accum_t, padded cells add 0);
//     y /= count, the quotient truncated toward zero at accum_t's LSB (ap_fixed division); count is the
//     pool area with count_pad, else the number of real cells; then accum_t -> result_t.
// Tensors are channels-last. The window is the pool size, stepped by the stride, as pooling2d_cl /
// pooling1d_cl do since hls4ml PR #1335 (df6101770, in v1.2.0 and the reference commit ef92ebdf2fc6; up to
// v1.1.0 hls4ml sized the 2-D window by the stride, and in 1-D and 2-D stepped over full_padded / stride * stride
// positions, more than the outputs when pool size > stride): tests/test_pooling_stride.cpp follows those loops.
#pragma once

#include "layers/arithmetic/layer.h"
#include "rtl_models/quantize.h"

namespace tlm4ml {

enum class PoolOp { Max, Average };

// Names as in hls4ml's pooling2d_config; 1-D pooling has in_height = pool_height = stride_height = 1;
// global pooling pools the whole image (pool = stride = input size, output one value per channel).
struct PoolingConfig {
    PoolOp pool_op = PoolOp::Max;
    bool one_d = false;
    bool global = false;
    size_t in_height = 1;
    size_t in_width = 0;
    size_t n_filt = 0;  // channels
    size_t pool_height = 1;
    size_t pool_width = 0;
    size_t stride_height = 1;
    size_t stride_width = 0;
    size_t pad_top = 0;
    size_t pad_bottom = 0;
    size_t pad_left = 0;
    size_t pad_right = 0;
    bool count_pad = false;
    int reuse_factor = 1;
    Precision data_t;
    Precision accum_t;
    Precision result_t;

    size_t out_height() const { return (in_height + pad_top + pad_bottom - pool_height) / stride_height + 1; }
    size_t out_width() const { return (in_width + pad_left + pad_right - pool_width) / stride_width + 1; }
};

class PoolingLayer : public Layer {
public:
    PoolingLayer(std::string name, PoolingConfig cfg);
    using Layer::compute;
    void compute(const int64_t* in, int64_t* out) const override;
    // One output pixel (y, x) of the whole input image `in`: n_filt values into out. compute() is this for
    // every pixel; the io_stream line buffer calls it per window.
    void compute_pixel(const int64_t* in, size_t y, size_t x, int64_t* out) const;
    // One output pixel from its window read in place (no padding): row py of the window, pool_width pixels
    // of n_filt values, starts at rows[py]; the io_stream line buffer calls this per window. The int32 form
    // (raw codes of data_t narrowed) needs reads_int32(): data_t within 32 bits.
    bool reads_int32() const { return cfg_.data_t.width <= 32; }
    void compute_window(const int32_t* const* rows, int64_t* out) const;
    void compute_window(const int64_t* const* rows, int64_t* out) const;
    std::string precision_summary() const override;
    LayerCostInputs cost_inputs() const override;
    const PoolingConfig& config() const { return cfg_; }

private:
    template <class T>
    void window_of(const T* const* rows, int64_t* out) const;
    PoolingConfig cfg_;
    int64_t pad_max_ = 0;  // pad_val<data_T, Max>()
    Requantizer data_to_accum_;    // max: the window's largest value into accum_t
    Requantizer sum_to_accum_;     // average: each partial sum re-stored in accum_t
    Requantizer accum_to_result_;
    int sum_frac_ = 0;
};

}  // namespace tlm4ml
