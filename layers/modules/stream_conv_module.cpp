#include "layers/modules/stream_conv_module.h"

#include <stdexcept>

#include <fmt/format.h>

#include "layers/arithmetic/conv.h"
#include "layers/arithmetic/pooling.h"
#include "rtl_models/narrow_lanes.h"

namespace tlm4ml {

StreamConvModule::StreamConvModule(sc_core::sc_module_name name, const Layer& layer, const LayerTiming& timing,
                                   StreamChannel& in, StreamChannel& out)
    : StreamModuleOf(name, layer, timing, in, out) {
    conv_ = dynamic_cast<const ConvLayer*>(&layer);
    pool_ = dynamic_cast<const PoolingLayer*>(&layer);
    bool padded = false;
    if (conv_) {
        const ConvConfig& c = conv_->config();
        in_h_ = c.in_height, in_w_ = c.in_width, n_chan_ = c.n_chan, n_filt_ = c.n_filt;
        filt_h_ = c.filt_height, filt_w_ = c.filt_width, stride_h_ = c.stride_height, stride_w_ = c.stride_width;
        out_h_ = c.out_height(), out_w_ = c.out_width();
        padded = c.pad_top || c.pad_bottom || c.pad_left || c.pad_right;
    } else if (pool_ && !pool_->config().global) {
        const PoolingConfig& c = pool_->config();
        in_h_ = c.in_height, in_w_ = c.in_width, n_chan_ = c.n_filt, n_filt_ = c.n_filt;
        filt_h_ = c.pool_height, filt_w_ = c.pool_width, stride_h_ = c.stride_height, stride_w_ = c.stride_width;
        out_h_ = c.out_height(), out_w_ = c.out_width();
        padded = c.pad_top || c.pad_bottom || c.pad_left || c.pad_right;
    } else {
        throw std::invalid_argument(fmt::format("{}: io_stream line buffers take Conv or (non-global) pooling layers",
                                                layer.name()));
    }
    // Models loaded from a file have their padding made explicit (models/passes/conv_same_pad.h); a padded layer
    // here was built by hand without that step.
    if (padded)
        throw std::invalid_argument(fmt::format("{} {}: padded layer in an io_stream line buffer (run "
                                                "make_stream_padding_explicit on the model first)",
                                                layer.class_name(), layer.name()));
    if (in.width() != n_chan_ || out.width() != n_filt_)
        throw std::invalid_argument(fmt::format("{}: stream words of {} / {} values, expected {} / {}", layer.name(),
                                                in.width(), out.width(), n_chan_, n_filt_));
    narrow_ = conv_ ? conv_->reads_int32() : pool_->reads_int32();
    if (narrow_) lines32_.assign(filt_h_ * in_w_ * n_chan_, 0);
    else lines64_.assign(filt_h_ * in_w_ * n_chan_, 0);
    window32_.resize(filt_h_);
    window64_.resize(filt_h_);
}

template <class T>
void StreamConvModule::compute_window(const std::vector<T>& lines, std::vector<const T*>& window, size_t ox,
                                      int64_t* out) const {
    // The window's rows are the last filt_h_ rows (its bottom row is the current one), oldest first.
    size_t line = line_ + 1 == filt_h_ ? 0 : line_ + 1;
    for (size_t fy = 0; fy < filt_h_; ++fy) {
        window[fy] = lines.data() + (line * in_w_ + ox * stride_w_) * n_chan_;
        if (++line == filt_h_) line = 0;
    }
    if (conv_) conv_->compute_window(window.data(), out);
    else pool_->compute_window(window.data(), out);
}

void StreamConvModule::take(const InputWord& in, uint64_t cycle) {
    const size_t at = (line_ * in_w_ + col_) * n_chan_;
    if (narrow_) {
        narrow_to_int32(in.data, n_chan_, lines32_.data() + at);
    } else {
        std::copy_n(in.data, n_chan_, lines64_.data() + at);
    }
    size_t oy = 0, ox = 0;
    if (completes_window(row_, col_, oy, ox)) {
        int64_t* out = output_slot(in.sample, cycle, cycle + static_cast<uint64_t>(timing_.latency));
        if (narrow_) compute_window(lines32_, window32_, ox, out);
        else compute_window(lines64_, window64_, ox, out);
    }
    if (++col_ == in_w_) {
        col_ = 0;
        if (++line_ == filt_h_) line_ = 0;
        if (++row_ == in_h_) row_ = line_ = 0;
    }
}

template class StreamModuleOf<StreamConvModule>;

}  // namespace tlm4ml
