#include "layers/modules/stream_dense_module.h"

#include <stdexcept>

#include <fmt/format.h>

namespace tlm4ml {

namespace {
// Input words are read at one per cycle; the ii of the kernel applies between whole tensors.
LayerTiming word_timing(LayerTiming t) {
    t.ii = 1;
    return t;
}
}  // namespace

StreamDenseModule::StreamDenseModule(sc_core::sc_module_name name, const Layer& layer, const LayerTiming& timing,
                                     StreamChannel& in, StreamChannel& out)
    : StreamModuleOf(name, layer, word_timing(timing), in, out), buffer_(layer.n_in()) {
    if (layer.n_in() % in.width() != 0 || out.width() != layer.n_out())
        throw std::invalid_argument(fmt::format("{} {}: cannot stream words of {} values into {} inputs",
                                                layer.class_name(), layer.name(), in.width(), layer.n_in()));
    timing_.ii = timing.ii;  // reported: cycles between tensors
    // Only Dense's kernel is pipelined at II = R (global pooling's loops use no reuse factor).
    if (layer.cost_inputs().kind == LayerCostInputs::Kind::Dense) kernel_ii_ = std::max(1, layer.reuse_factor());
    capacity_ = 1;           // one result at a time: the next tensor waits for its write
    measure_accept_ii_ = false;  // words come at one per cycle; tensors are too far apart to be back-to-back
}

bool StreamDenseModule::may_take(uint64_t cycle) const {
    // The first word of a tensor: the previous result has been written (in an earlier cycle).
    if (filled_ == 0 && (in_flight() > 0 || (emitted_any_ && cycle <= last_emit_))) return false;
    // The last word starts the kernel, pipelined at II = R.
    return filled_ + in_.width() < buffer_.size() || cycle >= next_vector_;
}

void StreamDenseModule::take(const InputWord& in, uint64_t cycle) {
    std::copy_n(in.data, in.size, buffer_.begin() + static_cast<std::ptrdiff_t>(filled_));
    filled_ += in.size;
    // The read loop runs at one word per cycle, whatever the kernel's II.
    next_accept_ = cycle + 1;
    if (filled_ < buffer_.size()) return;
    filled_ = 0;
    layer_.compute(buffer_.data(), output_slot(in.sample, cycle, cycle + static_cast<uint64_t>(timing_.latency)));
    next_vector_ = cycle + static_cast<uint64_t>(kernel_ii_);
    emitted_any_ = true;  // last_emit_ is set by the write before the next tensor is read
}

template class StreamModuleOf<StreamDenseModule>;

}  // namespace tlm4ml
