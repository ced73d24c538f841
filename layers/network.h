// The clocked network: one LayerModule per layer, a StreamChannel before each layer and one after the last.
//   channel[0] (the input register) -> layer 0 -> channel[1] -> ... -> layer n-1 -> channel[n] (output)
// In io_parallel the whole net is one pipeline: the channels between layers are combinational hand-offs
// (latency 0, depth 2), the input channel carries the top-level input register (only when the net's II
// is 1) and the output channel the top-level output register, as the device profile says.
#pragma once

#include <memory>
#include <vector>

#include <systemc>

#include "layer_module.h"
#include "model.h"
#include "rtl_models/clock_domain.h"
#include "rtl_models/cost_model.h"
#include "rtl_models/stream_channel.h"

namespace tlm4ml {

class Network : public sc_core::sc_module {
public:
    Network(sc_core::sc_module_name name, const Model& model, const DeviceProfile& profile);

    const Model& model() const { return model_; }
    const sc_core::sc_time& period() const { return period_; }
    // Adds the layer modules to a clock domain, in network order (after the source, before the sink).
    void attach(ClockDomain& domain);

    StreamChannel& input() { return *channels_.front(); }
    StreamChannel& output() { return *channels_.back(); }
    const std::vector<std::unique_ptr<StreamChannel>>& channels() const { return channels_; }
    const std::vector<std::unique_ptr<LayerModule>>& modules() const { return modules_; }

    // Expected figures from the cost model.
    int expected_ii() const;        // largest layer II (io_parallel: one pipeline)
    int expected_latency() const;   // input register + sum of layer latencies + output register

private:
    const Model& model_;
    sc_core::sc_time period_;
    std::vector<LayerTiming> timings_;
    std::vector<std::unique_ptr<StreamChannel>> channels_;
    std::vector<std::unique_ptr<LayerModule>> modules_;
};

}  // namespace tlm4ml
