// A layer as a clocked, pipelined SystemC module: it accepts an input no sooner than II cycles after the
// previous one, presents each result `latency` cycles after accepting it, keeps several inferences in
// flight, and stalls when its output channel is full. One SC_METHOD; it sleeps (no activation at all)
// until an input arrives, the output frees up, or a result falls due.
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

#include <systemc>

#include "layer.h"
#include "rtl_models/cost_model.h"
#include "rtl_models/stream_channel.h"

namespace tlm4ml {

// One inference through one layer, as the monitors saw it.
struct LayerEvent {
    uint64_t sample;
    uint64_t available_cycle;  // input visible in the input channel
    uint64_t accept_cycle;
    uint64_t emit_cycle;       // result pushed into the output channel
};

class LayerModule : public sc_core::sc_module {
public:
    SC_HAS_PROCESS(LayerModule);
    LayerModule(sc_core::sc_module_name name, const Layer& layer, const LayerTiming& timing,
                const sc_core::sc_time& period, StreamChannel& in, StreamChannel& out);

    const Layer& layer() const { return layer_; }
    const LayerTiming& timing() const { return timing_; }
    const std::vector<LayerEvent>& events() const { return events_; }
    size_t in_flight() const { return pipeline_.size(); }

    // For waveforms: an inference is in the pipeline / a finished result waits for a full output.
    bool busy() const { return !pipeline_.empty(); }
    bool stalled(uint64_t cycle) const {
        return !pipeline_.empty() && pipeline_.front().due_cycle <= cycle && !out_.can_push();
    }

private:
    struct InFlight {
        Token token;
        uint64_t due_cycle;
        size_t event_index;
    };

    void step();
    void emit_due(uint64_t cycle);

    const Layer& layer_;
    LayerTiming timing_;
    sc_core::sc_time period_;
    StreamChannel& in_;
    StreamChannel& out_;
    sc_core::sc_event_or_list wake_;
    std::deque<InFlight> pipeline_;
    size_t capacity_;
    uint64_t next_accept_ = 0;
    bool accepted_any_ = false;
    uint64_t last_accept_ = 0;
    std::vector<LayerEvent> events_;
};

}  // namespace tlm4ml
