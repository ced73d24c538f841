#include "rtl_models/stream_channel.h"

namespace tlm4ml {

StreamChannel::StreamChannel(std::string name, size_t depth, int latency, size_t width)
    : name_(std::move(name)), depth_(depth), latency_(latency), width_(width) {}

void StreamChannel::account(uint64_t cycle) {
    // Entering a new cycle: the occupancy now is what the channel held across the edges of the cycles
    // since the last change.
    if (cycle > last_cycle_) {
        const size_t held = items_.size();
        if (held > stats_.max_occupancy) stats_.max_occupancy = held;
        if (held >= depth_) stats_.cycles_full += cycle - last_cycle_;
        if (held == 0) stats_.cycles_empty += cycle - last_cycle_;
        last_cycle_ = cycle;
    }
}

void StreamChannel::push(Token&& t, uint64_t cycle) {
    account(cycle);
    t.visible_cycle = cycle + static_cast<uint64_t>(latency_);
    items_.push_back(std::move(t));
    if (items_.size() > stats_.peak_occupancy) stats_.peak_occupancy = items_.size();
    push_cycle_ = cycle;
    ++stats_.transfers;
    if (on_push_) *on_push_ = 1;
}

Token StreamChannel::pop(uint64_t cycle) {
    account(cycle);
    Token t = std::move(items_.front());
    items_.pop_front();
    pop_cycle_ = cycle;
    if (keep_last_) last_popped_ = t.data;
    if (on_pop_) *on_pop_ = 1;
    return t;
}

void StreamChannel::finish(uint64_t end_cycle) { account(end_cycle); }

}  // namespace tlm4ml
