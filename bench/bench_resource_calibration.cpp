// Estimate vs published, row by row, for bench/resource_calibration.csv (README, "Resources: what the network
// needs"). Usage: bench_resource_calibration [calibration.csv]. Exit 1 if a row is outside its stated bound.
#include <algorithm>
#include <array>
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
        // Per split (fitted, held_back, recorded) and resource: asserted figures and their worst |error|, and
        // the worst |error| over every figure compared (asserted or not).
        const std::array<std::string, 3> splits = {"fitted", "held_back", "recorded"};
        std::array<std::array<double, 4>, 3> worst{}, worst_any{};
        std::array<std::array<int, 4>, 3> asserted{}, compared{};
        fmt::print("{:<34} {:<10} {:<9}", "row", "figure", "split");
        for (Resource r : kResources) fmt::print(" | {:>22}", fmt::format("{} est/pub (err)", to_string(r)));
        fmt::print("\n");
        for (const auto& row : rows) {
            const RowEstimate e = estimate_row(row, TLM4ML_SOURCE_DIR);
            const size_t sp = static_cast<size_t>(std::find(splits.begin(), splits.end(), row.split) - splits.begin());
            fmt::print("{:<34} {:<10} {:<9}", row.id, row.figure, row.split);
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
                    ++asserted[sp][k];
                    worst[sp][k] = std::max(worst[sp][k], std::fabs(err));
                }
                ++compared[sp][k];
                worst_any[sp][k] = std::max(worst_any[sp][k], std::fabs(err));
                outside += bad;
                fmt::print(" | {:>22}", fmt::format("{}/{:.0f} ({:+.0f}%){}", est, *row.published[k], 100 * err,
                                                    bad ? "!" : (bounded ? " " : "~")));
            }
            fmt::print("\n");
        }
        fmt::print("\n'~' recorded, not asserted (see the row's note); '!' outside the row's bound.\n");
        for (size_t sp = 0; sp < splits.size(); ++sp)
            for (size_t k = 0; k < 4; ++k)
                fmt::print("{:<9} {:<7} {:>3} asserted rows, worst |error| {:6.1f}%; {:>3} compared, worst {:.1f}%\n",
                           splits[sp], to_string(kResources[k]), asserted[sp][k], 100 * worst[sp][k], compared[sp][k],
                           100 * worst_any[sp][k]);
        fmt::print("{} figures outside their bound\n", outside);
        return outside ? 1 : 0;
    } catch (const std::exception& ex) {
        std::fprintf(stderr, "error: %s\n", ex.what());
        return 1;
    }
}
