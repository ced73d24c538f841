// io_stream (HLS4ML_SEMANTICS.md §7-8): every layer is a DATAFLOW process between FIFOs that carry one word
// per transfer (a pixel of n_chan values in raster order, or the whole vector of a flat tensor). This is the
// part the stream modules share: a clocked module that takes input words no sooner than `ii` cycles apart,
// queues the output words it computed (each due `latency` cycles after the input word that completed it),
// pushes at most one per cycle into its output FIFO, and stops taking words once its queue is full (a full
// output FIFO therefore stalls it, as hls::stream writes block). Stats count words: `inferences` are input
// words taken, measured_ii the smallest gap between back-to-back input words, latency the cycles from the
// completing input word to the output word.
#pragma once

#include <cstdint>
#include <vector>

#include "layers/modules/clocked_module.h"

namespace tlm4ml {

class StreamModule : public ClockedModule {
public:
    StreamModule(sc_core::sc_module_name name, const Layer& layer, const LayerTiming& timing, StreamChannel& in,
                 StreamChannel& out);

    void tick(uint64_t cycle) override;
    uint64_t next_wake(uint64_t cycle) const override {
        return wake_after(cycle, source_visible_cycle(), produce_wake(cycle));
    }

protected:
    // Called with a popped input word (cycle = accept cycle); queue_output() the words it completes.
    virtual void take(const Token& in, uint64_t cycle) = 0;
    // Whether the next input word may be taken in this cycle besides the ii (default: always).
    virtual bool may_take(uint64_t /*cycle*/) const { return true; }
    // Multiple-input modules (merges): the FIFO the next input word is popped from (default: the one input),
    // and the cycle from which that word, with anything else it needs (the other input's word), is visible
    // (UINT64_MAX while something is missing). tick(), next_wake() and the II measurement use these two.
    virtual StreamChannel& source() const { return in_; }
    virtual uint64_t source_visible_cycle() const { return source().front_visible_cycle(); }
    // Words the module produces without an input (zero padding's pad pixels): called every cycle first.
    virtual void produce(uint64_t /*cycle*/) {}
    virtual uint64_t produce_wake(uint64_t /*cycle*/) const { return kNever; }
    // Clocked::ports for a module whose only channels are in_ and out_ (the concrete one-input modules
    // return this; a module with more channels must name them all).
    bool single_ports(std::vector<StreamChannel*>& inputs, std::vector<StreamChannel*>& outputs) const {
        inputs.push_back(&in_);
        outputs.push_back(&out_);
        return true;
    }
};

}  // namespace tlm4ml
