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

namespace tlm4ml {

// One tensor handed over by copy (tests, the TLM accelerator's feed and drain): a sample's values (raw
// integers) and when the consumer may take it. The clocked modules hand tensors over in place instead
// (reserve/commit, front_data/drop), without a Token.
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

class alignas(64) StreamChannel {
public:
    StreamChannel(std::string name, size_t depth, int latency, size_t width);
    // The ring is addressed through pointers into its own storage: neither copied nor moved.
    StreamChannel(const StreamChannel&) = delete;
    StreamChannel& operator=(const StreamChannel&) = delete;

    const std::string& name() const { return name_; }
    size_t depth() const { return depth_; }
    int latency() const { return latency_; }
    size_t width() const { return width_; }
    void set_depth(size_t d) { depth_ = d; }

    // Producer side.
    bool can_push(uint64_t cycle) const {
        // The occupancy at the edge counts an item popped earlier in this same cycle.
        // next_push_ is at least one past the last push: one push per cycle is part of it.
        return cycle >= next_push_ && size_ + (pop_cycle_ == cycle ? 1 : 0) < depth_;
    }
    // A consumer that takes an item every `cycles` cycles and holds none in between: an io_parallel network
    // pipelined at II > 1 reads its input when it starts an inference, every II cycles (the top function's
    // ap_ready), so a push waits for that cycle instead of waiting in the channel. 1: no such limit.
    void set_push_interval(uint64_t cycles);
    // The first cycle the interval allows the next push in: the last push's + the interval (0 before the first
    // push).
    uint64_t next_push_cycle() const { return next_push_; }
    // Full as of the end of this cycle: a producer blocked now can go on only after a pop.
    bool full() const { return size_ >= depth_; }
    // Where the producer writes a result it will push later: a slot behind the items in the channel and the
    // slots reserved before it, where the consumer will read it, so that a hand-off moves no values.
    // Reserved slots are pushed in the order they were reserved (commit). The pointer is valid until the
    // next reserve() on this channel.
    int64_t* reserve(uint64_t sample) { return reserve(sample, 0, 0); }
    // The same, for a producer that keeps its pipeline in the reserved slots: the result was started in
    // `start_cycle` and may be pushed from `due_cycle` on (read back through oldest_reserved_*).
    int64_t* reserve(uint64_t sample, uint64_t start_cycle, uint64_t due_cycle) {
        if (size_ + reserved_ == capacity_) grow();
        int64_t* slot = reserve_at_;
        reserve_at_ = after(slot);
        slot[kSample] = static_cast<int64_t>(sample);
        slot[kVisible] = static_cast<int64_t>(due_cycle);  // until commit() sets the visible cycle
        slot[kStart] = static_cast<int64_t>(start_cycle);
        ++reserved_;
        return slot + kHeader;
    }
    size_t reserved() const { return reserved_; }
    // The oldest reserved slot's cycles (meaningful while reserved() > 0).
    uint64_t oldest_reserved_due() const { return static_cast<uint64_t>(commit_at_[kVisible]); }
    uint64_t oldest_reserved_start() const { return static_cast<uint64_t>(commit_at_[kStart]); }
    // Pushes the oldest reserved slot.
    void commit(uint64_t cycle) {
        account(cycle);
        commit_at_[kVisible] = static_cast<int64_t>(cycle + static_cast<uint64_t>(latency_));
        commit_at_ = after(commit_at_);
        ++size_;
        --reserved_;
        if (size_ > stats_.peak_occupancy) stats_.peak_occupancy = size_;
        push_cycle_ = cycle;
        next_push_ = cycle + push_interval_;
        ++stats_.transfers;
        *on_push_ |= push_bit_;
        ++*total_transfers_;
    }
    // Pushes a copy of `width()` values (for producers that keep no slots reserved).
    void push(uint64_t sample, const int64_t* values, uint64_t cycle);
    void push(Token&& t, uint64_t cycle);

    // Consumer side.
    bool can_pop(uint64_t cycle) const {
        return pop_cycle_ != cycle && size_ != 0 && front_visible() <= cycle;
    }
    // The front item, read in place (meaningful while size() > 0).
    uint64_t front_sample() const { return static_cast<uint64_t>(head_[kSample]); }
    const int64_t* front_data() const { return head_ + kHeader; }
    // When the front item becomes (or became) visible; kNever-like UINT64_MAX when empty.
    uint64_t front_visible_cycle() const { return size_ != 0 ? front_visible() : UINT64_MAX; }
    // Pops the front item, which the consumer has read in place.
    void drop(uint64_t cycle) {
        account(cycle);
        if (keep_last_) last_popped_.assign(front_data(), front_data() + width_);
        head_ = after(head_);
        --size_;
        pop_cycle_ = cycle;
        *on_pop_ |= pop_bit_;
    }
    // Pops the front item as a copy.
    Token pop(uint64_t cycle);

    size_t size() const { return size_; }
    bool pushed_in(uint64_t cycle) const { return push_cycle_ == cycle; }
    bool popped_in(uint64_t cycle) const { return pop_cycle_ == cycle; }
    // Occupancy at the rising edge of the current cycle (before its push and pop).
    size_t occupancy_at_edge(uint64_t cycle) const {
        return size_ + (popped_in(cycle) ? 1 : 0) - (pushed_in(cycle) ? 1 : 0);
    }

    // Waveforms show the item taken in a cycle; the channel keeps a copy only when asked.
    void keep_last_popped(bool on) { keep_last_ = on; }
    const std::vector<int64_t>& last_popped() const { return last_popped_; }

    // Flags a clock domain raises when the channel moves: the consumer's bit on a push, the producer's on a
    // pop (nullptr: nobody to tell). See ClockDomain.
    void watch_push(uint64_t* word, uint64_t bit) {
        push_bit_ = word ? bit : 0;
        on_push_ = word ? word : &push_bit_;
    }
    void watch_pop(uint64_t* word, uint64_t bit) {
        pop_bit_ = word ? bit : 0;
        on_pop_ = word ? word : &pop_bit_;
    }
    // Also counts every push into *total (shared by all channels of a network: one number that moves
    // whenever anything in it moved, for deadlock detection without summing every channel each cycle).
    void count_transfers_into(uint64_t* total) { total_transfers_ = total ? total : &uncounted_; }

    // Closes the statistics at the end of the run.
    void finish(uint64_t end_cycle);
    const ChannelStats& stats() const { return stats_; }

private:
    // A slot: its sample, the cycle its item becomes visible (while reserved: when it is due), the cycle its
    // producer started it, then width_ values, so that the consumer's checks and reads and the producer's
    // pipeline touch one stretch of memory.
    static constexpr size_t kSample = 0, kVisible = 1, kStart = 2, kHeader = 3;
    uint64_t front_visible() const { return static_cast<uint64_t>(head_[kVisible]); }
    // Entering a new cycle: the occupancy now is what the channel held across the edges of the cycles since
    // the last change (inline: in a busy network every channel moves in every cycle).
    void account(uint64_t cycle) {
        if (cycle <= last_cycle_) return;
        const size_t held = size_;
        if (held > stats_.max_occupancy) stats_.max_occupancy = held;
        if (held >= depth_) stats_.cycles_full += cycle - last_cycle_;
        if (held == 0) stats_.cycles_empty += cycle - last_cycle_;
        last_cycle_ = cycle;
    }
    // The slot after `slot` in the ring.
    int64_t* after(int64_t* slot) const {
        int64_t* next = slot + stride_;
        return next == end_ ? store_begin_ : next;
    }
    void grow();

    // What a busy cycle touches, in the object's first three cache lines (the class is aligned to a line);
    // the ring's owner, the name and the waveform copy after them. A busy io_parallel network moves every
    // channel in every cycle, and its working set is just above the L1 data cache (bench/README.md,
    // run_perf_bench), so the ring's counts are 32-bit and the fields are ordered by use.
    size_t depth_;  // "unbounded" while FIFO depths are being sized: 2^40
    uint32_t width_;
    uint32_t stride_;  // kHeader + width_
    uint32_t capacity_ = 0;
    uint32_t size_ = 0;
    uint32_t reserved_ = 0;
    int latency_;
    // A ring of capacity_ slots: the items in the channel from head_, then the reserved ones. The ring is as
    // large as the channel's largest fill so far (plus a half when it is large), not rounded up: a busy
    // network writes and reads every slot of every ring in turn, and spare slots would only push the
    // layers' weights out of the cache.
    // The front item, the next slot to commit (behind the items) and the next slot to reserve (behind the
    // reserved ones) are kept as pointers, so that a hand-off neither multiplies nor wraps an index.
    int64_t* store_begin_ = nullptr;
    int64_t* end_ = nullptr;
    int64_t* head_ = nullptr;
    int64_t* commit_at_ = nullptr;
    int64_t* reserve_at_ = nullptr;
    uint64_t push_cycle_ = UINT64_MAX;
    uint64_t pop_cycle_ = UINT64_MAX;
    uint64_t last_cycle_ = 0;
    uint64_t next_push_ = 0;
    uint32_t push_interval_ = 1;  // an II (an int)
    bool keep_last_ = false;
    ChannelStats stats_;
    // Never null (a hand-off writes through them without a test). Nobody watching: the flag word is the bit
    // itself, zero, so the hand-off ORs zero into a word on a line it touches anyway (a scratch word of its
    // own had put a fourth line of every inner channel into each cycle).
    uint64_t* on_push_ = &push_bit_;
    uint64_t* on_pop_ = &pop_bit_;
    uint64_t push_bit_ = 0;
    uint64_t pop_bit_ = 0;
    // Channels outside a network count into a word of their own (a network always gives its shared total).
    uint64_t* total_transfers_ = &uncounted_;
    std::vector<int64_t> store_;  // the ring's memory
    uint64_t uncounted_ = 0;
    std::string name_;
    std::vector<int64_t> last_popped_;
};

}  // namespace tlm4ml
