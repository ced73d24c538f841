#include "testbenches/cli/option_checks.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>

#include <fmt/format.h>

namespace tlm4ml {

CLI::Validator finite_in(double min, double max) {
    return CLI::Validator(
        [min, max](std::string& text) -> std::string {
            char* end = nullptr;
            const double v = std::strtod(text.c_str(), &end);
            if (text.empty() || end != text.c_str() + text.size()) return "not a number: " + text;
            if (!std::isfinite(v)) return "must be a finite number, got " + text;
            if (v < min || v > max) return fmt::format("must be in [{}, {}], got {}", min, max, text);
            return "";
        },
        max == std::numeric_limits<double>::max() ? fmt::format("FINITE >= {}", min)
                                                  : fmt::format("FINITE in [{}, {}]", min, max));
}

const CLI::Validator kNonNegativeInteger(
    [](std::string& text) -> std::string {
        if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos)
            return "must be a non-negative integer, got " + text;
        errno = 0;
        std::strtoull(text.c_str(), nullptr, 10);
        if (errno == ERANGE) return "must be at most 2^64 - 1, got " + text;
        return "";
    },
    "INTEGER >= 0");

}  // namespace tlm4ml
