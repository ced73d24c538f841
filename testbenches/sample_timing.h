// What a run measured of its samples' timing, kept as running statistics so that memory stays flat over any
// number of samples: the pipeline latency (input accepted -> output left), the wait at the source (offered ->
// accepted), and the intervals between outputs over the second half of the run (the steady-state II).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>

namespace tlm4ml {

class SampleTiming {
public:
    // samples: how many the run offers (the second half of the outputs starts at samples / 2).
    explicit SampleTiming(size_t samples) : samples_(samples) {}

    // One output, in the order they leave: the cycles its sample was offered and pushed, and it left.
    void record(uint64_t offered, uint64_t pushed, uint64_t popped);

    size_t samples() const { return samples_; }
    size_t received() const { return received_; }
    std::optional<uint64_t> first_latency() const { return first_latency_; }
    uint64_t latency_min() const { return latency_min_; }
    uint64_t latency_max() const { return latency_max_; }
    double latency_mean() const { return received_ ? latency_sum_ / static_cast<double>(received_) : 0.0; }
    uint64_t wait_min() const { return received_ ? wait_min_ : 0; }
    uint64_t wait_max() const { return wait_max_; }
    double wait_mean() const { return received_ ? wait_sum_ / static_cast<double>(received_) : 0.0; }
    std::optional<uint64_t> last_pop() const { return received_ ? std::optional<uint64_t>(last_pop_) : std::nullopt; }
    // The median interval between consecutive outputs over the second half (at least 3 outputs), or none.
    std::optional<double> steady_state_ii() const;

private:
    size_t samples_;
    size_t received_ = 0;
    std::optional<uint64_t> first_latency_;
    uint64_t latency_min_ = 0, latency_max_ = 0;
    double latency_sum_ = 0;
    uint64_t wait_min_ = UINT64_MAX, wait_max_ = 0;
    double wait_sum_ = 0;
    uint64_t last_pop_ = 0;
    std::map<uint64_t, uint64_t> gaps_;  // interval -> how many times, over the second half
    uint64_t gap_count_ = 0;
};

}  // namespace tlm4ml
