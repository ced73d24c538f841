// CLI11 checks for option values: finite reals (NaN and infinities refused, which CLI11's own range checks
// let through) and plain non-negative integers (a minus sign refused before CLI11 converts "-1" into
// 2^64 - 1). A refusal is a usage error (exit 2) naming the option and the value.
#pragma once

#include <CLI/CLI.hpp>

namespace tlm4ml {

// A finite real in [min, max]; max = std::numeric_limits<double>::max() for "no upper bound".
CLI::Validator finite_in(double min, double max);
extern const CLI::Validator kNonNegativeInteger;

}  // namespace tlm4ml
