#include "models/load_model.h"

#include <filesystem>
#include <fstream>

#include "models/checks/degenerate_firmware.h"
#include <fmt/format.h>

#include "models/hls4ml/hls4ml_config.h"
#include "models/hls4ml/project_keys.h"
#include "models/keras/keras_importer.h"
#include "rtl_models/clock_domain.h"
#include "testbenches/data/sample_io.h"

namespace tlm4ml {

namespace {

// Readable and compact: one top-level key per line, one line per layer.
std::string format_model_file(const nlohmann::json& m) {
    std::string out = "{\n";
    size_t k = 0;
    for (auto it = m.begin(); it != m.end(); ++it, ++k) {
        out += " " + nlohmann::json(it.key()).dump() + ": ";
        if (it.key() == "layers" && it->is_array()) {
            out += "[\n";
            for (size_t i = 0; i < it->size(); ++i) {
                const nlohmann::json& l = (*it)[i];
                std::string line;
                for (const char* first : {"name", "class"})  // name and class lead, for the reader
                    if (l.contains(first)) line += (line.empty() ? "" : ",") + nlohmann::json(first).dump() + ":" + l[first].dump();
                for (auto f = l.begin(); f != l.end(); ++f)
                    if (f.key() != "name" && f.key() != "class")
                        line += (line.empty() ? "" : ",") + nlohmann::json(f.key()).dump() + ":" + f->dump();
                out += "  {" + line + (i + 1 < it->size() ? "},\n" : "}\n");
            }
            out += " ]";
        } else {
            out += it->dump();
        }
        out += k + 1 < m.size() ? ",\n" : "\n";
    }
    return out + "}\n";
}

// The YAML's ClockPeriod becomes the model's clock_period_ns; checked here so that the message names the
// key the user wrote.
ImportedModel import_checked(const std::string& path) {
    ImportedModel imported = import_hls4ml_config(path);
    const auto it = imported.model.find("clock_period_ns");
    if (it != imported.model.end() && it->is_number())
        if (const std::string why = clock_period_problem(it->get<double>()); !why.empty())
            throw ModelError(fmt::format("{}: ClockPeriod: {}", path, why));
    return imported;
}

// The YAML's top-level settings that are not layers: the testbench files, Part, ClockUncertainty and the
// backend, which hls4ml takes to be Vivado when the YAML names none (model/graph.py HLSConfig.__init__).
void take_project_settings(const Hls4mlConfig& cfg, Model& m) {
    m.input_data_path = cfg.input_data;
    m.output_predictions_path = cfg.output_predictions;
    m.backend = cfg.backend.empty() ? "Vivado" : cfg.backend;
    m.backend_origin = cfg.backend.empty() ? fmt::format("hls4ml's default backend, Vivado (no Backend in {})", cfg.path)
                                           : fmt::format("Backend: {} in {}", cfg.backend, cfg.path);
    m.part = cfg.part;
    m.clock_uncertainty = cfg.clock_uncertainty;
}

}  // namespace

nlohmann::json load_model_document(const std::string& path, std::string& base_dir) {
    base_dir = std::filesystem::path(path).parent_path().string();
    if (is_hls4ml_config_path(path)) return import_hls4ml_config(path).model;
    std::ifstream f(path);
    if (!f) throw ModelError(path + ": cannot open the model file");
    try {
        return nlohmann::json::parse(f);
    } catch (const nlohmann::json::exception& e) {
        throw ModelError(path + ": malformed JSON: " + e.what());
    }
}

Model load_model(const std::string& path) {
    if (!is_hls4ml_config_path(path)) {
        Model m = load_model_file(path);
        for (auto& w : table_warnings(m)) m.warnings.push_back(std::move(w));
        return m;
    }
    ImportedModel imported = import_checked(path);
    Model m = load_model_json(imported.model, path, std::filesystem::path(path).parent_path().string());
    m.source_file = path;
    m.warnings.insert(m.warnings.begin(), imported.warnings.begin(), imported.warnings.end());
    take_project_settings(read_hls4ml_config(path), m);
    for (auto& w : table_warnings(m)) m.warnings.push_back(std::move(w));
    return m;
}

std::vector<std::string> import_to_model_file(const std::string& config_path, const std::string& out_path) {
    if (!is_hls4ml_config_path(config_path))
        throw ModelError(config_path + ": expected an hls4ml YAML configuration (.yml or .yaml)");
    ImportedModel imported = import_checked(config_path);
    // Build it once so that a model the loader would refuse is never written.
    Model m = load_model_json(imported.model, config_path, std::filesystem::path(config_path).parent_path().string());
    std::vector<std::string> warnings = imported.warnings;
    warnings.insert(warnings.end(), m.warnings.begin(), m.warnings.end());
    // The settings that make the model file run as the YAML does (models/hls4ml/project_keys.h).
    take_project_settings(read_hls4ml_config(config_path), m);
    write_project_keys(m, out_path, imported.model);
    write_files_atomically({{out_path, format_model_file(imported.model)}});
    return warnings;
}

}  // namespace tlm4ml
