// tlm4ml's JSON model file: parsing and validation. Every error names the file, the JSON path and what
// was expected; nothing is built until the whole description has been checked. The top level (model settings,
// the input, the graph of "inputs", "fifo_depths") is read here; each layer by models/model_file/layer_builder.h,
// every field by models/model_file/fields.h.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <system_error>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "layers/arithmetic/merge.h"
#include "models/json_input.h"
#include "models/model.h"
#include "models/model_file/fields.h"
#include "models/hls4ml/project_keys.h"
#include "models/model_file/layer_builder.h"
#include "models/passes/conv_same_pad.h"
#include "rtl_models/clock_domain.h"

namespace tlm4ml {

using nlohmann::json;
using namespace model_file;

namespace {

// hls4ml's examples keep a Keras architecture X.json beside its weights X_weights.h5.
std::string keras_weights_guess(const std::string& json_path) {
    std::filesystem::path p(json_path);
    p.replace_filename(p.stem().string() + "_weights.h5");
    std::error_code ec;
    return std::filesystem::is_regular_file(p, ec) ? p.string() : "<the weights .h5>";
}

// The few lines of an hls4ml YAML configuration around `model_keys` (KerasJson/KerasH5 or KerasModel).
std::string yaml_example(const std::string& model_keys) {
    std::string out;
    for (const std::string& line :
         {model_keys, std::string("ClockPeriod: 5\nIOType: io_parallel\nHLSConfig:\n  Model:\n"
                                  "    Precision: ap_fixed<16,6>\n    ReuseFactor: 1")}) {
        size_t start = 0;
        while (start <= line.size()) {
            const size_t end = line.find('\n', start);
            out += "    " + line.substr(start, end - start) + "\n";
            if (end == std::string::npos) break;
            start = end + 1;
        }
    }
    out.pop_back();
    return out;
}

}  // namespace

Model load_model_file(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        throw ModelError(fmt::format(
            "{}: cannot open the model file ({})", path,
            ec && ec != std::errc::no_such_file_or_directory ? ec.message() : "missing or not a regular file"));
    std::ifstream f(path, std::ios::binary);
    if (!f) throw ModelError(fmt::format("{}: cannot open the model file", path));
    // Keras' own files given where a model is expected: say what to write instead of "malformed JSON".
    char head[8] = {};
    f.read(head, sizeof head);
    if (f.gcount() == 8 && std::string(head, 8) == "\x89HDF\r\n\x1a\n")
        throw ModelError(
            fmt::format("{}: an HDF5 file (a Keras .h5?), not a tlm4ml model file; give an hls4ml YAML "
                        "configuration as MODEL instead:\n{}",
                        path, yaml_example("KerasModel: " + path)));
    if (f.gcount() >= 4 && std::string(head, 4) == "PK\x03\x04")
        throw ModelError(
            fmt::format("{}: a zip archive (a Keras 3 .keras?), not a tlm4ml model file; give an hls4ml "
                        "YAML configuration as MODEL instead:\n{}",
                        path, yaml_example("KerasModel: " + path)));
    f.clear();
    f.seekg(0);
    const json j = parse_json_bounded(f, path);
    return load_model_json(j, path, std::filesystem::path(path).parent_path().string());
}

Model load_model_json(const nlohmann::json& j, const std::string& path, const std::string& base_dir) {
    const Ctx top{path, "", base_dir};
    if (!j.is_object()) top.fail("expected a JSON object with \"input\" and \"layers\"");
    if (j.contains("class_name") && j.contains("config") && !j.contains("layers"))
        throw ModelError(fmt::format(
            "{}: a Keras model architecture (top-level \"class_name\": {}), not a tlm4ml model file; give an hls4ml "
            "YAML configuration as MODEL instead (or turn it into a model file with `tlm4ml import CONFIG.yml -o "
            "MODEL.json`):\n{}",
            path, j["class_name"].dump().substr(0, 60),
            yaml_example("KerasJson: " + path + "\nKerasH5: " + keras_weights_guess(path))));
    check_keys(top, j,
               {"name", "clock_period_ns", "io_type", "strategy", "default_precision", "default_reuse_factor",
                "default_fifo_depth", "fifo_depths", "input", "layers", "source", "license", "description",
                "backend", "part", "clock_uncertainty", "input_data", "output_predictions"});  // read_project_keys

    Model m;
    m.source_file = path;
    read_project_keys(j, path, base_dir, m);  // hls4ml's Backend, Part, ClockUncertainty, InputData, ...
    m.name = j.contains("name") ? get_string(top.at("name"), j["name"]) : std::filesystem::path(path).stem().string();
    if (j.contains("clock_period_ns")) {
        m.clock_period_ns = get_number(top.at("clock_period_ns"), j["clock_period_ns"]);
        if (const std::string why = clock_period_problem(m.clock_period_ns); !why.empty())
            top.at("clock_period_ns").fail(why);
    }
    if (j.contains("io_type")) {
        const std::string io = get_string(top.at("io_type"), j["io_type"]);
        if (io == "io_parallel")
            m.io_type = IoType::Parallel;
        else if (io == "io_stream")
            m.io_type = IoType::Stream;
        else
            top.at("io_type").fail(fmt::format("\"{}\": expected io_parallel or io_stream", io));
    }
    if (j.contains("default_fifo_depth"))
        m.default_fifo_depth =
            static_cast<size_t>(get_int(top.at("default_fifo_depth"), j["default_fifo_depth"], 1, 1 << 24));
    if (j.contains("strategy")) m.strategy = parse_strategy(top.at("strategy"), j["strategy"]);
    if (j.contains("default_precision"))
        m.default_precision = get_precision(top.at("default_precision"), j["default_precision"]);
    if (j.contains("default_reuse_factor"))
        m.default_reuse_factor = get_int(top.at("default_reuse_factor"), j["default_reuse_factor"], 1, 1 << 24);

    const Ctx ci = top.at("input");
    const json& in = require(top, j, "input");
    if (!in.is_object()) ci.fail("expected an object with \"shape\"");
    check_keys(ci, in, {"name", "shape", "precision"});
    if (in.contains("name")) m.input_name = get_string(ci.at("name"), in["name"]);
    // The input's name is its channel's: in VCD scopes and --fifo-depths files, like a layer's.
    if (!valid_name(m.input_name))
        ci.at("name").fail(
            fmt::format("\"{}\" is not a valid input name (letters, digits and _, not starting with a "
                        "digit)",
                        m.input_name));
    const json& shape = require(ci, in, "shape");
    if (!shape.is_array() || shape.empty()) ci.at("shape").fail("expected a non-empty array of sizes");
    for (size_t i = 0; i < shape.size(); ++i)
        m.input_shape.push_back(static_cast<size_t>(get_int(ci.at("shape").at(i), shape[i], 1, 1 << 24)));
    check_tensor_size(ci.at("shape"), m.input_shape, "input");
    m.input_precision =
        in.contains("precision") ? get_precision(ci.at("precision"), in["precision"]) : m.default_precision;

    const json& layers = require(top, j, "layers");
    if (!layers.is_array()) top.at("layers").fail("expected an array of layers");
    const Defaults d{m.default_precision, m.default_reuse_factor, m.strategy};
    LayerBuilder b(m, d);

    // What every name refers to: the model input, each layer as Keras sees it (a Dense with an activation
    // means its activation's output) and each layer tlm4ml made (fused activations). Layers without a
    // computation (Flatten, Reshape, Dropout) name their input's producer with their own shape.
    struct TensorRef {
        size_t producer;
        std::vector<size_t> shape;
        Precision precision;
    };
    std::map<std::string, TensorRef> tensors;
    tensors[m.input_name] = {Model::kModelInput, m.input_shape, m.input_precision};
    std::map<std::string, size_t> declared;  // every layer name in the file -> its index (forward references)
    for (size_t i = 0; i < layers.size(); ++i)
        if (layers[i].is_object() && layers[i].contains("name") && layers[i]["name"].is_string())
            declared.emplace(layers[i]["name"].get<std::string>(), i);
    TensorRef prev = tensors[m.input_name];
    std::vector<std::vector<size_t>> graph;  // per computing layer, its producers
    std::vector<std::string> layer_path;     // per computing layer, where the file declares it
    for (size_t i = 0; i < layers.size(); ++i) {
        const Ctx cl = top.at("layers").at(i);
        if (!layers[i].is_object()) cl.fail("expected a layer object with \"name\" and \"class\"");
        json l = layers[i];
        // io_stream: the depth of this layer's output FIFO, in words; the layer itself never sees the key.
        std::optional<size_t> depth;
        if (l.contains("fifo_depth")) {
            depth = static_cast<size_t>(get_int(cl.at("fifo_depth"), l["fifo_depth"], 1, 1 << 24));
            l.erase("fifo_depth");
        }
        const std::string name = get_string(cl.at("name"), require(cl, l, "name"));
        const std::string cls = get_string(cl.at("class"), require(cl, l, "class"));
        MergeOp op;
        const bool merge = parse_merge_class(cls, op);
        // "inputs": names of the model input or of earlier layers; without it, the previous layer's output.
        std::vector<std::pair<std::string, TensorRef>> ins;
        if (l.contains("inputs")) {
            const Ctx cin = cl.at("inputs");
            const json& v = l["inputs"];
            if (!v.is_array() || v.empty()) cin.fail("expected a non-empty array of layer or input names");
            for (size_t k = 0; k < v.size(); ++k) {
                const std::string src = get_string(cin.at(k), v[k]);
                auto it = tensors.find(src);
                if (it != tensors.end() && src != name) {
                    ins.emplace_back(src, it->second);
                    continue;
                }
                if (src == name) cin.at(k).fail(fmt::format("\"{}\" takes its own output (a cycle)", name));
                auto later = declared.find(src);
                if (later != declared.end() && later->second > i)
                    cin.at(k).fail(
                        fmt::format("\"{}\" is declared later (layers[{}]): a layer's inputs must come before "
                                    "it (a forward reference or a cycle)",
                                    src, later->second));
                std::string known;
                for (const auto& [n, t] : tensors) known += (known.empty() ? "" : ", ") + n;
                cin.at(k).fail(
                    fmt::format("unknown input \"{}\" (expected the model input or an earlier layer: {})", src, known));
            }
            l.erase("inputs");
        } else {
            ins.emplace_back("", prev);
        }
        const size_t want = merge ? 2 : 1;
        if (ins.size() != want)
            cl.at(layers[i].contains("inputs") ? "inputs" : "class")
                .fail(fmt::format("{} takes {} input{}, got {}{}", cls, want, want == 1 ? "" : "s", ins.size(),
                                  merge && !layers[i].contains("inputs") ? " (name both in \"inputs\")" : ""));

        const size_t before = m.layers.size();
        std::vector<size_t> shape = ins[0].second.shape;
        Precision prec = ins[0].second.precision;
        try {
            if (merge) {
                const LayerBuilder::Operand a{ins[0].first, ins[0].second.shape, ins[0].second.precision};
                const LayerBuilder::Operand bb{ins[1].first, ins[1].second.shape, ins[1].second.precision};
                b.add(cl, l, shape, prec, &a, &bb);
            } else {
                b.add(cl, l, shape, prec);
            }
        } catch (const std::bad_alloc&) {
            cl.fail(fmt::format("out of memory building layer \"{}\" ({})", name, cls));
        } catch (const std::length_error&) {
            cl.fail(fmt::format("layer \"{}\" ({}) is too large to build", name, cls));
        }
        if (depth) m.fifo_depths[name] = *depth;
        TensorRef out{ins[0].second.producer, shape, prec};
        for (size_t k = before; k < m.layers.size(); ++k) {
            if (k == before) {
                std::vector<size_t> producers;
                for (const auto& in : ins) producers.push_back(in.second.producer);
                graph.push_back(std::move(producers));
            } else {
                graph.push_back({k - 1});  // a fused activation follows its layer
            }
            layer_path.push_back(cl.path);
            out.producer = k;
        }
        for (size_t k = before; k < m.layers.size(); ++k) tensors[m.layers[k]->name()] = out;
        tensors[name] = out;
        prev = out;
    }
    if (m.layers.empty()) top.at("layers").fail("the model has no computing layer");
    m.inputs = std::move(graph);
    if (m.is_chain()) m.inputs.clear();
    // Every output but the last layer's must feed a later layer (the network's output is the last layer's).
    if (m.consumers_of(Model::kModelInput).empty())
        top.at("input").fail(fmt::format("the model input \"{}\" is never used", m.input_name));
    for (size_t k = 0; k + 1 < m.layers.size(); ++k)
        if (m.consumers_of(k).empty())
            Ctx{path, layer_path[k], base_dir}.fail(
                fmt::format("the output of \"{}\" is never used (the network's output is the last layer's, \"{}\")",
                            m.layers[k]->name(), m.layers.back()->name()));

    // io_stream: hls4ml's ZeroPadding in front of padded convs (before "fifo_depths", which may name its FIFO).
    make_stream_padding_explicit(m);

    // "fifo_depths": {"fifo": depth} for any io_stream FIFO, in --fifo-depths files' format: a layer's output
    // FIFO by the layer's name, the input FIFO by the input's name, a clone's outputs as <producer>_cpy<k>.
    if (j.contains("fifo_depths")) {
        const Ctx cf = top.at("fifo_depths");
        const json& fd = j["fifo_depths"];
        if (!fd.is_object()) cf.fail("expected an object {\"fifo name\": depth}");
        const std::vector<std::string> names = fifo_names(m);
        for (auto it = fd.begin(); it != fd.end(); ++it) {
            if (std::find(names.begin(), names.end(), it.key()) == names.end()) {
                std::string list;
                for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
                cf.at(it.key()).fail(fmt::format("no FIFO of that name (the FIFOs: {})", list));
            }
            m.fifo_depths[it.key()] = static_cast<size_t>(get_int(cf.at(it.key()), *it, 1, 1 << 24));
        }
    }
    return m;
}

}  // namespace tlm4ml
