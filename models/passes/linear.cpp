// Mirrors hls4ml/model/optimizer/passes/linear.py.
#include "models/passes/linear.h"

#include <fmt/format.h>

#include "models/model.h"
#include "models/passes/infer_precision.h"
#include "rtl_models/precision.h"

namespace tlm4ml {

namespace {

Precision parse(const std::string& where, const std::string& text) {
    try {
        return Precision::parse(text);
    } catch (const PrecisionError& e) {
        throw ModelError(fmt::format("{}: {}", where, e.what()));
    }
}

}  // namespace

bool linear_activation_stays(const std::string& input_type, const std::string& result_type, const std::string& where) {
    if (input_type.empty() || is_auto_precision(input_type)) return false;  // MergeLinearActivation
    return parse(where, result_type) != parse(where, input_type);           // EliminateLinearActivation
}

}  // namespace tlm4ml
