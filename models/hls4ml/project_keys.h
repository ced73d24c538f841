// The hls4ml project settings a tlm4ml model file may carry, so that a model `import` wrote runs as its YAML
// does: "backend" (Backend: picks the timing profile), "part" (Part), "clock_uncertainty" (ClockUncertainty,
// as a share of the clock period, 0 <= u < 0.9), "input_data" / "output_predictions" (InputData /
// OutputPredictions: paths relative to the model file's folder, or absolute).
#pragma once

#include <string>

#include <nlohmann/json_fwd.hpp>

#include "models/model.h"

namespace tlm4ml {

// Reads those keys of a model file `j` (at `path`, relative paths against base_dir) into m. Throws ModelError
// naming the file and the key.
void read_project_keys(const nlohmann::json& j, const std::string& path, const std::string& base_dir, Model& m);

// The same keys from a model loaded from a YAML, for a model file written to `out_path` (paths relative to
// its folder when they can be); only the settings the YAML gave (and the backend hls4ml would use).
void write_project_keys(const Model& m, const std::string& out_path, nlohmann::json& j);

}  // namespace tlm4ml
