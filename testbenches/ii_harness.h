// Per-layer II validation in isolation: inside a network a layer only sees inputs as fast as the layers
// before it deliver them (after an R=2 layer, every other cycle; in io_stream, a conv after a pooling layer
// gets a pixel only every few cycles), so its own II often cannot be measured there. The harness gives every
// layer a private bench: a copy of its module (same layer object, same LayerTiming) between its own input
// and output channels, a source that pushes the layer's real inputs (from the untimed reference) whenever
// the input channel has room, and a sink that takes every output the cycle it is written. No module takes
// more than one item per cycle and the source offers one per cycle, so the module never waits on the bench:
// every gap it leaves is its own, and the smallest one is its II.
//
// What "II" is, per module kind (expected: the module's LayerTiming; measured: in the bench):
//   io_parallel layer (LayerModule): cycles between two input tensors; measured by the module's stats, the
//     smallest gap between back-to-back accepts. A merge gets one source per input and takes both tensors in
//     one cycle, as in the network.
//   io_stream, one item per iteration of the layer's pipelined loop:
//   - line-buffer Conv / pooling (StreamConvModule): cycles between input pixel words (conv R, pooling 1),
//     whether or not the pixel completes a window; measured by the module's stats (smallest gap between
//     back-to-back input words), across rows and across images.
//   - element-wise layers (activations, BatchNorm, softmax on a whole-vector word; StreamPixelModule): cycles
//     between input words, each giving one output word (stream_layer_cost's rule per kind); measured the same way.
//   - zero padding (StreamPixelModule on a ZeroPaddingLayer): cycles between output words, pad or copied (1).
//     It reads an input pixel only in the copying iterations, so its input words are not evenly spaced (the
//     pad pixels of a row boundary, whole pad rows between images): measured as the smallest gap between
//     output words.
//   - whole-tensor layers (Dense, global pooling; StreamDenseModule): cycles between two tensors: the words,
//     read one per cycle, then the latency to the result's write before the next tensor is read (Dense: no
//     fewer than R). Measured as the smallest gap
//     between output words (one per tensor, a fixed latency after the kernel took the tensor), so it needs
//     two tensors: the gap between two inferences.
//   - merges (StreamMergeModule; two input FIFOs, one source each, fed the words of the two layers the merge
//     names, as the untimed reference computed them): cycles between two reads, an iteration of the merge's
//     loop. A read is back-to-back when everything it pops was visible no later than the cycle after the
//     previous read; measured by the module's stats through its source() / source_visible_cycle() hooks,
//     exactly as in the network.
//     * element-wise merges and Concatenate on the last axis (paired reads): one word of each input popped in
//       the same cycle, one output word; a read waits for the later of the two words. Expected (stream_layer_
//       cost): Add / Subtract / Concatenate 1, Multiply / Average / Maximum / Minimum R.
//     * Concatenate on another axis (block reads): per outer index, input 1's block of words, then input 2's,
//       one word per read from whichever FIFO the block order names; the II is the gap between consecutive
//       reads whatever FIFO they come from, the switch from one block to the other included (the other
//       source has filled its FIFO meanwhile). Expected 1 (wiring).
//   - clones (StreamClone, io_stream only; one input FIFO fed the producer's words, one sink per output FIFO):
//     cycles between input words, each written to every output in the cycle it is read; measured by the
//     clone's stats as a stream layer's. Expected StreamClone::kIi (hls4ml's clone_stream, PIPELINE II=1).
//     Every output must carry every word.
// The benches come in the per-layer report's order: the network's parts in evaluation order, a clone right
// after its producer (io_parallel clones are wiring: no row, no bench).
// A layer without a measurement (fewer than two items, a bench that stopped, a module kind the harness
// cannot copy yet) gets none and a note saying why; its outputs are also compared with the reference, and a
// bench whose copy computes something else gives no measurement either.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "layers/network.h"
#include "rtl_models/clock_domain.h"
#include "testbenches/stimulus.h"

namespace tlm4ml {

struct IsolatedIi {
    std::string layer;
    std::optional<int> ii;  // empty: not measured, see note
    std::string note;       // why there is no measurement ("" when there is one)
};

class IsolatedIiHarness {
public:
    // At most this many samples feed the benches: io_parallel layers take a tensor per cycle or per R,
    // io_stream layers a word per cycle, so a few images already take thousands of cycles.
    static constexpr size_t kParallelSamples = 16;
    static constexpr size_t kStreamSamples = 4;

    // Elaborates one bench per layer module (and io_stream clone) of `net`, in network order (the report's
    // row order), fed with the first samples.
    IsolatedIiHarness(const Network& net, const std::vector<std::vector<int64_t>>& samples);
    ~IsolatedIiHarness();

    // Adds every bench (source, module copy, sink) to the clock domain.
    void attach(ClockDomain& domain);
    // Every bench has delivered all its outputs.
    bool done() const;
    // Transfers so far in the benches' channels (for the clock domain's stall limit).
    uint64_t progress() const;
    // After the simulation: one result per bench, in network order (the report's row order; a clone's result
    // is under its name, clone_<producer>).
    std::vector<IsolatedIi> results() const;

    struct Bench;

private:
    std::vector<std::unique_ptr<Bench>> benches_;
};

}  // namespace tlm4ml
