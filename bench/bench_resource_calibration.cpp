// Estimate vs published, row by row, for bench/resource_calibration.csv (README, "Resources: what the network
// needs"). Usage: bench_resource_calibration [calibration.csv]. Exit 1 if a row is outside its stated bound.
#include <cmath>
#include <cstdio>
#include <string>

#include <fmt/format.h>
#include <systemc>

#include "testbenches/report/resource_calibration.h"

using namespace tlm4ml;

int sc_main(int argc, char** argv) {
    const std::string path = argc > 1 ? argv[1] : std::string(TLM4ML_SOURCE_DIR) + "/bench/resource_calibration.csv";
    try {
        const auto rows = load_calibration(path);
        int outside = 0;
        std::array<double, 4> worst{};
        std::array<int, 4> asserted{};
        fmt::print("{:<34} {:<10}", "row", "figure");
        for (Resource r : kResources) fmt::print(" | {:>22}", fmt::format("{} est/pub (err)", to_string(r)));
        fmt::print("\n");
        for (const auto& row : rows) {
            const RowEstimate e = estimate_row(row, TLM4ML_SOURCE_DIR);
            fmt::print("{:<34} {:<10}", row.id, row.figure);
            if (!e.estimated) {
                fmt::print(" | not estimated: {}\n", e.why_not);
                continue;
            }
            for (size_t k = 0; k < 4; ++k) {
                const size_t est = resource_of(e.compared, kResources[k]);
                if (!row.published[k]) {
                    fmt::print(" | {:>22}", fmt::format("{}/-", est));
                    continue;
                }
                const double err = relative_error(static_cast<double>(est), *row.published[k]);
                const bool bounded = row.bound[k].has_value();
                const bool bad = bounded && !(std::fabs(err) <= *row.bound[k]);
                if (bounded) {
                    ++asserted[k];
                    worst[k] = std::max(worst[k], std::fabs(err));
                }
                outside += bad;
                fmt::print(" | {:>22}", fmt::format("{}/{:.0f} ({:+.0f}%){}", est, *row.published[k], 100 * err,
                                                    bad ? "!" : (bounded ? " " : "~")));
            }
            fmt::print("\n");
        }
        fmt::print("\n'~' recorded, not asserted (see the row's note); '!' outside the row's bound.\n");
        for (size_t k = 0; k < 4; ++k)
            fmt::print("{:<7} {:>2} asserted rows, worst |error| {:.1f}%\n", to_string(kResources[k]), asserted[k],
                       100 * worst[k]);
        fmt::print("{} figures outside their bound\n", outside);
        return outside ? 1 : 0;
    } catch (const std::exception& ex) {
        std::fprintf(stderr, "error: %s\n", ex.what());
        return 1;
    }
}
