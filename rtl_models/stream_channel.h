// A valid/ready channel between two layers: a FIFO of `depth` entries whose items become visible to the
// consumer `latency` cycles after they were pushed. Both sides see the state at the start of the delta
// (two-phase: pushes are committed in update()), so a full channel accepts no push in the cycle it is
// popped; the producer retries when the read event fires. Statistics live in the channel (as in
// Accellera's simple_perf example): transfers, cycles full / empty, maximum occupancy.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include <systemc>

namespace tlm4ml {

// One tensor in flight: a sample's values (raw integers) and when the consumer may take it.
struct Token {
    uint64_t sample = 0;
    uint64_t visible_cycle = 0;
    std::vector<int64_t> data;
};

// Cycle of the current simulation time for a clock period (rising edges at k * period).
inline uint64_t cycle_of(const sc_core::sc_time& now, const sc_core::sc_time& period) {
    return static_cast<uint64_t>(now.value() / period.value());
}

// `cycles` clock periods as an sc_time, without floating point.
inline sc_core::sc_time cycles_of(uint64_t cycles, const sc_core::sc_time& period) {
    return sc_core::sc_time::from_value(period.value() * cycles);
}

struct ChannelStats {
    uint64_t transfers = 0;      // items pushed
    uint64_t cycles_full = 0;
    uint64_t cycles_empty = 0;
    size_t max_occupancy = 0;
};

class StreamChannel : public sc_core::sc_prim_channel {
public:
    StreamChannel(const char* name, size_t depth, int latency, const sc_core::sc_time& period, size_t width);

    size_t depth() const { return depth_; }
    int latency() const { return latency_; }
    size_t width() const { return width_; }
    void set_depth(size_t d) { depth_ = d; }

    // Producer side.
    bool can_push() const { return items_.size() + pops_this_cycle() + staged_.size() < depth_; }
    void push(Token&& t, uint64_t cycle);

    // Consumer side.
    bool can_pop(uint64_t cycle) const { return !items_.empty() && items_.front().visible_cycle <= cycle; }
    // The cycle at which the front item becomes visible (UINT64_MAX when empty).
    uint64_t front_visible_cycle() const {
        return items_.empty() ? UINT64_MAX : items_.front().visible_cycle;
    }
    Token pop();

    const sc_core::sc_event& written_event() const { return written_; }
    const sc_core::sc_event& read_event() const { return read_; }

    size_t size() const { return items_.size() + staged_.size(); }
    bool full() const { return size() >= depth_; }

    // Closes the statistics at the end of the run.
    void finish(uint64_t end_cycle);
    const ChannelStats& stats() const { return stats_; }

    // What a waveform shows: ready as the producer sees it this cycle, and the item on offer.
    bool ready() const { return occupancy_at_edge(cycle_of(sc_core::sc_time_stamp(), period_)) < depth_; }
    // Occupancy at the rising edge of cycle c (before its pushes and pops); c must be the current cycle.
    size_t occupancy_at_edge(uint64_t c) const {
        return items_.size() + (pop_cycle_ == c ? pops_in_cycle_ : 0) - (push_cycle_ == c ? pushes_in_cycle_ : 0);
    }
    bool popped_in(uint64_t c) const { return pop_cycle_ == c && pops_in_cycle_ > 0; }
    void keep_last_popped(bool on) { keep_last_ = on; }
    const std::vector<int64_t>& last_popped() const { return last_popped_; }
    const Token* front() const { return items_.empty() ? nullptr : &items_.front(); }

protected:
    void update() override;

private:
    void account(uint64_t cycle);
    size_t pops_this_cycle() const {
        return pop_cycle_ == cycle_of(sc_core::sc_time_stamp(), period_) ? pops_in_cycle_ : 0;
    }

    size_t depth_;
    int latency_;
    sc_core::sc_time period_;
    size_t width_;
    std::deque<Token> items_;
    std::vector<Token> staged_;
    size_t start_size_ = 0;
    bool popped_ = false;
    uint64_t pop_cycle_ = UINT64_MAX, push_cycle_ = UINT64_MAX;
    size_t pops_in_cycle_ = 0, pushes_in_cycle_ = 0;
    bool keep_last_ = false;
    std::vector<int64_t> last_popped_;
    sc_core::sc_event written_;
    sc_core::sc_event read_;

    ChannelStats stats_;
    uint64_t last_cycle_ = 0;
};

}  // namespace tlm4ml
