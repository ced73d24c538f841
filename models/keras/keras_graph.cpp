#include "models/keras/keras_graph.h"

#include <map>
#include <set>

#include <fmt/format.h>

#include "models/model.h"

namespace tlm4ml {

using nlohmann::json;

namespace {

const std::set<std::string> kMergeClasses = {"Add",     "Subtract", "Multiply",   "Average",
                                             "Maximum", "Minimum",  "Concatenate"};

const std::set<std::string> kSupported = {"InputLayer",
                                          "Dense",
                                          "BinaryDense",
                                          "TernaryDense",
                                          "Activation",
                                          "ReLU",
                                          "LeakyReLU",
                                          "Softmax",
                                          "BatchNormalization",
                                          "QBatchNormalization",
                                          "Dropout",
                                          "Flatten",
                                          "Reshape",
                                          "QDense",
                                          "QActivation",
                                          "Conv1D",
                                          "Conv2D",
                                          "QConv1D",
                                          "QConv2D",
                                          "MaxPooling1D",
                                          "MaxPooling2D",
                                          "AveragePooling1D",
                                          "AveragePooling2D",
                                          "GlobalMaxPooling1D",
                                          "GlobalMaxPooling2D",
                                          "GlobalAveragePooling1D",
                                          "GlobalAveragePooling2D",
                                          "ZeroPadding1D",
                                          "ZeroPadding2D",
                                          "Add",
                                          "Subtract",
                                          "Multiply",
                                          "Average",
                                          "Maximum",
                                          "Minimum",
                                          "Concatenate"};


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
            if (h && is_tensor_ref(*h))
                out.push_back(tensor_ref(*h));
            else
                out.push_back({"", -1, -1});  // malformed: reported by the caller
            return;
        }
        for (const auto& e : v) collect_keras3_tensors(e, out);
    } else if (v.is_array()) {
        for (const auto& e : v) collect_keras3_tensors(e, out);
    }
}

// The layers a functional model's layer reads, from its "inbound_nodes" (Keras 2: [[[name, node, tensor,
// kwargs], ...]]; Keras 3: [{"args": [...], "kwargs": {...}}]). One node only: a layer called more than once
// (a shared layer) has several.
std::vector<std::string> parse_inbound(const json& nodes, const KerasLayer& k) {
    const std::string& where = k.where;
    if (!nodes.is_array()) fail_at(where, "\"inbound_nodes\" is not a list");
    if (nodes.empty()) return {};
    if (nodes.size() > 1)
        fail_at(where, fmt::format("is a shared layer: it is called {} times (\"inbound_nodes\" holds {} nodes); shared "
                                "layers are not supported",
                                nodes.size(), nodes.size()));
    const json& node = nodes[0];
    std::vector<TensorRef> refs;
    if (node.is_array()) {  // Keras 2
        for (const auto& e : node) {
            if (!is_tensor_ref(e))
                fail_at(where, fmt::format("inbound node entry {} is not [layer, node, tensor, ...]", e.dump()));
            refs.push_back(tensor_ref(e));
        }
    } else if (node.is_object() && node.contains("args")) {  // Keras 3
        collect_keras3_tensors(node["args"], refs);
        if (node.contains("kwargs")) {
            std::vector<TensorRef> kw;
            collect_keras3_tensors(node["kwargs"], kw);
            if (!kw.empty()) fail_at(where, "takes a tensor as a keyword argument (e.g. a mask): not supported");
        }
    } else {
        fail_at(where, "\"inbound_nodes\" is in neither Keras 2's nor Keras 3's format");
    }
    std::vector<std::string> names;
    for (const TensorRef& r : refs) {
        if (r.layer.empty()) fail_at(where, "an input tensor without a \"keras_history\" [layer, node, tensor]");
        if (r.node != 0)
            fail_at(where, fmt::format("reads node {} of layer \"{}\", which is therefore called more than once (a shared "
                                    "layer): not supported",
                                    r.node, r.layer));
        if (r.tensor != 0)
            fail_at(where, fmt::format("reads output tensor {} of layer \"{}\": only layers with one output (tensor index "
                                    "0) are supported",
                                    r.tensor, r.layer));
        names.push_back(r.layer);
    }
    if (names.empty()) fail_at(where, "no input tensor in its inbound node");
    return names;
}

// The single layer named by "input_layers" / "output_layers" ("" when the key is absent).
std::string single_io_layer(const json& config, const char* key, const char* what, const std::string& file) {
    if (!config.is_object() || !config.contains(key)) return "";
    std::vector<TensorRef> refs;
    collect_refs(config[key], refs);
    if (refs.empty()) fail_at(file, fmt::format("\"{}\" {} names no layer", key, config[key].dump()));
    if (refs.size() > 1) {
        std::vector<std::string> names;
        for (const auto& r : refs) names.push_back(r.layer);
        fail_at(file, fmt::format("the model has {} {}s ({}): only models with one {} are supported", refs.size(), what,
                               quoted_list(names), what));
    }
    if (refs[0].node != 0 || refs[0].tensor != 0)
        fail_at(file,
             fmt::format("the model's {} is node {}, tensor {} of layer \"{}\": only node 0, tensor 0 is supported",
                         what, refs[0].node, refs[0].tensor, refs[0].layer));
    return refs[0].layer;
}

}  // namespace

bool is_merge_class(const std::string& cls) {
    return kMergeClasses.count(cls) > 0;
}

std::string supported_classes() {
    std::string s;
    for (const auto& c : kSupported) s += (s.empty() ? "" : ", ") + c;
    return s;
}

std::string quoted_list(const std::vector<std::string>& names) {
    std::string s;
    for (const auto& n : names) s += (s.empty() ? "\"" : ", \"") + n + "\"";
    return s;
}

KerasGraph parse_architecture(const json& arch, const std::string& file) {
    if (!arch.is_object() || !arch.contains("class_name") || !arch.contains("config"))
        fail_at(file, "not a Keras model description (expected \"class_name\" and \"config\")");
    const std::string model_cls = arch["class_name"].is_string() ? arch["class_name"].get<std::string>() : "";
    const json& config = arch["config"];
    const json* layers = nullptr;
    if (config.is_array())
        layers = &config;  // Keras 2.0 Sequential
    else if (config.is_object() && config.contains("layers") && config["layers"].is_array())
        layers = &config["layers"];
    if (!layers) fail_at(file, fmt::format("{}: no layer list in \"config\"", model_cls));
    if (model_cls != "Sequential" && model_cls != "Model" && model_cls != "Functional")
        fail_at(file,
             fmt::format("model class \"{}\" is not supported (expected Sequential, Model or Functional)", model_cls));

    KerasGraph g;
    g.file = file;
    g.functional = model_cls != "Sequential";
    std::vector<KerasLayer>& out = g.layers;
    for (size_t i = 0; i < layers->size(); ++i) {
        const json& l = (*layers)[i];
        if (!l.is_object() || !l.contains("class_name") || !l["class_name"].is_string() || !l.contains("config") ||
            !l["config"].is_object())
            fail_at(file, fmt::format("config.layers[{}]: expected an object with \"class_name\" and \"config\"", i));
        KerasLayer k;
        k.cls = l["class_name"].get<std::string>();
        k.config = l["config"];
        if (k.config.contains("name") && k.config["name"].is_string())
            k.name = k.config["name"].get<std::string>();
        else if (l.contains("name") && l["name"].is_string())
            k.name = l["name"].get<std::string>();
        else
            fail_at(file, fmt::format("config.layers[{}] ({}): no layer name", i, k.cls));
        k.where = fmt::format("{}: layer \"{}\" (class {})", file, k.name, k.cls);
        // A functional model's layers name what they read; a layer without "inbound_nodes" reads the one
        // before it, as in a Sequential model.
        if (g.functional && l.contains("inbound_nodes")) {
            k.inbound = parse_inbound(l["inbound_nodes"], k);
            k.explicit_inbound = !k.inbound.empty();
        }
        out.push_back(std::move(k));
    }
    if (out.empty()) fail_at(file, "the model has no layers");
    for (const auto& k : out)
        if (!kSupported.count(k.cls))
            fail_at(file, fmt::format("layer \"{}\" (class {}) is not supported by the importer (supported: {})", k.name,
                                   k.cls, supported_classes()));
    if (g.functional) {
        g.input = single_io_layer(config, "input_layers", "input", file);
        g.output = single_io_layer(config, "output_layers", "output", file);
    }
    return g;
}

KerasInput model_input(const KerasGraph& g) {
    const std::vector<KerasLayer>& layers = g.layers;
    KerasInput in;
    json shape_src;
    if (!g.input.empty() && (layers[0].cls != "InputLayer" || layers[0].name != g.input))
        fail_at(g.file, fmt::format("the model input \"{}\" is not the first layer's InputLayer (the first layer "
                                 "is \"{}\", class {})",
                                 g.input, layers[0].name, layers[0].cls));
    if (layers[0].cls == "InputLayer") {
        in.name = layers[0].name;
        shape_src = layers[0].config;
        in.first_layer = 1;
    } else {
        in.name = layers[0].name + "_input";
        shape_src = layers[0].config;
    }
    const json* bis = nullptr;
    for (const char* key : {"batch_input_shape", "batch_shape"})
        if (shape_src.contains(key) && shape_src[key].is_array()) bis = &shape_src[key];
    if (!bis || bis->size() < 2)
        fail_at(g.file, fmt::format("layer \"{}\": no batch_input_shape: cannot tell the input shape", layers[0].name));
    for (size_t i = 1; i < bis->size(); ++i) {
        if (!(*bis)[i].is_number_integer() || (*bis)[i].get<int64_t>() < 1)
            fail_at(g.file,
                 fmt::format("layer \"{}\": input dimension {} is not a fixed positive size", layers[0].name, i));
        in.shape.push_back((*bis)[i].get<size_t>());
    }
    return in;
}

void connect_layers(KerasGraph& g, const KerasInput& input) {
    std::vector<KerasLayer>& layers = g.layers;
    const size_t first = input.first_layer;
    const std::string& input_name = input.name;
    std::map<std::string, size_t> index;
    for (size_t i = first; i < layers.size(); ++i) {
        KerasLayer& l = layers[i];
        if (l.cls == "InputLayer") fail_at(l.where, "a second InputLayer: only models with one input are supported");
        if (!l.explicit_inbound) l.inbound = {i == first ? input_name : layers[i - 1].name};
        for (const auto& src : l.inbound)
            if (src != input_name && !index.count(src))
                fail_at(l.where, fmt::format("reads \"{}\", which is neither the model input \"{}\" nor a layer listed "
                                          "before it",
                                          src, input_name));
        const bool merge = is_merge_class(l.cls);
        if (merge && l.inbound.size() != 2)
            fail_at(l.where, fmt::format("merges {} tensors ({}): hls4ml's merge layers take exactly two",
                                      l.inbound.size(), quoted_list(l.inbound)));
        if (!merge && l.inbound.size() != 1)
            fail_at(l.where, fmt::format("reads {} tensors ({}): only merge layers take more than one", l.inbound.size(),
                                      quoted_list(l.inbound)));
        if (!index.emplace(l.name, i).second || l.name == input_name) fail_at(l.where, "another layer has the same name");
    }
    g.consumers.assign(layers.size(), {});
    for (size_t i = first; i < layers.size(); ++i)
        for (const auto& src : layers[i].inbound)
            if (src != input_name) g.consumers[index.at(src)].push_back(i);
    const std::string output = g.output.empty() ? layers.back().name : g.output;
    if (output != input_name && !index.count(output))
        fail_at(g.file, fmt::format("the model's output \"{}\" (output_layers) is not one of its layers", output));
    for (size_t i = first; i < layers.size(); ++i)
        if (g.consumers[i].empty() && layers[i].name != output)
            fail_at(layers[i].where,
                 fmt::format("its output is read by no layer and is not the model's output \"{}\"", output));
    g.output_name = output;
}

void readers_through_dropout(const KerasGraph& g, size_t i, std::vector<size_t>& out) {
    for (size_t c : g.consumers[i]) {
        if (g.layers[c].cls == "Dropout")
            readers_through_dropout(g, c, out);
        else
            out.push_back(c);
    }
}

}  // namespace tlm4ml
