#include "testbenches/sweep/sweep_space.h"

#include <cmath>
#include <filesystem>
#include <set>
#include <stdexcept>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "rtl_models/precision.h"

namespace tlm4ml {

namespace {

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t");
    if (b == std::string::npos) return "";
    return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

// Splits on commas outside angle brackets.
std::vector<std::string> split_list(const std::string& text) {
    std::vector<std::string> out;
    std::string cur;
    int depth = 0;
    for (char c : text) {
        if (c == '<') ++depth;
        if (c == '>') --depth;
        if (c == ',' && depth == 0) {
            out.push_back(trim(cur));
            cur.clear();
        } else {
            cur.push_back(c);
        }
    }
    if (!trim(cur).empty() || !out.empty()) out.push_back(trim(cur));
    return out;
}

long parse_long(const std::string& option, const std::string& s) {
    size_t used = 0;
    long v = 0;
    try {
        v = std::stol(s, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used == 0 || used != s.size()) throw std::invalid_argument(fmt::format("{}: '{}' is not an integer", option, s));
    return v;
}

std::vector<int> parse_widths(const std::string& text) {
    std::vector<int> out;
    const auto dots = text.find("..");
    if (dots == std::string::npos) {
        for (const auto& w : split_list(text)) out.push_back(static_cast<int>(parse_long("--widths", w)));
    } else {
        std::string hi = text.substr(dots + 2), step = "1";
        if (const auto colon = hi.find(':'); colon != std::string::npos) {
            step = hi.substr(colon + 1);
            hi = hi.substr(0, colon);
        }
        const long a = parse_long("--widths", trim(text.substr(0, dots))), b = parse_long("--widths", trim(hi)),
                   s = parse_long("--widths", trim(step));
        if (s <= 0 || b < a) throw std::invalid_argument(fmt::format("--widths: '{}' is not A..B[:STEP] with A <= B, STEP > 0", text));
        for (long w = a; w <= b; w += s) out.push_back(static_cast<int>(w));
    }
    for (int w : out)
        if (w < 1 || w > 64) throw std::invalid_argument(fmt::format("--widths: {} is not a width in 1..64", w));
    return out;
}

std::string canonical_precision(const std::string& option, const std::string& text) {
    try {
        return Precision::parse(text).str();
    } catch (const std::exception& e) {
        throw std::invalid_argument(fmt::format("{}: {}", option, e.what()));
    }
}

SweepAxes build_axes(const std::string& where, const std::vector<std::string>& precisions, const std::string& widths,
                     const std::vector<std::string>& reuse, const std::vector<std::string>& strategies,
                     const std::vector<std::string>& io_types, const std::vector<std::string>& sparsities) {
    SweepAxes a;
    const std::string opt_p = where + "precision", opt_r = where + "reuse", opt_s = where + "strategy",
                      opt_i = where + "io-type", opt_x = where + "sparsity";
    if (!widths.empty()) {
        if (precisions.empty()) throw std::invalid_argument(fmt::format("{}widths needs a precision with W in it, e.g. 'ap_fixed<W,6>'", where));
        for (const auto& p : precisions) {
            if (p.find('W') == std::string::npos)
                throw std::invalid_argument(fmt::format("{}: '{}' has no W for {}widths to replace", opt_p, p, where));
            for (int w : parse_widths(widths)) {
                std::string t = p;
                for (size_t at; (at = t.find('W')) != std::string::npos;) t.replace(at, 1, std::to_string(w));
                a.precisions.push_back(canonical_precision(opt_p, t));
            }
        }
    } else {
        for (const auto& p : precisions) a.precisions.push_back(canonical_precision(opt_p, p));
    }
    for (const auto& r : reuse) {
        const long v = parse_long(opt_r, r);
        if (v < 1 || v > 1 << 20) throw std::invalid_argument(fmt::format("{}: {} is not a reuse factor >= 1", opt_r, r));
        a.reuse_factors.push_back(static_cast<int>(v));
    }
    for (const auto& s : strategies) {
        if (s == "Latency" || s == "latency") a.strategies.push_back("Latency");
        else if (s == "Resource" || s == "resource") a.strategies.push_back("Resource");
        else throw std::invalid_argument(fmt::format("{}: '{}' is not Latency or Resource", opt_s, s));
    }
    for (const auto& t : io_types) {
        if (t != "io_parallel" && t != "io_stream")
            throw std::invalid_argument(fmt::format("{}: '{}' is not io_parallel or io_stream", opt_i, t));
        a.io_types.push_back(t);
    }
    for (const auto& s : sparsities) {
        size_t used = 0;
        double v = -1;
        try {
            v = std::stod(s, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used == 0 || used != s.size() || !(v >= 0.0 && v < 1.0))
            throw std::invalid_argument(fmt::format("{}: '{}' is not a fraction in [0, 1)", opt_x, s));
        a.sparsities.push_back(v);
    }
    return a;
}

std::vector<std::string> nonempty_list(const std::string& text) { return text.empty() ? std::vector<std::string>{} : split_list(text); }

std::string yaml_list(const std::string& file, const YAML::Node& n, const char* key, std::vector<std::string>& out) {
    const YAML::Node v = n[key];
    if (!v) return "";
    if (v.IsSequence()) {
        for (const auto& e : v) {
            if (!e.IsScalar()) throw std::invalid_argument(fmt::format("{}: {}: expected a list of values", file, key));
            out.push_back(e.as<std::string>());
        }
        return "";
    }
    if (!v.IsScalar()) throw std::invalid_argument(fmt::format("{}: {}: expected a list or a comma-separated string", file, key));
    return v.as<std::string>();
}

}  // namespace

std::string SweepPoint::key() const {
    return fmt::format("precision={}{};reuse={};strategy={};io_type={};sparsity={}", precision,
                       precision_at.empty() ? "" : "@" + precision_at, reuse_factor, strategy, io_type, sparsity);
}

nlohmann::json SweepPoint::to_json() const {
    return {{"index", index},       {"precision", precision}, {"precision_at", precision_at}, {"reuse_factor", reuse_factor},
            {"strategy", strategy}, {"io_type", io_type},     {"sparsity", sparsity}};
}

SweepPoint SweepPoint::from_json(const nlohmann::json& j, const std::string& where) {
    SweepPoint p;
    try {
        p.index = j.at("index").get<size_t>();
        p.precision = j.at("precision").get<std::string>();
        p.precision_at = j.value("precision_at", std::string());
        p.reuse_factor = j.at("reuse_factor").get<int>();
        p.strategy = j.at("strategy").get<std::string>();
        p.io_type = j.at("io_type").get<std::string>();
        p.sparsity = j.at("sparsity").get<double>();
    } catch (const nlohmann::json::exception& e) {
        throw std::runtime_error(fmt::format("{}: not a sweep point ({})", where, e.what()));
    }
    return p;
}

SweepAxes parse_axes(const std::string& precisions, const std::string& widths, const std::string& reuse,
                     const std::string& strategies, const std::string& io_types, const std::string& sparsities) {
    return build_axes("--", nonempty_list(precisions), widths, nonempty_list(reuse), nonempty_list(strategies),
                      nonempty_list(io_types), nonempty_list(sparsities));
}

SweepAxes read_axes_file(const std::string& path) {
    YAML::Node root;
    try {
        root = YAML::LoadFile(path);
    } catch (const YAML::Exception& e) {
        throw std::invalid_argument(fmt::format("{}: not a YAML/JSON sweep file: {}", path, e.what()));
    }
    if (!root.IsMap()) throw std::invalid_argument(fmt::format("{}: expected a mapping of axes (precision, widths, reuse, strategy, io_type, sparsity)", path));
    const std::set<std::string> known{"precision", "precision_at", "widths", "reuse", "strategy", "io_type", "sparsity"};
    for (const auto& kv : root) {
        const auto k = kv.first.as<std::string>();
        if (!known.count(k))
            throw std::invalid_argument(fmt::format("{}: {}: unknown key (known: precision, precision_at, widths, reuse, strategy, io_type, sparsity)", path, k));
    }
    std::vector<std::string> p, r, s, i, x, w;
    auto lists = [&](const char* key, std::vector<std::string>& out) {
        const std::string text = yaml_list(path, root, key, out);
        for (const auto& e : nonempty_list(text)) out.push_back(e);
    };
    lists("precision", p);
    lists("reuse", r);
    lists("strategy", s);
    lists("io_type", i);
    lists("sparsity", x);
    std::string widths;
    if (root["widths"]) {
        if (root["widths"].IsSequence()) {
            for (const auto& e : root["widths"]) widths += (widths.empty() ? "" : ",") + e.as<std::string>();
        } else {
            widths = root["widths"].as<std::string>();
        }
    }
    try {
        SweepAxes a = build_axes("", p, widths, r, s, i, x);
        if (root["precision_at"]) a.precision_at = check_precision_target(root["precision_at"].as<std::string>());
        return a;
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(fmt::format("{}: {}", path, e.what()));
    }
}

std::string check_precision_target(const std::string& at) {
    if (at.empty() || at == "Model") return "";
    const auto dot = at.find('.');
    const std::string section = at.substr(0, dot);
    if (dot == std::string::npos || dot + 1 == at.size() || (section != "LayerType" && section != "LayerName"))
        throw std::invalid_argument(fmt::format(
            "--precision-at: '{}' is not Model, LayerType.<class> (LayerType.Dense) or LayerName.<layer> (LayerName.fc1)", at));
    return at;
}

std::vector<SweepPoint> enumerate_points(const SweepAxes& a) {
    // An axis without values contributes one "keep the configuration's" value.
    const std::vector<std::string> ps = a.precisions.empty() ? std::vector<std::string>{""} : a.precisions;
    const std::vector<std::string> is = a.io_types.empty() ? std::vector<std::string>{""} : a.io_types;
    const std::vector<std::string> ss = a.strategies.empty() ? std::vector<std::string>{""} : a.strategies;
    const std::vector<int> rs = a.reuse_factors.empty() ? std::vector<int>{0} : a.reuse_factors;
    const std::vector<double> xs = a.sparsities.empty() ? std::vector<double>{0.0} : a.sparsities;
    std::vector<SweepPoint> out;
    for (const auto& p : ps)
        for (const auto& io : is)
            for (const auto& s : ss)
                for (int r : rs)
                    for (double x : xs) {
                        SweepPoint pt;
                        pt.index = out.size();
                        pt.precision = p;
                        if (!p.empty()) pt.precision_at = a.precision_at;
                        pt.io_type = io;
                        pt.strategy = s;
                        pt.reuse_factor = r;
                        pt.sparsity = x;
                        out.push_back(pt);
                    }
    return out;
}

std::string derived_config_yaml(const std::string& config_path, const SweepPoint& point, bool all_precisions) {
    YAML::Node root;
    try {
        root = YAML::LoadFile(config_path);
    } catch (const YAML::Exception& e) {
        throw std::runtime_error(fmt::format("{}: not a YAML file: {}", config_path, e.what()));
    }
    if (!root.IsMap()) throw std::runtime_error(fmt::format("{}: expected an hls4ml configuration (a mapping)", config_path));
    const auto dir = std::filesystem::absolute(config_path).parent_path();
    for (const char* key : {"KerasJson", "KerasH5", "KerasModel"}) {
        if (root[key] && root[key].IsScalar()) {
            const std::filesystem::path p = root[key].as<std::string>();
            if (p.is_relative()) root[key] = (dir / p).lexically_normal().string();
        }
    }
    YAML::Node model = root["HLSConfig"]["Model"];
    if (!point.precision.empty() && !point.precision_at.empty()) {
        const auto dot = point.precision_at.find('.');
        root["HLSConfig"][point.precision_at.substr(0, dot)][point.precision_at.substr(dot + 1)]["Precision"] =
            point.precision;
    } else if (!point.precision.empty()) {
        model["Precision"] = point.precision;
        if (all_precisions) {
            for (const char* section : {"LayerType", "LayerName"}) {
                YAML::Node s = root["HLSConfig"][section];
                if (!s || !s.IsMap()) continue;
                for (auto kv : s)
                    if (kv.second.IsMap() && kv.second["Precision"]) kv.second["Precision"] = point.precision;
            }
        }
    }
    if (point.reuse_factor > 0) model["ReuseFactor"] = point.reuse_factor;
    if (!point.strategy.empty()) model["Strategy"] = point.strategy;
    if (!point.io_type.empty()) root["IOType"] = point.io_type;
    YAML::Emitter out;
    out << root;
    return std::string(out.c_str()) + "\n";
}

}  // namespace tlm4ml
