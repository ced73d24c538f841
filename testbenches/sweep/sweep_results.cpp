#include "testbenches/sweep/sweep_results.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "testbenches/data/sample_io.h"

namespace tlm4ml {

namespace {

double score(const PointResult& r) { return r.accuracy ? *r.accuracy : r.agreement; }

// A point that does not fit its part cannot be built: it is on no front and pushes no other point off one.
bool buildable(const PointResult& r) { return r.fits.value_or(true); }

template <class Cost>
void mark_front(std::vector<PointResult>& rs, Cost cost, bool PointResult::*flag) {
    for (auto& p : rs) {
        p.*flag = buildable(p) && std::none_of(rs.begin(), rs.end(), [&](const PointResult& q) {
            return buildable(q) && score(q) >= score(p) && cost(q) <= cost(p) &&
                   (score(q) > score(p) || cost(q) < cost(p));
        });
    }
}

nlohmann::json optional_json(const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); }
std::string optional_csv(const std::optional<double>& v) { return v ? fmt::format("{}", *v) : std::string(); }

std::string csv_quote(const std::string& s) {
    if (s.find_first_of(",\"") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

// Doubles print in their shortest exact-round-trip form, so CSV and JSON agree and re-reading is lossless.
std::string num(double v) { return fmt::format("{}", v); }

}  // namespace

nlohmann::json PointResult::to_json() const {
    nlohmann::json j = point.to_json();
    j["model_precision"] = precision;
    j["model_reuse_factor"] = reuse_factor;
    j["model_strategy"] = strategy;
    j["model_io_type"] = io_type;
    j["samples"] = samples;
    j["accuracy"] = accuracy ? nlohmann::json(*accuracy) : nlohmann::json(nullptr);
    j["agreement"] = agreement;
    j["zero_weights"] = zero_weights;
    j["weights"] = weights;
    j["latency_cycles"] = latency_cycles;
    j["latency_ns"] = latency_ns;
    j["ii"] = ii;
    j["dsp"] = dsp;
    j["lut"] = lut;
    j["ff"] = ff;
    j["bram18"] = bram18;
    j["part"] = part;
    j["dsp_percent"] = optional_json(dsp_percent);
    j["lut_percent"] = optional_json(lut_percent);
    j["ff_percent"] = optional_json(ff_percent);
    j["bram18_percent"] = optional_json(bram18_percent);
    j["fits"] = fits ? nlohmann::json(*fits) : nlohmann::json(nullptr);
    j["sim_samples"] = sim_samples;
    j["sim_latency_cycles"] = sim_latency_cycles ? nlohmann::json(*sim_latency_cycles) : nlohmann::json(nullptr);
    j["sim_ii"] = optional_json(sim_ii);
    j["sim_mismatches"] = sim_mismatches;
    j["pareto_dsp"] = pareto_dsp;
    j["pareto_lut"] = pareto_lut;
    j["pareto_latency"] = pareto_latency;
    return j;
}

PointResult PointResult::from_json(const nlohmann::json& j, const std::string& where) {
    PointResult r;
    r.point = SweepPoint::from_json(j, where);
    try {
        r.precision = j.at("model_precision").get<std::string>();
        r.reuse_factor = j.at("model_reuse_factor").get<int>();
        r.strategy = j.at("model_strategy").get<std::string>();
        r.io_type = j.at("model_io_type").get<std::string>();
        r.samples = j.at("samples").get<size_t>();
        if (!j.at("accuracy").is_null()) r.accuracy = j.at("accuracy").get<double>();
        r.agreement = j.at("agreement").get<double>();
        r.zero_weights = j.at("zero_weights").get<size_t>();
        r.weights = j.at("weights").get<size_t>();
        r.latency_cycles = j.at("latency_cycles").get<int>();
        r.latency_ns = j.at("latency_ns").get<double>();
        r.ii = j.at("ii").get<int>();
        r.dsp = j.at("dsp").get<size_t>();
        r.lut = j.at("lut").get<size_t>();
        r.ff = j.at("ff").get<size_t>();
        r.bram18 = j.at("bram18").get<size_t>();
        // Results written before the part and --simulate columns existed read as without them.
        auto opt = [&](const char* key) {
            return j.contains(key) && !j.at(key).is_null() ? std::optional<double>(j.at(key).get<double>()) : std::nullopt;
        };
        r.part = j.value("part", std::string());
        r.dsp_percent = opt("dsp_percent");
        r.lut_percent = opt("lut_percent");
        r.ff_percent = opt("ff_percent");
        r.bram18_percent = opt("bram18_percent");
        if (j.contains("fits") && !j.at("fits").is_null()) r.fits = j.at("fits").get<bool>();
        r.sim_samples = j.value("sim_samples", size_t{0});
        if (j.contains("sim_latency_cycles") && !j.at("sim_latency_cycles").is_null())
            r.sim_latency_cycles = j.at("sim_latency_cycles").get<uint64_t>();
        r.sim_ii = opt("sim_ii");
        r.sim_mismatches = j.value("sim_mismatches", size_t{0});
    } catch (const nlohmann::json::exception& e) {
        throw std::runtime_error(fmt::format("{}: point {}: {}", where, r.point.index, e.what()));
    }
    return r;
}

void mark_pareto(std::vector<PointResult>& rs) {
    mark_front(rs, [](const PointResult& r) { return static_cast<double>(r.dsp); }, &PointResult::pareto_dsp);
    mark_front(rs, [](const PointResult& r) { return static_cast<double>(r.lut); }, &PointResult::pareto_lut);
    mark_front(rs, [](const PointResult& r) { return r.latency_for_front(); }, &PointResult::pareto_latency);
}

std::string results_json(const std::vector<PointResult>& rs) {
    nlohmann::json a = nlohmann::json::array();
    for (const auto& r : rs) a.push_back(r.to_json());
    return nlohmann::json{{"points", a}}.dump(1) + "\n";
}

std::vector<PointResult> read_results_json(const std::string& path) {
    std::ifstream f(path);
    if (!f) throw std::runtime_error(fmt::format("{}: cannot open", path));
    nlohmann::json j;
    try {
        f >> j;
    } catch (const nlohmann::json::exception& e) {
        throw std::runtime_error(fmt::format("{}: not JSON: {}", path, e.what()));
    }
    if (!j.is_object() || !j.contains("points") || !j["points"].is_array())
        throw std::runtime_error(fmt::format("{}: points: expected an array of sweep results", path));
    std::vector<PointResult> out;
    for (const auto& p : j["points"]) out.push_back(PointResult::from_json(p, path));
    return out;
}

std::string results_csv(const std::vector<PointResult>& rs) {
    std::string out =
        "index,precision,precision_at,reuse_factor,strategy,io_type,sparsity,samples,accuracy,agreement,zero_weights,weights,"
        "latency_cycles,latency_ns,ii,dsp,lut,ff,bram18,pareto_dsp,pareto_lut,"
        "pareto_latency,part,dsp_percent,lut_percent,ff_percent,bram18_percent,fits,sim_samples,sim_latency_cycles,"
        "sim_ii,sim_mismatches\n";
    for (const auto& r : rs) {
        out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}", r.point.index,
                           csv_quote(r.precision_label()), r.point.precision_at.empty() ? "Model" : r.point.precision_at, r.reuse_factor, r.strategy, r.io_type, num(r.point.sparsity),
                           r.samples, r.accuracy ? num(*r.accuracy) : "", num(r.agreement), r.zero_weights, r.weights,
                           r.latency_cycles, num(r.latency_ns), r.ii, r.dsp, r.lut, r.ff, r.bram18,
                           int(r.pareto_dsp), int(r.pareto_lut),
                           int(r.pareto_latency));
        // Empty cells: no part / not simulated.
        out += fmt::format(",{},{},{},{},{},{},{},{},{},{}\n", r.part, optional_csv(r.dsp_percent),
                           optional_csv(r.lut_percent), optional_csv(r.ff_percent), optional_csv(r.bram18_percent),
                           r.fits ? std::to_string(int(*r.fits)) : std::string(), r.sim_samples,
                           r.sim_latency_cycles ? std::to_string(*r.sim_latency_cycles) : std::string(),
                           optional_csv(r.sim_ii), r.sim_samples ? std::to_string(r.sim_mismatches) : std::string());
    }
    return out;
}

std::string write_plots(const std::string& dir, const std::vector<PointResult>& rs) {
    if (rs.empty()) return "no points: no plots";
    // One gnuplot data block per (precision, sparsity) curve, in point order, its points sorted by reuse factor.
    std::vector<std::pair<std::string, double>> order;
    std::map<std::pair<std::string, double>, std::vector<const PointResult*>> curves;
    for (const auto& r : rs) {
        const auto key = std::make_pair(r.precision_label(), r.point.sparsity);
        if (!curves.count(key)) order.push_back(key);
        curves[key].push_back(&r);
    }
    const bool labelled = rs.front().accuracy.has_value();
    std::string data, titles;
    for (const auto& key : order) {
        auto& pts = curves[key];
        std::stable_sort(pts.begin(), pts.end(), [](auto* a, auto* b) { return a->reuse_factor < b->reuse_factor; });
        data += "# reuse_factor accuracy dsp lut latency_cycles\n";
        for (const auto* r : pts)
            data += fmt::format("{} {} {} {} {}\n", r->reuse_factor, num(score(*r)), r->dsp, r->lut, num(r->latency_for_front()));
        data += "\n\n";
        std::string title = key.first;
        if (key.second > 0) title += fmt::format(" sparsity {}", num(key.second));
        titles += (titles.empty() ? "" : ",") + fmt::format("\"{}\"", title);
    }
    const std::string y = labelled ? "accuracy" : "agreement with the wide reference model";
    std::string gp = fmt::format(
        "# Drawn by tlm4ml sweep from plot.dat (one block per precision): gnuplot plots.gp\n"
        "set terminal pngcairo size 900,600 noenhanced\n"
        "set datafile separator whitespace\n"
        "set key outside right\n"
        "set grid\n"
        "set format x '%.1s%c'\n"
        "set offsets graph 0.03, graph 0.03, graph 0.03, graph 0.03\n"
        "array T[{}] = [{}]\n"
        "set output 'accuracy_vs_dsp.png'\nset xlabel 'DSP'\nset ylabel '{}'\n"
        "plot for [i=0:{}] 'plot.dat' index i using 3:2 with linespoints title T[i+1]\n"
        "set output 'accuracy_vs_lut.png'\nset xlabel 'LUT'\n"
        "plot for [i=0:{}] 'plot.dat' index i using 4:2 with linespoints title T[i+1]\n"
        "set output 'latency_vs_reuse.png'\nset xlabel 'reuse factor'\nset ylabel 'latency (cycles)'\nset logscale x 2\nset format x '%g'\n"
        "plot for [i=0:{}] 'plot.dat' index i using 1:5 with linespoints title T[i+1]\n",
        curves.size(), titles, y, curves.size() - 1, curves.size() - 1,
        curves.size() - 1);
    const auto d = std::filesystem::path(dir);
    write_files_atomically({{(d / "plot.dat").string(), data}, {(d / "plots.gp").string(), gp}});
    if (std::system("command -v gnuplot >/dev/null 2>&1") != 0)
        return fmt::format("gnuplot not found: {} written, no PNGs drawn (apt-get install gnuplot-nox)", (d / "plots.gp").string());
    const std::string cmd = fmt::format("cd '{}' && gnuplot plots.gp", d.string());
    if (std::system(cmd.c_str()) != 0) return fmt::format("gnuplot failed on {}", (d / "plots.gp").string());
    return fmt::format("plots: {}/accuracy_vs_dsp.png, accuracy_vs_lut.png, latency_vs_reuse.png", d.string());
}

}  // namespace tlm4ml
