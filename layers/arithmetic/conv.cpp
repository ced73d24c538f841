#include "layers/arithmetic/conv.h"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "rtl_models/mac_kernels.h"
#include "rtl_models/narrow_lanes.h"
#include "rtl_models/scratch_buffer.h"

namespace tlm4ml {

bool keras_padding(const std::string& mode, size_t in, size_t filt, size_t stride, size_t& pad_before,
                   size_t& pad_after) {
    pad_before = pad_after = 0;
    if (stride == 0 || filt == 0) return false;
    if (mode == "valid") return in >= filt;
    if (mode != "same") return false;
    const size_t out = (in + stride - 1) / stride;
    const size_t need = (out - 1) * stride + filt;
    const size_t total = need > in ? need - in : 0;
    pad_before = total / 2;
    pad_after = total - pad_before;
    return true;
}

namespace {
std::string conv_class(const ConvConfig& c) { return c.one_d ? "Conv1D" : "Conv2D"; }
size_t out_size(const ConvConfig& c) {
    if (c.filt_height == 0 || c.filt_width == 0 || c.stride_height == 0 || c.stride_width == 0 ||
        c.in_height + c.pad_top + c.pad_bottom < c.filt_height || c.in_width + c.pad_left + c.pad_right < c.filt_width)
        throw std::invalid_argument(conv_class(c) + ": the filter does not fit the padded input");
    return c.out_height() * c.out_width() * c.n_filt;
}
}  // namespace

ConvLayer::ConvLayer(std::string name, ConvConfig cfg)
    : Layer(std::move(name), conv_class(cfg), cfg.in_height * cfg.in_width * cfg.n_chan, out_size(cfg), cfg.data_t,
            cfg.result_t, cfg.reuse_factor),
      cfg_(std::move(cfg)) {
    if (cfg_.n_chan == 0 || cfg_.n_filt == 0)
        throw std::invalid_argument(fmt::format("{} {}: n_chan and n_filt must be positive", class_name_, name_));
    if (cfg_.weights.size() != cfg_.mult_n_in() * cfg_.n_filt || cfg_.biases.size() != cfg_.n_filt)
        throw std::invalid_argument(fmt::format("{} {}: weight/bias sizes do not match the filter", class_name_, name_));
    if (is_xnor_type(cfg_.data_t))
        throw std::invalid_argument(fmt::format("{} {}: binary (XNOR) inputs are not supported in convolutions",
                                                class_name_, name_));
    const size_t pixels = cfg_.out_height() * cfg_.out_width();
    if (cfg_.parallelization_factor < 1 || pixels % static_cast<size_t>(cfg_.parallelization_factor) != 0)
        throw std::invalid_argument(fmt::format("{} {}: parallelization_factor {} does not divide the {} output pixels",
                                                class_name_, name_, cfg_.parallelization_factor, pixels));
    DenseConfig d;
    d.n_in = cfg_.mult_n_in();
    d.n_out = cfg_.n_filt;
    d.reuse_factor = cfg_.reuse_factor;
    d.strategy = cfg_.strategy;
    d.data_t = cfg_.data_t;
    d.weight_t = cfg_.weight_t;
    d.bias_t = cfg_.bias_t;
    d.accum_t = cfg_.accum_t;
    d.result_t = cfg_.result_t;
    d.weights = cfg_.weights;
    d.biases = cfg_.biases;
    kernel_ = std::make_unique<DenseLayer>(name_ + "_mult", std::move(d));
    if (kernel_->takes_int32()) {
        const size_t n_in = cfg_.mult_n_in(), nf = cfg_.n_filt;
        lanes_ = (nf + 7) / 8 * 8;
        std::vector<int32_t> w(n_in * lanes_, 0);
        for (size_t i = 0; i < n_in; ++i)
            for (size_t j = 0; j < nf; ++j) w[i * lanes_ + j] = kernel_->weight32(i * nf + j);
        if (kernel_->int16_weights()) lane_weights16_.assign(w.begin(), w.end());
        else lane_weights32_ = std::move(w);
        lane_bias_.assign(lanes_, 0);
        for (size_t j = 0; j < nf; ++j) lane_bias_[j] = static_cast<uint32_t>(kernel_->bias_in_accum(j));
    }
}

void ConvLayer::compute(const int64_t* in, int64_t* out) const {
    const size_t oh = cfg_.out_height(), ow = cfg_.out_width();
    if (reads_int32()) {
        // The image narrowed once, with its padding as zeros, then every window read in place.
        const size_t ch = cfg_.n_chan;
        const size_t pw = cfg_.in_width + cfg_.pad_left + cfg_.pad_right;
        const size_t ph = cfg_.in_height + cfg_.pad_top + cfg_.pad_bottom;
        std::vector<int32_t> padded(ph * pw * ch, 0);
        for (size_t y = 0; y < cfg_.in_height; ++y) {
            const int64_t* src = in + y * cfg_.in_width * ch;
            int32_t* dst = padded.data() + ((y + cfg_.pad_top) * pw + cfg_.pad_left) * ch;
            narrow_to_int32(src, cfg_.in_width * ch, dst);
        }
        ScratchBuffer<const int32_t*, 16> rows(cfg_.filt_height);
        for (size_t y = 0; y < oh; ++y)
            for (size_t x = 0; x < ow; ++x) {
                for (size_t fy = 0; fy < cfg_.filt_height; ++fy)
                    rows[fy] = padded.data() + ((y * cfg_.stride_height + fy) * pw + x * cfg_.stride_width) * ch;
                compute_window(rows.data(), out + (y * ow + x) * cfg_.n_filt);
            }
        return;
    }
    for (size_t y = 0; y < oh; ++y)
        for (size_t x = 0; x < ow; ++x) compute_pixel(in, y, x, out + (y * ow + x) * cfg_.n_filt);
}

namespace {
// fill_buffer: the window of output pixel (y, x), zeros where it covers padding, in `row` (T = the
// kernel's input integer type).
template <typename T>
void fill_window(const ConvConfig& c, const int64_t* in, size_t y, size_t x, T* row) {
    size_t k = 0;
    for (size_t fy = 0; fy < c.filt_height; ++fy) {
        const size_t iy = y * c.stride_height + fy;  // in padded coordinates
        const bool row_pad = iy < c.pad_top || iy >= c.pad_top + c.in_height;
        for (size_t fx = 0; fx < c.filt_width; ++fx) {
            const size_t ix = x * c.stride_width + fx;
            if (row_pad || ix < c.pad_left || ix >= c.pad_left + c.in_width) {
                for (size_t ch = 0; ch < c.n_chan; ++ch) row[k++] = 0;
            } else {
                const int64_t* src = in + ((iy - c.pad_top) * c.in_width + (ix - c.pad_left)) * c.n_chan;
                for (size_t ch = 0; ch < c.n_chan; ++ch) row[k++] = static_cast<T>(src[ch]);
            }
        }
    }
}
}  // namespace

void ConvLayer::compute_pixel(const int64_t* in, size_t y, size_t x, int64_t* out) const {
    const size_t row_n = cfg_.mult_n_in();
    if (kernel_->takes_int32()) {
        ScratchBuffer<int32_t, 2048> row(row_n);
        fill_window(cfg_, in, y, x, row.data());
        kernel_->compute_int32(row.data(), out);
        return;
    }
    ScratchBuffer<int64_t, 1024> row(row_n);
    fill_window(cfg_, in, y, x, row.data());
    kernel_->compute(row.data(), out);
}

template <class Weight>
void ConvLayer::accumulate_window(const int32_t* const* rows, const Weight* w, uint32_t* acc) const {
    const size_t fh = cfg_.filt_height, row_len = cfg_.filt_width * cfg_.n_chan;
    const int right = kernel_->product_right_shift(), left = kernel_->product_left_shift();
    // Up to four blocks of 8 outputs (four registers of sums) per pass over the window.
    for (size_t j = 0; j < lanes_; j += 32) {
        switch (std::min<size_t>(4, (lanes_ - j) / 8)) {
            case 1: mac_window_mod32<1>(rows, fh, row_len, w + j, lanes_, right, left, acc + j); break;
            case 2: mac_window_mod32<2>(rows, fh, row_len, w + j, lanes_, right, left, acc + j); break;
            case 3: mac_window_mod32<3>(rows, fh, row_len, w + j, lanes_, right, left, acc + j); break;
            default: mac_window_mod32<4>(rows, fh, row_len, w + j, lanes_, right, left, acc + j); break;
        }
    }
}

void ConvLayer::compute_window(const int32_t* const* rows, int64_t* out) const {
    if (!reads_int32()) throw std::logic_error(name_ + ": compute_window(int32) without the int32 kernel");
    ScratchBuffer<uint32_t, 256> acc(lanes_);
    std::copy(lane_bias_.begin(), lane_bias_.end(), acc.data());
    if (!lane_weights16_.empty()) accumulate_window(rows, lane_weights16_.data(), acc.data());
    else accumulate_window(rows, lane_weights32_.data(), acc.data());
    kernel_->finish_mod32(acc.data(), out);
}

void ConvLayer::compute_window(const int64_t* const* rows, int64_t* out) const {
    const size_t row_len = cfg_.filt_width * cfg_.n_chan;
    ScratchBuffer<int64_t, 1024> window(cfg_.mult_n_in());
    for (size_t fy = 0; fy < cfg_.filt_height; ++fy) std::copy_n(rows[fy], row_len, window.data() + fy * row_len);
    kernel_->compute(window.data(), out);
}

std::string ConvLayer::precision_summary() const { return kernel_->precision_summary(); }

LayerCostInputs ConvLayer::cost_inputs() const {
    LayerCostInputs c = kernel_->cost_inputs();
    c.kind = LayerCostInputs::Kind::Conv;
    c.n_in = n_in_;
    c.n_out = n_out_;
    c.mult_n_in = cfg_.mult_n_in();
    c.mult_n_out = cfg_.n_filt;
    c.parallelization_factor = cfg_.parallelization_factor;
    c.n_partitions = cfg_.out_height() * cfg_.out_width() / static_cast<size_t>(cfg_.parallelization_factor);
    c.line_buffer_depth = cfg_.filt_height > 1 ? cfg_.in_width + cfg_.pad_left + cfg_.pad_right : 0;
    c.line_buffer_values = (cfg_.filt_height > 1 ? cfg_.filt_height - 1 : 0) * cfg_.n_chan;
    return c;
}

}  // namespace tlm4ml
