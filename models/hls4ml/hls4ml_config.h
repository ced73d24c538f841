// An hls4ml YAML configuration as hls4ml users write it (keras-config.yml): where the Keras model is
// (KerasJson + KerasH5, or KerasModel), IOType, ClockPeriod, Part, and HLSConfig with Model / LayerName /
// LayerType sections (Precision, ReuseFactor, Strategy, table types). Unknown keys are refused by name.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tlm4ml {

// One HLSConfig entry (Model, LayerName.<name> or LayerType.<class>).
struct Hls4mlLayerConfig {
    // Precision: a string is stored under "default"; a mapping under its keys (weight, bias, result, ...).
    std::map<std::string, std::string> precision;
    std::optional<int> reuse_factor;
    std::optional<std::string> strategy;
    // Other scalar settings (table_size, exp_table_t, implementation, ...), by their YAML key.
    std::map<std::string, std::string> settings;
    std::string where;  // "CONFIG.yml: HLSConfig.LayerName.fc1", for messages
};

struct Hls4mlConfig {
    std::string path;          // the YAML file
    std::string keras_json;    // resolved paths ("" when not given)
    std::string keras_h5;
    std::string keras_model;
    std::string io_type = "io_parallel";
    double clock_period_ns = 5.0;
    std::string part;
    std::string backend;  // "Vivado", "VivadoAccelerator", "Vitis" (canonical_backend), or "" when the file names none
    // ClockUncertainty as a share of the period (hls4ml's default when absent: Vivado 12.5%, Vitis 27%).
    std::optional<double> clock_uncertainty;
    std::string input_data;          // InputData / OutputPredictions (hls4ml's testbench files), resolved
    std::string output_predictions;
    std::string project_name;
    Hls4mlLayerConfig model;
    std::map<std::string, Hls4mlLayerConfig> layer_name;  // keys lower-cased, as hls4ml matches them
    std::map<std::string, Hls4mlLayerConfig> layer_type;  // keys lower-cased

    // hls4ml's get_precision: LayerName[name][var], LayerName[name] default, LayerType[class][var],
    // LayerType[class] default, Model[var], Model default, then `fallback`.
    std::string precision(const std::string& layer, const std::vector<std::string>& classes, const std::string& var,
                          const std::string& fallback) const;
    // Only an explicit, variable-specific setting (for types with backend defaults such as table_t), or "".
    std::string explicit_precision(const std::string& layer, const std::vector<std::string>& classes,
                                   const std::string& var) const;
    int reuse_factor(const std::string& layer, const std::vector<std::string>& classes) const;
    std::string strategy(const std::string& layer, const std::vector<std::string>& classes) const;
    // A per-layer setting (LayerName, then LayerType), or "".
    std::string setting(const std::string& layer, const std::vector<std::string>& classes, const std::string& key) const;
};

// Reads and checks the YAML file; relative paths resolve against its folder. Throws ModelError.
Hls4mlConfig read_hls4ml_config(const std::string& path);

// Whether a path names an hls4ml YAML configuration (.yml / .yaml).
bool is_hls4ml_config_path(const std::string& path);

}  // namespace tlm4ml
