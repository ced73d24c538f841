#include "testbenches/sample_timing.h"

#include <algorithm>

namespace tlm4ml {

void SampleTiming::record(uint64_t offered, uint64_t pushed, uint64_t popped) {
    const uint64_t latency = popped - pushed, wait = pushed - offered;
    if (!first_latency_) {
        first_latency_ = latency;
        latency_min_ = latency_max_ = latency;
    }
    latency_min_ = std::min(latency_min_, latency);
    latency_max_ = std::max(latency_max_, latency);
    latency_sum_ += static_cast<double>(latency);
    wait_min_ = std::min(wait_min_, wait);
    wait_max_ = std::max(wait_max_, wait);
    wait_sum_ += static_cast<double>(wait);
    // Output k (from 0) closes the interval since output k-1; the second half's are k >= max(1, samples / 2).
    if (received_ >= std::max<size_t>(1, samples_ / 2)) {
        ++gaps_[popped - last_pop_];
        ++gap_count_;
    }
    last_pop_ = popped;
    ++received_;
}

std::optional<double> SampleTiming::steady_state_ii() const {
    if (received_ < 3 || gap_count_ == 0) return std::nullopt;
    // The element at index count / 2 of the sorted intervals.
    uint64_t index = gap_count_ / 2;
    for (const auto& [gap, n] : gaps_) {
        if (index < n) return static_cast<double>(gap);
        index -= n;
    }
    return std::nullopt;
}

}  // namespace tlm4ml
