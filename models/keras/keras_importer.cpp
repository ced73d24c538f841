#include "models/keras/keras_importer.h"

#include <filesystem>
#include <fstream>
#include <optional>
#include <system_error>

#include <fmt/format.h>

#include "models/hls4ml/hls4ml_config.h"
#include "models/json_input.h"
#include "models/keras/firmware_values.h"
#include "models/keras/hdf5_reader.h"
#include "models/keras/keras_archive.h"
#include "models/keras/keras_graph.h"
#include "models/keras/keras_weights.h"
#include "models/keras/layer_converters.h"
#include "models/model.h"
#include "models/passes/infer_precision.h"

namespace tlm4ml {

using nlohmann::json;

namespace {

json read_json_file(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        throw ModelError(fmt::format(
            "{}: cannot open the Keras model JSON ({})", path,
            ec && ec != std::errc::no_such_file_or_directory ? ec.message() : "missing or not a regular file"));
    std::ifstream f(path);
    return parse_json_bounded(f, path);
}

// The Keras graph, the converters and hls4ml's passes, in that order, on a model whose architecture and
// weights are open.
json convert(const Hls4mlConfig& cfg, KerasGraph& graph, const KerasWeights& weights,
             std::vector<std::string>& warnings) {
    const std::string model_prec = cfg.precision("", {}, "default", "ap_fixed<16,6>");
    if (is_auto_precision(model_prec))
        throw ModelError(
            fmt::format("{}: HLSConfig.Model.Precision: the model default cannot be \"auto\" (hls4ml's "
                        "config_from_keras_model: it must be explicit)",
                        cfg.path));
    const Precision model_default = parse_precision(cfg.path + ": HLSConfig.Model.Precision", model_prec);
    json m;
    m["name"] = cfg.project_name.empty() ? std::filesystem::path(cfg.path).stem().string() : cfg.project_name;
    m["source"] = fmt::format("imported by tlm4ml from {} ({}{})", cfg.path, graph.file,
                              cfg.keras_h5.empty() ? "" : " + " + cfg.keras_h5);
    m["description"] =
        fmt::format("hls4ml configuration {}; Part: {}", cfg.path, cfg.part.empty() ? "(none)" : cfg.part);
    m["clock_period_ns"] = cfg.clock_period_ns;
    m["io_type"] = cfg.io_type;
    m["strategy"] = cfg.model.strategy.value_or("Latency");
    m["default_precision"] = model_prec;
    m["default_reuse_factor"] = cfg.model.reuse_factor.value_or(1);

    // The graph: the input, then who reads what.
    const KerasInput input = model_input(graph);
    std::string in_prec = cfg.precision(input.name, {"InputLayer", "Input"}, "result", model_prec);
    if (is_auto_precision(in_prec)) in_prec = model_prec;  // infer_precision.py: Input is not inferred
    parse_precision(cfg.path + ": precision of the input " + input.name, in_prec);
    m["input"] = {{"name", input.name}, {"shape", input.shape}, {"precision", in_prec}};
    connect_layers(graph, input);

    // The converters, with the passes hls4ml applies on the way (bn_fuse, bn_quant, linear).
    LayerConverters converters(cfg, weights, warnings, model_prec, input, in_prec);
    m["layers"] = converters.convert(graph);

    // hls4ml's infer_precision_types: the result / accum types left "auto".
    std::optional<Precision> maximum;
    if (const auto it = cfg.model.precision.find("maximum"); it != cfg.model.precision.end())
        maximum = parse_precision(cfg.path + ": HLSConfig.Model.Precision.maximum", it->second);
    infer_precision_types(m, model_default, maximum, cfg.path);

    for (const auto& kv : cfg.layer_name)
        if (!converters.known_names().count(kv.first))
            warnings.push_back(
                fmt::format("{}: no layer is named \"{}\" (hls4ml names: the Keras layer names, "
                            "\"<layer>_<activation>\" for fused activations, \"bnbt_<bn>\" for "
                            "merged BatchNormalization + binary/ternary tanh)",
                            kv.second.where, kv.first));
    return m;
}

}  // namespace

ImportedModel import_hls4ml_config(const std::string& config_path) {
    const Hls4mlConfig cfg = read_hls4ml_config(config_path);
    ImportedModel out;
    if (!cfg.keras_model.empty()) {
        const std::string ext = lower_case(std::filesystem::path(cfg.keras_model).extension().string());
        if (ext == ".keras") {
            const KerasArchive archive = read_keras_archive(cfg.keras_model);
            const std::string arch_file = cfg.keras_model + ":config.json";
            KerasGraph graph = parse_architecture(parse_json_bounded(archive.config_json, arch_file), arch_file);
            const H5Reader h5(cfg.keras_model + ":model.weights.h5", archive.weights);
            const KerasWeights weights{&h5, "", keras3_weight_groups(graph)};
            out.model = convert(cfg, graph, weights, out.warnings);
            return out;
        }
        H5Reader h5(cfg.keras_model);
        if (!h5.has_attribute("/", "model_config"))
            throw ModelError(fmt::format("{}: no model_config attribute: a weights-only file? Use KerasJson + KerasH5",
                                         cfg.keras_model));
        const json arch =
            parse_json_bounded(h5.string_attribute("/", "model_config"), cfg.keras_model + ": model_config");
        KerasGraph graph = parse_architecture(arch, cfg.keras_model);
        const KerasWeights weights{&h5, h5.exists("/model_weights") ? "/model_weights" : "", {}};
        out.model = convert(cfg, graph, weights, out.warnings);
        return out;
    }
    KerasGraph graph = parse_architecture(read_json_file(cfg.keras_json), cfg.keras_json);
    H5Reader h5(cfg.keras_h5);
    std::string base;
    if (!h5.has_attribute("/", "layer_names") && h5.exists("/model_weights")) base = "/model_weights";
    const KerasWeights weights{&h5, base, {}};
    out.model = convert(cfg, graph, weights, out.warnings);
    return out;
}

}  // namespace tlm4ml
