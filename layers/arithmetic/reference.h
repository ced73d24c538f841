// The untimed reference: a forward pass through the model's layers in file order (a topological order of
// the graph) with exactly the arithmetic the clocked modules use (each layer's compute()). A merge layer
// takes its inputs one after the other in one array.
#pragma once

#include <vector>

#include "models/model.h"

namespace tlm4ml {

// Runs one sample (raw input values). With `trace`, every layer's output is kept, in layer order.
std::vector<int64_t> forward(const Model& model, const std::vector<int64_t>& input,
                             std::vector<std::vector<int64_t>>* trace = nullptr);

// The same into output[model.output_size()] without allocating (once warm): the plan's pass for a chain
// (forward_plan.h: Dense + threshold pairs fused), the general one for a graph.
void forward(const Model& model, const int64_t* input, int64_t* output);

// What layer i computes on, given the sample and a trace of every layer's output (forward's): its
// producers' outputs one after the other (the model input for kModelInput).
std::vector<int64_t> layer_input(const Model& model, size_t i, const std::vector<int64_t>& input,
                                 const std::vector<std::vector<int64_t>>& trace);

}  // namespace tlm4ml
