// A line-buffer Conv1D/2D or Max/Average pooling in io_stream (nnet_conv2d_stream.h, nnet_pooling_stream.h;
// HLS4ML_SEMANTICS.md §7): input pixels arrive one per word in raster order, at most one every `ii` cycles
// (a conv: R; pooling: 1, stream_layer_cost). When a pixel completes a stride-aligned window (pad 0: 'same'
// padding is an explicit ZeroPadding layer before it), the window's output pixel is computed by the layer's
// own per-window arithmetic (ConvLayer::compute_window / PoolingLayer::compute_window) and written `latency`
// cycles later. The module keeps the last filt_h input rows (hls4ml's filt_h-1 line buffers plus the row
// being filled: every window is computed as soon as it is complete), row r in slot r % filt_h, and the layer
// reads each window there in place; as int32 when the layer's arithmetic takes int32 codes.
#pragma once

#include <vector>

#include "layers/modules/stream_module.h"

namespace tlm4ml {

class ConvLayer;
class PoolingLayer;

class StreamConvModule : public StreamModuleOf<StreamConvModule> {
public:
    // `layer` is a ConvLayer or a non-global PoolingLayer with no padding.
    StreamConvModule(sc_core::sc_module_name name, const Layer& layer, const LayerTiming& timing, StreamChannel& in,
                     StreamChannel& out);

    bool ports(std::vector<StreamChannel*>& inputs, std::vector<StreamChannel*>& outputs) const override {
        return single_ports(inputs, outputs);
    }

private:
    friend class StreamModuleOf<StreamConvModule>;
    void take(const InputWord& in, uint64_t cycle);

    const ConvLayer* conv_ = nullptr;
    const PoolingLayer* pool_ = nullptr;
    size_t in_h_ = 0, in_w_ = 0, n_chan_ = 0, n_filt_ = 0;
    size_t filt_h_ = 0, filt_w_ = 0, stride_h_ = 1, stride_w_ = 1, out_h_ = 0, out_w_ = 0;
    // The line buffer: filt_h_ rows of in_w_ pixels, in one of the two types.
    bool narrow_ = false;
    std::vector<int32_t> lines32_;
    std::vector<int64_t> lines64_;
    std::vector<const int32_t*> window32_;  // a window's row starts
    std::vector<const int64_t*> window64_;
    size_t row_ = 0, col_ = 0;  // next input pixel of the image, raster order
    size_t line_ = 0;           // row_ % filt_h_
    // Whether input pixel (r, c) completes a stride-aligned window, and that window's output pixel (inline:
    // asked for every input pixel).
    bool completes_window(size_t r, size_t c, size_t& oy, size_t& ox) const {
        if (r + 1 < filt_h_ || c + 1 < filt_w_) return false;
        if (stride_h_ == 1 && stride_w_ == 1) {  // no division per pixel in the common case
            oy = r + 1 - filt_h_;
            ox = c + 1 - filt_w_;
        } else {
            if ((r + 1 - filt_h_) % stride_h_ || (c + 1 - filt_w_) % stride_w_) return false;
            oy = (r + 1 - filt_h_) / stride_h_;
            ox = (c + 1 - filt_w_) / stride_w_;
        }
        return oy < out_h_ && ox < out_w_;
    }
    template <class T>
    void compute_window(const std::vector<T>& lines, std::vector<const T*>& window, size_t ox, int64_t* out) const;
};

// Instantiated once, in stream_conv_module.cpp, where the hooks can be inlined.
extern template class StreamModuleOf<StreamConvModule>;

}  // namespace tlm4ml
