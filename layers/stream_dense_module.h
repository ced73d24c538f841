// Layers that need the whole input before computing, in io_stream: Dense (after a Flatten, which is no
// module: raster order with channels inside is already the flat order), global pooling, and any layer
// that mixes the whole tensor. The module reads one input word per cycle into a buffer; the word that
// completes the tensor is taken no sooner than `ii` (R) cycles after the previous tensor's, the layer's own
// compute() runs on the buffer, and its whole output is written as one word `latency` cycles later.
#pragma once

#include <vector>

#include "stream_module.h"

namespace tlm4ml {

class StreamDenseModule : public StreamModule {
public:
    StreamDenseModule(sc_core::sc_module_name name, const Layer& layer, const LayerTiming& timing, StreamChannel& in,
                      StreamChannel& out);

    bool ports(std::vector<StreamChannel*>& inputs, std::vector<StreamChannel*>& outputs) const override {
        return single_ports(inputs, outputs);
    }

protected:
    void take(const Token& in, uint64_t cycle) override;
    bool may_take(uint64_t cycle) const override;

private:
    std::vector<int64_t> buffer_;
    size_t filled_ = 0;
    uint64_t next_vector_ = 0;
};

}  // namespace tlm4ml
