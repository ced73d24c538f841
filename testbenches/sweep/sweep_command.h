// `tlm4ml sweep`: design-space exploration over precision, reuse factor, strategy, io type and pruning.
//   tlm4ml sweep CONFIG.yml [axes] [data] [-o DIR]         all points on this machine, in parallel
//   tlm4ml sweep CONFIG.yml [axes] [data] -o DIR --slurm   a Slurm job array; then
//   tlm4ml sweep --collect DIR [--resubmit]                merge the tasks' results
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace tlm4ml {

struct SweepOptions {
    std::string config;
    std::string out;  // the sweep folder (default: <config stem>_sweep)
    // Axes.
    std::string axes_file, precisions, precision_at, widths, reuse, strategies, io_types, sparsities;
    // Data.
    std::string mnist, inputs, labels;
    double mnist_scale = 256.0;
    size_t samples = 0;
    std::string reference_precision = "ap_fixed<32,16>";
    std::string profile;
    std::string part;    // FPGA part for % of capacity and fits (default: the configuration's Part)
    size_t simulate = 0; // samples the clocked network runs per point (0: cost model only)
    // Running.
    unsigned jobs = 0;  // 0: every core
    bool no_plots = false;
    bool quiet = false;
    // Slurm.
    bool slurm = false;
    size_t chunk = 4;
    unsigned slurm_cpus = 1;
    std::vector<std::string> sbatch_args;
    std::string collect;
    bool resubmit = false;
    std::string task_dir;  // internal: the batch script's call
    long task_id = -1;
};

CLI::App* add_sweep_command(CLI::App& app, SweepOptions& opts);
int sweep_command(const SweepOptions& opts);

}  // namespace tlm4ml
