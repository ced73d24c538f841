// What every clocked layer module shares, io_parallel (LayerModule) and io_stream (StreamModule and its
// kinds): the layer and its timing, the input it reads first and the output it writes, the computed results
// in flight (each due a number of cycles after the input that completed it, waiting in the slot it holds in
// the output channel), the emit step (at most one result
// per cycle into the output, waiting while the output is full), the accept bookkeeping (no input sooner than
// II cycles after the previous one, none while the queue is full), the statistics measured at the module's
// boundaries, and the two states waveforms show (busy, stalled). A module kind adds how it reads its inputs
// and what it computes: its tick() is emit(), then, when may_accept(), take the input, compute into
// output_slot(), accepted(), and emit() again when the result is due at once; its next_wake() is wake_after()
// with when its next input is visible.
#pragma once

#include <algorithm>
#include <climits>
#include <cstdint>
#include <optional>

#include <systemc>

#include "layers/arithmetic/layer.h"
#include "rtl_models/clock_domain.h"
#include "rtl_models/cost_model.h"
#include "rtl_models/stream_channel.h"

namespace tlm4ml {

// What the monitors measured at a module's boundaries, kept as running figures so that long runs do not
// grow with the number of inferences.
struct LayerStats {
    uint64_t inferences = 0;           // accepted
    uint64_t emitted = 0;
    uint64_t last_accept = 0;

    // Smallest accept gap over back-to-back inputs (the next input was waiting one cycle after the previous
    // accept); empty if never seen.
    std::optional<int> measured_ii() const { return ii_ == kNone ? std::nullopt : std::optional<int>(ii_); }
    // emit - accept over the results emitted (empty before the first).
    std::optional<int> latency_min() const { return emitted ? std::optional<int>(latency_min_) : std::nullopt; }
    std::optional<int> latency_max() const { return emitted ? std::optional<int>(latency_max_) : std::nullopt; }

    // An input visible since `visible` accepted in `cycle`. Back-to-back (the input was waiting no later
    // than one cycle after the previous accept) the gap is the layer's own doing and counts for the II.
    void record_accept(uint64_t cycle, uint64_t visible, bool measure_ii = true) {
        if (measure_ii && inferences > 0 && visible <= last_accept + 1) record_ii(static_cast<int>(cycle - last_accept));
        ++inferences;
        last_accept = cycle;
    }
    void record_emit(uint64_t accept_cycle, uint64_t cycle) {
        const int latency = static_cast<int>(cycle - accept_cycle);
        latency_min_ = std::min(latency_min_, latency);
        latency_max_ = std::max(latency_max_, latency);
        ++emitted;
    }
    void record_ii(int gap) { ii_ = std::min(ii_, gap); }

private:
    // Plain ints with "nothing yet" values rather than optionals: every busy module updates them in every
    // cycle, and min / max on them need no test.
    static constexpr int kNone = INT_MAX;
    int ii_ = kNone;
    int latency_min_ = INT_MAX;
    int latency_max_ = INT_MIN;
};

// Clocked first: the clock domain calls tick() through Clocked* without adjusting the pointer.
class ClockedModule : public Clocked, public sc_core::sc_module {
public:
    const Layer& layer() const { return layer_; }
    const LayerTiming& timing() const { return timing_; }
    const LayerStats& stats() const { return stats_; }
    const StreamChannel& input() const { return in_; }  // the first input
    const StreamChannel& output() const { return out_; }
    size_t in_flight() const { return out_.reserved(); }

    // For waveforms, sampled after the cycle's tick: results in the pipeline / a finished result waits for
    // a full output.
    bool busy() const { return out_.reserved() != 0; }
    bool stalled(uint64_t cycle) const { return out_.reserved() != 0 && out_.oldest_reserved_due() <= cycle; }

protected:
    // In flight: a pipeline of `latency` cycles at one input per II, plus the result waiting in the output
    // register when the next layer is not ready.
    ClockedModule(sc_core::sc_module_name name, const Layer& layer, const LayerTiming& timing, StreamChannel& in,
                  StreamChannel& out);

    // The II has passed since the last accept and fewer than capacity_ results are in flight.
    bool may_accept(uint64_t cycle) const { return cycle >= next_accept_ && out_.reserved() < capacity_; }
    // An input visible since `visible` was taken in `cycle`: statistics, and the next accept II cycles later.
    void accepted(uint64_t cycle, uint64_t visible) {
        stats_.record_accept(cycle, visible, measure_accept_ii_ && !measure_output_ii_);
        next_accept_ = cycle + static_cast<uint64_t>(std::max(1, timing_.ii));
    }
    // Where a result for the output is computed, started by the input accepted in `start_cycle` and pushed
    // no sooner than `due_cycle`: the output channel's next reserved slot (the consumer reads it there).
    // The results in flight are the channel's reserved slots, oldest first, each holding its two cycles: the
    // module keeps no queue of its own.
    int64_t* output_slot(uint64_t sample, uint64_t start_cycle, uint64_t due_cycle) {
        return out_.reserve(sample, start_cycle, due_cycle);
    }
    bool queue_full() const { return out_.reserved() >= capacity_; }
    // Pushes the oldest result if it is due and the output has room; true if it did.
    bool emit(uint64_t cycle) {
        if (out_.reserved() == 0 || out_.oldest_reserved_due() > cycle || !out_.can_push(cycle)) return false;
        push_oldest(cycle);
        return true;
    }
    // Clocked::next_wake given when the next input (with all it needs) is visible, UINT64_MAX if none, and
    // the cycle at which the module could act without an input (kNever: never).
    uint64_t wake_after(uint64_t cycle, uint64_t input_visible, uint64_t own = kNever) const {
        uint64_t wake = own;
        // A result falls due. Blocked by a full output it waits for the consumer: a pop in this cycle
        // (asked after every part ticked) shows as room now, and then it retries next cycle.
        if (out_.reserved() != 0 && !(out_.oldest_reserved_due() <= cycle && out_.full()))
            wake = std::min(wake, std::max(out_.oldest_reserved_due(), cycle + 1));
        // A waiting input can be taken once it is visible, the II has passed and a result slot is free; a full
        // pipeline frees up only through an emission, which the line above already schedules.
        if (input_visible != UINT64_MAX && !queue_full())
            wake = std::min(wake, std::max({input_visible, next_accept_, cycle + 1}));
        return wake;
    }

    const Layer& layer_;
    LayerTiming timing_;
    StreamChannel& in_;
    StreamChannel& out_;
    size_t capacity_;
    uint64_t next_accept_ = 0;
    bool measure_accept_ii_ = true;  // false where timing_.ii is not the interval between inputs taken
    // Where the II is the interval between output words instead (zero padding: its input words are unevenly
    // spaced by design), it is measured on emits: back-to-back outputs (one due no later than a cycle after
    // the previous emit) are the module's own gap.
    bool measure_output_ii_ = false;
    uint64_t last_emit_ = 0;

private:
    // Pushes the oldest result reserved in out_ (due, and the output has room).
    void push_oldest(uint64_t cycle) {
        const uint64_t start_cycle = out_.oldest_reserved_start(), due_cycle = out_.oldest_reserved_due();
        if (measure_output_ii_ && stats_.emitted > 0 && due_cycle <= last_emit_ + 1) {
            stats_.record_ii(static_cast<int>(cycle - last_emit_));
        }
        last_emit_ = cycle;
        stats_.record_emit(start_cycle, cycle);
        out_.commit(cycle);
    }

    LayerStats stats_;
};

}  // namespace tlm4ml
