// How forward() runs a chain model without a trace, worked out once per model: each Dense layer followed by a
// threshold it fuses with (dense_threshold.h) becomes one step, an XNOR Dense layer a table lookup per output
// (with the BatchNormalization after it, xnor_lookup.h), every tensor that both sides of a hand-off
// compute on packed goes packed, and the buffers' sizes are known in advance, so a pass allocates nothing and
// decides nothing per layer. The model keeps its plan (Model::forward_plan) and the plan the serial numbers
// of the layers it was built for: a model whose layers changed gets a new one.
#pragma once

#include <memory>
#include <vector>

#include "layers/arithmetic/layer.h"

namespace tlm4ml {

struct Model;

struct ForwardPlan {
    struct Step {
        const Layer* layer;
        Packing in = Packing::None;   // how the step's input arrives
        Packing out = Packing::None;  // how it hands its output on
    };
    std::vector<Step> steps;
    std::vector<LayerPtr> fused;      // the steps that stand for model layers (they refer to them)
    std::vector<uint64_t> serials;    // of the model's layers, in order
    size_t max_values = 0;            // the largest tensor handed on as values
    size_t max_words = 0;             // ... as packed words

    // Fusing pairs or not (a plan without fusion hands on packed words only).
    static std::shared_ptr<const ForwardPlan> build(const Model& model, bool fuse = true);
    // Whether it was built for these layers (a chain, the same layer objects).
    bool fits(const Model& model) const;
    // One sample: output gets the last step's n_out values. Not reentrant (per-thread buffers).
    void run(const int64_t* input, int64_t* output) const;
};

}  // namespace tlm4ml
