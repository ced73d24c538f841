#include "stream_channel.h"


namespace tlm4ml {

StreamChannel::StreamChannel(const char* name, size_t depth, int latency, const sc_core::sc_time& period,
                             size_t width)
    : sc_core::sc_prim_channel(name), depth_(depth), latency_(latency), period_(period), width_(width) {}

void StreamChannel::push(Token&& t, uint64_t cycle) {
    t.visible_cycle = cycle + static_cast<uint64_t>(latency_);
    staged_.push_back(std::move(t));
    request_update();
}

Token StreamChannel::pop() {
    const uint64_t c = cycle_of(sc_core::sc_time_stamp(), period_);
    if (c != pop_cycle_) {
        pop_cycle_ = c;
        pops_in_cycle_ = 0;
    }
    ++pops_in_cycle_;
    Token t = std::move(items_.front());
    items_.pop_front();
    if (keep_last_) last_popped_ = t.data;
    popped_ = true;
    request_update();
    return t;
}

void StreamChannel::account(uint64_t cycle) {
    // The state held since the last change covers cycles [last_cycle_, cycle).
    if (cycle > last_cycle_) {
        if (start_size_ >= depth_) stats_.cycles_full += cycle - last_cycle_;
        if (start_size_ == 0) stats_.cycles_empty += cycle - last_cycle_;
        last_cycle_ = cycle;
    }
}

void StreamChannel::update() {
    const uint64_t cycle = cycle_of(sc_core::sc_time_stamp(), period_);
    account(cycle);
    if (!staged_.empty()) {
        stats_.transfers += staged_.size();
        if (cycle != push_cycle_) {
            push_cycle_ = cycle;
            pushes_in_cycle_ = 0;
        }
        pushes_in_cycle_ += staged_.size();
        for (auto& t : staged_) items_.push_back(std::move(t));
        staged_.clear();
        written_.notify(sc_core::SC_ZERO_TIME);
    }
    if (popped_) {
        popped_ = false;
        // The slot frees up for producers at the next rising edge.
        read_.notify(cycles_of(cycle + 1, period_) - sc_core::sc_time_stamp());
    }
    start_size_ = items_.size();
    if (start_size_ > stats_.max_occupancy) stats_.max_occupancy = start_size_;
}

void StreamChannel::finish(uint64_t end_cycle) { account(end_cycle); }

}  // namespace tlm4ml
