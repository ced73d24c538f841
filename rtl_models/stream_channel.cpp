#include "rtl_models/stream_channel.h"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

namespace tlm4ml {

StreamChannel::StreamChannel(std::string name, size_t depth, int latency, size_t width)
    : name_(std::move(name)), depth_(depth), latency_(latency), width_(width) {}

void StreamChannel::grow() {
    // Capacities are powers of two so that a slot index wraps with a mask; the items and the reserved
    // slots keep their order, from slot 0.
    const size_t cap = capacity() == 0 ? 4 : 2 * capacity();
    std::vector<Slot> meta(cap);
    std::vector<int64_t> values(cap * width_);
    const size_t used = size_ + reserved_;
    for (size_t i = 0; i < used; ++i) {
        const size_t from = (head_ + i) & mask_;
        meta[i] = meta_[from];
        std::copy_n(values_.begin() + static_cast<std::ptrdiff_t>(from * width_), width_,
                    values.begin() + static_cast<std::ptrdiff_t>(i * width_));
    }
    meta_ = std::move(meta);
    values_ = std::move(values);
    head_ = 0;
    mask_ = cap - 1;
}

void StreamChannel::push(uint64_t sample, const int64_t* values, uint64_t cycle) {
    // A copy would overtake the slots reserved before it.
    if (reserved_ != 0)
        throw std::logic_error(fmt::format("channel {}: a copy pushed while {} slots are reserved", name_, reserved_));
    std::copy_n(values, width_, reserve(sample));
    commit(cycle);
}

void StreamChannel::push(Token&& t, uint64_t cycle) {
    if (t.data.size() != width_)
        throw std::logic_error(
            fmt::format("channel {}: a token of {} values pushed into words of {}", name_, t.data.size(), width_));
    push(t.sample, t.data.data(), cycle);
}

Token StreamChannel::pop(uint64_t cycle) {
    Token t;
    t.sample = front_sample();
    t.visible_cycle = meta_[head_].visible_cycle;
    t.data.assign(front_data(), front_data() + width_);
    drop(cycle);
    return t;
}

void StreamChannel::account_edges(uint64_t cycle) {
    // Entering a new cycle: the occupancy now is what the channel held across the edges of the cycles
    // since the last change.
    const size_t held = size_;
    if (held > stats_.max_occupancy) stats_.max_occupancy = held;
    if (held >= depth_) stats_.cycles_full += cycle - last_cycle_;
    if (held == 0) stats_.cycles_empty += cycle - last_cycle_;
    last_cycle_ = cycle;
}

void StreamChannel::finish(uint64_t end_cycle) { account(end_cycle); }

}  // namespace tlm4ml
