// The one simulation loop of `run`, on a terminal or not: SystemC runs in slices of simulated time until no
// process has anything left to do (finished, or stuck), and the progress bar is updated between slices.
#pragma once

#include <cstddef>
#include <functional>

#include <systemc>

#include "testbenches/cli/progress.h"

namespace tlm4ml {

// period: one clock cycle. done(): how far the job is, for the bar.
void simulate_until_idle(const sc_core::sc_time& period, const std::function<size_t()>& done, ProgressBar& bar);

}  // namespace tlm4ml
