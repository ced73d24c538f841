#include "rtl_models/stream_channel.h"

namespace tlm4ml {

StreamChannel::StreamChannel(std::string name, size_t depth, int latency, size_t width)
    : name_(std::move(name)), depth_(depth), latency_(latency), width_(width) {}

void StreamChannel::account_edges(uint64_t cycle) {
    // Entering a new cycle: the occupancy now is what the channel held across the edges of the cycles
    // since the last change.
    const size_t held = items_.size();
    if (held > stats_.max_occupancy) stats_.max_occupancy = held;
    if (held >= depth_) stats_.cycles_full += cycle - last_cycle_;
    if (held == 0) stats_.cycles_empty += cycle - last_cycle_;
    last_cycle_ = cycle;
}

void StreamChannel::finish(uint64_t end_cycle) { account(end_cycle); }

}  // namespace tlm4ml
