// Conv1D / Conv2D as hls4ml's io_parallel conv_1d_cl / conv_2d_cl (HLS4ML_SEMANTICS.md §7): for every
// output pixel the filt_height x filt_width x n_chan window is copied into one row (im2col, zeros where it
// covers padding) and run through exactly the Dense arithmetic (layers/arithmetic/dense.h) with
// mult_n_in = filt_height*filt_width*n_chan and mult_n_out = n_filt. Tensors are channels-last; the
// weights keep Keras' [kh][kw][c][f] order (1-D: [k][c][f]), which is the Dense kernel's [n_in][n_out].
#pragma once

#include <vector>

#include "layers/arithmetic/dense.h"
#include "layers/arithmetic/layer.h"

namespace tlm4ml {

// Names as in hls4ml's conv2d_config; a Conv1D is a Conv2D with in_height = filt_height = 1.
struct ConvConfig {
    bool one_d = false;
    size_t in_height = 1;
    size_t in_width = 0;
    size_t n_chan = 0;
    size_t filt_height = 1;
    size_t filt_width = 0;
    size_t n_filt = 0;
    size_t stride_height = 1;
    size_t stride_width = 1;
    size_t pad_top = 0;
    size_t pad_bottom = 0;
    size_t pad_left = 0;
    size_t pad_right = 0;
    int reuse_factor = 1;
    int parallelization_factor = 1;
    Strategy strategy = Strategy::Latency;
    Precision data_t;
    Precision weight_t;
    Precision bias_t;
    Precision accum_t;
    Precision result_t;
    std::vector<int64_t> weights;  // raw in weight_t, [kh][kw][c][f]
    std::vector<int64_t> biases;   // raw in bias_t, [f]

    size_t out_height() const { return (in_height + pad_top + pad_bottom - filt_height) / stride_height + 1; }
    size_t out_width() const { return (in_width + pad_left + pad_right - filt_width) / stride_width + 1; }
    size_t mult_n_in() const { return filt_height * filt_width * n_chan; }
};

// Keras padding: 'valid' (no padding) or 'same' (out = ceil(in/stride); pad_before = floor(total/2), the
// remainder after). Returns false when the window does not fit ('valid' with in < filt).
bool keras_padding(const std::string& mode, size_t in, size_t filt, size_t stride, size_t& pad_before,
                   size_t& pad_after);

class ConvLayer : public Layer {
public:
    ConvLayer(std::string name, ConvConfig cfg);

    using Layer::compute;
    void compute(const int64_t* in, int64_t* out) const override;
    // One output pixel (y, x): its window of the whole input image `in` through the Dense kernel, n_filt
    // values into out. compute() is this for every pixel; the io_stream line buffer calls it per window.
    void compute_pixel(const int64_t* in, size_t y, size_t x, int64_t* out) const;
    // One output pixel from its window read in place (no padding): row fy of the window, filt_width pixels of
    // n_chan values, starts at rows[fy]. The io_stream line buffer calls this per window. The int32 form (raw
    // codes of data_t) runs when reads_int32(): the Dense kernel's int32 path, its sums in registers.
    bool reads_int32() const { return lanes_ != 0; }
    void compute_window(const int32_t* const* rows, int64_t* out) const;
    void compute_window(const int64_t* const* rows, int64_t* out) const;
    std::string precision_summary() const override;
    LayerCostInputs cost_inputs() const override;
    const ConvConfig& config() const { return cfg_; }

private:
    ConvConfig cfg_;
    std::unique_ptr<DenseLayer> kernel_;  // the per-pixel Dense arithmetic
    // reads_int32(): the kernel's effective weights [mult_n_in][lanes_] with the outputs padded to whole
    // blocks of 8 lanes (zeros past n_filt), as int16 when they fit (else int32), and the biases in accum_t
    // modulo 2^32 (zeros past n_filt).
    size_t lanes_ = 0;
    std::vector<int16_t> lane_weights16_;
    std::vector<int32_t> lane_weights32_;
    std::vector<uint32_t> lane_bias_;
    template <class Weight>
    void accumulate_window(const int32_t* const* rows, const Weight* w, uint32_t* acc) const;
};

}  // namespace tlm4ml
