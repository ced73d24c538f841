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

// An input word, read in place in its FIFO.
struct InputWord {
    uint64_t sample;
    const int64_t* data;
    size_t size;
};

// What the network holds of every io_stream module. A kind derives from StreamModuleOf<Kind> below and
// hides the hooks it needs; the defaults here are those of a one-input module.
class StreamModule : public ClockedModule {
protected:
    StreamModule(sc_core::sc_module_name name, const Layer& layer, const LayerTiming& timing, StreamChannel& in,
                 StreamChannel& out);

    // The hooks (not virtual: StreamModuleOf calls the kind's own, so a word costs no virtual call):
    //   void take(const InputWord& in, uint64_t cycle): the input word being taken (cycle = accept cycle; it is
    //     popped afterwards): computes the words it completes into output_slot(), which puts them in flight.
    // Whether the next input word may be taken in this cycle besides the ii (default: always).
    bool may_take(uint64_t /*cycle*/) const { return true; }
    // Multiple-input modules (merges): the FIFO the next input word is popped from (default: the one input),
    // and the cycle from which that word, with anything else it needs (the other input's word), is visible
    // (UINT64_MAX while something is missing). tick(), next_wake() and the II measurement use these two.
    StreamChannel& source() const { return in_; }
    uint64_t source_visible_cycle() const { return in_.front_visible_cycle(); }
    // Words the module produces without an input (zero padding's pad pixels): called every cycle first.
    void produce(uint64_t /*cycle*/) {}
    uint64_t produce_wake(uint64_t /*cycle*/) const { return kNever; }
    // Clocked::ports for a module whose only channels are in_ and out_ (the concrete one-input modules
    // return this; a module with more channels must name them all).
    bool single_ports(std::vector<StreamChannel*>& inputs, std::vector<StreamChannel*>& outputs) const {
        inputs.push_back(&in_);
        outputs.push_back(&out_);
        return true;
    }
};

// The clocked behaviour every stream module kind shares, calling the kind's hooks directly (CRTP).
template <class Kind>
class StreamModuleOf : public StreamModule {
public:
    void tick(uint64_t cycle) final {
        Kind& kind = static_cast<Kind&>(*this);
        emit(cycle);
        kind.produce(cycle);
        StreamChannel& src = kind.source();
        if (may_accept(cycle) && kind.may_take(cycle) && src.can_pop(cycle)) {
            accepted(cycle, kind.source_visible_cycle());  // take() may move the next accept
            kind.take(InputWord{src.front_sample(), src.front_data(), src.width()}, cycle);
            src.drop(cycle);
            emit(cycle);  // a zero-latency word passes on in the same cycle
        }
    }
    uint64_t next_wake(uint64_t cycle) const final {
        const Kind& kind = static_cast<const Kind&>(*this);
        return wake_after(cycle, kind.source_visible_cycle(), kind.produce_wake(cycle));
    }

protected:
    using StreamModule::StreamModule;
};

}  // namespace tlm4ml
