// Layers that need the whole input before computing, in io_stream: Dense (after a Flatten, which is no
// module: raster order with channels inside is already the flat order, as hls4ml's InplaceStreamFlatten
// pass makes it), global pooling, and any layer that mixes the whole tensor. As hls4ml's dense /
// global_pooling2d_cl run their loops one after the other, the module reads one input word per cycle into a
// buffer, the layer's own compute() runs on the buffer once the last word is in, its whole output is
// written as one word `latency` cycles later, and the next tensor's first word is read only after that
// write (a full output FIFO therefore holds the next tensor back). The kernel also starts no sooner than R
// cycles after the previous one; timing.ii is the resulting interval between tensors (stream_layer_cost).
#pragma once

#include <vector>

#include "layers/modules/stream_module.h"

namespace tlm4ml {

class StreamDenseModule : public StreamModuleOf<StreamDenseModule> {
public:
    StreamDenseModule(sc_core::sc_module_name name, const Layer& layer, const LayerTiming& timing, StreamChannel& in,
                      StreamChannel& out);

    bool ports(std::vector<StreamChannel*>& inputs, std::vector<StreamChannel*>& outputs) const override {
        return single_ports(inputs, outputs);
    }

private:
    friend class StreamModuleOf<StreamDenseModule>;
    void take(const InputWord& in, uint64_t cycle);
    bool may_take(uint64_t cycle) const;

    std::vector<int64_t> buffer_;
    size_t filled_ = 0;
    uint64_t next_vector_ = 0;  // the kernel's next start (R after the previous one)
    int kernel_ii_ = 1;
    bool emitted_any_ = false;
};

// Instantiated once, in stream_dense_module.cpp, where the hooks can be inlined.
extern template class StreamModuleOf<StreamDenseModule>;

}  // namespace tlm4ml
