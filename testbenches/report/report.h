// What a run measured, per layer and for the whole network, as a table for the terminal and as JSON.
#pragma once

#include "layers/arithmetic/overflow_profile.h"
#include "rtl_models/fpga_parts.h"

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "layers/network.h"
#include "testbenches/sample_timing.h"

namespace tlm4ml {

// One FIFO a row writes (io_parallel: the layer's output channel).
struct FifoReport {
    std::string name;
    size_t depth = 0;
    size_t max_occupancy = 0;
    uint64_t cycles_full = 0;
    bool unbounded = false;            // --fifo-depths auto's first run: no depth limit
    std::optional<size_t> sized_depth; // --fifo-depths auto: the depth written for it
};

// One row: a layer module, or an io_stream clone (class "Clone", named clone_<producer>, right after its
// producer; II expected StreamClone::kIi, latency 0, no resources, one output FIFO per consumer).
struct LayerReport {
    std::string name;
    std::string class_name;
    bool clone = false;
    std::string precision;
    int reuse_factor = 1;
    int expected_ii = 1;
    std::optional<int> measured_ii;  // in the network; empty: it never saw back-to-back inputs there
    std::optional<int> isolated_ii;  // in the --check-ii harness (back-to-back by construction)
    std::string isolated_note;       // why the harness has no measurement ("" when it has one or did not run)
    int expected_latency = 0;
    std::optional<int> latency_min;
    std::optional<int> latency_max;
    uint64_t inferences = 0;
    std::vector<FifoReport> outputs;  // the output FIFO (a clone: one per consumer, <producer>_cpy1, ...)
    LayerTiming cost;

    // "pass" when every measurement taken equals the expected II, "FAIL" when one differs,
    // "not measured" when there is none.
    std::string ii_verdict() const {
        if (!measured_ii && !isolated_ii) return "not measured";
        if ((measured_ii && *measured_ii != expected_ii) || (isolated_ii && *isolated_ii != expected_ii)) return "FAIL";
        return "pass";
    }
};

struct RunReport {
    std::string model;
    const FpgaPart* part = nullptr;  // the Part of the configuration (or --part): resources as % of it
    std::string io_type;
    std::string strategy;
    std::string profile;
    std::string profile_source;     // why this profile (--profile, the model's Backend, ...)
    std::string clock_uncertainty;  // "12.5%, hls4ml's Vivado default"
    double clock_period_ns = 5.0;
    size_t samples = 0;
    size_t received = 0;
    uint64_t total_cycles = 0;
    uint64_t evaluated_cycles = 0;  // cycles the clock domain evaluated (idle ones are skipped)
    int expected_latency = 0;       // io_parallel: the cost model's figure; io_stream: only a lower bound
    bool streaming = false;         // io_stream: network latency and II come from the simulation alone
    // The pipeline's own latency: from the cycle an input is accepted to the cycle its output leaves.
    std::optional<uint64_t> first_output_latency;
    uint64_t latency_min = 0, latency_max = 0;
    double latency_mean = 0;
    // How long a sample waited at the source: offered, not yet accepted (the network was busy).
    uint64_t source_wait_min = 0, source_wait_max = 0;
    double source_wait_mean = 0;
    int expected_ii = 1;
    std::optional<double> steady_state_ii;  // only with back-to-back inputs and no back-pressure
    double throughput_per_s = 0;            // the design's 1/II at the clock (steady-state, else expected II)
    // What the run achieved: samples received / simulated time (total_cycles), whatever the stimulus.
    double achieved_per_s() const {
        return total_cycles ? static_cast<double>(received) / (static_cast<double>(total_cycles) * clock_period_ns * 1e-9)
                            : 0.0;
    }
    std::vector<LayerReport> layers;
    // Checks
    size_t reference_mismatches = 0;
    std::string first_mismatch;
    std::optional<size_t> expected_mismatches;
    std::optional<double> accuracy;
    size_t labelled = 0;
    std::vector<std::string> warnings;
    // Keras' float predictions (the YAML's OutputPredictions) beside the outputs: agreement, not a check.
    struct KerasAgreementSummary {
        std::string file;
        size_t compared = 0;
        double same_class_share = 0;  // fraction of the compared samples whose argmax is Keras' argmax
        double max_abs_diff = 0, mean_abs_diff = 0;
    };
    std::optional<KerasAgreementSummary> keras;
    std::vector<LayerOverflow> overflows;  // per layer: values a saturating / wrapping cast changed
    bool deadlock = false;
    std::string fifo_sizing;      // --fifo-depths auto: what was written and whether the re-run agreed
    bool fifo_sizing_ok = true;
    bool fifo_sizing_run = false;
    std::optional<bool> check_ii_passed;  // set when --check-ii ran
    std::string deadlock_detail;
    size_t dsp = 0, lut = 0, ff = 0, bram18 = 0, multipliers = 0;
    double sim_wall_seconds = 0;  // wall time inside sc_start (elaboration and checks excluded)

    // The JSON report's layout version: bumped when a key changes meaning or disappears.
    static constexpr int kSchemaVersion = 1;

    // JSON: every row has "output_fifos" (name, depth, max_occupancy, cycles_full per FIFO) and, when it
    // writes one FIFO (every layer), the same object as "output_fifo" (null for a clone).
    nlohmann::json to_json() const;
    // The per-layer table with its legend, then the summary lines (summary_only: those alone).
    std::string to_table(bool summary_only = false) const;
};

// --check-ii: "" when every layer's measured II (in the network and isolated, whichever were taken) equals
// its expected II; otherwise " <layer> (<why>)" for every layer that fails, a layer with no measurement at
// all included (it never passes).
std::string ii_check_failures(const std::vector<LayerReport>& layers);

// Collects the measurements of a finished run: one row per layer module, and in io_stream one per clone
// after its producer (the network's evaluation order, which the II harness's benches follow too).
RunReport make_report(const Network& net, const SampleTiming& timing, bool back_to_back,
                      const std::string& profile_name);

}  // namespace tlm4ml
