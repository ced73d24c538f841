#include "models/hls4ml/project_keys.h"

#include <cmath>
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "models/hls4ml/backend_profile.h"

namespace tlm4ml {

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& key, const std::string& what) {
    throw ModelError(fmt::format("{}: {}: {}", path, key, what));
}

std::string string_key(const nlohmann::json& j, const std::string& path, const char* key) {
    const nlohmann::json& v = j[key];
    if (!v.is_string() || v.get<std::string>().empty())
        fail(path, key, fmt::format("expected a non-empty string, got {}", v.dump()));
    return v.get<std::string>();
}

}  // namespace

void read_project_keys(const nlohmann::json& j, const std::string& path, const std::string& base_dir, Model& m) {
    if (j.contains("backend")) {
        m.backend = canonical_backend(string_key(j, path, "backend"), path + ": backend");
        m.backend_origin = fmt::format("\"backend\": \"{}\" in {}", m.backend, path);
    }
    if (j.contains("part")) m.part = string_key(j, path, "part");
    if (j.contains("clock_uncertainty")) {
        const nlohmann::json& v = j["clock_uncertainty"];
        if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < 0 || v.get<double>() >= 0.9)
            fail(path, "clock_uncertainty",
                 fmt::format("expected a share of the clock period in [0, 0.9) (0.125 for 12.5%), got {}", v.dump()));
        m.clock_uncertainty = v.get<double>();
    }
    for (const char* key : {"input_data", "output_predictions"}) {
        if (!j.contains(key)) continue;
        const std::filesystem::path p = string_key(j, path, key);
        const std::string resolved = p.is_absolute() || base_dir.empty() ? p.string() : (std::filesystem::path(base_dir) / p).string();
        (std::string(key) == "input_data" ? m.input_data_path : m.output_predictions_path) = resolved;
    }
}

void write_project_keys(const Model& m, const std::string& out_path, nlohmann::json& j) {
    if (!m.backend.empty()) j["backend"] = m.backend;
    if (!m.part.empty()) j["part"] = m.part;
    if (m.clock_uncertainty) j["clock_uncertainty"] = *m.clock_uncertainty;
    // Relative to the written file's folder, so the pair can move together; absolute when no relative path exists.
    std::error_code ec;
    const std::filesystem::path out_dir = std::filesystem::absolute(out_path, ec).parent_path();
    auto relative = [&](const std::string& p) {
        std::error_code e;
        const std::filesystem::path abs = std::filesystem::absolute(p, e);
        if (e || ec) return p;
        const std::filesystem::path rel = abs.lexically_normal().lexically_relative(out_dir.lexically_normal());
        return rel.empty() ? abs.lexically_normal().string() : rel.string();
    };
    if (!m.input_data_path.empty()) j["input_data"] = relative(m.input_data_path);
    if (!m.output_predictions_path.empty()) j["output_predictions"] = relative(m.output_predictions_path);
}

}  // namespace tlm4ml
