#include "simulation_loop.h"

#include <algorithm>
#include <chrono>

namespace tlm4ml {

void simulate_until_idle(const sc_core::sc_time& period, const std::function<size_t()>& done, ProgressBar& bar) {
    using clock = std::chrono::steady_clock;
    // Slices adapt to the wall time they take (about 50 ms): idle gaps (--rate 10^9) are skipped in a few
    // long slices and a slow network still updates the bar often.
    constexpr double kMinCycles = 64, kMaxCycles = double(uint64_t{1} << 40);
    double cycles = 1000;
    // sc_pending_activity() is false before the first sc_start (nothing is scheduled yet): start first.
    do {
        // Never past SystemC's last representable time (64-bit picoseconds).
        const double room = (sc_core::sc_max_time() - sc_core::sc_time_stamp()) / period;
        if (room < 2) break;
        cycles = std::min(cycles, room / 2);
        const auto t0 = clock::now();
        // SC_EXIT_ON_STARVATION: time stops at the last event instead of running to the slice's end.
        sc_core::sc_start(period * cycles, sc_core::SC_EXIT_ON_STARVATION);
        const double ms = std::chrono::duration<double, std::milli>(clock::now() - t0).count();
        if (ms < 25) cycles = std::min(kMaxCycles, cycles * 2);
        else if (ms > 100) cycles = std::max(kMinCycles, cycles / 2);
        bar.update(done());
    } while (sc_core::sc_pending_activity());
    bar.finish();
}

}  // namespace tlm4ml
