// Fan-out: one producer's output read by several layers.
// io_stream: hls4ml's Clone layer (optimizer pass clone.py, nnet::clone_stream in nnet_stream.h), inserted
// after every output used more than once and named "clone_<producer>"; its outputs "<producer>_cpy1",
// "_cpy2", ... go to the consumers in file order. Each iteration (PIPELINE, II 1) reads one word and writes
// it to every output; hls::stream writes block, so the clone stalls while any output FIFO is full, and
// the other consumers then starve with it (the classic skip-connection deadlock when a FIFO is too shallow).
// io_parallel: the same part as wiring (the whole tensor handed to every consumer within the cycle).
// It takes a word and passes it on in the same cycle (latency 0, as a chained relu).
// Its stats count words as a stream layer's do (testbenches report it as a row of the per-layer table):
// `inferences` words taken, measured_ii the smallest gap between back-to-back input words, latency 0.
#pragma once

#include <string>
#include <vector>

#include <systemc>

#include "layers/modules/layer_module.h"
#include "rtl_models/clock_domain.h"
#include "rtl_models/stream_channel.h"

namespace tlm4ml {

class StreamClone : public sc_core::sc_module, public Clocked {
public:
    // hls4ml's clone_stream: one PIPELINE II=1 loop over the words, each written to every output in the
    // iteration that reads it. The expected figures of the per-layer report (the cost model has no Clone).
    static constexpr int kIi = 1;
    static constexpr int kLatency = 0;

    StreamClone(sc_core::sc_module_name name, StreamChannel& in, std::vector<StreamChannel*> outs);

    void tick(uint64_t cycle) override;
    uint64_t next_wake(uint64_t cycle) const override;
    bool ports(std::vector<StreamChannel*>& inputs, std::vector<StreamChannel*>& outputs) const override {
        inputs.push_back(&in_);
        outputs.insert(outputs.end(), outs_.begin(), outs_.end());
        return true;
    }

    const std::string& clone_name() const { return name_; }
    const StreamChannel& input() const { return in_; }
    const std::vector<StreamChannel*>& outputs() const { return outs_; }
    uint64_t words() const { return words_; }                 // words copied
    const LayerStats& stats() const { return stats_; }       // per word, as a stream layer's
    uint64_t blocked_cycles() const { return blocked_; }      // evaluated cycles with a word held back by a full output
    // For waveforms and stall reports: a word waits and some output is full (after the cycle's tick).
    bool busy() const { return in_.size() != 0; }
    bool stalled(uint64_t cycle) const;
    // The output FIFOs that are full now.
    std::vector<const StreamChannel*> full_outputs() const;

private:
    std::string name_;
    StreamChannel& in_;
    std::vector<StreamChannel*> outs_;
    uint64_t words_ = 0;
    uint64_t blocked_ = 0;
    LayerStats stats_;
};

}  // namespace tlm4ml
