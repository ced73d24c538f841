// The clocked network: one module per layer, a StreamChannel on every edge of the model's graph, and one
// channel before the first layer (the input) and after the last (the output). Layers are evaluated in file
// order, which is a topological order: a producer acts before its consumers in every cycle.
// Fan-out (an output read by several layers, e.g. a skip connection) goes through a StreamClone named
// "clone_<producer>" with one output channel per consumer, "<producer>_cpy1", "_cpy2", ... in file order
// (hls4ml's Clone layer in io_stream; wiring in io_parallel). A merge layer (Add, Concatenate, ...) takes
// one channel per input.
// In io_parallel the whole net is one pipeline: the channels between layers are combinational hand-offs
// (depth 2), the input channel carries the top-level input register (only when the net's II is 1) and the
// output channel the top-level output register, as the device profile says. Where paths of different
// latency meet at a merge, the shorter path's last channel delays by the difference (the registers HLS puts
// on it when it schedules the pipeline), so a merge takes both inputs in the same cycle and the net's
// latency is its longest path.
// In io_stream (HLS4ML_SEMANTICS.md §7-8) every layer is a dataflow process (layers/modules/stream_*_module.h) and
// every channel a FIFO of words (a pixel of n_chan values; a flat tensor is one word):
//   channel[0] (tensors) -> splitter -> input FIFO (input words) -> layers and clones ... -> last layer's FIFO
//   [-> collector -> tensors, when the last word is not the whole output]
// A FIFO's depth is set by its name (fifo_names(): the producing layer's name, the input's name, a clone
// output's name) in the model's "fifo_depth(s)", else the model's "default_fifo_depth", else the number of
// words of that tensor (hls4ml's conservative default).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <systemc>

#include "layers/modules/layer_module.h"
#include "layers/modules/parallel_pipeline.h"
#include "layers/modules/stream_adapter_module.h"
#include "layers/modules/stream_clone_module.h"
#include "layers/modules/stream_module.h"
#include "models/model.h"
#include "rtl_models/clock_domain.h"
#include "rtl_models/cost_model.h"
#include "rtl_models/stream_channel.h"

namespace tlm4ml {

class Network : public sc_core::sc_module {
public:
    Network(sc_core::sc_module_name name, const Model& model, const DeviceProfile& profile);

    const Model& model() const { return model_; }
    const sc_core::sc_time& period() const { return period_; }
    // Adds the layer modules to a clock domain, in network order (after the source, before the sink); an
    // io_parallel network without fan-out as one ParallelPipeline part.
    void attach(ClockDomain& domain);

    // io_stream: whether a channel is a sized FIFO, and the name its depth is set by (the layer feeding it,
    // or the input's name for the input FIFO) — the keys of "fifo_depth" and of --fifo-depths files.
    bool is_fifo(const StreamChannel& c) const { return fifo_owner_.count(&c) != 0; }
    const std::string& fifo_owner(const StreamChannel& c) const { return fifo_owner_.at(&c); }
    // The parts attach() adds, in that order (tests tick them by hand).
    std::vector<Clocked*> parts() const;

    StreamChannel& input() { return *channels_.front(); }
    // io_stream: the input FIFO behind the splitter, for a source that hands the network one word per cycle
    // itself (a streaming face); nullptr in io_parallel.
    StreamChannel* input_words() { return splitter_ ? channels_[1].get() : nullptr; }
    StreamChannel& output() { return *channels_.back(); }
    const std::vector<std::unique_ptr<StreamChannel>>& channels() const { return channels_; }
    // Items pushed into any of the network's channels so far (the sum of their stats().transfers, kept as
    // one running count so that deadlock detection does not add up every channel in every cycle).
    uint64_t transfers() const { return transfers_; }
    // io_parallel layers (empty in io_stream) and io_stream layers (empty in io_parallel).
    const std::vector<std::unique_ptr<LayerModule>>& modules() const { return modules_; }
    const std::vector<std::unique_ptr<StreamModule>>& stream_modules() const { return stream_modules_; }
    // Fan-out clones (both io types), in network order.
    const std::vector<std::unique_ptr<StreamClone>>& clones() const { return clones_; }
    bool streaming() const { return !stream_modules_.empty(); }

    // Why nothing moves at `cycle`: the parts that wait and on which FIFOs (full outputs, empty inputs), then
    // every layer and clone with the occupancy of its FIFOs.
    std::string describe_stall(uint64_t cycle) const;

    // Expected figures from the cost model.
    int expected_ii() const;        // largest layer II (io_parallel: one pipeline)
    int expected_latency() const;   // input register + the longest path's layer latencies + output register

private:
    const Model& model_;
    sc_core::sc_time period_;
    std::vector<LayerTiming> timings_;
    std::vector<std::unique_ptr<StreamChannel>> channels_;
    uint64_t transfers_ = 0;
    std::map<const StreamChannel*, std::string> fifo_owner_;
    std::vector<std::unique_ptr<LayerModule>> modules_;
    std::vector<std::unique_ptr<StreamModule>> stream_modules_;
    std::vector<std::unique_ptr<StreamClone>> clones_;
    std::unique_ptr<StreamSplitter> splitter_;
    std::unique_ptr<StreamCollector> collector_;
    std::vector<Clocked*> order_;  // every part but the splitter and collector, in evaluation order
    std::unique_ptr<ParallelPipeline> pipeline_;  // io_parallel without clones: the modules as one part
    int expected_latency_ = 0;
    void build_parallel(const DeviceProfile& profile);
    void build_stream(const DeviceProfile& profile);
    // After `p`'s output channel exists: a clone when several layers read it. Returns the channel each
    // consumer input (layer, slot) reads, in consumers_of(p) order.
    std::vector<StreamChannel*> fan_out(size_t p, StreamChannel& out, const std::vector<size_t>& depths,
                                        const std::vector<int>& latencies);
};

}  // namespace tlm4ml
