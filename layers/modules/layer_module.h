// A layer as a clocked, pipelined SystemC module: it accepts an input no sooner than II cycles after the
// previous one, presents each result `latency` cycles after accepting it, keeps several inferences in
// flight, and stalls when its output channel is full (a finished result waits in the output register and
// the pipeline stops taking inputs once it is full). Driven by its ClockDomain at rising edges.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include <systemc>

#include "layers/arithmetic/layer.h"
#include "rtl_models/clock_domain.h"
#include "rtl_models/cost_model.h"
#include "rtl_models/stream_channel.h"

namespace tlm4ml {

// One inference through one layer, as the monitors saw it.
struct LayerEvent {
    uint64_t sample;
    uint64_t available_cycle;  // input visible in the input channel
    uint64_t accept_cycle;
    uint64_t emit_cycle;       // result pushed into the output channel (kNever while in flight)
};

// What the monitors measured at the layer's boundaries, kept as running figures so that long runs do not
// grow with the number of inferences.
struct LayerStats {
    uint64_t inferences = 0;           // accepted
    uint64_t emitted = 0;
    std::optional<int> measured_ii;    // smallest accept gap over back-to-back inputs (the next input was
                                       // waiting one cycle after the previous accept); empty if never seen
    std::optional<int> latency_min;    // emit - accept
    std::optional<int> latency_max;
    uint64_t last_accept = 0;

    // An input visible since `visible` accepted in `cycle`. Back-to-back (the input was waiting no later
    // than one cycle after the previous accept) the gap is the layer's own doing and counts for the II.
    void record_accept(uint64_t cycle, uint64_t visible, bool measure_ii = true) {
        if (measure_ii && inferences > 0 && visible <= last_accept + 1) {
            const int gap = static_cast<int>(cycle - last_accept);
            measured_ii = measured_ii ? std::min(*measured_ii, gap) : gap;
        }
        ++inferences;
        last_accept = cycle;
    }
    void record_emit(uint64_t accept_cycle, uint64_t cycle) {
        const int latency = static_cast<int>(cycle - accept_cycle);
        latency_min = latency_min ? std::min(*latency_min, latency) : latency;
        latency_max = latency_max ? std::max(*latency_max, latency) : latency;
        ++emitted;
    }
};

class LayerModule : public sc_core::sc_module, public Clocked {
public:
    LayerModule(sc_core::sc_module_name name, const Layer& layer, const LayerTiming& timing, StreamChannel& in,
                StreamChannel& out);
    // A merge layer: one channel per input, all taken in the same cycle (the layer computes on them one
    // after the other in one array).
    LayerModule(sc_core::sc_module_name name, const Layer& layer, const LayerTiming& timing,
                std::vector<StreamChannel*> ins, StreamChannel& out);

    void tick(uint64_t cycle) override;
    uint64_t next_wake(uint64_t cycle) const override;
    bool ports(std::vector<StreamChannel*>& inputs, std::vector<StreamChannel*>& outputs) const override {
        inputs.insert(inputs.end(), ins_.begin(), ins_.end());
        outputs.push_back(&out_);
        return true;
    }

    const Layer& layer() const { return layer_; }
    const LayerTiming& timing() const { return timing_; }
    const LayerStats& stats() const { return stats_; }
    // The first `event_log_limit()` inferences, one record each (for tests and diagnostics).
    const std::vector<LayerEvent>& events() const { return events_; }
    void set_event_log_limit(size_t n) { event_log_limit_ = n; }
    size_t event_log_limit() const { return event_log_limit_; }
    size_t in_flight() const { return pipeline_.size(); }
    const StreamChannel& input() const { return in_; }
    const std::vector<StreamChannel*>& inputs() const { return ins_; }
    const StreamChannel& output() const { return out_; }

    // For waveforms: an inference is in the pipeline / a finished result waits for a full output.
    bool busy() const { return !pipeline_.empty(); }
    bool stalled(uint64_t cycle) const {
        return !pipeline_.empty() && pipeline_.front().due_cycle <= cycle;  // sampled after the cycle's tick
    }

private:
    struct InFlight {
        Token token;
        uint64_t accept_cycle;
        uint64_t due_cycle;
        size_t event_index;  // into events_, or SIZE_MAX beyond the log limit
    };
    void emit(uint64_t cycle);

    const Layer& layer_;
    LayerTiming timing_;
    uint64_t inputs_visible() const;  // when every input has an item (UINT64_MAX while one is empty)

    std::vector<StreamChannel*> ins_;
    StreamChannel& in_;  // the first input
    StreamChannel& out_;
    std::vector<int64_t> gathered_;  // several inputs, one after the other
    std::deque<InFlight> pipeline_;
    size_t capacity_;
    uint64_t next_accept_ = 0;
    std::vector<LayerEvent> events_;
    size_t event_log_limit_ = 10000;
    LayerStats stats_;
};

}  // namespace tlm4ml
