// Evaluating one sweep point: its model (the derived configuration, then magnitude pruning), accuracy over
// the labelled samples with the bit-exact forward pass, agreement with a wide reference model, latency, II and
// resources from the cost model (with a part: % of it and whether the point fits), and with --simulate the
// clocked network's measured latency and II.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/model.h"
#include "testbenches/sweep/sweep_results.h"
#include "testbenches/sweep/sweep_space.h"

namespace tlm4ml {

// Everything about a sweep but its points: the same setup gives the same numbers for a point, locally or in a
// Slurm task. Stored as DIR/sweep.json.
struct SweepSetup {
    std::string config;          // hls4ml YAML configuration, absolute path
    std::string mnist;           // MNIST folder, or
    double mnist_scale = 256.0;
    std::string inputs, labels;  // sample file (+ labels: class indices or score rows)
    size_t samples = 0;          // 0: all
    // The "unquantized" model agreement is measured against: the same configuration with every precision
    // (Model, LayerType, LayerName) set to this type, its class the largest logit before a final Softmax.
    // QKeras quantizers keep their own types.
    std::string reference_precision = "ap_fixed<32,16>";
    std::string profile;         // device profile: "", "vitis", "vivado2019" or a JSON file
    std::string part;            // --part: the FPGA part for % of capacity and fits ("": the configuration's Part)
    size_t simulate = 0;         // --simulate: samples the clocked network runs per point (0: the cost model only)

    nlohmann::json to_json() const;
    static SweepSetup from_json(const nlohmann::json& j, const std::string& where);
};

// The data every point shares, loaded once before the workers fork (they read it copy-on-write).
class SweepContext {
public:
    // Loads the data set and the reference model; computes the reference predictions or reads them from
    // `work_dir`/reference_predictions.json (written here otherwise). Throws on bad input, naming the file.
    SweepContext(const SweepSetup& setup, const std::string& work_dir);

    // Evaluates one point; writes its derived configuration to `work_dir`/points/point_<index>.yml.
    PointResult evaluate(const SweepPoint& point) const;

    size_t sample_count() const { return labels_.empty() ? predictions_.size() : labels_.size(); }

private:
    SweepSetup setup_;
    std::string work_dir_;
    Model reference_;
    size_t width_ = 0;
    std::vector<float> inputs_;           // sample_count x width_, real values
    std::vector<int> labels_;             // empty without labels
    std::vector<int> predictions_;        // the reference model's classes
};

// Zeroes the `sparsity` fraction of smallest-magnitude weights of each Dense / Conv layer of `model`, ranked
// by the reference model's weights of the layer of the same name (so every precision prunes the same weights;
// ties go to the lower index). Binary and power-of-two weights (no zero code) are left alone.
void prune_by_magnitude(Model& model, const Model& reference, double sparsity);

// The class of an output vector: the first index of the largest raw value.
size_t argmax_raw(const std::vector<int64_t>& v);

}  // namespace tlm4ml
