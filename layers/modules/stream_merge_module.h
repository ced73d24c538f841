// Merge layers in io_stream (nnet_merge_stream.h): two input FIFOs, one output FIFO.
//   * Add, Subtract, Multiply, Average, Maximum, Minimum, and Concatenate on the last axis (channels, or two
//     whole-vector words): every iteration reads one word from each input and writes one word, so the
//     module pops both FIFOs in the same cycle and waits while either is empty (hls::stream reads block).
//   * Concatenate on another axis (concatenate2d_0 / 3d_0 / 3d_1): for each outer index, the input1 words of
//     that block, then the input2 words, one word per cycle each, copied out in that order; the input
//     the next word comes from is the only one it waits on.
// The arithmetic is the layer's own (MergeLayer), one word at a time; timing from stream_layer_cost.
#pragma once

#include <vector>

#include "layers/arithmetic/merge.h"
#include "layers/modules/stream_module.h"

namespace tlm4ml {

class StreamMergeModule : public StreamModuleOf<StreamMergeModule> {
public:
    // word1 / word2: values per word of each input FIFO (checked against the layer; throws
    // std::invalid_argument naming the layer when its inputs cannot be streamed that way).
    StreamMergeModule(sc_core::sc_module_name name, const MergeLayer& layer, const LayerTiming& timing,
                      StreamChannel& in1, StreamChannel& in2, StreamChannel& out);

    // The values per output word for inputs in words of word1 / word2 values (throws as above).
    static size_t output_word(const MergeLayer& layer, size_t word1, size_t word2);

    const StreamChannel& input2() const { return in2_; }
    const MergeLayer& merge_layer() const { return merge_; }
    bool ports(std::vector<StreamChannel*>& inputs, std::vector<StreamChannel*>& outputs) const override {
        inputs.push_back(&in_);
        inputs.push_back(&in2_);
        outputs.push_back(&out_);
        return true;
    }
    // The input FIFOs the next output word still waits on (empty ones; both for a paired read).
    std::vector<const StreamChannel*> waiting_on() const;

private:
    friend class StreamModuleOf<StreamMergeModule>;
    StreamChannel& source() const;
    uint64_t source_visible_cycle() const;
    bool may_take(uint64_t cycle) const;
    void take(const InputWord& in, uint64_t cycle);

    const MergeLayer& merge_;
    StreamChannel& in2_;
    bool paired_;
    size_t run1_ = 0, run2_ = 0;  // sequential concatenation: words of input1, then of input2, per block
    size_t pos_ = 0;              // position in the current block
};

// Instantiated once, in stream_merge_module.cpp, where the hooks can be inlined.
extern template class StreamModuleOf<StreamMergeModule>;

}  // namespace tlm4ml
