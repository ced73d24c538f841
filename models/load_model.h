// The one entry point the commands use to get a Model: tlm4ml's JSON model file, or an hls4ml YAML
// configuration (.yml / .yaml) whose Keras model is imported on the fly.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "models/model.h"

namespace tlm4ml {

// Throws ModelError.
Model load_model(const std::string& path);

// The model document load_model builds the Model from (the file's JSON, or what the importer makes of a
// YAML configuration), with the folder its relative .npy paths resolve against.
nlohmann::json load_model_document(const std::string& path, std::string& base_dir);

// `tlm4ml import`: writes the imported model as tlm4ml's JSON model file (under a temporary name, then
// renamed). Returns the warnings.
std::vector<std::string> import_to_model_file(const std::string& config_path, const std::string& out_path);

}  // namespace tlm4ml
