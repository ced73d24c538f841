// A valid/ready channel between two parts of a clock domain: a FIFO of `depth` entries whose items
// become visible to the consumer `latency` cycles after they were pushed. At most one transfer per side
// per cycle. The producer is evaluated before the consumer, so it sees the occupancy at the rising edge:
// a full channel accepts no push in the cycle it is popped (a registered full flag). Statistics live in
// the channel (as in Accellera's simple_perf example): transfers, maximum occupancy, cycles full / empty,
// all counted on the occupancy held across clock edges.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "rtl_models/ring_queue.h"

namespace tlm4ml {

// One tensor in flight: a sample's values (raw integers) and when the consumer may take it.
struct Token {
    uint64_t sample = 0;
    uint64_t visible_cycle = 0;
    std::vector<int64_t> data;
};

struct ChannelStats {
    uint64_t transfers = 0;      // items pushed
    uint64_t cycles_full = 0;
    uint64_t cycles_empty = 0;
    size_t max_occupancy = 0;    // held across a clock edge
    size_t peak_occupancy = 0;   // right after a push (the producer acts first): the depth the FIFO needs
};

class StreamChannel {
public:
    StreamChannel(std::string name, size_t depth, int latency, size_t width);

    const std::string& name() const { return name_; }
    size_t depth() const { return depth_; }
    int latency() const { return latency_; }
    size_t width() const { return width_; }
    void set_depth(size_t d) { depth_ = d; }

    // Producer side.
    bool can_push(uint64_t cycle) const {
        // The occupancy at the edge counts an item popped earlier in this same cycle.
        return push_cycle_ != cycle && items_.size() + (pop_cycle_ == cycle ? 1 : 0) < depth_;
    }
    // Full as of the end of this cycle: a producer blocked now can go on only after a pop.
    bool full() const { return items_.size() >= depth_; }
    void push(Token&& t, uint64_t cycle) {
        account(cycle);
        t.visible_cycle = cycle + static_cast<uint64_t>(latency_);
        items_.push_back(std::move(t));
        if (items_.size() > stats_.peak_occupancy) stats_.peak_occupancy = items_.size();
        push_cycle_ = cycle;
        ++stats_.transfers;
        if (on_push_) *on_push_ |= push_bit_;
        if (total_transfers_) ++*total_transfers_;
    }

    // Consumer side.
    bool can_pop(uint64_t cycle) const {
        return pop_cycle_ != cycle && !items_.empty() && items_.front().visible_cycle <= cycle;
    }
    Token pop(uint64_t cycle) {
        account(cycle);
        Token t = items_.take_front();
        pop_cycle_ = cycle;
        if (keep_last_) last_popped_ = t.data;
        if (on_pop_) *on_pop_ |= pop_bit_;
        return t;
    }
    // When the front item becomes (or became) visible; kNever-like UINT64_MAX when empty.
    uint64_t front_visible_cycle() const { return items_.empty() ? UINT64_MAX : items_.front().visible_cycle; }

    size_t size() const { return items_.size(); }
    bool pushed_in(uint64_t cycle) const { return push_cycle_ == cycle; }
    bool popped_in(uint64_t cycle) const { return pop_cycle_ == cycle; }
    // Occupancy at the rising edge of the current cycle (before its push and pop).
    size_t occupancy_at_edge(uint64_t cycle) const {
        return items_.size() + (popped_in(cycle) ? 1 : 0) - (pushed_in(cycle) ? 1 : 0);
    }
    const Token* front() const { return items_.empty() ? nullptr : &items_.front(); }

    // Payload buffers of this channel's width, recycled by the consumer and reused by the producer so that
    // a running network allocates nothing per inference.
    std::vector<int64_t> take_buffer() {
        if (spare_.empty()) return std::vector<int64_t>(width_);
        std::vector<int64_t> v = std::move(spare_.back());
        spare_.pop_back();
        return v;
    }
    void recycle(std::vector<int64_t>&& v) {
        if (spare_.size() < 16 && v.size() == width_) spare_.push_back(std::move(v));
    }

    // Waveforms show the item taken in a cycle; the channel keeps a copy only when asked.
    void keep_last_popped(bool on) { keep_last_ = on; }
    const std::vector<int64_t>& last_popped() const { return last_popped_; }

    // Flags a clock domain raises when the channel moves: the consumer's bit on a push, the producer's on a
    // pop (nullptr: nobody to tell). See ClockDomain.
    void watch_push(uint64_t* word, uint64_t bit) {
        on_push_ = word;
        push_bit_ = bit;
    }
    void watch_pop(uint64_t* word, uint64_t bit) {
        on_pop_ = word;
        pop_bit_ = bit;
    }
    // Also counts every push into *total (shared by all channels of a network: one number that moves
    // whenever anything in it moved, for deadlock detection without summing every channel each cycle).
    void count_transfers_into(uint64_t* total) { total_transfers_ = total; }

    // Closes the statistics at the end of the run.
    void finish(uint64_t end_cycle);
    const ChannelStats& stats() const { return stats_; }

private:
    void account(uint64_t cycle) {
        if (cycle > last_cycle_) account_edges(cycle);
    }
    void account_edges(uint64_t cycle);

    std::string name_;
    size_t depth_;
    int latency_;
    size_t width_;
    RingQueue<Token> items_;
    uint64_t push_cycle_ = UINT64_MAX;
    uint64_t pop_cycle_ = UINT64_MAX;
    bool keep_last_ = false;
    std::vector<int64_t> last_popped_;
    std::vector<std::vector<int64_t>> spare_;
    ChannelStats stats_;
    uint64_t last_cycle_ = 0;
    uint64_t* on_push_ = nullptr;
    uint64_t* on_pop_ = nullptr;
    uint64_t push_bit_ = 0;
    uint64_t pop_bit_ = 0;
    uint64_t* total_transfers_ = nullptr;
};

}  // namespace tlm4ml
