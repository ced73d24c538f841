// The untimed reference: a forward pass through the model's layers with exactly the arithmetic the
// clocked modules use (each layer's compute()).
#pragma once

#include <vector>

#include "model.h"

namespace tlm4ml {

// Runs one sample (raw input values). With `trace`, every layer's output is kept, in layer order.
std::vector<int64_t> forward(const Model& model, const std::vector<int64_t>& input,
                             std::vector<std::vector<int64_t>>* trace = nullptr);

}  // namespace tlm4ml
