#include "testbenches/cli/simulation_loop.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include <fmt/format.h>

namespace tlm4ml {

void simulate_until_idle(const sc_core::sc_time& period, const std::function<size_t()>& done, ProgressBar& bar) {
    using clock = std::chrono::steady_clock;
    using sc_core::sc_time;
    // Slices adapt to the wall time they take (about 50 ms): a slow network still updates the bar often, and
    // idle gaps (--rate 10^9) are crossed in one slice reaching the next event.
    constexpr double kMinCycles = 64, kMaxCycles = double(uint64_t{1} << 40);
    double cycles = 1000;
    bool started = false;
    // sc_pending_activity() is false before the first sc_start (nothing is scheduled yet): start first.
    do {
        const sc_time room = sc_core::sc_max_time() - sc_core::sc_time_stamp();
        sc_time slice = period * cycles;
        if (started) {
            // SystemC's time is 64-bit picoseconds (about 213 days): an event beyond it cannot happen.
            const sc_time next = sc_core::sc_time_to_pending_activity();
            if (next >= room)
                throw std::runtime_error(fmt::format(
                    "the simulation would pass SystemC's last time (2^64 ps, about 213 days) at cycle {}: the next "
                    "event is {} s ahead; use a smaller --rate / --poisson or clock period",
                    static_cast<uint64_t>(sc_core::sc_time_stamp() / period), next.to_seconds()));
            slice = std::max(slice, next + period);
        }
        slice = std::min(slice, room);
        const auto t0 = clock::now();
        // SC_EXIT_ON_STARVATION: time stops at the last event instead of running to the slice's end.
        sc_core::sc_start(slice, sc_core::SC_EXIT_ON_STARVATION);
        started = true;
        const double ms = std::chrono::duration<double, std::milli>(clock::now() - t0).count();
        if (ms < 25) cycles = std::min(kMaxCycles, cycles * 2);
        else if (ms > 100) cycles = std::max(kMinCycles, cycles / 2);
        bar.update(done());
    } while (sc_core::sc_pending_activity());
    bar.finish();
}

}  // namespace tlm4ml
