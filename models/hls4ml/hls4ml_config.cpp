#include "models/hls4ml/hls4ml_config.h"
#include "models/hls4ml/backend_profile.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <filesystem>
#include <system_error>
#include <set>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "models/model.h"

namespace tlm4ml {

namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

std::string join(const std::set<std::string>& keys) {
    std::string out;
    for (const auto& k : keys) out += (out.empty() ? "" : ", ") + k;
    return out;
}

[[noreturn]] void fail(const std::string& file, const std::string& where, const std::string& what) {
    throw ModelError(fmt::format("{}: {}: {}", file, where.empty() ? "(top level)" : where, what));
}

void check_keys(const std::string& file, const std::string& where, const YAML::Node& n,
                const std::set<std::string>& allowed) {
    for (const auto& kv : n) {
        const std::string key = kv.first.as<std::string>();
        if (!allowed.count(key))
            fail(file, where.empty() ? key : where + "." + key, fmt::format("unknown key (expected one of: {})", join(allowed)));
    }
}

std::string scalar(const std::string& file, const std::string& where, const YAML::Node& n) {
    if (!n.IsScalar()) fail(file, where, "expected a single value");
    return n.as<std::string>();
}

int integer(const std::string& file, const std::string& where, const YAML::Node& n, int lo, int hi) {
    const std::string s = scalar(file, where, n);
    try {
        size_t used = 0;
        const long v = std::stol(s, &used);
        if (used != s.size() || v < lo || v > hi) throw std::out_of_range(s);
        return static_cast<int>(v);
    } catch (const std::exception&) {
        fail(file, where, fmt::format("expected an integer between {} and {}, got \"{}\"", lo, hi, s));
    }
}

// hls4ml's convert_to_snake_case (utils/string_utils.py): a layer's configuration keys become its attributes
// that way, so "TableSize" and "table_size" are the same setting.
std::string snake_case(const std::string& key) {
    std::string out;
    for (size_t i = 0; i < key.size(); ++i) {
        const unsigned char c = static_cast<unsigned char>(key[i]);
        if (i > 0 && std::isupper(c)) out += '_';
        out += static_cast<char>(std::tolower(c));
    }
    std::string squeezed;
    for (char c : out)
        if (!(c == '_' && !squeezed.empty() && squeezed.back() == '_')) squeezed += c;
    return squeezed;
}

bool boolean(const std::string& file, const std::string& where, const YAML::Node& n) {
    const std::string s = lower(scalar(file, where, n));
    if (s == "true" || s == "1" || s == "yes") return true;
    if (s == "false" || s == "0" || s == "no") return false;
    fail(file, where, fmt::format("expected true or false, got \"{}\"", s));
}

Hls4mlLayerConfig layer_config(const std::string& file, const std::string& where, const YAML::Node& n, bool model) {
    Hls4mlLayerConfig c;
    c.where = fmt::format("{}: {}", file, where);
    if (!n.IsMap()) fail(file, where, "expected a mapping (Precision, ReuseFactor, Strategy, ...)");
    // Keys as hls4ml 1.x reads them (HLSConfig._parse_hls_config for Model; the layer's attributes, in snake
    // case, for LayerName / LayerType). Those without an effect on tlm4ml's arithmetic or timing are accepted
    // and documented in the README (Trace, TraceOutput, BramFactor, PipelineStyle, TargetCycles, ...).
    static const std::set<std::string> model_keys = {"precision",      "reuse_factor",    "strategy",
                                                     "trace",          "trace_output",    "bram_factor",
                                                     "pipeline_style", "pipeline_interval", "target_cycles",
                                                     "conv_implementation", "compression"};
    static const std::set<std::string> layer_keys = {
        "precision", "reuse_factor", "strategy", "trace", "implementation", "table_size", "exp_table_size",
        "inv_table_size", "table_t", "exp_table_t", "inv_table_t", "inv_inp_t", "accum_t", "parallelization_factor",
        "conv_implementation", "compression", "bram_factor", "skip", "target_cycles"};
    const std::set<std::string>& allowed = model ? model_keys : layer_keys;
    for (const auto& kv : n) {
        const std::string key = kv.first.as<std::string>();
        if (!allowed.count(snake_case(key))) {
            std::set<std::string> shown;
            for (const auto& k : allowed) shown.insert(k);
            fail(file, where + "." + key,
                 fmt::format("unknown key (expected one of, in hls4ml's CamelCase or snake_case: {})", join(shown)));
        }
    }
    static const std::set<std::string> prec_keys = {"default", "weight", "bias", "accum", "result", "scale",
                                                    "table", "exp_table", "inv_table", "inv_inp", "threshold"};
    for (const auto& kv : n) {
        const std::string key = kv.first.as<std::string>();
        const std::string sk = snake_case(key);
        const std::string at = where + "." + key;
        if (sk == "precision") {
            if (kv.second.IsScalar()) {
                c.precision["default"] = kv.second.as<std::string>();
            } else if (kv.second.IsMap()) {
                std::set<std::string> keys = prec_keys;
                if (model) keys.insert("maximum");  // config_from_keras_model's max_precision
                check_keys(file, at, kv.second, keys);
                for (const auto& p : kv.second)
                    c.precision[p.first.as<std::string>()] = scalar(file, at + "." + p.first.as<std::string>(), p.second);
            } else {
                fail(file, at, "expected a precision string or a mapping of named precisions");
            }
        } else if (sk == "reuse_factor") {
            c.reuse_factor = integer(file, at, kv.second, 1, 1 << 24);
        } else if (sk == "strategy") {
            c.strategy = scalar(file, at, kv.second);
        } else if (sk == "trace" || sk == "trace_output") {
            boolean(file, at, kv.second);  // accepted; tlm4ml predict --trace writes every layer
        } else if (sk == "skip") {
            // hls4ml's Softmax "skip" removes the softmax from the firmware (skip_softmax pass).
            if (boolean(file, at, kv.second))
                fail(file, at, "Skip: true (hls4ml's skip_softmax, which drops the softmax) is not supported");
        } else if (sk == "bram_factor" || sk == "target_cycles" || sk == "pipeline_interval") {
            integer(file, at, kv.second, 0, INT32_MAX);  // checked, no effect on tlm4ml's model (README)
        } else if (sk == "conv_implementation") {
            // hls4ml's io_stream convolutions: LineBuffer (the default, modelled) or Encoded (not modelled).
            if (lower(scalar(file, at, kv.second)) != "linebuffer")
                fail(file, at, fmt::format("\"{}\": only LineBuffer convolutions are modelled", scalar(file, at, kv.second)));
        } else {
            c.settings[sk] = scalar(file, at, kv.second);
        }
    }
    return c;
}

std::string resolve(const std::string& file, const std::string& rel) {
    std::filesystem::path p(rel);
    if (p.is_relative()) p = std::filesystem::path(file).parent_path() / p;
    return p.lexically_normal().string();
}

}  // namespace

bool is_hls4ml_config_path(const std::string& path) {
    const std::string ext = lower(std::filesystem::path(path).extension().string());
    return ext == ".yml" || ext == ".yaml";
}

Hls4mlConfig read_hls4ml_config(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        throw ModelError(fmt::format("{}: cannot open the hls4ml configuration ({})", path,
                                     ec && ec != std::errc::no_such_file_or_directory ? ec.message()
                                                                                         : "missing or not a regular file"));
    YAML::Node root;
    try {
        root = YAML::LoadFile(path);
    } catch (const YAML::Exception& e) {
        throw ModelError(fmt::format("{}: malformed YAML: {}", path, e.what()));
    }
    if (!root.IsMap()) fail(path, "", "expected a mapping with KerasJson/KerasH5 (or KerasModel) and HLSConfig");
    check_keys(path, "", root,
               {"KerasJson", "KerasH5", "KerasModel", "OutputDir", "ProjectName", "Part", "Board", "ClockPeriod",
                "ClockUncertainty", "Backend", "IOType", "HLSConfig", "InputData", "OutputPredictions", "Version",
                "Stamp", "WriterConfig"});
    Hls4mlConfig c;
    c.path = path;
    try {
        if (root["KerasJson"]) c.keras_json = resolve(path, scalar(path, "KerasJson", root["KerasJson"]));
        if (root["KerasH5"]) c.keras_h5 = resolve(path, scalar(path, "KerasH5", root["KerasH5"]));
        if (root["KerasModel"]) c.keras_model = resolve(path, scalar(path, "KerasModel", root["KerasModel"]));
        if (!c.keras_model.empty() && (!c.keras_json.empty() || !c.keras_h5.empty()))
            fail(path, "KerasModel", "give either KerasModel or KerasJson + KerasH5, not both");
        if (c.keras_model.empty()) {
            if (c.keras_json.empty()) fail(path, "KerasJson", "missing (required unless KerasModel is given)");
            if (c.keras_h5.empty()) fail(path, "KerasH5", "missing (required with KerasJson)");
        }
        if (root["Backend"]) {
            c.backend = canonical_backend(scalar(path, "Backend", root["Backend"]), path + ": Backend");
        }
        // hls4ml's testbench reads these (vivado_writer.py write_test_bench); relative to this file, like KerasJson.
        if (root["InputData"]) c.input_data = resolve(path, scalar(path, "InputData", root["InputData"]));
        if (root["OutputPredictions"])
            c.output_predictions = resolve(path, scalar(path, "OutputPredictions", root["OutputPredictions"]));
        if (root["IOType"]) {
            c.io_type = scalar(path, "IOType", root["IOType"]);
            if (c.io_type != "io_parallel" && c.io_type != "io_stream")
                fail(path, "IOType", fmt::format("\"{}\": expected io_parallel or io_stream", c.io_type));
        }
        if (root["ClockPeriod"]) {
            const std::string s = scalar(path, "ClockPeriod", root["ClockPeriod"]);
            try {
                size_t used = 0;
                c.clock_period_ns = std::stod(s, &used);
                if (used != s.size() || !(c.clock_period_ns > 0)) throw std::invalid_argument(s);
            } catch (const std::exception&) {
                fail(path, "ClockPeriod", fmt::format("expected a positive period in ns, got \"{}\"", s));
            }
        }
        if (root["ClockUncertainty"]) {
            // Written into hls4ml's build script as `set_clock_uncertainty <value>`: "12.5%" is a share of the
            // period, a bare number is in ns (as Vivado / Vitis HLS read it).
            const std::string s = scalar(path, "ClockUncertainty", root["ClockUncertainty"]);
            std::string num = s;
            const bool percent = !num.empty() && num.back() == '%';
            if (percent) num.pop_back();
            double v = -1;
            try {
                size_t used = 0;
                v = std::stod(num, &used);
                if (used != num.size()) v = -1;
            } catch (const std::exception&) {
                v = -1;
            }
            const double share = percent ? v / 100.0 : v / c.clock_period_ns;
            if (!(v >= 0) || !(share < 0.9))
                fail(path, "ClockUncertainty",
                     fmt::format("expected a share of the period such as \"12.5%\" or a time in ns below 90% of "
                                 "ClockPeriod ({} ns), got \"{}\"",
                                 c.clock_period_ns, s));
            c.clock_uncertainty = share;
        }
        if (root["Part"]) c.part = scalar(path, "Part", root["Part"]);
        if (root["ProjectName"]) c.project_name = scalar(path, "ProjectName", root["ProjectName"]);

        const YAML::Node hls = root["HLSConfig"];
        if (!hls) fail(path, "HLSConfig", "missing (required: at least HLSConfig.Model.Precision)");
        if (!hls.IsMap()) fail(path, "HLSConfig", "expected a mapping with Model, LayerName, LayerType");
        check_keys(path, "HLSConfig", hls, {"Model", "LayerName", "LayerType", "Flows", "Optimizers", "SkipOptimizers"});
        if (hls["Flows"] || hls["Optimizers"] || hls["SkipOptimizers"])
            fail(path, "HLSConfig", "Flows / Optimizers / SkipOptimizers are not supported: tlm4ml applies hls4ml's default flow");
        if (!hls["Model"]) fail(path, "HLSConfig.Model", "missing (required)");
        c.model = layer_config(path, "HLSConfig.Model", hls["Model"], true);
        for (const char* section : {"LayerName", "LayerType"}) {
            const YAML::Node s = hls[section];
            if (!s) continue;
            const std::string where = std::string("HLSConfig.") + section;
            if (!s.IsMap()) fail(path, where, "expected a mapping of layer names / classes");
            auto& target = std::string(section) == "LayerName" ? c.layer_name : c.layer_type;
            for (const auto& kv : s) {
                const std::string name = kv.first.as<std::string>();
                target[lower(name)] = layer_config(path, where + "." + name, kv.second, false);
            }
        }
    } catch (const YAML::Exception& e) {
        throw ModelError(fmt::format("{}: {}", path, e.what()));
    }
    return c;
}

namespace {

const Hls4mlLayerConfig* find(const std::map<std::string, Hls4mlLayerConfig>& m, const std::string& key) {
    const auto it = m.find(lower(key));
    return it == m.end() ? nullptr : &it->second;
}

std::string get(const Hls4mlLayerConfig* c, const std::string& var) {
    if (!c) return "";
    const auto it = c->precision.find(var);
    return it == c->precision.end() ? "" : it->second;
}

}  // namespace

std::string Hls4mlConfig::explicit_precision(const std::string& layer, const std::vector<std::string>& classes,
                                             const std::string& var) const {
    if (auto s = get(find(layer_name, layer), var); !s.empty()) return s;
    for (const auto& cls : classes)
        if (auto s = get(find(layer_type, cls), var); !s.empty()) return s;
    return "";
}

std::string Hls4mlConfig::precision(const std::string& layer, const std::vector<std::string>& classes,
                                    const std::string& var, const std::string& fallback) const {
    const Hls4mlLayerConfig* ln = find(layer_name, layer);
    if (auto s = get(ln, var); !s.empty()) return s;
    if (auto s = get(ln, "default"); !s.empty()) return s;
    for (const auto& cls : classes) {
        const Hls4mlLayerConfig* lt = find(layer_type, cls);
        if (auto s = get(lt, var); !s.empty()) return s;
        if (auto s = get(lt, "default"); !s.empty()) return s;
    }
    if (auto s = get(&model, var); !s.empty()) return s;
    if (auto s = get(&model, "default"); !s.empty()) return s;
    return fallback;
}

int Hls4mlConfig::reuse_factor(const std::string& layer, const std::vector<std::string>& classes) const {
    if (const auto* c = find(layer_name, layer); c && c->reuse_factor) return *c->reuse_factor;
    for (const auto& cls : classes)
        if (const auto* c = find(layer_type, cls); c && c->reuse_factor) return *c->reuse_factor;
    return model.reuse_factor.value_or(1);
}

std::string Hls4mlConfig::strategy(const std::string& layer, const std::vector<std::string>& classes) const {
    if (const auto* c = find(layer_name, layer); c && c->strategy) return *c->strategy;
    for (const auto& cls : classes)
        if (const auto* c = find(layer_type, cls); c && c->strategy) return *c->strategy;
    return model.strategy.value_or("Latency");
}

std::string Hls4mlConfig::setting(const std::string& layer, const std::vector<std::string>& classes,
                                  const std::string& key) const {
    auto get_setting = [&](const Hls4mlLayerConfig* c) -> std::string {
        if (!c) return "";
        const auto it = c->settings.find(key);
        return it == c->settings.end() ? "" : it->second;
    };
    if (auto s = get_setting(find(layer_name, layer)); !s.empty()) return s;
    for (const auto& cls : classes)
        if (auto s = get_setting(find(layer_type, cls)); !s.empty()) return s;
    return "";
}

}  // namespace tlm4ml
