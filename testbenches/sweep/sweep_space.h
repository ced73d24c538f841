// The points of a design-space sweep: the axes (precision, reuse factor, strategy, io type, sparsity), their
// cartesian product in a fixed order, and the hls4ml YAML configuration each point derives from the user's.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tlm4ml {

// Values left empty keep what the configuration says.
struct SweepAxes {
    std::vector<std::string> precisions;  // canonical spelling
    std::string precision_at;             // where they go: "" (HLSConfig.Model), "LayerType.<class>", "LayerName.<layer>"
    std::vector<int> reuse_factors;       // HLSConfig.Model.ReuseFactor
    std::vector<std::string> strategies;  // "Latency" / "Resource"
    std::vector<std::string> io_types;    // "io_parallel" / "io_stream"
    std::vector<double> sparsities;       // fraction of each layer's weights set to zero, in [0, 1)
};

// One configuration. Empty / 0 fields keep the configuration's value.
struct SweepPoint {
    size_t index = 0;
    std::string precision;
    std::string precision_at;  // "" (Model), "LayerType.<class>" or "LayerName.<layer>"
    int reuse_factor = 0;
    std::string strategy;
    std::string io_type;
    double sparsity = 0.0;

    // Identifies the point across runs (resuming, merging Slurm tasks): every setting, never the index.
    std::string key() const;
    nlohmann::json to_json() const;
    static SweepPoint from_json(const nlohmann::json& j, const std::string& where);
};

// Comma-separated lists; commas inside <...> belong to the type (ap_fixed<8,3>,ap_fixed<16,6> is two
// types). `widths` ("4..16", "4..16:2" or "4,8,16") replaces W in each precision. Throws std::invalid_argument
// naming the option and the value.
SweepAxes parse_axes(const std::string& precisions, const std::string& widths, const std::string& reuse,
                     const std::string& strategies, const std::string& io_types, const std::string& sparsities);
// The same axes from a sweep file (YAML or JSON: precision, widths, reuse, strategy, io_type, sparsity, each a
// list or a comma-separated string); unknown keys are refused. Throws std::invalid_argument naming the file.
SweepAxes read_axes_file(const std::string& path);

// Checks a precision target ("Model", "LayerType.<class>", "LayerName.<layer>"); returns it ("" for Model).
// Throws std::invalid_argument naming --precision-at.
std::string check_precision_target(const std::string& at);

// The cartesian product, precision outermost, then io type, strategy, reuse factor, sparsity.
std::vector<SweepPoint> enumerate_points(const SweepAxes& axes);

// The user's configuration with the point's settings in HLSConfig.Model (the precision where precision_at says;
// and IOType), the Keras paths made
// absolute so the file works from any folder. `all_precisions` also replaces every Precision in
// HLSConfig.LayerType / LayerName (the wide reference model). Throws std::runtime_error naming the file.
std::string derived_config_yaml(const std::string& config_path, const SweepPoint& point, bool all_precisions);

}  // namespace tlm4ml
