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
#include <deque>
#include <string>

#include <systemc>

#include "layers/arithmetic/layer.h"
#include "layers/modules/layer_module.h"
#include "rtl_models/clock_domain.h"
#include "rtl_models/cost_model.h"
#include "rtl_models/stream_channel.h"

namespace tlm4ml {

class StreamModule : public sc_core::sc_module, public Clocked {
public:
    StreamModule(sc_core::sc_module_name name, const Layer& layer, const LayerTiming& timing, StreamChannel& in,
                 StreamChannel& out);

    void tick(uint64_t cycle) override;
    uint64_t next_wake(uint64_t cycle) const override;

    const Layer& layer() const { return layer_; }
    const LayerTiming& timing() const { return timing_; }
    const LayerStats& stats() const { return stats_; }
    const StreamChannel& input() const { return in_; }
    const StreamChannel& output() const { return out_; }
    size_t in_flight() const { return pending_.size(); }
    // For waveforms: words in the pipeline / a finished word waits for a full output (after the cycle's tick).
    bool busy() const { return !pending_.empty(); }
    bool stalled(uint64_t cycle) const { return !pending_.empty() && pending_.front().due_cycle <= cycle; }

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
    void queue_output(Token&& t, uint64_t start_cycle, uint64_t due_cycle);
    // Clocked::ports for a module whose only channels are in_ and out_ (the concrete one-input modules
    // return this; a module with more channels must name them all).
    bool single_ports(std::vector<StreamChannel*>& inputs, std::vector<StreamChannel*>& outputs) const {
        inputs.push_back(&in_);
        outputs.push_back(&out_);
        return true;
    }
    bool queue_full() const { return pending_.size() >= capacity_; }
    void emit(uint64_t cycle);

    const Layer& layer_;
    LayerTiming timing_;
    bool measure_word_ii_ = true;  // false where timing_.ii is not a per-word interval (Dense)
    // Zero padding: its II is the interval between output words (pad or copied); its input words are
    // unevenly spaced by design (a row's pad pixels go out between them), so the II is measured on emits.
    bool measure_output_ii_ = false;
    uint64_t last_emit_ = 0;
    StreamChannel& in_;
    StreamChannel& out_;
    size_t capacity_;
    uint64_t next_accept_ = 0;

private:
    struct Pending {
        Token token;
        uint64_t start_cycle;
        uint64_t due_cycle;
    };
    std::deque<Pending> pending_;
    LayerStats stats_;
};

}  // namespace tlm4ml
