// The clocked network: one LayerModule per layer, a StreamChannel before each layer and one after the last.
//   channel[0] (the input register) -> layer 0 -> channel[1] -> ... -> layer n-1 -> channel[n] (output)
// In io_parallel the whole net is one pipeline: the channels between layers are combinational hand-offs
// (latency 0, depth 2), the input channel carries the top-level input register (only when the net's II
// is 1) and the output channel the top-level output register, as the device profile says.
// In io_stream (HLS4ML_SEMANTICS.md §7-8) every layer is a dataflow process (layers/stream_*_module.h) and
// every channel a FIFO of words (a pixel of n_chan values; a flat tensor is one word):
//   channel[0] (tensors) -> splitter -> channel[1] (input words) -> layer 0 -> ... -> channel[n+1]
//   [-> collector -> channel[n+2] (tensors), when the last word is not the whole output]
// A layer's output FIFO depth is its "fifo_depth", else the model's "default_fifo_depth", else the number
// of words of that tensor (hls4ml's conservative default).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <systemc>

#include "layer_module.h"
#include "stream_adapter_module.h"
#include "stream_module.h"
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

    // io_stream: whether a channel is a sized FIFO, and the name its depth is set by (the layer feeding it,
    // or the input's name for the input FIFO) — the keys of "fifo_depth" and of --fifo-depths files.
    bool is_fifo(const StreamChannel& c) const { return fifo_owner_.count(&c) != 0; }
    const std::string& fifo_owner(const StreamChannel& c) const { return fifo_owner_.at(&c); }
    // The parts attach() adds, in that order (tests tick them by hand).
    std::vector<Clocked*> parts() const;

    StreamChannel& input() { return *channels_.front(); }
    StreamChannel& output() { return *channels_.back(); }
    const std::vector<std::unique_ptr<StreamChannel>>& channels() const { return channels_; }
    // io_parallel layers (empty in io_stream) and io_stream layers (empty in io_parallel).
    const std::vector<std::unique_ptr<LayerModule>>& modules() const { return modules_; }
    const std::vector<std::unique_ptr<StreamModule>>& stream_modules() const { return stream_modules_; }
    bool streaming() const { return !stream_modules_.empty(); }

    // Why nothing moves at `cycle`: every layer with the FIFOs it waits on (full outputs, empty inputs).
    std::string describe_stall(uint64_t cycle) const;

    // Expected figures from the cost model.
    int expected_ii() const;        // largest layer II (io_parallel: one pipeline)
    int expected_latency() const;   // input register + sum of layer latencies + output register

private:
    const Model& model_;
    sc_core::sc_time period_;
    std::vector<LayerTiming> timings_;
    std::vector<std::unique_ptr<StreamChannel>> channels_;
    std::map<const StreamChannel*, std::string> fifo_owner_;
    std::vector<std::unique_ptr<LayerModule>> modules_;
    std::vector<std::unique_ptr<StreamModule>> stream_modules_;
    std::unique_ptr<StreamSplitter> splitter_;
    std::unique_ptr<StreamCollector> collector_;
    void build_stream(const DeviceProfile& profile);
};

}  // namespace tlm4ml
