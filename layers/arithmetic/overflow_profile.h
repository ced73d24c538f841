// Per-layer overflow counts over a run, on the firmware's own arithmetic (issue 11 item 3): how often each
// layer's accumulator or output cast saturated or wrapped, as hls4ml's profiling plots suggest but measured.
//
// How: a second copy of the model is built from the same model document with every fixed-point `result` and
// `accum` type widened by kExtraIntegerBits integer bits (same fractional bits, same modes, capped at 64
// bits), so that it computes exactly the same values except where the original overflowed. Each layer of
// the copy is fed the original layer's own inputs (from the original's trace); an output value that differs
// is one overflow (saturation or wrap) in that layer. Layers whose types cannot be widened (integer and
// binary/ternary types, types already 64 bits wide, layers without result / accum types) are reported as
// not measured.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "models/model.h"

namespace tlm4ml {

struct LayerOverflow {
    std::string layer;
    bool measured = false;   // false: the layer's types could not be widened
    uint64_t values = 0;     // output values observed
    uint64_t overflowed = 0;  // of those, values changed by a saturating / wrapping cast inside the layer
};

class OverflowProfile {
public:
    static constexpr int kExtraIntegerBits = 24;

    // `model_path` is the MODEL argument (model file or hls4ml YAML) `model` was loaded from. Throws
    // ModelError if the document cannot be read again.
    OverflowProfile(const std::string& model_path, const Model& model);
    ~OverflowProfile();

    // One sample: its raw input and the original model's trace (forward(..., &trace)).
    void observe(const std::vector<int64_t>& input, const std::vector<std::vector<int64_t>>& trace);

    const std::vector<LayerOverflow>& layers() const { return counts_; }
    // One line per measured layer that overflowed on at least `share` of its values (0..1), naming the
    // layer, its result type and the counts.
    std::vector<std::string> warnings(double share) const;

private:
    const Model& model_;
    std::unique_ptr<Model> wide_;
    std::vector<LayerOverflow> counts_;
};

}  // namespace tlm4ml
