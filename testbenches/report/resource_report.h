// The resource section of the report: per-layer DSP / LUT / FF / BRAM18, totals, % of the FPGA part and the
// uncertainty the calibration measured (README, "Resources: what the network needs").
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "rtl_models/fpga_parts.h"
#include "rtl_models/resource_model.h"

namespace tlm4ml {

struct LayerResources {
    std::string name;
    ResourceEstimate resources;
};

// Relative uncertainty of each total, as measured on the calibration rows with a bound
// (bench/resource_calibration.csv); empty where no fully known published row checks the figure.
struct ResourceUncertainty {
    std::optional<double> dsp, lut, ff, bram18;
    std::optional<double> csynth_lut, csynth_ff;  // the HLS C-synthesis count's bound on its baselines
};
ResourceUncertainty calibrated_uncertainty();

ResourceEstimate total_resources(const std::vector<LayerResources>& layers);

// A text table: one line per layer, the total, and (with a part) the total as % of the part's capacity.
std::string format_resource_table(const std::vector<LayerResources>& layers, const FpgaPart* part);

// {"figure": "post-synthesis estimate", "layers": [{name, dsp, lut, ff, bram18}...], "total": {...},
//  "part": {device, capacity, percent}?, "uncertainty": {dsp: 0.1, lut: null, ...}}
nlohmann::json resource_json(const std::vector<LayerResources>& layers, const FpgaPart* part);

}  // namespace tlm4ml
