// `tlm4ml run`: options and the command that builds and simulates the clocked network.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>


namespace tlm4ml {

// A command line that is wrong whatever the files hold (conflicting or dangling options, values out of range):
// exit code 2. What only reading a file shows (an option that does not fit the model, a --trace-filter that
// matches none of its names) is bad input: exit code 1.
class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct RunOptions {
    std::string model;
    std::string inputs;
    std::string outputs;
    std::string expected;
    double tolerance = 0.0;
    std::string labels;
    std::string mnist;          // folder with t10k-images-idx3-ubyte.gz + t10k-labels-idx1-ubyte.gz
    double mnist_scale = 256.0; // pixel / mnist_scale (QKeras' MNIST examples: x /= 256.0)
    std::string report;
    std::string vcd;
    std::string trace_filter;
    std::string profile;
    std::string part;           // FPGA part for % of capacity (default: the configuration's Part)
    bool check_ii = false;
    bool overflow_profile = false;  // count saturated / wrapped values per layer (a second, widened pass)
    int rate = 1;
    double poisson_mean = 0.0;
    double backpressure = 0.0;
    unsigned seed = 1;
    size_t samples = 0;
    size_t trace_elements = 4;  // TraceOptions::kDefaultTraceElements
    bool trace_raw = false;
    uint64_t deadlock_cycles = 100000;
    bool quiet = false;
    std::string fifo_depths;           // io_stream: "auto" or a JSON file {"fifo name": depth}
    std::string fifo_depths_out;       // default fifo_depths.json
    std::vector<std::string> argv;     // the command line, to re-run with the sized FIFOs
    bool sized_rerun = false;          // hidden: this process is --fifo-depths auto's re-run
};

CLI::App* add_run_command(CLI::App& app, RunOptions& opts);
int run_command(const RunOptions& opts);

}  // namespace tlm4ml
