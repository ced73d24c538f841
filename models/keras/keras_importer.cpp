#include "models/keras/keras_importer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <system_error>
#include <fstream>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "models/json_input.h"
#include "models/model.h"
#include "models/keras/hdf5_reader.h"
#include "models/keras/keras_archive.h"
#include "models/passes/bn_fuse.h"
#include "models/hls4ml/hls4ml_config.h"
#include "models/passes/infer_precision.h"
#include "models/keras/qkeras.h"
#include "rtl_models/packed_bits.h"
#include "rtl_models/precision.h"
#include "rtl_models/quantize.h"

namespace tlm4ml {

using nlohmann::json;

namespace {

const std::set<std::string> kMergeClasses = {"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum",
                                             "Concatenate"};

const std::set<std::string> kSupported = {
    "InputLayer", "Dense", "BinaryDense", "TernaryDense", "Activation", "ReLU", "LeakyReLU", "Softmax",
    "BatchNormalization", "QBatchNormalization", "Dropout", "Flatten", "Reshape", "QDense", "QActivation", "Conv1D",
    "Conv2D", "QConv1D", "QConv2D", "MaxPooling1D", "MaxPooling2D", "AveragePooling1D", "AveragePooling2D",
    "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalAveragePooling1D", "GlobalAveragePooling2D", "ZeroPadding1D",
    "ZeroPadding2D", "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate"};

std::string supported_list() {
    std::string s;
    for (const auto& c : kSupported) s += (s.empty() ? "" : ", ") + c;
    return s;
}

struct KerasLayer {
    std::string cls;
    std::string name;
    json config;
    // The layers (or the model input) whose outputs this layer reads, in call order. Filled from
    // "inbound_nodes" in a functional model; empty until the converter fills it for a Sequential model
    // (the previous layer) -- `explicit_inbound` tells which.
    std::vector<std::string> inbound;
    bool explicit_inbound = false;
};

// The model as the configuration describes it: layers in file order (a topological order in Keras'
// files) and, for functional models, the input and output layer names.
struct KerasGraph {
    std::vector<KerasLayer> layers;
    bool functional = false;
    std::string input;   // functional: the InputLayer named by "input_layers" ("" when absent)
    std::string output;  // functional: the layer named by "output_layers" ("" when absent: the last layer)
};

// Everything the conversion needs, and where messages point.
struct Source {
    const Hls4mlConfig& cfg;
    std::string arch_file;  // where the architecture came from
    const H5Reader* h5 = nullptr;
    std::string weights_base;  // "" (root) or "/model_weights"
    // Keras 3 (model.weights.h5 of a .keras archive): each layer's group, "/layers/<snake_case class>[_k]".
    std::map<std::string, std::string> keras3_groups;
};

[[noreturn]] void fail(const std::string& where, const std::string& what) {
    throw ModelError(fmt::format("{}: {}", where, what));
}

std::string layer_where(const Source& s, const KerasLayer& l) {
    return fmt::format("{}: layer \"{}\" (class {})", s.arch_file, l.name, l.cls);
}

// ---- architecture --------------------------------------------------------------------------------------

// A Keras tensor reference: [layer name, node index, tensor index] (Keras 2 inbound entries carry a fourth
// element, the call's kwargs; Keras 3's keras_history and input_layers/output_layers have three).
struct TensorRef {
    std::string layer;
    int64_t node = 0;
    int64_t tensor = 0;
};

bool is_tensor_ref(const json& v) {
    return v.is_array() && v.size() >= 3 && v[0].is_string() && v[1].is_number_integer() && v[2].is_number_integer();
}

TensorRef tensor_ref(const json& v) {
    return {v[0].get<std::string>(), v[1].get<int64_t>(), v[2].get<int64_t>()};
}

// Every tensor reference in a (possibly nested) list or mapping, in order: input_layers / output_layers are
// [name, 0, 0] (one tensor, recent Keras 3), [[name, 0, 0], ...] (Keras 2, early Keras 3) or a mapping.
void collect_refs(const json& v, std::vector<TensorRef>& out) {
    if (is_tensor_ref(v)) {
        out.push_back(tensor_ref(v));
    } else if (v.is_array() || v.is_object()) {
        for (const auto& e : v) collect_refs(e, out);
    }
}

// Keras 3 serializes a call's arguments with every tensor as {"class_name": "__keras_tensor__", "config":
// {"keras_history": [layer, node, tensor], ...}}; lists and tuples ({"class_name": "__tuple__", ...}) nest.
void collect_keras3_tensors(const json& v, std::vector<TensorRef>& out) {
    if (v.is_object()) {
        if (v.contains("class_name") && v["class_name"] == "__keras_tensor__") {
            const json* h = v.contains("config") && v["config"].is_object() && v["config"].contains("keras_history")
                                ? &v["config"]["keras_history"]
                                : nullptr;
            if (h && is_tensor_ref(*h)) out.push_back(tensor_ref(*h));
            else out.push_back({"", -1, -1});  // malformed: reported by the caller
            return;
        }
        for (const auto& e : v) collect_keras3_tensors(e, out);
    } else if (v.is_array()) {
        for (const auto& e : v) collect_keras3_tensors(e, out);
    }
}

std::string quoted_list(const std::vector<std::string>& names) {
    std::string s;
    for (const auto& n : names) s += (s.empty() ? "\"" : ", \"") + n + "\"";
    return s;
}

// The layers a functional model's layer reads, from its "inbound_nodes" (Keras 2: [[[name, node, tensor,
// kwargs], ...]]; Keras 3: [{"args": [...], "kwargs": {...}}]). One node only: a layer called more than once
// (a shared layer) has several.
std::vector<std::string> parse_inbound(const json& nodes, const KerasLayer& k, const std::string& file) {
    const std::string where = fmt::format("{}: layer \"{}\" (class {})", file, k.name, k.cls);
    if (!nodes.is_array()) fail(where, "\"inbound_nodes\" is not a list");
    if (nodes.empty()) return {};
    if (nodes.size() > 1)
        fail(where, fmt::format("is a shared layer: it is called {} times (\"inbound_nodes\" holds {} nodes); shared "
                                "layers are not supported",
                                nodes.size(), nodes.size()));
    const json& node = nodes[0];
    std::vector<TensorRef> refs;
    if (node.is_array()) {  // Keras 2
        for (const auto& e : node) {
            if (!is_tensor_ref(e)) fail(where, fmt::format("inbound node entry {} is not [layer, node, tensor, ...]", e.dump()));
            refs.push_back(tensor_ref(e));
        }
    } else if (node.is_object() && node.contains("args")) {  // Keras 3
        collect_keras3_tensors(node["args"], refs);
        if (node.contains("kwargs")) {
            std::vector<TensorRef> kw;
            collect_keras3_tensors(node["kwargs"], kw);
            if (!kw.empty())
                fail(where, "takes a tensor as a keyword argument (e.g. a mask): not supported");
        }
    } else {
        fail(where, "\"inbound_nodes\" is in neither Keras 2's nor Keras 3's format");
    }
    std::vector<std::string> names;
    for (const TensorRef& r : refs) {
        if (r.layer.empty()) fail(where, "an input tensor without a \"keras_history\" [layer, node, tensor]");
        if (r.node != 0)
            fail(where, fmt::format("reads node {} of layer \"{}\", which is therefore called more than once (a shared "
                                    "layer): not supported",
                                    r.node, r.layer));
        if (r.tensor != 0)
            fail(where, fmt::format("reads output tensor {} of layer \"{}\": only layers with one output (tensor index "
                                    "0) are supported",
                                    r.tensor, r.layer));
        names.push_back(r.layer);
    }
    if (names.empty()) fail(where, "no input tensor in its inbound node");
    return names;
}

// The single layer named by "input_layers" / "output_layers" ("" when the key is absent).
std::string single_io_layer(const json& config, const char* key, const char* what, const std::string& file) {
    if (!config.is_object() || !config.contains(key)) return "";
    std::vector<TensorRef> refs;
    collect_refs(config[key], refs);
    if (refs.empty()) fail(file, fmt::format("\"{}\" {} names no layer", key, config[key].dump()));
    if (refs.size() > 1) {
        std::vector<std::string> names;
        for (const auto& r : refs) names.push_back(r.layer);
        fail(file, fmt::format("the model has {} {}s ({}): only models with one {} are supported", refs.size(), what,
                               quoted_list(names), what));
    }
    if (refs[0].node != 0 || refs[0].tensor != 0)
        fail(file, fmt::format("the model's {} is node {}, tensor {} of layer \"{}\": only node 0, tensor 0 is supported",
                               what, refs[0].node, refs[0].tensor, refs[0].layer));
    return refs[0].layer;
}

KerasGraph parse_architecture(const json& arch, const std::string& file) {
    if (!arch.is_object() || !arch.contains("class_name") || !arch.contains("config"))
        fail(file, "not a Keras model description (expected \"class_name\" and \"config\")");
    const std::string model_cls = arch["class_name"].is_string() ? arch["class_name"].get<std::string>() : "";
    const json& config = arch["config"];
    const json* layers = nullptr;
    if (config.is_array()) layers = &config;  // Keras 2.0 Sequential
    else if (config.is_object() && config.contains("layers") && config["layers"].is_array()) layers = &config["layers"];
    if (!layers) fail(file, fmt::format("{}: no layer list in \"config\"", model_cls));
    if (model_cls != "Sequential" && model_cls != "Model" && model_cls != "Functional")
        fail(file, fmt::format("model class \"{}\" is not supported (expected Sequential, Model or Functional)", model_cls));

    KerasGraph g;
    g.functional = model_cls != "Sequential";
    std::vector<KerasLayer>& out = g.layers;
    for (size_t i = 0; i < layers->size(); ++i) {
        const json& l = (*layers)[i];
        if (!l.is_object() || !l.contains("class_name") || !l["class_name"].is_string() || !l.contains("config") ||
            !l["config"].is_object())
            fail(file, fmt::format("config.layers[{}]: expected an object with \"class_name\" and \"config\"", i));
        KerasLayer k;
        k.cls = l["class_name"].get<std::string>();
        k.config = l["config"];
        if (k.config.contains("name") && k.config["name"].is_string()) k.name = k.config["name"].get<std::string>();
        else if (l.contains("name") && l["name"].is_string()) k.name = l["name"].get<std::string>();
        else fail(file, fmt::format("config.layers[{}] ({}): no layer name", i, k.cls));
        // A functional model's layers name what they read; a layer without "inbound_nodes" reads the one
        // before it, as in a Sequential model.
        if (g.functional && l.contains("inbound_nodes")) {
            k.inbound = parse_inbound(l["inbound_nodes"], k, file);
            k.explicit_inbound = !k.inbound.empty();
        }
        out.push_back(std::move(k));
    }
    if (out.empty()) fail(file, "the model has no layers");
    for (const auto& k : out)
        if (!kSupported.count(k.cls))
            fail(file, fmt::format("layer \"{}\" (class {}) is not supported by the importer (supported: {})", k.name,
                                   k.cls, supported_list()));
    if (g.functional) {
        g.input = single_io_layer(config, "input_layers", "input", file);
        g.output = single_io_layer(config, "output_layers", "output", file);
    }
    return g;
}

// ---- weights -------------------------------------------------------------------------------------------

// A Keras 3 layer's variables are numbered (vars/0, vars/1, ...) in the order the layer creates them.
std::vector<std::string> keras3_variable_names(const KerasLayer& l) {
    const std::string& c = l.cls;
    if (c.find("Dense") != std::string::npos || c.find("Conv") != std::string::npos) {
        std::vector<std::string> v = {"kernel"};
        if (l.config.value("use_bias", true)) v.push_back("bias");
        return v;
    }
    if (c == "BatchNormalization" || c == "QBatchNormalization") {
        std::vector<std::string> v;
        if (l.config.value("scale", true)) v.push_back("gamma");
        if (l.config.value("center", true)) v.push_back("beta");
        v.push_back("moving_mean");
        v.push_back("moving_variance");
        return v;
    }
    return {};
}

H5Array checked_dataset(const Source& s, const std::string& ds) {
    H5Array a = s.h5->dataset(ds);
    for (size_t i = 0; i < a.values.size(); ++i)
        if (!std::isfinite(a.values[i])) fail(s.h5->path(), fmt::format("dataset {}: element {} is not finite", ds, i));
    return a;
}

// The weights of one Keras layer by short name (kernel, bias, gamma, beta, moving_mean, moving_variance).
std::map<std::string, H5Array> layer_weights(const Source& s, const KerasLayer& l) {
    std::map<std::string, H5Array> out;
    if (!s.keras3_groups.empty()) {
        const auto g = s.keras3_groups.find(l.name);
        const std::string group = g == s.keras3_groups.end() ? "" : g->second;
        if (group.empty() || !s.h5->exists(group + "/vars"))
            fail(s.h5->path(), fmt::format("no weights for layer \"{}\" (class {}): group {}/vars is missing", l.name,
                                           l.cls, group));
        const std::vector<std::string> names = keras3_variable_names(l);
        size_t present = 0;
        while (s.h5->exists(group + "/vars/" + std::to_string(present))) ++present;
        if (present != names.size())
            fail(s.h5->path(), fmt::format("layer \"{}\" (class {}): {}/vars holds {} variables, expected {}", l.name,
                                           l.cls, group, present, names.size()));
        for (size_t k = 0; k < names.size(); ++k) out[names[k]] = checked_dataset(s, group + "/vars/" + std::to_string(k));
        return out;
    }
    const std::string group = s.weights_base + "/" + l.name;
    if (!s.h5->exists(group))
        fail(s.h5->path(), fmt::format("no weights for layer \"{}\" (class {}): group {} is missing", l.name, l.cls, group));
    if (!s.h5->has_attribute(group, "weight_names"))
        fail(s.h5->path(), fmt::format("group {} (layer \"{}\") has no weight_names attribute", group, l.name));
    for (const std::string& wname : s.h5->string_list_attribute(group, "weight_names")) {
        std::string key = wname.substr(wname.rfind('/') == std::string::npos ? 0 : wname.rfind('/') + 1);
        key = key.substr(0, key.find(':'));
        const std::string ds = group + "/" + wname;
        if (!s.h5->exists(ds))
            fail(s.h5->path(), fmt::format("layer \"{}\" (class {}): dataset {} (listed in weight_names) is missing",
                                           l.name, l.cls, ds));
        out[key] = checked_dataset(s, ds);
    }
    return out;
}

const H5Array& need(const Source& s, const KerasLayer& l, const std::map<std::string, H5Array>& w,
                    const std::string& key, const std::vector<size_t>& shape) {
    const auto it = w.find(key);
    if (it == w.end())
        fail(s.h5->path(), fmt::format("layer \"{}\" (class {}): no \"{}\" weights in weight_names", l.name, l.cls, key));
    if (it->second.shape != shape) {
        std::string got, want;
        for (size_t d : it->second.shape) got += (got.empty() ? "" : ", ") + std::to_string(d);
        for (size_t d : shape) want += (want.empty() ? "" : ", ") + std::to_string(d);
        fail(s.h5->path(), fmt::format("layer \"{}\" (class {}): \"{}\" has shape [{}], expected [{}]", l.name, l.cls,
                                       key, got, want));
    }
    return it->second;
}

// ---- precisions and hls4ml's weights route -------------------------------------------------------------

Precision parse_precision(const std::string& where, const std::string& text) {
    if (text == "auto")
        fail(where, "\"auto\" precisions (hls4ml's type inference, granularity name/type) are not supported: give "
                    "explicit types");
    try {
        return Precision::parse(text);
    } catch (const PrecisionError& e) {
        fail(where, e.what());
    }
}

// hls4ml writes each value as decimal text with F decimals (F = fractional bits of the type, 0 for integer
// types); the firmware reads it as a double and converts it with the type's modes. The result is the exact
// value the firmware holds.
double firmware_value(double v, const Precision& p) {
    const int f = std::clamp(p.frac(), 0, 64);
    char buf[512];
    std::snprintf(buf, sizeof buf, "%.*f", f, v);
    const double text_value = std::strtod(buf, nullptr);
    return p.to_double(quantize_double(text_value, p));
}

json values_json(const std::vector<double>& v, const Precision& p) {
    json a = json::array();
    for (double x : v) a.push_back(firmware_value(x, p));
    return a;
}

// Nested arrays of a C-order tensor.
json tensor_json(const double* v, const std::vector<size_t>& shape, size_t dim = 0) {
    if (dim == shape.size()) return json(*v);
    size_t stride = 1;
    for (size_t d = dim + 1; d < shape.size(); ++d) stride *= shape[d];
    json a = json::array();
    for (size_t i = 0; i < shape[dim]; ++i) a.push_back(tensor_json(v + i * stride, shape, dim + 1));
    return a;
}

json matrix_json(const std::vector<double>& v, size_t rows, size_t cols) {
    json m = json::array();
    for (size_t i = 0; i < rows; ++i) {
        json r = json::array();
        for (size_t j = 0; j < cols; ++j) r.push_back(v[i * cols + j]);
        m.push_back(std::move(r));
    }
    return m;
}

size_t product(const std::vector<size_t>& s) {
    size_t n = 1;
    for (size_t d : s) n *= d;
    return n;
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

// ---- the converter -------------------------------------------------------------------------------------

class Converter {
public:
    Converter(const Source& s, std::vector<std::string>& warnings) : s_(s), cfg_(s.cfg), warnings_(warnings) {}

    json convert(const KerasGraph& g) {
        std::vector<KerasLayer> layers = g.layers;
        json m;
        const std::string model_prec = cfg_.precision("", {}, "default", "ap_fixed<16,6>");
        if (is_auto_precision(model_prec))
            fail(cfg_.path + ": HLSConfig.Model.Precision",
                 "the model default cannot be \"auto\" (hls4ml's config_from_keras_model: it must be explicit)");
        model_default_ = parse_precision(cfg_.path + ": HLSConfig.Model.Precision", model_prec);
        model_prec_ = model_prec;
        m["name"] = cfg_.project_name.empty() ? std::filesystem::path(cfg_.path).stem().string() : cfg_.project_name;
        m["source"] = fmt::format("imported by tlm4ml from {} ({}{})", cfg_.path, s_.arch_file,
                                  cfg_.keras_h5.empty() ? "" : " + " + cfg_.keras_h5);
        m["description"] = fmt::format("hls4ml configuration {}; Part: {}", cfg_.path, cfg_.part.empty() ? "(none)" : cfg_.part);
        m["clock_period_ns"] = cfg_.clock_period_ns;
        m["io_type"] = cfg_.io_type;
        m["strategy"] = cfg_.model.strategy.value_or("Latency");
        m["default_precision"] = model_prec;
        m["default_reuse_factor"] = cfg_.model.reuse_factor.value_or(1);

        // Input: an InputLayer, or (Sequential) the first layer's batch_input_shape; hls4ml names the latter
        // "<first layer>_input".
        size_t first = 0;
        std::string input_name;
        json shape_src;
        if (!g.input.empty() && (layers[0].cls != "InputLayer" || layers[0].name != g.input))
            fail(s_.arch_file, fmt::format("the model input \"{}\" is not the first layer's InputLayer (the first layer "
                                           "is \"{}\", class {})",
                                           g.input, layers[0].name, layers[0].cls));
        if (layers[0].cls == "InputLayer") {
            input_name = layers[0].name;
            shape_src = layers[0].config;
            first = 1;
        } else {
            input_name = layers[0].name + "_input";
            shape_src = layers[0].config;
        }
        const json* bis = nullptr;
        for (const char* key : {"batch_input_shape", "batch_shape"})
            if (shape_src.contains(key) && shape_src[key].is_array()) bis = &shape_src[key];
        if (!bis || bis->size() < 2)
            fail(s_.arch_file, fmt::format("layer \"{}\": no batch_input_shape: cannot tell the input shape", layers[0].name));
        for (size_t i = 1; i < bis->size(); ++i) {
            if (!(*bis)[i].is_number_integer() || (*bis)[i].get<int64_t>() < 1)
                fail(s_.arch_file, fmt::format("layer \"{}\": input dimension {} is not a fixed positive size",
                                               layers[0].name, i));
            shape_.push_back((*bis)[i].get<size_t>());
        }
        known_names_.insert(lower(input_name));
        input_name_ = input_name;
        std::string in_prec = cfg_.precision(input_name, {"InputLayer", "Input"}, "result", model_prec);
        if (is_auto_precision(in_prec)) in_prec = model_prec;  // infer_precision.py: Input is not inferred
        parse_precision(cfg_.path + ": precision of the input " + input_name, in_prec);
        input_prec_ = in_prec;
        m["input"] = {{"name", input_name}, {"shape", shape_}, {"precision", in_prec}};

        const std::string output = build_graph(g, layers, first, input_name);

        // Each Keras layer's output lives in some emitted layer's output (or the model input): tensors_ says
        // which, with its shape. A layer reads what its inbound layers' tensors name; it gets "inputs" when
        // that is not simply the previous emitted layer (always for merges).
        tensors_[input_name] = {input_name, shape_, false, false};
        absorbed_.assign(layers.size(), false);
        out_ = json::array();
        for (size_t i = first; i < layers.size(); ++i) {
            if (absorbed_[i]) continue;
            const KerasLayer& l = layers[i];
            std::vector<Tensor> ins;
            for (const auto& src : l.inbound) ins.push_back(tensors_.at(src));
            shape_ = ins[0].shape;
            prev_bnqt_ = ins[0].bnqt;
            prev_bnqt_ternary_ = ins[0].bnqt_ternary;
            const size_t before = out_.size();
            const std::string last = before == 0 ? input_name : out_[before - 1]["name"].get<std::string>();
            absorbed_now_.clear();
            const bool merge = kMergeClasses.count(l.cls) > 0;
            if (merge) add_merge(l, ins);
            else add(layers, i);
            Tensor t{ins[0].name, shape_, prev_bnqt_, prev_bnqt_ternary_};
            if (out_.size() > before) {
                t.name = out_.back()["name"].get<std::string>();
                if (merge || ins[0].name != last) {
                    json names = json::array();
                    for (const auto& in : ins) names.push_back(in.name);
                    out_[before]["inputs"] = names;
                }
            }
            tensors_[l.name] = t;
            for (size_t k : absorbed_now_) tensors_[layers[k].name] = t;
        }
        if (out_.empty()) fail(s_.arch_file, "the model computes nothing (no layer left after removing Dropout and linear activations)");
        if (tensors_.at(output).name != out_.back()["name"])
            fail(s_.arch_file, fmt::format("the model's output \"{}\" is not the last layer computed (\"{}\")", output,
                                           out_.back()["name"].get<std::string>()));
        m["layers"] = out_;
        // hls4ml's infer_precision_types: the result / accum types left "auto".
        std::optional<Precision> maximum;
        if (const auto it = cfg_.model.precision.find("maximum"); it != cfg_.model.precision.end())
            maximum = parse_precision(cfg_.path + ": HLSConfig.Model.Precision.maximum", it->second);
        infer_precision_types(m, model_default_, maximum, cfg_.path);

        for (const auto& kv : cfg_.layer_name)
            if (!known_names_.count(kv.first))
                warnings_.push_back(fmt::format("{}: no layer is named \"{}\" (hls4ml names: the Keras layer names, "
                                                "\"<layer>_<activation>\" for fused activations, \"bnbt_<bn>\" for "
                                                "merged BatchNormalization + binary/ternary tanh)",
                                                kv.second.where, kv.first));
        return m;
    }

private:
    // The tensor holding a Keras layer's output: the emitted layer (or model input) that computes it.
    struct Tensor {
        std::string name;
        std::vector<size_t> shape;
        bool bnqt = false;  // computed by a merged BatchNormalization + binary/ternary tanh (bnbt_)
        bool bnqt_ternary = false;
    };

    // Resolves every layer's inbound layers (a Sequential model's and a functional chain's: the previous
    // layer), checks the graph (inputs earlier in the file, two inputs for a merge and one for anything
    // else, every output read) and records who reads what. Returns the output layer's name.
    std::string build_graph(const KerasGraph& g, std::vector<KerasLayer>& layers, size_t first,
                            const std::string& input_name) {
        std::map<std::string, size_t> index;
        for (size_t i = first; i < layers.size(); ++i) {
            KerasLayer& l = layers[i];
            if (l.cls == "InputLayer")
                fail(layer_where(s_, l), "a second InputLayer: only models with one input are supported");
            if (!l.explicit_inbound) l.inbound = {i == first ? input_name : layers[i - 1].name};
            for (const auto& src : l.inbound)
                if (src != input_name && !index.count(src))
                    fail(layer_where(s_, l), fmt::format("reads \"{}\", which is neither the model input \"{}\" nor a "
                                                         "layer listed before it",
                                                         src, input_name));
            const bool merge = kMergeClasses.count(l.cls) > 0;
            if (merge && l.inbound.size() != 2)
                fail(layer_where(s_, l), fmt::format("merges {} tensors ({}): hls4ml's merge layers take exactly two",
                                                     l.inbound.size(), quoted_list(l.inbound)));
            if (!merge && l.inbound.size() != 1)
                fail(layer_where(s_, l), fmt::format("reads {} tensors ({}): only merge layers take more than one",
                                                     l.inbound.size(), quoted_list(l.inbound)));
            if (!index.emplace(l.name, i).second || l.name == input_name)
                fail(layer_where(s_, l), "another layer has the same name");
        }
        consumers_.assign(layers.size(), {});
        for (size_t i = first; i < layers.size(); ++i)
            for (const auto& src : layers[i].inbound)
                if (src != input_name) consumers_[index.at(src)].push_back(i);
        const std::string output = g.output.empty() ? layers.back().name : g.output;
        if (output != input_name && !index.count(output))
            fail(s_.arch_file, fmt::format("the model's output \"{}\" (output_layers) is not one of its layers", output));
        for (size_t i = first; i < layers.size(); ++i)
            if (consumers_[i].empty() && layers[i].name != output)
                fail(layer_where(s_, layers[i]), fmt::format("its output is read by no layer and is not the model's "
                                                             "output \"{}\"",
                                                             output));
        return output;
    }

    // A binary / ternary tanh that hls4ml merges into the BatchNormalization before it (an Activation, or a
    // QActivation with a binary / ternary quantizer: hls4ml's TernaryTanh brings the quantizer's threshold,
    // 0.33 for the plain ternary_tanh function; an Activation layer uses 0.5). "" for anything else.
    std::string quantized_tanh(const KerasLayer& l, double& ternary_threshold) {
        ternary_threshold = 0.5;
        std::string act;
        if (l.cls == "Activation") {
            act = l.config.value("activation", "");
        } else if (l.cls == "QActivation" && l.config.contains("activation")) {
            const QuantizerSpec q = parse_quantizer(l.config["activation"], layer_where(s_, l));
            if (q.cls == "binary" || q.cls == "binary_tanh") act = "binary";
            if (q.cls == "ternary" || q.cls == "ternary_tanh") {
                act = "ternary";
                ternary_threshold = q.threshold ? *q.threshold : 0.33;
            }
        }
        if (act == "binary_tanh" || act == "binary") return "binary";
        if (act == "ternary_tanh" || act == "ternary") return "ternary";
        return "";
    }

    // The layers reading layer i's output, looking through Dropouts (hls4ml drops them when it parses).
    void readers_through_dropout(const std::vector<KerasLayer>& layers, size_t i, std::vector<size_t>& out) {
        for (size_t c : consumers_[i]) {
            if (layers[c].cls == "Dropout") readers_through_dropout(layers, c, out);
            else out.push_back(c);
        }
    }

    // Merge layers: hls4ml's Merge (Add, Subtract, Multiply, Average, Maximum, Minimum; LayerType "Merge") and
    // Concatenate, with a result type and no accumulator. Shapes must agree as Keras requires, without
    // Keras' broadcasting, which hls4ml's merge functions do not do.
    void add_merge(const KerasLayer& l, const std::vector<Tensor>& ins) {
        const bool concat = l.cls == "Concatenate";
        const std::vector<std::string> classes =
            concat ? std::vector<std::string>{"Concatenate"} : std::vector<std::string>{l.cls, "Merge"};
        const Tensor& a = ins[0];
        const Tensor& b = ins[1];
        auto shape_text = [](const std::vector<size_t>& v) {
            std::string t;
            for (size_t d : v) t += (t.empty() ? "" : ", ") + std::to_string(d);
            return "[" + t + "]";
        };
        json d = {{"name", l.name}, {"class", l.cls}};
        if (!concat) {
            if (a.shape != b.shape)
                fail(layer_where(s_, l), fmt::format("needs two inputs of one shape, got {} (\"{}\") and {} (\"{}\"): "
                                                     "hls4ml's merge does not broadcast",
                                                     shape_text(a.shape), l.inbound[0], shape_text(b.shape), l.inbound[1]));
        } else {
            const int rank = static_cast<int>(a.shape.size());
            if (b.shape.size() != a.shape.size())
                fail(layer_where(s_, l), fmt::format("inputs of different ranks: {} (\"{}\") and {} (\"{}\")",
                                                     shape_text(a.shape), l.inbound[0], shape_text(b.shape), l.inbound[1]));
            if (rank > 3) fail(layer_where(s_, l), "concatenating tensors of rank > 3 is not supported (hls4ml: neither)");
            const json& ax = l.config.contains("axis") ? l.config["axis"] : json(-1);
            if (!ax.is_number_integer() || ax.get<int>() == 0 || ax.get<int>() < -rank || ax.get<int>() > rank)
                fail(layer_where(s_, l), fmt::format("axis {}: expected -{}..-1 or 1..{} (0 is the batch axis)", ax.dump(),
                                                     rank, rank));
            const int axis = ax.get<int>();
            const size_t k = static_cast<size_t>(axis < 0 ? axis + rank : axis - 1);
            for (size_t i = 0; i < a.shape.size(); ++i)
                if (i != k && a.shape[i] != b.shape[i])
                    fail(layer_where(s_, l), fmt::format("axis {}: the inputs {} (\"{}\") and {} (\"{}\") differ on "
                                                         "another axis",
                                                         axis, shape_text(a.shape), l.inbound[0], shape_text(b.shape),
                                                         l.inbound[1]));
            d["axis"] = axis;
            shape_ = a.shape;
            shape_[k] += b.shape[k];
        }
        common(d, l.name, classes);
        d["precision"] = {{"result", prec(l.name, classes, "result", "ap_fixed<16,6>")}};
        out_.push_back(std::move(d));
        prev_bnqt_ = false;
    }

    // A configured type. "auto" stays for result / accum (models/passes/infer_precision.cpp sizes them once the
    // input types are known); any other "auto" (weight, bias, scale, tables) is the model default, as
    // infer_precision.py's _infer_default_type makes it before the weights are written.
    std::string prec(const std::string& name, const std::vector<std::string>& classes, const std::string& var,
                     const std::string& fallback, Precision* parsed = nullptr) {
        std::string p = cfg_.precision(name, classes, var, fallback);
        if (is_auto_precision(p)) {
            if ((var == "result" || var == "accum") && !parsed) return "auto";
            p = model_prec_;
        }
        const Precision pp = parse_precision(fmt::format("{}: precision {} of layer \"{}\"", cfg_.path, var, name), p);
        if (parsed) *parsed = pp;
        return p;
    }

    void common(json& l, const std::string& name, const std::vector<std::string>& classes) {
        l["reuse_factor"] = cfg_.reuse_factor(name, classes);
        known_names_.insert(lower(name));
    }

    // Returns the index of the last Keras layer consumed.
    size_t add(const std::vector<KerasLayer>& layers, size_t i) {
        const KerasLayer& l = layers[i];
        const json& c = l.config;
        if (l.cls == "InputLayer") fail(layer_where(s_, l), "an InputLayer in the middle of the model");
        if (l.cls == "Dropout") {  // inference: identity; hls4ml removes it
            known_names_.insert(lower(l.name));
            return i;
        }
        if (l.cls == "Flatten") {
            out_.push_back({{"name", l.name}, {"class", "Flatten"}});
            known_names_.insert(lower(l.name));
            shape_ = {product(shape_)};
            return i;
        }
        if (l.cls == "Reshape") {
            const json& ts = c.contains("target_shape") ? c["target_shape"] : json();
            if (!ts.is_array() || ts.empty()) fail(layer_where(s_, l), "no \"target_shape\"");
            std::vector<size_t> t;
            for (const auto& d : ts) {
                if (!d.is_number_integer() || d.get<int64_t>() < 1)
                    fail(layer_where(s_, l), fmt::format("target_shape {}: only fixed positive sizes are supported", ts.dump()));
                t.push_back(d.get<size_t>());
            }
            if (product(t) != product(shape_))
                fail(layer_where(s_, l), fmt::format("target_shape {} does not hold the {} input values", ts.dump(),
                                                     product(shape_)));
            out_.push_back({{"name", l.name}, {"class", "Reshape"}, {"target_shape", t}});
            known_names_.insert(lower(l.name));
            shape_ = t;
            return i;
        }
        if (l.cls == "Conv1D" || l.cls == "Conv2D" || l.cls == "QConv1D" || l.cls == "QConv2D") {
            add_conv(l);
            prev_bnqt_ = false;
            if (c.contains("activation") && !c["activation"].is_null()) {
                if (l.cls[0] == 'Q') {
                    const QuantizerSpec q = parse_quantizer(c["activation"], layer_where(s_, l));
                    if (!(q.plain && q.cls == "linear")) add_qactivation(l, l.name + "_" + q.cls, q);
                } else {
                    const std::string act = c.value("activation", std::string("linear"));
                    if (act != "linear") add_activation(l, l.name + "_" + act, act, json::object());
                    else add_linear_activation(l, l.name + "_linear", l.name);
                }
            }
            return i;
        }
        if (l.cls.find("Pooling") != std::string::npos) {
            add_pooling(l);
            prev_bnqt_ = false;
            return i;
        }
        if (l.cls == "ZeroPadding1D" || l.cls == "ZeroPadding2D") {
            add_zero_padding(l);
            prev_bnqt_ = false;
            return i;
        }
        if (l.cls == "Dense" || l.cls == "BinaryDense" || l.cls == "TernaryDense") {
            add_dense(l);
            prev_bnqt_ = false;
            const std::string act = c.value("activation", std::string("linear"));
            if (act != "linear") add_activation(l, l.name + "_" + act, act, json::object());
            else add_linear_activation(l, l.name + "_linear", l.name);
            return i;
        }
        if (l.cls == "QDense") {
            add_dense(l);
            prev_bnqt_ = false;
            if (c.contains("activation") && !c["activation"].is_null()) {
                const QuantizerSpec q = parse_quantizer(c["activation"], layer_where(s_, l));
                if (!(q.plain && q.cls == "linear")) add_qactivation(l, l.name + "_" + q.cls, q);
            }
            return i;
        }
        if (l.cls == "QActivation") {
            prev_bnqt_ = false;
            if (!c.contains("activation")) fail(layer_where(s_, l), "no \"activation\"");
            const QuantizerSpec q = parse_quantizer(c["activation"], layer_where(s_, l));
            if (q.plain && q.cls == "linear") {
                known_names_.insert(lower(l.name));
                return i;
            }
            add_qactivation(l, l.name, q);
            return i;
        }
        if (l.cls == "BatchNormalization" || l.cls == "QBatchNormalization") {
            // hls4ml's merge_batch_norm_quantized_tanh: BN read by a binary/ternary tanh (through Dropouts, which
            // hls4ml drops) becomes one bnbt_<bn> layer. Only when that is the BN's only reader: hls4ml merges
            // regardless and rewires any other reader to the BN's *input* (ModelGraph.remove_node), which would
            // not compute the Keras model -- refused.
            std::vector<size_t> path;  // the Dropouts between the BN and its reader
            size_t k = i;
            while (consumers_[k].size() == 1 && layers[consumers_[k][0]].cls == "Dropout") {
                k = consumers_[k][0];
                path.push_back(k);
            }
            std::string act;
            double ternary_threshold = 0.5;
            if (consumers_[k].size() == 1) {
                path.push_back(consumers_[k][0]);
                act = quantized_tanh(layers[path.back()], ternary_threshold);
            } else if (consumers_[k].size() > 1) {
                std::vector<size_t> readers;
                readers_through_dropout(layers, i, readers);
                std::vector<std::string> names;
                for (size_t r : readers) names.push_back(layers[r].name);
                for (size_t r : readers) {
                    double t = 0;
                    if (!quantized_tanh(layers[r], t).empty())
                        fail(layer_where(s_, l),
                             fmt::format("its output is read by {} layers ({}), one of them the binary/ternary tanh "
                                         "\"{}\": hls4ml would still merge the two into \"bnbt_{}\" and rewire the "
                                         "other readers to the BatchNormalization's input, so its firmware would not "
                                         "compute this model; not supported",
                                         readers.size(), quoted_list(names), layers[r].name, l.name));
                }
            }
            const bool binary = act == "binary";
            const bool ternary = act == "ternary";
            if (add_batchnorm(l, binary, ternary, ternary_threshold, fusable_parent(layers, i))) {
                prev_bnqt_ = false;
                return i;
            }
            if (binary || ternary) {
                for (size_t p : path) {
                    known_names_.insert(lower(layers[p].name));
                    absorbed_[p] = true;
                    absorbed_now_.push_back(p);
                }
                prev_bnqt_ = true;
                prev_bnqt_ternary_ = ternary;
                return i;
            }
            prev_bnqt_ = false;
            return i;
        }
        prev_bnqt_ = false;
        if (l.cls == "Activation") {
            const std::string act = c.value("activation", std::string("linear"));
            if (act == "linear") {
                add_linear_activation(l, l.name, tensors_.at(l.inbound[0]).name);
                return i;
            }
            add_activation(l, l.name, act, json::object());
            return i;
        }
        if (l.cls == "ReLU") {
            json extra = json::object();
            if (c.contains("max_value") && !c["max_value"].is_null()) extra["max_value"] = c["max_value"];
            if (c.contains("negative_slope") && c["negative_slope"].is_number() && c["negative_slope"].get<double>() != 0)
                fail(layer_where(s_, l), "ReLU with a negative_slope is not supported");
            if (c.contains("threshold") && c["threshold"].is_number() && c["threshold"].get<double>() != 0)
                fail(layer_where(s_, l), "ReLU with a threshold is not supported");
            add_activation(l, l.name, "relu", extra);
            return i;
        }
        if (l.cls == "LeakyReLU") {
            json extra = json::object();
            extra["alpha"] = c.contains("alpha") ? c["alpha"] : (c.contains("negative_slope") ? c["negative_slope"] : json(0.3));
            add_activation(l, l.name, "leaky_relu", extra);
            return i;
        }
        if (l.cls == "Softmax") {
            if (c.contains("axis") && c["axis"].is_number_integer() && c["axis"].get<int>() != -1 &&
                static_cast<size_t>(c["axis"].get<int>()) != shape_.size())
                fail(layer_where(s_, l), "softmax over an axis other than the last is not supported");
            add_activation(l, l.name, "softmax", json::object());
            return i;
        }
        fail(layer_where(s_, l), fmt::format("not supported by the importer (supported: {})", supported_list()));
    }

    void add_dense(const KerasLayer& l) {
        const std::vector<std::string> classes = {"Dense", l.cls};
        if (shape_.size() != 1)
            fail(layer_where(s_, l), fmt::format("Dense on a {}-dimensional input: add a Flatten layer", shape_.size()));
        const size_t n_in = shape_[0];
        if (!l.config.contains("units") || !l.config["units"].is_number_integer())
            fail(layer_where(s_, l), "no \"units\"");
        const size_t n_out = l.config["units"].get<size_t>();
        const bool use_bias = l.config.value("use_bias", true);
        const auto w = layer_weights(s_, l);
        const H5Array& kernel = need(s_, l, w, "kernel", {n_in, n_out});

        json d = {{"name", l.name}, {"class", l.cls}, {"units", n_out}};
        common(d, l.name, classes);
        d["strategy"] = cfg_.strategy(l.name, classes);
        json p = json::object();
        if (l.cls == "QDense") {
            add_qdense_weights(l, classes, w, kernel, n_in, n_out, use_bias, d, p);
        } else if (l.cls == "Dense") {
            add_fixed_weights(l, classes, w, kernel, {n_in, n_out}, use_bias, d, p);
            if (!use_bias) d["use_bias"] = false;
        } else {
            if (use_bias)
                fail(layer_where(s_, l), "use_bias true is not supported for binary / ternary Dense layers");
            const bool ternary = l.cls == "TernaryDense";
            // hls4ml's BinaryQuantizer(bits=2): x >= 0 -> +1 else -1; TernaryQuantizer: x > 0.5 -> +1,
            // x <= -0.5 -> -1, else 0.
            std::vector<double> kv(kernel.values.size());
            for (size_t k = 0; k < kv.size(); ++k) {
                const double x = kernel.values[k];
                kv[k] = ternary ? (x > 0.5 ? 1.0 : (x <= -0.5 ? -1.0 : 0.0)) : (x >= 0 ? 1.0 : -1.0);
            }
            d["kernel"] = matrix_json(kv, n_in, n_out);
            d["use_bias"] = false;
            if (prev_bnqt_) {
                // hls4ml's quantize_dense_output: XNOR (binary) or ternary weights on the quantized
                // activations, integer accumulator ap_int<ceil(log2 n_in)+2>.
                const std::string it = xnor_result_precision(n_in).str();
                p["weight"] = ternary ? "ap_int<2>" : "ap_uint<1>";
                p["bias"] = ternary ? "ap_int<2>" : "ap_uint<1>";
                p["accum"] = it;
                p["result"] = it;
            } else {
                p["weight"] = "ap_int<2>";
                p["bias"] = "ap_uint<1>";
                p["accum"] = prec(l.name, classes, "accum", "ap_fixed<16,6>");
                p["result"] = prec(l.name, classes, "result", "ap_fixed<16,6>");
            }
        }
        d["precision"] = p;
        out_.push_back(std::move(d));
        shape_ = {n_out};
    }

    // Keras tuples: an integer or a list with one entry per spatial axis.
    std::vector<size_t> tuple(const KerasLayer& l, const char* key, size_t rank, std::optional<std::vector<size_t>> dflt) {
        const json& c = l.config;
        if (!c.contains(key) || c[key].is_null()) {
            if (dflt) return *dflt;
            fail(layer_where(s_, l), fmt::format("no \"{}\"", key));
        }
        const json& v = c[key];
        std::vector<size_t> out;
        if (v.is_number_integer() && v.get<int64_t>() >= 1) return std::vector<size_t>(rank, v.get<size_t>());
        if (v.is_array() && v.size() == rank)
            for (const auto& e : v)
                if (e.is_number_integer() && e.get<int64_t>() >= 1) out.push_back(e.get<size_t>());
        if (out.size() != rank)
            fail(layer_where(s_, l), fmt::format("{} {}: expected {} positive integers", key, v.dump(), rank));
        return out;
    }

    size_t spatial_rank(const KerasLayer& l) {
        const size_t rank = l.cls.find("1D") != std::string::npos ? 1 : 2;
        const std::string fmt_ = l.config.value("data_format", std::string("channels_last"));
        if (fmt_ != "channels_last")
            fail(layer_where(s_, l), fmt::format("data_format \"{}\" is not supported (channels_last only)", fmt_));
        if (shape_.size() != rank + 1)
            fail(layer_where(s_, l), fmt::format("expected a {}-dimensional input (channels last), got {} dimensions",
                                                 rank + 1, shape_.size()));
        return rank;
    }

    // The output size along one axis for Keras 'valid' / 'same'.
    size_t keras_out(const KerasLayer& l, const std::string& padding, size_t in, size_t k, size_t s) {
        if (padding == "same") return (in + s - 1) / s;
        if (padding != "valid") fail(layer_where(s_, l), fmt::format("padding \"{}\" is not supported", padding));
        if (in < k) fail(layer_where(s_, l), fmt::format("a window of {} does not fit an input of {}", k, in));
        return (in - k) / s + 1;
    }

    void add_conv(const KerasLayer& l) {
        const std::string where = layer_where(s_, l);
        const std::vector<std::string> classes = {l.cls, l.cls[0] == 'Q' ? l.cls.substr(1) : l.cls};
        const size_t rank = spatial_rank(l);
        const std::vector<size_t> ones(rank, 1);
        if (tuple(l, "dilation_rate", rank, ones) != ones) fail(where, "dilated convolutions are not supported");
        if (l.config.contains("groups") && l.config["groups"] != 1) fail(where, "grouped convolutions are not supported");
        if (!l.config.contains("filters") || !l.config["filters"].is_number_integer()) fail(where, "no \"filters\"");
        const size_t nf = l.config["filters"].get<size_t>();
        const size_t nc = shape_.back();
        const auto ks = tuple(l, "kernel_size", rank, std::nullopt);
        const auto st = tuple(l, "strides", rank, ones);
        const std::string padding = l.config.value("padding", std::string("valid"));
        std::vector<size_t> kshape = ks;
        kshape.push_back(nc);
        kshape.push_back(nf);
        const bool use_bias = l.config.value("use_bias", true);
        const auto w = layer_weights(s_, l);
        const H5Array& kernel = need(s_, l, w, "kernel", kshape);
        const size_t n_in = product(ks) * nc;

        json d = {{"name", l.name}, {"class", rank == 1 ? "Conv1D" : "Conv2D"}, {"filters", nf}, {"kernel_size", ks},
                  {"strides", st}, {"padding", padding}};
        common(d, l.name, classes);
        d["strategy"] = cfg_.strategy(l.name, classes);
        if (const std::string pf = cfg_.setting(l.name, classes, "parallelization_factor"); !pf.empty())
            d["parallelization_factor"] = to_int(l.name, "ParallelizationFactor", pf);
        json p = json::object();
        if (l.cls[0] == 'Q') {
            add_qdense_weights(l, classes, w, kernel, n_in, nf, use_bias, d, p, kshape);
        } else {
            add_fixed_weights(l, classes, w, kernel, kshape, use_bias, d, p);
            if (!use_bias) d["use_bias"] = false;
        }
        d["precision"] = p;
        out_.push_back(std::move(d));
        std::vector<size_t> out;
        for (size_t a = 0; a < rank; ++a) out.push_back(keras_out(l, padding, shape_[a], ks[a], st[a]));
        out.push_back(nf);
        shape_ = out;
    }

    void add_pooling(const KerasLayer& l) {
        const std::vector<std::string> classes = {l.cls, l.cls.find("Global") == 0 ? "GlobalPooling" : "Pooling"};
        const size_t rank = spatial_rank(l);
        json d = {{"name", l.name}, {"class", l.cls}};
        common(d, l.name, classes);
        json p = json::object();
        p["result"] = prec(l.name, classes, "result", "ap_fixed<16,6>");
        p["accum"] = prec(l.name, classes, "accum", "ap_fixed<16,6>");
        d["precision"] = p;
        if (l.cls.find("Global") == 0) {
            if (l.config.value("keepdims", false)) fail(layer_where(s_, l), "keepdims true is not supported");
            shape_ = {shape_.back()};
        } else {
            const auto ps = tuple(l, "pool_size", rank, std::vector<size_t>(rank, 2));
            const auto st = tuple(l, "strides", rank, ps);
            const std::string padding = l.config.value("padding", std::string("valid"));
            d["pool_size"] = ps;
            d["strides"] = st;
            d["padding"] = padding;
            std::vector<size_t> out;
            for (size_t a = 0; a < rank; ++a) out.push_back(keras_out(l, padding, shape_[a], ps[a], st[a]));
            out.push_back(shape_.back());
            shape_ = out;
        }
        out_.push_back(std::move(d));
    }

    void add_zero_padding(const KerasLayer& l) {
        const size_t rank = spatial_rank(l);
        const json& c = l.config;
        json pad = c.contains("padding") ? c["padding"] : json(1);
        // 1D: p or [l, r]; 2D: p, [h, w] or [[t, b], [l, r]] -- as the model file takes them.
        std::vector<size_t> v;  // per axis: before, after
        auto num = [&](const json& x) {
            if (!x.is_number_integer() || x.get<int64_t>() < 0)
                fail(layer_where(s_, l), fmt::format("padding {}: expected non-negative integers", pad.dump()));
            return x.get<size_t>();
        };
        if (pad.is_number_integer()) {
            for (size_t a = 0; a < rank; ++a) v.insert(v.end(), {num(pad), num(pad)});
        } else if (rank == 1 && pad.is_array() && pad.size() == 2) {
            v = {num(pad[0]), num(pad[1])};
        } else if (rank == 2 && pad.is_array() && pad.size() == 2) {
            for (size_t a = 0; a < 2; ++a) {
                if (pad[a].is_array() && pad[a].size() == 2) v.insert(v.end(), {num(pad[a][0]), num(pad[a][1])});
                else v.insert(v.end(), {num(pad[a]), num(pad[a])});
            }
        } else {
            fail(layer_where(s_, l), fmt::format("padding {} is not understood", pad.dump()));
        }
        json d = {{"name", l.name}, {"class", l.cls}};
        if (rank == 1) d["padding"] = {v[0], v[1]};
        else d["padding"] = {{v[0], v[1]}, {v[2], v[3]}};
        known_names_.insert(lower(l.name));
        for (size_t a = 0; a < rank; ++a) shape_[a] += v[2 * a] + v[2 * a + 1];
        out_.push_back(std::move(d));
    }

    // Dense / Conv with fixed-point weights: the configured types, and the values the firmware holds (hls4ml's
    // weight route). The kernel keeps its Keras shape (the last axis is the outputs, hence the bias length).
    void add_fixed_weights(const KerasLayer& l, const std::vector<std::string>& classes,
                           const std::map<std::string, H5Array>& w, const H5Array& kernel,
                           const std::vector<size_t>& kernel_shape, bool use_bias, json& d, json& p) {
        Precision wt, bt;
        p["weight"] = prec(l.name, classes, "weight", "ap_fixed<16,6>", &wt);
        p["bias"] = prec(l.name, classes, "bias", "ap_fixed<16,6>", &bt);
        p["accum"] = prec(l.name, classes, "accum", "ap_fixed<16,6>");
        p["result"] = prec(l.name, classes, "result", "ap_fixed<16,6>");
        std::vector<double> kv(kernel.values.size());
        for (size_t k = 0; k < kv.size(); ++k) kv[k] = firmware_value(kernel.values[k], wt);
        d["kernel"] = tensor_json(kv.data(), kernel_shape);
        RawWeights& raw = raw_weights_[l.name];
        raw = {kernel.values, {}, kernel_shape, wt, bt, std::nullopt, std::nullopt, false, false};
        if (use_bias) {
            raw.bias = need(s_, l, w, "bias", {kernel_shape.back()}).values;
            d["bias"] = values_json(raw.bias, bt);
        }
    }

    // QDense: hls4ml takes the weight and bias types from the quantizers (they override the configuration)
    // and writes the values QKeras quantized; accum and result come from the configuration.
    void add_qdense_weights(const KerasLayer& l, const std::vector<std::string>& classes,
                            const std::map<std::string, H5Array>& w, const H5Array& kernel, size_t n_in, size_t n_out,
                            bool use_bias, json& d, json& p, const std::vector<size_t>& kernel_shape = {}) {
        const std::string where = layer_where(s_, l);
        auto quantizer = [&](const char* key) -> std::optional<QuantizerSpec> {
            if (!l.config.contains(key) || l.config[key].is_null()) return std::nullopt;
            return parse_quantizer(l.config[key], where + ": " + key);
        };
        const auto kq = quantizer("kernel_quantizer");
        const auto bq = quantizer("bias_quantizer");
        Precision wt, bt;
        if (kq) {
            p["weight"] = weight_precision(*kq, where + ": kernel_quantizer");
            wt = parse_precision(where, p["weight"].get<std::string>());
        } else {
            p["weight"] = prec(l.name, classes, "weight", "ap_fixed<16,6>", &wt);
        }
        if (bq) {
            if (bq->cls == "quantized_po2" || bq->cls == "binary" || bq->cls == "ternary")
                fail(where, fmt::format("bias_quantizer {} is not supported (use quantized_bits)", bq->cls));
            p["bias"] = weight_precision(*bq, where + ": bias_quantizer");
            bt = parse_precision(where, p["bias"].get<std::string>());
        } else {
            p["bias"] = prec(l.name, classes, "bias", "ap_fixed<16,6>", &bt);
        }
        p["accum"] = prec(l.name, classes, "accum", "ap_fixed<16,6>");
        p["result"] = prec(l.name, classes, "result", "ap_fixed<16,6>");
        std::vector<double> kv(kernel.values.size());
        const bool po2 = kq && kq->cls == "quantized_po2";
        for (size_t k = 0; k < kv.size(); ++k) {
            if (!kq) kv[k] = firmware_value(kernel.values[k], wt);
            else if (po2 || kq->cls == "binary" || kq->cls == "ternary") kv[k] = qkeras_quantize(*kq, kernel.values[k]);
            else kv[k] = firmware_value(qkeras_quantize(*kq, kernel.values[k]), wt);
        }
        if (po2) d["weight_encoding"] = "po2";
        if (po2 && !kernel_shape.empty())
            fail(where, "quantized_po2 kernels are not supported in convolutions (use quantized_bits)");
        d["kernel"] = kernel_shape.empty() ? matrix_json(kv, n_in, n_out) : tensor_json(kv.data(), kernel_shape);
        RawWeights& raw = raw_weights_[l.name];
        raw.kernel_shape = kernel_shape.empty() ? std::vector<size_t>{n_in, n_out} : kernel_shape;
        raw.wt = wt;
        raw.bt = bt;
        raw.kq = kq;
        raw.bq = bq;
        raw.po2 = po2;
        raw.binary = kq && (kq->cls == "binary" || kq->cls == "ternary");
        raw.kernel.resize(kernel.values.size());
        for (size_t k = 0; k < kv.size(); ++k) raw.kernel[k] = kq ? qkeras_quantize(*kq, kernel.values[k]) : kernel.values[k];
        if (use_bias) {
            std::vector<double> bv = need(s_, l, w, "bias", {n_out}).values;
            if (bq)
                for (double& x : bv) x = qkeras_quantize(*bq, x);
            raw.bias = bv;
            d["bias"] = values_json(bv, bt);
        } else {
            d["use_bias"] = false;
        }
    }

    // QActivation (or a QDense's quantized activation): the result type is the configuration's when it
    // names one for this layer, else the type hls4ml derives from the quantizer (AP_RND_CONV, AP_SAT).
    void add_qactivation(const KerasLayer& l, const std::string& name, const QuantizerSpec& q) {
        const std::string where = layer_where(s_, l);
        if (q.plain) {
            add_activation(l, name, q.cls, json::object());
            return;
        }
        if (q.cls == "binary" || q.cls == "ternary") {
            add_activation(l, name, q.cls + "_tanh", json::object());
            return;
        }
        const std::vector<std::string> classes = {"Activation", l.cls};
        json a = {{"name", name}, {"class", "Activation"}};
        a["activation"] = q.cls == "quantized_relu" ? "relu" : "linear";
        common(a, name, classes);
        // hls4ml 1.x takes a QActivation's result type from the configuration alone, exactly as written
        // (TRN / WRAP when it names no modes): Activation.initialize (hls4ml/model/layers.py:961-964) sizes
        // the output with get_precision(self, 'result') -- LayerName, LayerType, Model --, and the quantizer
        // that get_activation_quantizer stores (converters/keras/qkeras.py:104-180) is never read again. The
        // quantizer's own type (AP_RND_CONV, AP_SAT) reaches the firmware only when the configuration carries
        // it, as config_from_keras_model writes it for granularity 'name' / 'type' (utils/config.py,
        // make_layer_config's quantizer loop and _get_precision_from_quantizer, :47-117).
        std::string r = cfg_.explicit_precision(name, classes, "result");
        if (r.empty()) {
            const auto it = cfg_.layer_name.find(lower(name));
            if (it != cfg_.layer_name.end() && it->second.precision.count("default"))
                r = it->second.precision.at("default");
        }
        if (r.empty()) r = cfg_.precision(name, classes, "result", model_prec_);
        if (is_auto_precision(r)) r = model_prec_;  // Activation is not inferred: the model default
        const std::string quantizer_type = activation_precision(q, where);
        if (parse_precision(where, quantizer_type) != parse_precision(where, r))
            warnings_.push_back(fmt::format(
                "{}: QKeras computes this activation in {} (the quantizer's type), but hls4ml's firmware, and tlm4ml, "
                "use {} from the configuration (hls4ml 1.x ignores the quantizer here): the outputs can differ from "
                "QKeras'; give the layer that type (LayerName.{}.Precision.result) to follow QKeras",
                where + (name == l.name ? "" : " (activation \"" + name + "\")"), quantizer_type, r, name));
        parse_precision(fmt::format("{}: result precision of layer \"{}\"", cfg_.path, name), r);
        a["precision"] = {{"result", r}};
        out_.push_back(std::move(a));
    }

    // hls4ml's EliminateLinearActivation and MergeLinearActivation (hls4ml/model/optimizer/passes/linear.py):
    // a linear activation is dropped when it casts nothing (its result type is its input's) or when the layer
    // before it has an "auto" output type; otherwise it stays, as a cast to its result type (the
    // configuration's, "auto" being the model default: Activation is not inferred). `producer` is the emitted
    // layer (or the model input) it reads.
    void add_linear_activation(const KerasLayer& l, const std::string& name, const std::string& producer) {
        known_names_.insert(lower(name));
        std::string in_type;
        if (producer == input_name_) {
            in_type = input_prec_;
        } else {
            for (const auto& e : out_) {
                if (e["name"] != producer) continue;
                const std::string cls = e.value("class", std::string());
                if (cls == "BinaryDense" || cls == "TernaryDense") {
                    // The XNOR / ternary re-typing (quantize_dense_output) is a backend pass that runs after
                    // the linear activations are gone: they saw the configured type.
                    in_type = cfg_.precision(producer, {"Dense", cls}, "result", model_prec_);
                } else if (e.contains("precision") && e["precision"].is_object() && e["precision"].contains("result")) {
                    in_type = e["precision"]["result"].get<std::string>();
                }
            }
        }
        if (in_type.empty() || is_auto_precision(in_type)) return;  // unknown here, or merged into an auto parent
        const std::vector<std::string> classes = {"Activation", l.cls};
        std::string result = cfg_.precision(name, classes, "result", model_prec_);
        if (is_auto_precision(result)) result = model_prec_;
        const std::string where = fmt::format("{}: result precision of layer \"{}\"", cfg_.path, name);
        if (parse_precision(where, result) == parse_precision(where, in_type)) return;
        json a = {{"name", name}, {"class", "Activation"}, {"activation", "linear"}};
        common(a, name, classes);
        a["precision"] = {{"result", result}};
        out_.push_back(std::move(a));
    }

    void add_activation(const KerasLayer& l, const std::string& name, const std::string& act, const json& extra) {
        json a = {{"name", name}};
        if (act == "softmax") {
            // hls4ml's Softmax layer has class_name "Softmax": LayerType.Activation does not reach it
            // (HLSConfig.get_layer_config / get_precision look up layer.class_name only).
            const std::vector<std::string> classes = {"Softmax"};
            a["class"] = "Softmax";
            common(a, name, classes);
            json p = json::object();
            p["result"] = prec(name, classes, "result", "ap_fixed<16,6>");
            p["accum"] = prec(name, classes, "accum", "ap_fixed<16,6>");
            for (const char* t : {"exp_table", "inv_table", "inv_inp", "table"})
                if (const std::string v = table_precision(name, classes, t); !v.empty()) p[t] = v;
            a["precision"] = p;
            std::string impl = cfg_.setting(name, classes, "implementation");
            if (impl.empty()) {
                // Older configurations select the softmax variant with Strategy (e.g. "Stable").
                const std::string st = lower(cfg_.strategy(name, classes));
                if (st == "stable" || st == "legacy" || st == "argmax") impl = st;
            }
            if (!impl.empty()) a["implementation"] = lower(impl);
            for (const char* k : {"table_size", "exp_table_size", "inv_table_size"})
                if (const std::string v = cfg_.setting(name, classes, k); !v.empty()) a[k] = to_int(name, k, v);
        } else {
            const std::vector<std::string> classes = {"Activation", l.cls};
            a["class"] = "Activation";
            a["activation"] = act;
            common(a, name, classes);
            json p = json::object();
            // A stand-alone binary/ternary tanh keeps its 1- / 2-bit result unless the configuration names one.
            if (act == "binary_tanh" || act == "ternary_tanh" || act == "binary" || act == "ternary") {
                const std::string r = cfg_.explicit_precision(name, classes, "result");
                if (!r.empty()) p["result"] = prec(name, classes, "result", r);
                if (act == "binary" || act == "ternary") a["activation"] = act + "_tanh";
            } else {
                p["result"] = prec(name, classes, "result", "ap_fixed<16,6>");
            }
            if (const std::string table = table_precision(name, classes, "table"); !table.empty()) p["table"] = table;
            a["precision"] = p;
            if (const std::string v = cfg_.setting(name, classes, "table_size"); !v.empty())
                a["table_size"] = to_int(name, "table_size", v);
            for (auto it = extra.begin(); it != extra.end(); ++it) a[it.key()] = it.value();
        }
        out_.push_back(std::move(a));
    }

    // The emitted Dense / Conv a BatchNormalization could be fused into (bn_fuse.py match(): the BN's input
    // node is that layer, its output type is unspecified, and -- transform() -- nothing else reads it), or "".
    std::string fusable_parent(const std::vector<KerasLayer>& layers, size_t bn) {
        if (out_.empty()) return "";
        const json& prev = out_.back();
        const std::string name = prev["name"].get<std::string>();
        if (tensors_.at(layers[bn].inbound[0]).name != name || !raw_weights_.count(name)) return "";
        if (!prev.contains("precision") || !prev["precision"].is_object() ||
            prev["precision"].value("result", std::string()) != "auto")
            return "";
        for (size_t k = 0; k < layers.size(); ++k)
            if (layers[k].name == name) {
                std::vector<size_t> readers;
                readers_through_dropout(layers, k, readers);
                return readers.size() == 1 ? name : "";
            }
        return "";
    }

    // hls4ml's FuseBatchNormalization: the BN's scale and bias folded into the Dense / Conv before it.
    void fuse_batchnorm(const KerasLayer& l, const std::string& parent, const std::vector<float>& scale,
                        const std::vector<float>& bias) {
        const RawWeights& raw = raw_weights_.at(parent);
        const FusedWeights f = fuse_batchnorm_weights(raw.kernel, raw.bias, scale, bias);
        std::vector<double> kv(f.kernel.size()), bv(f.bias.size());
        // transform() re-adds the weights through their quantizers (the Dense's; a BN has none).
        for (size_t k = 0; k < kv.size(); ++k)
            kv[k] = firmware_value(raw.kq ? qkeras_quantize(*raw.kq, f.kernel[k]) : f.kernel[k], raw.wt);
        for (size_t k = 0; k < bv.size(); ++k)
            bv[k] = firmware_value(raw.bq ? qkeras_quantize(*raw.bq, f.bias[k]) : f.bias[k], raw.bt);
        json& d = out_.back();
        d["kernel"] = tensor_json(kv.data(), raw.kernel_shape);
        d["bias"] = bv;
        d.erase("use_bias");
        known_names_.insert(lower(l.name));
        warnings_.push_back(fmt::format("{}: fused into \"{}\" (hls4ml's FuseBatchNormalization: the Dense / Conv "
                                        "output type is \"auto\")",
                                        layer_where(s_, l), parent));
    }

    // Returns true when the BN was fused into `fuse_parent` (then nothing is emitted for it).
    bool add_batchnorm(const KerasLayer& l, bool binary, bool ternary, double ternary_threshold,
                       const std::string& fuse_parent) {
        const json& c = l.config;
        json axis_j = c.contains("axis") ? c["axis"] : json(-1);
        if (axis_j.is_array() && axis_j.size() == 1) axis_j = axis_j[0];  // Keras may write [3]
        if (!axis_j.is_number_integer())
            fail(layer_where(s_, l), fmt::format("axis {}: only one axis, the last, is supported", axis_j.dump()));
        const int axis = axis_j.get<int>();
        if (axis != -1 && static_cast<size_t>(axis) != shape_.size())
            fail(layer_where(s_, l), fmt::format("normalization over axis {} (only the last axis is supported)", axis));
        // QBatchNormalization: QKeras quantizes gamma/beta/mean/variance when it predicts, but hls4ml folds
        // the unquantized values (parse_qbatchnorm_layer keeps the quantizers; model/layers.py
        // BatchNormalization.initialize never applies them). tlm4ml does as hls4ml and says what differs.
        std::optional<BatchNormQuantizers> bq;
        if (l.cls == "QBatchNormalization") bq = parse_batchnorm_quantizers(c, layer_where(s_, l));
        const size_t nf = shape_.back();
        const auto w = layer_weights(s_, l);
        const bool center = c.value("center", true), scale_on = c.value("scale", true);
        const double eps_d = c.contains("epsilon") && c["epsilon"].is_number() ? c["epsilon"].get<double>() : 1e-3;
        const H5Array& mean = need(s_, l, w, "moving_mean", {nf});
        const H5Array& var = need(s_, l, w, "moving_variance", {nf});
        const H5Array* gamma = scale_on ? &need(s_, l, w, "gamma", {nf}) : nullptr;
        const H5Array* beta = center ? &need(s_, l, w, "beta", {nf}) : nullptr;
        if (bq) {
            std::string changed;
            auto note = [&](const char* param, const std::optional<QuantizerSpec>& q, const H5Array* a) {
                if (!q || !a) return;  // QKeras skips gamma without scale and beta without center
                size_t n = 0, first = 0;
                for (size_t k = 0; k < a->values.size(); ++k)
                    if (qkeras_quantize(*q, a->values[k]) != a->values[k] && n++ == 0) first = k;
                if (n == 0) return;
                changed += fmt::format("{}{} by {} changes {} of {} values ({}[{}] {} -> {})", changed.empty() ? "" : "; ",
                                       param, q->text(), n, a->values.size(), param, first,
                                       static_cast<float>(a->values[first]),
                                       static_cast<float>(qkeras_quantize(*q, a->values[first])));
            };
            note("gamma", bq->gamma, gamma);
            note("beta", bq->beta, beta);
            note("moving_mean", bq->mean, &mean);
            note("moving_variance", bq->variance, &var);
            if (!changed.empty())
                warnings_.push_back(fmt::format(
                    "{}: QKeras quantizes the parameters when it predicts ({}), but hls4ml folds the unquantized "
                    "values into scale and bias (its BatchNormalization ignores these quantizers) and so does "
                    "tlm4ml: the outputs are hls4ml's firmware's and can differ from QKeras'",
                    layer_where(s_, l), changed));
        }
        // numpy on float32 arrays: scale = gamma / sqrt(var + eps), bias = beta - scale * mean, each
        // operation rounded to float32 (volatile keeps the compiler from fusing multiply and subtract).
        const float eps = static_cast<float>(eps_d);
        std::vector<float> scale(nf), bias(nf);
        for (size_t k = 0; k < nf; ++k) {
            const float g = gamma ? static_cast<float>(gamma->values[k]) : 1.0f;
            const float b = beta ? static_cast<float>(beta->values[k]) : 0.0f;
            const volatile float denom = std::sqrt(static_cast<float>(var.values[k]) + eps);
            scale[k] = g / denom;
            const volatile float sm = scale[k] * static_cast<float>(mean.values[k]);
            bias[k] = b - sm;
        }
        if (!fuse_parent.empty()) {
            const RawWeights& raw = raw_weights_.at(fuse_parent);
            BatchNormFuseFacts f;
            f.parent_is_dense_or_conv = f.parent_result_auto = f.parent_single_reader = true;
            f.parent_binary_weights = raw.binary;
            f.parent_exponent_weights = raw.po2;
            f.weight_quantizer = raw.kq.has_value();
            f.bias_quantizer = raw.bq.has_value();
            f.scale_all_ones = std::all_of(scale.begin(), scale.end(), [](float v) { return v == 1.0f; });
            f.bias_all_zero = std::all_of(bias.begin(), bias.end(), [](float v) { return v == 0.0f; });
            if (batchnorm_fuses(f)) {
                fuse_batchnorm(l, fuse_parent, scale, bias);
                return true;
            }
        }
        if (binary || ternary) {
            const std::string name = "bnbt_" + l.name;
            known_names_.insert(lower(name));
            known_names_.insert(lower(l.name));
            json q = {{"name", name}, {"class", "BatchNormalizationQuantizedTanh"},
                      {"activation", binary ? "binary_tanh" : "ternary_tanh"}};
            // Thresholds in float32 as hls4ml's set_thresholds; tlm4ml floors them into the input's type.
            json t = json::array(), hi = json::array(), lo = json::array();
            for (size_t k = 0; k < nf; ++k) {
                if (!(scale[k] > 0))
                    fail(layer_where(s_, l), fmt::format("gamma/sqrt(var+eps) of feature {} is {}: the binary/ternary "
                                                         "threshold merge needs a positive scale (hls4ml assumes it)",
                                                         k, scale[k]));
                const volatile float th = -bias[k] / scale[k];
                t.push_back(static_cast<double>(th));
                const volatile float h = static_cast<float>(ternary_threshold) / scale[k];
                const volatile float th_hi = h + th;
                const volatile float th_lo = -h + th;
                hi.push_back(static_cast<double>(th_hi));
                lo.push_back(static_cast<double>(th_lo));
            }
            if (binary) q["threshold"] = t;
            else {
                q["threshold_hi"] = hi;
                q["threshold_lo"] = lo;
            }
            out_.push_back(std::move(q));
            return false;
        }
        const std::vector<std::string> classes = {"BatchNormalization", l.cls};
        json b = {{"name", l.name}, {"class", "BatchNormalization"}};
        common(b, l.name, classes);
        Precision st, bt;
        json p = json::object();
        p["scale"] = prec(l.name, classes, "scale", "ap_fixed<16,6>", &st);
        p["bias"] = prec(l.name, classes, "bias", "ap_fixed<16,6>", &bt);
        p["result"] = prec(l.name, classes, "result", "ap_fixed<16,6>");
        b["precision"] = p;
        std::vector<double> sv(scale.begin(), scale.end()), bv(bias.begin(), bias.end());
        b["scale"] = values_json(sv, st);
        b["bias"] = values_json(bv, bt);
        out_.push_back(std::move(b));
        return false;
    }

    int to_int(const std::string& name, const char* key, const std::string& v) {
        try {
            size_t used = 0;
            const int i = std::stoi(v, &used);
            if (used == v.size()) return i;
        } catch (const std::exception&) {
        }
        fail(cfg_.path, fmt::format("{} of layer \"{}\": expected an integer, got \"{}\"", key, name, v));
    }

    // An explicit table type (table, exp_table, ...: Precision.<var>, or the <var>_t key), "auto" as the
    // model default; "" when the configuration names none (the backend's default applies).
    std::string table_precision(const std::string& name, const std::vector<std::string>& classes, const std::string& var) {
        std::string v = cfg_.explicit_precision(name, classes, var);
        if (v.empty()) v = cfg_.setting(name, classes, var + "_t");
        if (is_auto_precision(v)) v = model_prec_;
        if (!v.empty()) parse_precision(fmt::format("{}: {}_t of layer \"{}\"", cfg_.path, var, name), v);
        return v;
    }

    const Source& s_;
    const Hls4mlConfig& cfg_;
    std::vector<std::string>& warnings_;
    std::vector<size_t> shape_;
    json out_;
    bool prev_bnqt_ = false;
    bool prev_bnqt_ternary_ = false;
    std::set<std::string> known_names_;
    std::map<std::string, Tensor> tensors_;       // Keras layer (or model input) name -> its output
    std::vector<std::vector<size_t>> consumers_;  // per Keras layer: the layers reading its output
    std::vector<bool> absorbed_;                  // layers merged into an earlier one (bnbt_)
    std::vector<size_t> absorbed_now_;            // those merged by the layer being converted
    Precision model_default_;
    std::string model_prec_ = "ap_fixed<16,6>";
    std::string input_name_, input_prec_;
    // Dense / Conv weights before the firmware's quantization, by emitted layer name: what hls4ml's
    // FuseBatchNormalization multiplies (models/passes/bn_fuse.h).
    struct RawWeights {
        std::vector<double> kernel, bias;  // bias empty: no bias
        std::vector<size_t> kernel_shape;
        Precision wt, bt;
        std::optional<QuantizerSpec> kq, bq;
        bool binary = false, po2 = false;
    };
    std::map<std::string, RawWeights> raw_weights_;
};

json read_json_file(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        throw ModelError(fmt::format("{}: cannot open the Keras model JSON ({})", path,
                                     ec && ec != std::errc::no_such_file_or_directory ? ec.message()
                                                                                         : "missing or not a regular file"));
    std::ifstream f(path);
    return parse_json_bounded(f, path);
}

}  // namespace

ImportedModel import_hls4ml_config(const std::string& config_path) {
    const Hls4mlConfig cfg = read_hls4ml_config(config_path);
    ImportedModel out;
    KerasGraph graph;
    std::string arch_file;
    json arch;
    if (!cfg.keras_model.empty()) {
        const std::string ext = lower(std::filesystem::path(cfg.keras_model).extension().string());
        if (ext == ".keras") {
            const KerasArchive archive = read_keras_archive(cfg.keras_model);
            arch_file = cfg.keras_model + ":config.json";
            arch = parse_json_bounded(archive.config_json, arch_file);
            graph = parse_architecture(arch, arch_file);
            const H5Reader h5(cfg.keras_model + ":model.weights.h5", archive.weights);
            Source src{cfg, arch_file, &h5, "", {}};
            std::map<std::string, int> seen;
            // Keras 3 numbers the groups per class in the model's layer order: config.json's "layers" list
            // (Functional.get_config writes self.operations, the order the weights file uses too).
            for (const KerasLayer& l : graph.layers) {
                if (l.cls == "InputLayer") continue;  // not among a Keras 3 model's layers
                const std::string snake = keras3_snake_case(l.cls);
                const int k = seen.count(snake) ? ++seen[snake] : (seen[snake] = 0);
                src.keras3_groups[l.name] = "/layers/" + snake + (k ? "_" + std::to_string(k) : "");
            }
            Converter conv(src, out.warnings);
            out.model = conv.convert(graph);
            return out;
        }
        H5Reader h5(cfg.keras_model);
        if (!h5.has_attribute("/", "model_config"))
            throw ModelError(fmt::format("{}: no model_config attribute: a weights-only file? Use KerasJson + KerasH5",
                                         cfg.keras_model));
        arch_file = cfg.keras_model;
        arch = parse_json_bounded(h5.string_attribute("/", "model_config"), cfg.keras_model + ": model_config");
        graph = parse_architecture(arch, arch_file);
        const Source src{cfg, arch_file, &h5, h5.exists("/model_weights") ? "/model_weights" : "", {}};
        Converter conv(src, out.warnings);
        out.model = conv.convert(graph);
        return out;
    }
    arch_file = cfg.keras_json;
    arch = read_json_file(cfg.keras_json);
    graph = parse_architecture(arch, arch_file);
    H5Reader h5(cfg.keras_h5);
    std::string base;
    if (!h5.has_attribute("/", "layer_names") && h5.exists("/model_weights")) base = "/model_weights";
    const Source src{cfg, arch_file, &h5, base, {}};
    Converter conv(src, out.warnings);
    out.model = conv.convert(graph);
    return out;
}

}  // namespace tlm4ml
