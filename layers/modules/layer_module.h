// A layer as a clocked, pipelined SystemC module: it accepts an input no sooner than II cycles after the
// previous one, presents each result `latency` cycles after accepting it, keeps several inferences in
// flight, and stalls when its output channel is full (a finished result waits in the output register and
// the pipeline stops taking inputs once it is full). Driven by its ClockDomain at rising edges; the
// pipeline, the statistics and the waveform states are ClockedModule's.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "layers/modules/clocked_module.h"

namespace tlm4ml {

// One inference through one layer, as the monitors saw it.
struct LayerEvent {
    uint64_t sample;
    uint64_t available_cycle;  // input visible in the input channel
    uint64_t accept_cycle;
    uint64_t emit_cycle;       // result pushed into the output channel (kNever while in flight)
};

class LayerModule final : public ClockedModule {
public:
    LayerModule(sc_core::sc_module_name name, const Layer& layer, const LayerTiming& timing, StreamChannel& in,
                StreamChannel& out);
    // A merge layer: one channel per input, all taken in the same cycle (the layer computes on them one
    // after the other in one array).
    LayerModule(sc_core::sc_module_name name, const Layer& layer, const LayerTiming& timing,
                std::vector<StreamChannel*> ins, StreamChannel& out);

    void tick(uint64_t cycle) override;
    uint64_t next_wake(uint64_t cycle) const override { return wake_after(cycle, inputs_visible()); }
    bool ports(std::vector<StreamChannel*>& inputs, std::vector<StreamChannel*>& outputs) const override {
        inputs.insert(inputs.end(), ins_.begin(), ins_.end());
        outputs.push_back(&out_);
        return true;
    }

    // The first `event_log_limit()` inferences, one record each (for tests and diagnostics). Opt-in (0 by
    // default): the log is fresh memory written in every cycle, which pushed a busy network's weights out of L1.
    const std::vector<LayerEvent>& events() const { return events_; }
    void set_event_log_limit(size_t n) { event_log_limit_ = n; }
    size_t event_log_limit() const { return event_log_limit_; }
    const std::vector<StreamChannel*>& inputs() const { return ins_; }

private:
    // The result of the k-th accepted input left: the k-th emit (results leave in order).
    void emit_logged(uint64_t cycle) {
        const uint64_t k = stats().emitted;
        if (emit(cycle) && k < events_.size()) events_[k].emit_cycle = cycle;
    }
    // When every input has an item (UINT64_MAX while one is empty).
    uint64_t inputs_visible() const {
        if (ins_.size() == 1) return in_.front_visible_cycle();
        uint64_t v = 0;
        for (const StreamChannel* c : ins_) v = std::max(v, c->front_visible_cycle());  // UINT64_MAX if empty
        return v;
    }

    std::vector<StreamChannel*> ins_;
    std::vector<int64_t> gathered_;  // several inputs, one after the other
    std::vector<LayerEvent> events_;
    size_t event_log_limit_ = 0;
};

}  // namespace tlm4ml
