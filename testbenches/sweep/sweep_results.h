// What a sweep measures at each point, the Pareto fronts over the points, and the results files:
// results.json and results.csv (one row per point, in point order) and the gnuplot script that draws them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "testbenches/sweep/sweep_space.h"

namespace tlm4ml {

struct PointResult {
    SweepPoint point;
    // What the point's model resolved to (the configuration's values where the point keeps them).
    std::string precision;  // the model's default precision
    int reuse_factor = 1;
    std::string strategy;
    std::string io_type;
    size_t samples = 0;
    std::optional<double> accuracy;  // against the labels; absent without labels
    double agreement = 0.0;          // same class as the wide reference model
    size_t zero_weights = 0;         // after pruning, over Dense / Conv layers
    size_t weights = 0;
    int latency_cycles = 0;
    double latency_ns = 0.0;
    int ii = 0;
    size_t dsp = 0, lut = 0, ff = 0, bram18 = 0;
    // With a part (--part, else the configuration's Part): its device, the resources as % of its capacity,
    // and whether the point fits (every resource at most 100%). Empty / absent without a part.
    std::string part;
    std::optional<double> dsp_percent, lut_percent, ff_percent, bram18_percent;
    std::optional<bool> fits;
    // --simulate: the clocked network on the first sim_samples samples, offered back-to-back, measured as
    // `tlm4ml run` measures it: the first sample's input-accepted -> output latency, the steady-state II
    // (absent with fewer than 3 outputs), outputs that differ from the untimed forward pass.
    size_t sim_samples = 0;
    std::optional<uint64_t> sim_latency_cycles;
    std::optional<double> sim_ii;
    size_t sim_mismatches = 0;
    // Pareto fronts: accuracy (agreement without labels) against each cost; the latency is the simulated one
    // when there is one. With a part, only points that fit are on (or can push others off) a front.
    bool pareto_dsp = false, pareto_lut = false, pareto_latency = false;

    // The latency the fronts and plots use: simulated, else the cost model's.
    double latency_for_front() const {
        return sim_latency_cycles ? static_cast<double>(*sim_latency_cycles) : static_cast<double>(latency_cycles);
    }

    // The precision the point sets, else the model's: the "precision" column and the plots' curves.
    const std::string& precision_label() const { return point.precision.empty() ? precision : point.precision; }

    nlohmann::json to_json() const;
    static PointResult from_json(const nlohmann::json& j, const std::string& where);
};

// Marks the points no other point beats: at least as accurate and no costlier, better in one of the two.
void mark_pareto(std::vector<PointResult>& results);

// results.json content: {"points": [...]}; read back for resuming and merging.
std::string results_json(const std::vector<PointResult>& results);
std::vector<PointResult> read_results_json(const std::string& path);
std::string results_csv(const std::vector<PointResult>& results);

// Writes DIR/plot.dat and DIR/plots.gp (accuracy vs DSP, accuracy vs LUT, latency vs reuse factor, one curve
// per precision) and, when gnuplot is installed, runs it (DIR/*.png). Returns a line for the user.
std::string write_plots(const std::string& dir, const std::vector<PointResult>& results);

}  // namespace tlm4ml
