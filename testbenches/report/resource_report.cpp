#include "testbenches/report/resource_report.h"

#include <fmt/format.h>

namespace tlm4ml {

ResourceUncertainty calibrated_uncertainty() {
    // The worst |estimate / published - 1| of bench_resource_calibration over the rows with a bound
    // (tests/test_resource_model.cpp checks these still cover it). No fully known post-synthesis row
    // checks LUT or FF yet (README): they stay without a measured uncertainty.
    ResourceUncertainty u;
    u.dsp = 0.10;
    u.bram18 = 0.06;
    u.csynth_lut = 0.25;
    u.csynth_ff = 0.25;
    return u;
}

ResourceEstimate total_resources(const std::vector<LayerResources>& layers) {
    ResourceEstimate t;
    for (const auto& l : layers) t += l.resources;
    return t;
}

namespace {

double percent(size_t used, size_t capacity) {
    return capacity == 0 ? 0.0 : 100.0 * static_cast<double>(used) / static_cast<double>(capacity);
}

std::string plus_minus(const std::optional<double>& u) {
    return u ? fmt::format("+-{:.0f}%", 100 * *u) : std::string("uncalibrated");
}

}  // namespace

std::string format_resource_table(const std::vector<LayerResources>& layers, const FpgaPart* part) {
    // Every line fits kWidth columns: the numbers take 44, the longest suffix ("   (post-synthesis estimate)")
    // 28; longer layer names are cut short (the JSON report has them whole).
    constexpr size_t kWidth = 120, kMaxName = kWidth - 44 - 28;
    size_t w = 9;  // "+- csynth"
    for (const auto& l : layers) w = std::max(w, std::min(l.name.size(), kMaxName));
    auto name = [&](const std::string& n) { return n.size() <= w ? n : n.substr(0, w - 3) + "..."; };
    std::string s = fmt::format("{:<{}} {:>8} {:>12} {:>12} {:>8}\n", "layer", w, "DSP", "LUT", "FF", "BRAM18");
    for (const auto& l : layers)
        s += fmt::format("{:<{}} {:>8} {:>12} {:>12} {:>8}\n", name(l.name), w, l.resources.dsp, l.resources.lut,
                         l.resources.ff, l.resources.bram18);
    const ResourceEstimate t = total_resources(layers);
    s += fmt::format("{:<{}} {:>8} {:>12} {:>12} {:>8}   (post-synthesis estimate)\n", "total", w, t.dsp, t.lut, t.ff,
                     t.bram18);
    s += fmt::format("{:<{}} {:>8} {:>12} {:>12} {:>8}   (HLS C-synthesis count)\n", "csynth", w, t.dsp, t.csynth_lut,
                     t.csynth_ff, t.bram18);
    if (part)
        s += fmt::format("{:<{}} {:>7.1f}% {:>11.1f}% {:>11.1f}% {:>7.1f}%   of {}\n", "% part", w, percent(t.dsp, part->dsp),
                         percent(t.lut, part->lut), percent(t.ff, part->ff), percent(t.bram18, part->bram18),
                         part->device);
    const ResourceUncertainty u = calibrated_uncertainty();
    s += fmt::format("{:<{}} {:>8} {:>12} {:>12} {:>8}\n", "+-", w, plus_minus(u.dsp), plus_minus(u.lut),
                     plus_minus(u.ff), plus_minus(u.bram18));
    s += fmt::format("{:<{}} {:>8} {:>12} {:>12} {:>8}   (HLS C-synthesis count)\n", "+- csynth", w, "",
                     plus_minus(u.csynth_lut), plus_minus(u.csynth_ff), "");
    return s;
}

nlohmann::json resource_json(const std::vector<LayerResources>& layers, const FpgaPart* part) {
    using nlohmann::json;
    auto fields = [](const ResourceEstimate& r) {
        return json{{"dsp", r.dsp}, {"lut", r.lut}, {"ff", r.ff}, {"bram18", r.bram18}};
    };
    json j;
    j["figure"] = "post-synthesis estimate";
    j["layers"] = json::array();
    for (const auto& l : layers) {
        json row = fields(l.resources);
        row["csynth_lut"] = l.resources.csynth_lut;
        row["csynth_ff"] = l.resources.csynth_ff;
        row["name"] = l.name;
        j["layers"].push_back(row);
    }
    const ResourceEstimate t = total_resources(layers);
    j["total"] = fields(t);
    if (part) {
        j["part"] = {{"device", part->device},
                     {"capacity", {{"dsp", part->dsp}, {"lut", part->lut}, {"ff", part->ff}, {"bram18", part->bram18}}},
                     {"percent",
                      {{"dsp", percent(t.dsp, part->dsp)},
                       {"lut", percent(t.lut, part->lut)},
                       {"ff", percent(t.ff, part->ff)},
                       {"bram18", percent(t.bram18, part->bram18)}}}};
    }
    const ResourceUncertainty u = calibrated_uncertainty();
    auto opt = [](const std::optional<double>& v) { return v ? json(*v) : json(nullptr); };
    j["uncertainty"] = {{"dsp", opt(u.dsp)}, {"lut", opt(u.lut)}, {"ff", opt(u.ff)}, {"bram18", opt(u.bram18)}};
    j["csynth"] = {{"figure", "HLS C-synthesis count"},
                   {"total", {{"lut", t.csynth_lut}, {"ff", t.csynth_ff}}},
                   {"uncertainty", {{"lut", opt(u.csynth_lut)}, {"ff", opt(u.csynth_ff)}}}};
    return j;
}

}  // namespace tlm4ml
