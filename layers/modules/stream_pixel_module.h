// Pixel-wise layers in io_stream: activations, BatchNormalization, BatchNormalizationQuantizedTanh, Softmax
// over a whole-vector word, and ZeroPadding1D/2D. An element-wise layer computes each word with a copy of
// the layer's own arithmetic sized to one word (the same class and configuration with n_in = word size; the
// channel index of BatchNorm is unchanged because a word holds whole pixels), one word every `ii` cycles,
// written `latency` cycles later. Zero padding copies input pixels and inserts pad pixels (raw 0) in raster
// order, one word per cycle; the pad pixels of an image are written once its first input pixel arrived.
#pragma once

#include <memory>
#include <vector>

#include "layers/modules/stream_module.h"

namespace tlm4ml {

class ZeroPaddingLayer;

class StreamPixelModule : public StreamModuleOf<StreamPixelModule> {
public:
    StreamPixelModule(sc_core::sc_module_name name, const Layer& layer, const LayerTiming& timing, StreamChannel& in,
                      StreamChannel& out);
    ~StreamPixelModule() override;

    // Whether the module can stream `layer` with words of `word` values.
    static bool supports(const Layer& layer, size_t word);

    bool ports(std::vector<StreamChannel*>& inputs, std::vector<StreamChannel*>& outputs) const override {
        return single_ports(inputs, outputs);
    }

private:
    friend class StreamModuleOf<StreamPixelModule>;
    void take(const InputWord& in, uint64_t cycle);
    bool may_take(uint64_t cycle) const;
    void produce(uint64_t cycle) {
        if (pad_) produce_pad(cycle);
    }
    void produce_pad(uint64_t cycle);
    uint64_t produce_wake(uint64_t cycle) const;

    bool is_pad(size_t out_pixel) const { return pad_mask_[out_pixel] != 0; }

    std::unique_ptr<Layer> word_layer_;         // element-wise: the layer on one word
    const ZeroPaddingLayer* pad_ = nullptr;     // zero padding
    std::vector<uint8_t> pad_mask_;             // zero padding: which output pixels are pad pixels
    size_t out_pixel_ = 0;                      // zero padding: next output pixel of the image
    uint64_t sample_ = 0;                       // the image being padded
    bool started_ = false;                      // its first input pixel has arrived
    uint64_t produced_cycle_ = UINT64_MAX;
};

// Instantiated once, in stream_pixel_module.cpp, where the hooks can be inlined.
extern template class StreamModuleOf<StreamPixelModule>;

}  // namespace tlm4ml
