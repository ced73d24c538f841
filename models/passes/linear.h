// hls4ml's EliminateLinearActivation and MergeLinearActivation (hls4ml/model/optimizer/passes/linear.py): a
// linear activation is dropped when it casts nothing (its result type is its input's) or when the layer before
// it has an "auto" output type (the parent takes the activation's place); otherwise it stays, as a cast to its
// result type.
#pragma once

#include <string>

namespace tlm4ml {

// Whether a linear activation stays in the firmware. `input_type` is the type it reads ("" when unknown
// here, "auto" when the parent's type is left to infer_precision); `result_type` its configured type.
// Throws ModelError naming `where` for a type that does not parse.
bool linear_activation_stays(const std::string& input_type, const std::string& result_type, const std::string& where);

}  // namespace tlm4ml
