// Runs sweep points in parallel on this machine: one forked worker per point, at most `jobs` at a time. The
// workers share the loaded data set copy-on-write and each hands its result back as a file
// (DIR/points/point_<index>.json), so memory stays at `jobs` models plus one copy of the data.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "testbenches/sweep/sweep_evaluate.h"

namespace tlm4ml {

struct RunOutcome {
    std::vector<PointResult> results;  // in point order: the ones done before and the new ones
    std::vector<size_t> failed;        // point indices whose worker failed (its message went to stderr)
    bool interrupted = false;          // SIGINT / SIGTERM: the running workers were stopped
};

// Evaluates every point not in `done` (matched by SweepPoint::key()). After each finished point
// `on_progress(results so far, in point order)` runs — it rewrites the results files, so an interruption
// leaves them consistent. `progress` draws a bar on standard error.
RunOutcome run_points(const SweepContext& ctx, const std::string& work_dir, const std::vector<SweepPoint>& points,
                      const std::vector<PointResult>& done, unsigned jobs, bool progress,
                      const std::function<void(const std::vector<PointResult>&)>& on_progress);

// Number of workers: $SLURM_CPUS_PER_TASK in a Slurm task, else the cores this process may use.
unsigned default_jobs();

}  // namespace tlm4ml
