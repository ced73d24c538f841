#include "layers/arithmetic/overflow_profile.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "layers/arithmetic/reference.h"
#include "models/load_model.h"
#include "rtl_models/precision.h"

namespace tlm4ml {

using nlohmann::json;

namespace {

// The precision keys each class takes (models/model_file/), so that a layer's single precision string
// can be spelled out per key before its result / accum are widened.
const std::map<std::string, std::vector<std::string>>& class_keys() {
    static const std::map<std::string, std::vector<std::string>> k = {
        {"Dense", {"weight", "bias", "accum", "result"}},
        {"QDense", {"weight", "bias", "accum", "result"}},
        {"BinaryDense", {"weight", "bias", "accum", "result"}},
        {"TernaryDense", {"weight", "bias", "accum", "result"}},
        {"Conv1D", {"weight", "bias", "accum", "result"}},
        {"Conv2D", {"weight", "bias", "accum", "result"}},
        {"QConv1D", {"weight", "bias", "accum", "result"}},
        {"QConv2D", {"weight", "bias", "accum", "result"}},
        {"BatchNormalization", {"scale", "bias", "result"}},
        {"MaxPooling1D", {"accum", "result"}},
        {"MaxPooling2D", {"accum", "result"}},
        {"AveragePooling1D", {"accum", "result"}},
        {"AveragePooling2D", {"accum", "result"}},
        {"GlobalMaxPooling1D", {"accum", "result"}},
        {"GlobalMaxPooling2D", {"accum", "result"}},
        {"GlobalAveragePooling1D", {"accum", "result"}},
        {"GlobalAveragePooling2D", {"accum", "result"}},
        {"Add", {"result"}},
        {"Subtract", {"result"}},
        {"Multiply", {"result"}},
        {"Average", {"result"}},
        {"Maximum", {"result"}},
        {"Minimum", {"result"}},
        {"Concatenate", {"result"}},
        {"Activation", {"result"}},
        {"ReLU", {"result"}},
        {"LeakyReLU", {"result"}},
        {"ThresholdedReLU", {"result"}},
    };
    return k;
}

// W+k, I+k with the same fraction and modes, or nothing when that cannot be done.
std::optional<Precision> widened(const Precision& p, int k) {
    if (p.integer_type || p.width + k > 64) return std::nullopt;
    Precision w = p;
    w.width += k;
    w.integer += k;
    return w;
}

// Widens the document's result / accum types; returns the names of the layers whose result was widened.
std::set<std::string> widen(json& doc, int k) {
    std::set<std::string> measured;
    const std::string dflt = doc.value("default_precision", std::string("ap_fixed<16,6>"));
    for (json& l : doc.at("layers")) {
        const std::string cls = l.value("class", std::string());
        const auto keys = class_keys().find(cls);
        if (keys == class_keys().end()) continue;
        // Softmax (absent from the list) and binary / ternary activations take their behaviour from the input's
        // width or from integer encodings: widening would change what they compute.
        const std::string act = l.value("activation", std::string());
        if (act.find("binary") != std::string::npos || act.find("ternary") != std::string::npos) continue;
        json p = l.value("precision", json());
        if (!p.is_object()) {
            const std::string all = p.is_string() ? p.get<std::string>() : dflt;
            p = json::object();
            if (l.contains("precision"))
                for (const auto& key : keys->second) p[key] = all;
        }
        bool result_widened = false;
        for (const char* var : {"result", "accum"}) {
            if (std::find(keys->second.begin(), keys->second.end(), var) == keys->second.end()) continue;
            const std::string text = p.contains(var) ? p[var].get<std::string>() : dflt;
            const auto w = widened(Precision::parse(text), k);
            if (!w) continue;
            p[var] = w->str();
            if (std::string(var) == "result") result_widened = true;
        }
        if (result_widened) measured.insert(l.at("name").get<std::string>());
        l["precision"] = p;
    }
    return measured;
}

}  // namespace

OverflowProfile::OverflowProfile(const std::string& model_path, const Model& model) : model_(model) {
    std::string base_dir;
    json doc = load_model_document(model_path, base_dir);
    std::set<std::string> measured;
    try {
        measured = widen(doc, kExtraIntegerBits);
        wide_ = std::make_unique<Model>(load_model_json(doc, model_path + " (widened for overflow counts)", base_dir));
    } catch (const std::exception&) {
        wide_.reset();  // nothing measured: a type the widening cannot express
    }
    if (wide_ && wide_->layers.size() != model.layers.size()) wide_.reset();
    for (size_t i = 0; i < model.layers.size(); ++i) {
        LayerOverflow c;
        c.layer = model.layers[i]->name();
        c.measured = wide_ && measured.count(c.layer) && wide_->layers[i]->name() == c.layer;
        counts_.push_back(c);
    }
}

OverflowProfile::~OverflowProfile() = default;

void OverflowProfile::observe(const std::vector<int64_t>& input, const std::vector<std::vector<int64_t>>& trace) {
    if (!wide_) return;
    std::vector<int64_t> out;
    for (size_t i = 0; i < counts_.size() && i < trace.size(); ++i) {
        LayerOverflow& c = counts_[i];
        if (!c.measured) continue;
        const std::vector<int64_t> in = layer_input(model_, i, input, trace);
        out.resize(wide_->layers[i]->n_out());
        wide_->layers[i]->compute(in.data(), out.data());
        c.values += out.size();
        for (size_t k = 0; k < out.size(); ++k) c.overflowed += out[k] != trace[i][k];
    }
}

std::vector<std::string> OverflowProfile::warnings(double share) const {
    std::vector<std::string> w;
    for (size_t i = 0; i < counts_.size(); ++i) {
        const LayerOverflow& c = counts_[i];
        if (!c.measured || c.values == 0 || c.overflowed == 0) continue;
        if (static_cast<double>(c.overflowed) < share * static_cast<double>(c.values)) continue;
        w.push_back(fmt::format("layer \"{}\": {} of {} output values ({:.1f}%) were changed by an overflow (saturation "
                                "or wrap) of its accumulator or result type {}",
                                c.layer, c.overflowed, c.values, 100.0 * c.overflowed / c.values,
                                model_.layers[i]->output_precision().str()));
    }
    return w;
}

}  // namespace tlm4ml
