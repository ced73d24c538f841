#include "models/keras/keras_weights.h"

#include <cmath>

#include <fmt/format.h>

#include "models/keras/keras_archive.h"
#include "models/model.h"

namespace tlm4ml {

namespace {


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

H5Array checked_dataset(const KerasWeights& s, const std::string& ds) {
    H5Array a = s.h5->dataset(ds);
    for (size_t i = 0; i < a.values.size(); ++i)
        if (!std::isfinite(a.values[i])) fail_at(s.h5->path(), fmt::format("dataset {}: element {} is not finite", ds, i));
    return a;
}

}  // namespace

std::map<std::string, std::string> keras3_weight_groups(const KerasGraph& g) {
    std::map<std::string, std::string> groups;
    std::map<std::string, int> seen;
    for (const KerasLayer& l : g.layers) {
        if (l.cls == "InputLayer") continue;  // not among a Keras 3 model's layers
        const std::string snake = keras3_snake_case(l.cls);
        const int k = seen.count(snake) ? ++seen[snake] : (seen[snake] = 0);
        groups[l.name] = "/layers/" + snake + (k ? "_" + std::to_string(k) : "");
    }
    return groups;
}

std::map<std::string, H5Array> layer_weights(const KerasWeights& s, const KerasLayer& l) {
    std::map<std::string, H5Array> out;
    if (!s.keras3_groups.empty()) {
        const auto g = s.keras3_groups.find(l.name);
        const std::string group = g == s.keras3_groups.end() ? "" : g->second;
        if (group.empty() || !s.h5->exists(group + "/vars"))
            fail_at(s.h5->path(),
                 fmt::format("no weights for layer \"{}\" (class {}): group {}/vars is missing", l.name, l.cls, group));
        const std::vector<std::string> names = keras3_variable_names(l);
        size_t present = 0;
        while (s.h5->exists(group + "/vars/" + std::to_string(present))) ++present;
        if (present != names.size())
            fail_at(s.h5->path(), fmt::format("layer \"{}\" (class {}): {}/vars holds {} variables, expected {}", l.name,
                                           l.cls, group, present, names.size()));
        for (size_t k = 0; k < names.size(); ++k)
            out[names[k]] = checked_dataset(s, group + "/vars/" + std::to_string(k));
        return out;
    }
    const std::string group = s.base + "/" + l.name;
    if (!s.h5->exists(group))
        fail_at(s.h5->path(),
             fmt::format("no weights for layer \"{}\" (class {}): group {} is missing", l.name, l.cls, group));
    if (!s.h5->has_attribute(group, "weight_names"))
        fail_at(s.h5->path(), fmt::format("group {} (layer \"{}\") has no weight_names attribute", group, l.name));
    for (const std::string& wname : s.h5->string_list_attribute(group, "weight_names")) {
        std::string key = wname.substr(wname.rfind('/') == std::string::npos ? 0 : wname.rfind('/') + 1);
        key = key.substr(0, key.find(':'));
        const std::string ds = group + "/" + wname;
        if (!s.h5->exists(ds))
            fail_at(s.h5->path(), fmt::format("layer \"{}\" (class {}): dataset {} (listed in weight_names) is missing",
                                           l.name, l.cls, ds));
        out[key] = checked_dataset(s, ds);
    }
    return out;
}

const H5Array& need(const KerasWeights& s, const KerasLayer& l, const std::map<std::string, H5Array>& w,
                    const std::string& key, const std::vector<size_t>& shape) {
    const auto it = w.find(key);
    if (it == w.end())
        fail_at(s.h5->path(),
             fmt::format("layer \"{}\" (class {}): no \"{}\" weights in weight_names", l.name, l.cls, key));
    if (it->second.shape != shape) {
        std::string got, want;
        for (size_t d : it->second.shape) got += (got.empty() ? "" : ", ") + std::to_string(d);
        for (size_t d : shape) want += (want.empty() ? "" : ", ") + std::to_string(d);
        fail_at(s.h5->path(), fmt::format("layer \"{}\" (class {}): \"{}\" has shape [{}], expected [{}]", l.name, l.cls,
                                       key, got, want));
    }
    return it->second;
}

}  // namespace tlm4ml
