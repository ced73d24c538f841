// hls4ml's route for weights into the firmware: each value is written as decimal text with F decimals
// (F = fractional bits of the type, 0 for integer types), which the firmware reads as a double and converts
// with the type's modes. These give the exact value the firmware holds, and the model file's JSON for it.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "rtl_models/precision.h"

namespace tlm4ml {

// A configured type; "auto" is refused (the importer resolves it before asking). Throws ModelError naming `where`.
Precision parse_precision(const std::string& where, const std::string& text);

double firmware_value(double v, const Precision& p);
nlohmann::json values_json(const std::vector<double>& v, const Precision& p);

// Nested arrays of a C-order tensor (values as given).
nlohmann::json tensor_json(const double* v, const std::vector<size_t>& shape, size_t dim = 0);
nlohmann::json matrix_json(const std::vector<double>& v, size_t rows, size_t cols);

}  // namespace tlm4ml
