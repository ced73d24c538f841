#include "stream_dense_module.h"

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
    : StreamModule(name, layer, word_timing(timing), in, out), buffer_(layer.n_in()) {
    if (layer.n_in() % in.width() != 0 || out.width() != layer.n_out())
        throw std::invalid_argument(fmt::format("{} {}: cannot stream words of {} values into {} inputs",
                                                layer.class_name(), layer.name(), in.width(), layer.n_in()));
    // Reported: cycles between tensors. The kernel takes one every R cycles (timing.ii), but its words are
    // read one per cycle, so two tensors are never closer than the words of one.
    timing_.ii = std::max(timing.ii, static_cast<int>(layer.n_in() / in.width()));
    const int ii = std::max(1, timing_.ii);
    capacity_ = static_cast<size_t>((timing.latency + ii - 1) / ii) + 1;
    measure_word_ii_ = false;  // words come at one per cycle; tensors are too far apart to be back-to-back
}

bool StreamDenseModule::may_take(uint64_t cycle) const {
    return filled_ + in_.width() < buffer_.size() || cycle >= next_vector_;
}

void StreamDenseModule::take(const Token& in, uint64_t cycle) {
    std::copy(in.data.begin(), in.data.end(), buffer_.begin() + static_cast<std::ptrdiff_t>(filled_));
    filled_ += in.data.size();
    // The read loop runs at one word per cycle, whatever the kernel's II.
    next_accept_ = cycle + 1;
    if (filled_ < buffer_.size()) return;
    filled_ = 0;
    Token out;
    out.sample = in.sample;
    out.data = out_.take_buffer();
    layer_.compute(buffer_.data(), out.data.data());
    queue_output(std::move(out), cycle, cycle + static_cast<uint64_t>(timing_.latency));
    next_vector_ = cycle + static_cast<uint64_t>(std::max(1, timing_.ii));
}

}  // namespace tlm4ml
