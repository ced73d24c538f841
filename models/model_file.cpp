// tlm4ml's JSON model file: parsing and validation. Every error names the file, the JSON path and what
// was expected; nothing is built until the whole description has been checked.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <system_error>
#include <fstream>
#include <optional>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "layers/arithmetic/activation.h"
#include "layers/arithmetic/batchnorm.h"
#include "layers/arithmetic/conv.h"
#include "layers/arithmetic/dense.h"
#include "models/json_input.h"
#include "layers/arithmetic/merge.h"
#include "models/model.h"
#include "models/npy.h"
#include "layers/arithmetic/pooling.h"
#include "layers/arithmetic/quantized_tanh.h"
#include "rtl_models/clock_domain.h"
#include "rtl_models/packed_bits.h"
#include "rtl_models/quantize.h"
#include "layers/arithmetic/softmax.h"
#include "models/hls4ml/project_keys.h"
#include "models/passes/conv_same_pad.h"
#include "layers/arithmetic/zero_padding.h"

namespace tlm4ml {

using nlohmann::json;

size_t Model::input_size() const {
    size_t n = 1;
    for (size_t d : input_shape) n *= d;
    return n;
}

std::vector<size_t> Model::inputs_of(size_t i) const {
    if (!inputs.empty() && inputs.size() != layers.size())
        throw std::logic_error(fmt::format("model {}: {} input lists for {} layers (insert layers with "
                                           "Model::insert_layer)",
                                           name, inputs.size(), layers.size()));
    if (i < inputs.size() && !inputs[i].empty()) return inputs[i];
    return {i == 0 ? kModelInput : i - 1};
}

std::vector<std::pair<size_t, size_t>> Model::consumers_of(size_t p) const {
    std::vector<std::pair<size_t, size_t>> out;
    for (size_t i = 0; i < layers.size(); ++i) {
        const std::vector<size_t> in = inputs_of(i);
        for (size_t s = 0; s < in.size(); ++s)
            if (in[s] == p) out.emplace_back(i, s);
    }
    return out;
}

bool Model::is_chain() const {
    for (size_t i = 0; i < layers.size(); ++i) {
        const std::vector<size_t> in = inputs_of(i);
        if (in.size() != 1 || in[0] != (i == 0 ? kModelInput : i - 1)) return false;
    }
    return true;
}

void Model::insert_layer(size_t at, LayerPtr layer) {
    if (at > layers.size()) throw std::out_of_range("Model::insert_layer: position past the end");
    if (inputs.empty()) {  // a chain stays a chain
        layers.insert(layers.begin() + static_cast<std::ptrdiff_t>(at), std::move(layer));
        return;
    }
    std::vector<std::vector<size_t>> resolved(layers.size());
    for (size_t i = 0; i < layers.size(); ++i) resolved[i] = inputs_of(i);
    for (auto& in : resolved)
        for (size_t& p : in)
            if (p != kModelInput && p >= at) ++p;
    std::vector<size_t> taken = at < layers.size() ? resolved[at] : std::vector<size_t>{at == 0 ? kModelInput : at - 1};
    if (taken.size() != 1)
        throw std::logic_error(fmt::format("Model::insert_layer: {} has {} inputs; only a single-input layer can be "
                                           "preceded by an inserted layer",
                                           layers[at]->name(), taken.size()));
    resolved.insert(resolved.begin() + static_cast<std::ptrdiff_t>(at), taken);
    if (at + 1 < resolved.size()) resolved[at + 1] = {at};
    layers.insert(layers.begin() + static_cast<std::ptrdiff_t>(at), std::move(layer));
    inputs = std::move(resolved);
}

std::string clone_name(const std::string& producer) { return "clone_" + producer; }
std::string clone_output_name(const std::string& producer, size_t k) { return producer + "_cpy" + std::to_string(k + 1); }

std::vector<std::string> fifo_names(const Model& m) {
    std::vector<std::string> out;
    auto add = [&](size_t p) {
        out.push_back(m.producer_name(p));
        const size_t n = m.consumers_of(p).size();
        if (n > 1)
            for (size_t k = 0; k < n; ++k) out.push_back(clone_output_name(m.producer_name(p), k));
    };
    add(Model::kModelInput);
    for (size_t i = 0; i < m.layers.size(); ++i) add(i);
    return out;
}

bool is_valid_reuse_factor(size_t n_in, size_t n_out, int rf) {
    if (rf < 1) return false;
    const size_t r = static_cast<size_t>(rf);
    const size_t mf = std::min(n_in, r);
    const size_t ml = (n_in * n_out + mf - 1) / mf;
    return (ml % n_out == 0 || r >= n_in) && (r % n_in == 0 || r < n_in) && (n_in * n_out) % r == 0;
}

int closest_valid_reuse_factor(size_t n_in, size_t n_out, int rf) {
    // A valid factor divides n_in * n_out: only its divisors are tried, found in pairs (d, N / d) below
    // sqrt(N), so the search costs O(sqrt N) (trying every value up to N took 22 s for a 150-byte model).
    // 1 is always valid; on a tie the smaller factor wins, as in hls4ml.
    const uint64_t total = static_cast<uint64_t>(n_in) * n_out, want = static_cast<uint64_t>(std::max(1, rf));
    uint64_t best = 1;
    auto consider = [&](uint64_t r) {
        if (r > static_cast<uint64_t>(INT32_MAX) || !is_valid_reuse_factor(n_in, n_out, static_cast<int>(r))) return;
        const uint64_t dist = r > want ? r - want : want - r, best_dist = best > want ? best - want : want - best;
        if (dist < best_dist || (dist == best_dist && r < best)) best = r;
    };
    for (uint64_t d = 1; d <= total / d; ++d)
        if (total % d == 0) {
            consider(d);
            consider(total / d);
        }
    return static_cast<int>(best);
}

namespace {

// Where we are in the file, for error messages.
struct Ctx {
    std::string file;
    std::string path;
    std::string base_dir;

    Ctx at(const std::string& key) const { return {file, path.empty() ? key : path + "." + key, base_dir}; }
    Ctx at(size_t index) const { return {file, fmt::format("{}[{}]", path, index), base_dir}; }
    [[noreturn]] void fail(const std::string& what) const {
        throw ModelError(fmt::format("{}: {}: {}", file, path.empty() ? "(top level)" : path, what));
    }
};

const json& require(const Ctx& c, const json& obj, const char* key) {
    if (!obj.is_object()) c.fail("expected a JSON object");
    auto it = obj.find(key);
    if (it == obj.end()) c.at(key).fail("missing (required)");
    return *it;
}

std::string get_string(const Ctx& c, const json& v) {
    if (!v.is_string()) c.fail(fmt::format("expected a string, got {}", v.type_name()));
    return v.get<std::string>();
}

double get_number(const Ctx& c, const json& v) {
    if (!v.is_number()) c.fail(fmt::format("expected a number, got {}", v.type_name()));
    const double d = v.get<double>();
    if (!std::isfinite(d)) c.fail("expected a finite number");
    return d;
}

int get_int(const Ctx& c, const json& v, int lo, int hi) {
    if (!v.is_number_integer()) c.fail(fmt::format("expected an integer, got {}", v.dump()));
    const int64_t i = v.get<int64_t>();
    if (i < lo || i > hi) c.fail(fmt::format("expected an integer between {} and {}, got {}", lo, hi, i));
    return static_cast<int>(i);
}

Precision get_precision(const Ctx& c, const json& v) {
    try {
        return Precision::parse(get_string(c, v));
    } catch (const PrecisionError& e) {
        c.fail(e.what());
    }
}

void check_keys(const Ctx& c, const json& obj, const std::set<std::string>& allowed) {
    for (auto it = obj.begin(); it != obj.end(); ++it)
        if (!allowed.count(it.key())) {
            std::string list;
            for (const auto& k : allowed) list += (list.empty() ? "" : ", ") + k;
            c.at(it.key()).fail(fmt::format("unknown key (expected one of: {})", list));
        }
}

// A numeric tensor given inline (nested arrays, flattened in C order) or as {"file": "x.npy"}.
struct Tensor {
    std::vector<size_t> shape;
    std::vector<double> values;
};

void flatten(const Ctx& c, const json& v, size_t depth, Tensor& t) {
    if (v.is_array()) {
        if (t.shape.size() <= depth) {
            if (!t.values.empty()) c.fail("ragged array: an array where a number was expected");
            t.shape.push_back(v.size());
        }
        else if (t.shape[depth] != v.size())
            c.fail(fmt::format("ragged array: expected {} elements at depth {}, got {}", t.shape[depth], depth,
                               v.size()));
        for (size_t i = 0; i < v.size(); ++i) flatten(c.at(i), v[i], depth + 1, t);
    } else {
        if (depth != t.shape.size()) c.fail("ragged array: a number where an array was expected");
        if (v.is_null()) c.fail("expected a finite number, got null (NaN is not allowed)");
        t.values.push_back(get_number(c, v));
    }
}

Tensor get_tensor(const Ctx& c, const json& v) {
    Tensor t;
    if (v.is_object()) {
        check_keys(c, v, {"file"});
        const std::string rel = get_string(c.at("file"), require(c, v, "file"));
        const std::filesystem::path p = std::filesystem::path(c.base_dir) / rel;
        NpyArray a;
        try {
            a = read_npy(p.string());
        } catch (const std::exception& e) {
            c.at("file").fail(e.what());
        }
        for (size_t i = 0; i < a.values.size(); ++i)
            if (!std::isfinite(a.values[i])) c.at("file").fail(fmt::format("{}: element {} is not finite", p.string(), i));
        t.shape = a.shape;
        t.values = std::move(a.values);
        return t;
    }
    if (!v.is_array()) c.fail("expected an array of numbers or {\"file\": \"....npy\"}");
    flatten(c, v, 0, t);
    if (t.shape.empty()) t.shape.push_back(0);
    return t;
}

bool valid_name(const std::string& n) {
    if (n.empty() || std::isdigit(static_cast<unsigned char>(n[0]))) return false;
    for (char ch : n)
        if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '_') return false;
    return true;
}

size_t product(const std::vector<size_t>& s) {
    size_t n = 1;
    for (size_t d : s) n *= d;
    return n;
}

std::string shape_str(const std::vector<size_t>& s) {
    std::string out = "[";
    for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
    return out + "]";
}

// Larger than any tensor of an FPGA design (2^28 values of 16 bits are 512 MB), small enough that every
// product of sizes below stays far from 64 bits and no allocation follows from a few bytes of JSON.
constexpr uint64_t kMaxTensorElements = uint64_t{1} << 28;

// Refuses a tensor (`what`: "output", "kernel", ...) whose element count overflows or passes the bound.
void check_tensor_size(const Ctx& c, const std::vector<size_t>& shape, const char* what) {
    uint64_t n = 1;
    for (size_t d : shape) {
        if (d != 0 && n > kMaxTensorElements / d)
            c.fail(fmt::format("the {} shape {} has more than {} elements (2^28), far beyond an FPGA design", what,
                               shape_str(shape), kMaxTensorElements));
        n *= d;
    }
}

// Quantizes a real tensor into a type. Binary weights must be -1/+1 and ternary -1/0/+1: tlm4ml's own
// model file carries the values the firmware holds; importers do the binarization.
std::vector<int64_t> quantize_tensor(const Ctx& c, const Tensor& t, const Precision& p, bool is_weight = false) {
    std::vector<int64_t> raw(t.values.size());
    for (size_t i = 0; i < t.values.size(); ++i) {
        const double v = t.values[i];
        if (is_weight && is_xnor_type(p)) {
            if (v != 1.0 && v != -1.0) c.fail(fmt::format("element {} is {}: binary values must be -1 or +1", i, v));
            raw[i] = v > 0 ? 1 : 0;
        } else if (is_weight && is_ternary_type(p) && (v != 1.0 && v != -1.0 && v != 0.0)) {
            c.fail(fmt::format("element {} is {}: ternary values must be -1, 0 or +1", i, v));
        } else {
            raw[i] = quantize_double(v, p);
        }
    }
    return raw;
}

struct Defaults {
    Precision precision;
    int reuse_factor;
    Strategy strategy;
};

Strategy parse_strategy(const Ctx& c, const json& v) {
    std::string s = get_string(c, v);
    std::transform(s.begin(), s.end(), s.begin(), ::tolower);
    if (s == "latency") return Strategy::Latency;
    if (s == "resource") return Strategy::Resource;
    c.fail(fmt::format("unknown strategy \"{}\" (expected Latency or Resource)", v.get<std::string>()));
}

// The per-layer "precision": a string (every type) or an object of named types.
struct LayerPrecisions {
    const Ctx* ctx = nullptr;
    const json* obj = nullptr;
    Precision all;
    bool has_all = false;

    Precision get(const char* key, const Precision& fallback, bool* given = nullptr) const {
        if (given) *given = false;
        if (obj && obj->contains(key)) {
            if (given) *given = true;
            return get_precision(ctx->at("precision").at(key), (*obj)[key]);
        }
        if (has_all) {
            if (given) *given = true;
            return all;
        }
        return fallback;
    }
};

LayerPrecisions layer_precisions(const Ctx& c, const json& layer, const std::set<std::string>& keys) {
    LayerPrecisions lp;
    lp.ctx = &c;
    if (!layer.contains("precision")) return lp;
    const json& p = layer["precision"];
    if (p.is_string()) {
        lp.all = get_precision(c.at("precision"), p);
        lp.has_all = true;
    } else if (p.is_object()) {
        check_keys(c.at("precision"), p, keys);
        lp.obj = &p;
    } else {
        c.at("precision").fail("expected a precision string or an object of named precisions");
    }
    return lp;
}

int layer_reuse_factor(const Ctx& c, const json& layer, const Defaults& d) {
    return layer.contains("reuse_factor") ? get_int(c.at("reuse_factor"), layer["reuse_factor"], 1, 1 << 24)
                                          : d.reuse_factor;
}

class Builder {
public:
    Builder(Model& m, const Defaults& d) : m_(m), d_(d) {}

    // The second input of a merge layer (the first is `shape` / `in_prec`).
    struct Operand {
        std::string name;
        std::vector<size_t> shape;
        Precision precision;
    };

    void add(const Ctx& c, const json& layer, std::vector<size_t>& shape, Precision& in_prec,
             const Operand* first = nullptr, const Operand* second = nullptr) {
        const std::string name = get_string(c.at("name"), require(c, layer, "name"));
        // Names become trace file names and VCD scopes: keep them identifiers.
        if (!valid_name(name))
            c.at("name").fail(fmt::format("\"{}\" is not a valid layer name (letters, digits and _, not starting with a digit)", name));
        if (!names_.insert(name).second) c.at("name").fail(fmt::format("duplicate layer name \"{}\"", name));
        const std::string cls = get_string(c.at("class"), require(c, layer, "class"));
        const size_t n = product(shape);

        MergeOp merge_op;
        if (parse_merge_class(cls, merge_op)) {
            if (!first || !second) c.at("inputs").fail(fmt::format("{} takes two inputs (\"inputs\": [a, b])", cls));
            add_merge(c, layer, name, merge_op, *first, *second, shape, in_prec);
        } else if (cls == "Dense" || cls == "BinaryDense" || cls == "TernaryDense" || cls == "QDense") {
            add_dense(c, layer, name, shape, in_prec);
        } else if (cls == "Conv1D" || cls == "Conv2D" || cls == "QConv1D" || cls == "QConv2D") {
            add_conv(c, layer, name, cls, shape, in_prec);
        } else if (cls == "MaxPooling1D" || cls == "MaxPooling2D" || cls == "AveragePooling1D" ||
                   cls == "AveragePooling2D" || cls == "GlobalMaxPooling1D" || cls == "GlobalMaxPooling2D" ||
                   cls == "GlobalAveragePooling1D" || cls == "GlobalAveragePooling2D") {
            add_pooling(c, layer, name, cls, shape, in_prec);
        } else if (cls == "ZeroPadding1D" || cls == "ZeroPadding2D") {
            add_zero_padding(c, layer, name, cls, shape, in_prec);
        } else if (cls == "BatchNormalization") {
            check_keys(c, layer, {"name", "class", "precision", "reuse_factor", "scale", "bias"});
            const size_t nf = shape.back();
            const LayerPrecisions lp = layer_precisions(c, layer, {"scale", "bias", "result"});
            BatchNormConfig cfg;
            cfg.n_in = n;
            cfg.n_filt = nf;
            cfg.reuse_factor = layer_reuse_factor(c, layer, d_);
            cfg.data_t = in_prec;
            cfg.scale_t = lp.get("scale", d_.precision);
            cfg.bias_t = lp.get("bias", d_.precision);
            cfg.result_t = lp.get("result", d_.precision);
            cfg.scale = channel_tensor(c.at("scale"), require(c, layer, "scale"), nf, cfg.scale_t);
            cfg.bias = channel_tensor(c.at("bias"), require(c, layer, "bias"), nf, cfg.bias_t);
            push(std::make_unique<BatchNormLayer>(name, std::move(cfg)), in_prec);
        } else if (cls == "BatchNormalizationQuantizedTanh") {
            check_keys(c, layer, {"name", "class", "activation", "threshold", "threshold_hi", "threshold_lo"});
            const std::string act = get_string(c.at("activation"), require(c, layer, "activation"));
            QuantizedTanhConfig cfg;
            cfg.n_in = n;
            cfg.n_filt = shape.back();
            cfg.data_t = in_prec;
            if (act == "binary_tanh") {
                cfg.threshold = threshold_tensor(c.at("threshold"), require(c, layer, "threshold"), cfg);
            } else if (act == "ternary_tanh") {
                cfg.ternary = true;
                cfg.threshold_hi = threshold_tensor(c.at("threshold_hi"), require(c, layer, "threshold_hi"), cfg);
                cfg.threshold_lo = threshold_tensor(c.at("threshold_lo"), require(c, layer, "threshold_lo"), cfg);
            } else {
                c.at("activation").fail(fmt::format("\"{}\": expected binary_tanh or ternary_tanh", act));
            }
            push(std::make_unique<QuantizedTanhLayer>(name, std::move(cfg)), in_prec);
        } else if (cls == "Activation" || cls == "ReLU" || cls == "LeakyReLU" || cls == "ThresholdedReLU" ||
                   cls == "Softmax") {
            std::string act;
            if (cls == "Activation") act = get_string(c.at("activation"), require(c, layer, "activation"));
            else if (cls == "ReLU") act = "relu";
            else if (cls == "LeakyReLU") act = "leaky_relu";
            else if (cls == "ThresholdedReLU") act = "thresholded_relu";
            else act = "softmax";
            if (cls != "Activation" && layer.contains("activation") &&
                get_string(c.at("activation"), layer["activation"]) != act)
                c.at("activation").fail(fmt::format("a {} layer computes {}, not \"{}\"", cls, act,
                                                    layer["activation"].get<std::string>()));
            add_activation(c, layer, name, act, n, in_prec);
        } else if (cls == "Dropout" || cls == "InputLayer") {
            check_keys(c, layer, {"name", "class", "rate"});
        } else if (cls == "Flatten") {
            check_keys(c, layer, {"name", "class"});
            shape = {n};
        } else if (cls == "Reshape") {
            check_keys(c, layer, {"name", "class", "target_shape"});
            const json& ts = require(c, layer, "target_shape");
            if (!ts.is_array() || ts.empty()) c.at("target_shape").fail("expected a non-empty array of sizes");
            std::vector<size_t> s;
            for (size_t i = 0; i < ts.size(); ++i)
                s.push_back(static_cast<size_t>(get_int(c.at("target_shape").at(i), ts[i], 1, 1 << 30)));
            check_tensor_size(c.at("target_shape"), s, "target");
            if (product(s) != n)
                c.at("target_shape").fail(fmt::format("{} has {} elements, the input {} has {}", shape_str(s),
                                                      product(s), shape_str(shape), n));
            shape = s;
        } else {
            c.at("class").fail(fmt::format(
                "unknown or unsupported layer class \"{}\" (supported: Dense, BinaryDense, TernaryDense, "
                "Conv1D, Conv2D, MaxPooling1D/2D, AveragePooling1D/2D, GlobalMaxPooling1D/2D, "
                "GlobalAveragePooling1D/2D, ZeroPadding1D/2D, BatchNormalization, BatchNormalizationQuantizedTanh, "
                "Activation, ReLU, LeakyReLU, ThresholdedReLU, Softmax, Dropout, Flatten, Reshape, Add, Subtract, "
                "Multiply, Average, Maximum, Minimum, Concatenate)",
                cls));
        }
    }

private:
    void add_merge(const Ctx& c, const json& layer, const std::string& name, MergeOp op, const Operand& a,
                   const Operand& b, std::vector<size_t>& shape, Precision& in_prec) {
        const bool concat = op == MergeOp::Concatenate;
        if (concat) check_keys(c, layer, {"name", "class", "precision", "reuse_factor", "axis"});
        else check_keys(c, layer, {"name", "class", "precision", "reuse_factor"});
        MergeConfig cfg;
        cfg.op = op;
        cfg.input1_t = a.precision;
        cfg.input2_t = b.precision;
        cfg.result_t = layer_precisions(c, layer, {"result"}).get("result", d_.precision);
        cfg.reuse_factor = layer_reuse_factor(c, layer, d_);
        const std::string cls = merge_class_name(op);
        if (!concat) {
            if (a.shape != b.shape)
                c.at("inputs").fail(fmt::format("{} needs inputs of one shape: \"{}\" is {}, \"{}\" is {}", cls, a.name,
                                                shape_str(a.shape), b.name, shape_str(b.shape)));
            cfg.n_elem = product(a.shape);
        } else {
            if (a.shape.size() != b.shape.size())
                c.at("inputs").fail(fmt::format("Concatenate needs inputs of one rank: \"{}\" is {}, \"{}\" is {}", a.name,
                                                shape_str(a.shape), b.name, shape_str(b.shape)));
            // Keras' axis: negative counts from the end, positive counts the batch axis as 0 (hls4ml's
            // concat_config uses it as is: axis 3 or -1 is the channel axis of an [h, w, c] tensor).
            const int rank = static_cast<int>(a.shape.size());
            int axis = -1;
            if (layer.contains("axis")) axis = get_int(c.at("axis"), layer["axis"], -rank, rank);
            if (axis == 0) c.at("axis").fail("axis 0 is Keras' batch axis; the tensor axes are 1.." + std::to_string(rank) +
                                             " or -" + std::to_string(rank) + "..-1");
            cfg.axis = static_cast<size_t>(axis < 0 ? axis + rank : axis - 1);
            cfg.shape1 = a.shape;
            cfg.shape2 = b.shape;
            for (size_t i = 0; i < a.shape.size(); ++i)
                if (i != cfg.axis && a.shape[i] != b.shape[i])
                    c.at("inputs").fail(fmt::format("Concatenate on axis {}: \"{}\" is {} and \"{}\" is {}, which differ "
                                                    "on another axis",
                                                    axis, a.name, shape_str(a.shape), b.name, shape_str(b.shape)));
        }
        const std::vector<size_t> out_shape = concat ? cfg.out_shape() : a.shape;
        try {
            push(std::make_unique<MergeLayer>(name, std::move(cfg)), in_prec);
        } catch (const std::invalid_argument& e) {
            c.fail(e.what());
        }
        shape = out_shape;
    }

    void push(LayerPtr l, Precision& in_prec) {
        in_prec = l->output_precision();
        m_.layers.push_back(std::move(l));
    }

    std::vector<int64_t> channel_tensor(const Ctx& c, const json& v, size_t nf, const Precision& p) {
        const Tensor t = get_tensor(c, v);
        if (t.shape != std::vector<size_t>{nf})
            c.fail(fmt::format("expected {} values (one per channel), got shape {}", nf, shape_str(t.shape)));
        return quantize_tensor(c, t, p);
    }

    std::vector<int64_t> threshold_tensor(const Ctx& c, const json& v, const QuantizedTanhConfig& cfg) {
        // Thresholds live in the input's type, floored to its LSB (hls4ml's threshold_t).
        const Tensor t = get_tensor(c, v);
        if (t.values.size() != cfg.n_filt)
            c.fail(fmt::format("expected {} values (one per feature), got shape {}", cfg.n_filt, shape_str(t.shape)));
        Precision tp = cfg.data_t;
        tp.quant = QuantMode::TRN;
        std::vector<int64_t> raw(t.values.size());
        for (size_t i = 0; i < raw.size(); ++i) raw[i] = quantize_double(t.values[i], tp);
        return raw;
    }

    void add_dense(const Ctx& c, const json& layer, const std::string& name, std::vector<size_t>& shape,
                   Precision& in_prec) {
        check_keys(c, layer, {"name", "class", "units", "precision", "reuse_factor", "strategy", "kernel", "bias",
                              "use_bias", "activation", "weight_encoding"});
        if (shape.size() != 1)
            c.fail(fmt::format("Dense needs a flat input, got shape {} (add a Flatten layer)", shape_str(shape)));
        DenseConfig cfg;
        cfg.n_in = shape[0];
        cfg.n_out = static_cast<size_t>(get_int(c.at("units"), require(c, layer, "units"), 1, 1 << 24));
        cfg.strategy = layer.contains("strategy") ? parse_strategy(c.at("strategy"), layer["strategy"]) : d_.strategy;
        cfg.data_t = in_prec;
        const LayerPrecisions lp = layer_precisions(c, layer, {"weight", "bias", "accum", "result"});
        cfg.weight_t = lp.get("weight", d_.precision);
        bool accum_given = false, result_given = false;
        cfg.accum_t = lp.get("accum", d_.precision, &accum_given);
        cfg.result_t = lp.get("result", d_.precision, &result_given);
        cfg.bias_t = lp.get("bias", d_.precision);
        if (is_xnor_type(cfg.weight_t) && is_xnor_type(cfg.data_t)) {
            // hls4ml's quantize_dense_output: XNOR layers accumulate in ap_int<ceil(log2 n_in)+2>.
            const Precision xp = xnor_result_precision(cfg.n_in);
            if (!accum_given) cfg.accum_t = xp;
            if (!result_given) cfg.result_t = xp;
        }

        check_tensor_size(c.at("units"), {cfg.n_in, cfg.n_out}, "kernel");
        const int rf = layer_reuse_factor(c, layer, d_);
        cfg.reuse_factor = rf;
        if (!is_valid_reuse_factor(cfg.n_in, cfg.n_out, rf)) {
            cfg.reuse_factor = closest_valid_reuse_factor(cfg.n_in, cfg.n_out, rf);
            const std::string where = layer.contains("reuse_factor") ? c.at("reuse_factor").path
                                                                     : c.path + " (default_reuse_factor)";
            m_.warnings.push_back(fmt::format("{}: {}: reuse_factor {} is not valid for n_in={} n_out={}; using "
                                              "the closest valid one, {}",
                                              c.file, where, rf, cfg.n_in, cfg.n_out, cfg.reuse_factor));
        }

        const Tensor k = get_tensor(c.at("kernel"), require(c, layer, "kernel"));
        if (k.shape != std::vector<size_t>{cfg.n_in, cfg.n_out})
            c.at("kernel").fail(fmt::format("expected shape [{}, {}] (n_in x units), got {}", cfg.n_in, cfg.n_out,
                                            shape_str(k.shape)));
        bool po2 = false;
        if (layer.contains("weight_encoding")) {
            const std::string enc = get_string(c.at("weight_encoding"), layer["weight_encoding"]);
            if (enc == "po2") po2 = true;
            else if (enc != "fixed")
                c.at("weight_encoding").fail(fmt::format("\"{}\": expected \"fixed\" or \"po2\"", enc));
        }
        if (po2) {
            // Power-of-two weights (QKeras quantized_po2, hls4ml's weight_exponential product): every value
            // is +-2^e and precision.weight is the exponent's signed integer type.
            if (!cfg.weight_t.is_signed || cfg.weight_t.frac() != 0 || cfg.weight_t.width > 8)
                c.at("precision").fail(fmt::format("weight_encoding \"po2\" needs an ap_int<W> weight type (W <= 8) "
                                                   "for the exponent, got {}",
                                                   cfg.weight_t.str()));
            cfg.weight_exponential = true;
            cfg.weights.resize(k.values.size());
            cfg.weight_negative.resize(k.values.size());
            for (size_t i = 0; i < k.values.size(); ++i) {
                const double v = k.values[i];
                int e = 0;
                const double mant = std::frexp(std::fabs(v), &e);
                if (!(v != 0 && std::isfinite(v) && mant == 0.5))
                    c.at("kernel").fail(fmt::format("element {} is {}: po2 weights must be +-2^e", i, v));
                --e;
                if (e < cfg.weight_t.min_raw() || e > cfg.weight_t.max_raw())
                    c.at("kernel").fail(fmt::format("element {} is {}: exponent {} does not fit {}", i, v, e,
                                                    cfg.weight_t.str()));
                cfg.weights[i] = e;
                cfg.weight_negative[i] = v < 0 ? 1 : 0;
            }
        } else {
            cfg.weights = quantize_tensor(c.at("kernel"), k, cfg.weight_t, true);
        }
        bool use_bias = true;
        if (layer.contains("use_bias")) {
            if (!layer["use_bias"].is_boolean()) c.at("use_bias").fail("expected true or false");
            use_bias = layer["use_bias"].get<bool>();
        }
        if (use_bias && layer.contains("bias")) {
            const Tensor b = get_tensor(c.at("bias"), layer["bias"]);
            if (b.shape != std::vector<size_t>{cfg.n_out})
                c.at("bias").fail(fmt::format("expected {} values, got shape {}", cfg.n_out, shape_str(b.shape)));
            cfg.biases = quantize_tensor(c.at("bias"), b, cfg.bias_t);
        } else {
            if (use_bias) c.at("bias").fail("missing (required unless \"use_bias\": false)");
            cfg.biases.assign(cfg.n_out, 0);
        }
        const size_t n_out = cfg.n_out;
        push(std::make_unique<DenseLayer>(name, std::move(cfg)), in_prec);
        shape = {n_out};
        fused_activation(c, layer, name, n_out, in_prec);
    }

    // A Dense / Conv layer's "activation": a separate layer "<name>_<activation>" (hls4ml's naming).
    void fused_activation(const Ctx& c, const json& layer, const std::string& name, size_t n_out, Precision& in_prec) {
        if (!layer.contains("activation")) return;
        const std::string act = get_string(c.at("activation"), layer["activation"]);
        if (act == "linear") return;
        if (!names_.insert(name + "_" + act).second)
            c.at("activation").fail(fmt::format("the fused activation layer \"{}_{}\" clashes with another layer name", name, act));
        json fused = json::object();
        add_activation(c, fused, name + "_" + act, act, n_out, in_prec, true);
    }

    // kernel_size / strides / pool_size: an integer (every axis) or one integer per spatial axis.
    std::vector<size_t> spatial_ints(const Ctx& c, const json& v, size_t rank, const char* what) {
        std::vector<size_t> out;
        if (v.is_number_integer()) {
            out.assign(rank, static_cast<size_t>(get_int(c, v, 1, 1 << 20)));
            return out;
        }
        if (!v.is_array() || v.size() != rank)
            c.fail(fmt::format("{}: expected an integer or an array of {} integers, got {}", what, rank, v.dump()));
        for (size_t i = 0; i < rank; ++i) out.push_back(static_cast<size_t>(get_int(c.at(i), v[i], 1, 1 << 20)));
        return out;
    }

    // The spatial rank of a 1D / 2D layer class and a check of the input shape ([w, c] / [h, w, c]).
    size_t spatial_rank(const Ctx& c, const std::string& cls, const std::vector<size_t>& shape) {
        const size_t rank = cls.find("1D") != std::string::npos ? 1 : 2;
        if (shape.size() != rank + 1)
            c.fail(fmt::format("{} needs an input of shape {} (channels last), got {}", cls,
                               rank == 1 ? "[width, channels]" : "[height, width, channels]", shape_str(shape)));
        return rank;
    }

    std::string padding_mode(const Ctx& c, const json& layer) {
        if (!layer.contains("padding")) return "valid";
        std::string p = get_string(c.at("padding"), layer["padding"]);
        std::transform(p.begin(), p.end(), p.begin(), ::tolower);
        if (p != "valid" && p != "same")
            c.at("padding").fail(fmt::format("\"{}\": expected \"valid\" or \"same\"", layer["padding"].get<std::string>()));
        return p;
    }

    // A window sliding over the spatial axes (a conv kernel or a pool): size, strides and Keras padding.
    struct Window {
        size_t height = 1, width = 0, stride_height = 1, stride_width = 1;
        size_t pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;
    };
    // `size_key` is required when `default_size` is 0; strides default to 1 for convolutions and to the
    // window size for pooling (Keras' defaults).
    Window window(const Ctx& c, const json& layer, size_t rank, const std::vector<size_t>& shape,
                  const char* size_key, size_t default_size, bool strides_default_to_size, const char* what) {
        const auto size = default_size && !layer.contains(size_key)
                              ? std::vector<size_t>(rank, default_size)
                              : spatial_ints(c.at(size_key), require(c, layer, size_key), rank, size_key);
        const auto strides = layer.contains("strides") && !layer["strides"].is_null()
                                 ? spatial_ints(c.at("strides"), layer["strides"], rank, "strides")
                                 : (strides_default_to_size ? size : std::vector<size_t>(rank, 1));
        Window win;
        win.height = rank == 1 ? 1 : size[0];
        win.width = size[rank - 1];
        win.stride_height = rank == 1 ? 1 : strides[0];
        win.stride_width = strides[rank - 1];
        const size_t in_height = rank == 1 ? 1 : shape[0], in_width = shape[rank - 1];
        const std::string pad = padding_mode(c, layer);
        if (!keras_padding(pad, in_height, win.height, win.stride_height, win.pad_top, win.pad_bottom) ||
            !keras_padding(pad, in_width, win.width, win.stride_width, win.pad_left, win.pad_right))
            c.at(size_key).fail(fmt::format("a {} {} does not fit the {} input with \"valid\" padding",
                                            shape_str(size), what, shape_str(shape)));
        return win;
    }
    // Strides and padding of a window into a conv or pooling config (hls4ml's field names in both).
    template <typename Config>
    static void set_strides_and_padding(const Window& win, Config& cfg) {
        cfg.stride_height = win.stride_height;
        cfg.stride_width = win.stride_width;
        cfg.pad_top = win.pad_top;
        cfg.pad_bottom = win.pad_bottom;
        cfg.pad_left = win.pad_left;
        cfg.pad_right = win.pad_right;
    }

    void add_conv(const Ctx& c, const json& layer, const std::string& name, const std::string& cls,
                  std::vector<size_t>& shape, Precision& in_prec) {
        check_keys(c, layer, {"name", "class", "filters", "kernel_size", "strides", "padding", "precision",
                              "reuse_factor", "parallelization_factor", "strategy", "kernel", "bias", "use_bias",
                              "activation"});
        const size_t rank = spatial_rank(c, cls, shape);
        ConvConfig cfg;
        cfg.one_d = rank == 1;
        cfg.in_height = rank == 1 ? 1 : shape[0];
        cfg.in_width = shape[rank - 1];
        cfg.n_chan = shape[rank];
        cfg.n_filt = static_cast<size_t>(get_int(c.at("filters"), require(c, layer, "filters"), 1, 1 << 20));
        const Window win = window(c, layer, rank, shape, "kernel_size", 0, false, "kernel");
        cfg.filt_height = win.height;
        cfg.filt_width = win.width;
        set_strides_and_padding(win, cfg);
        check_tensor_size(c.at("kernel_size"), {cfg.filt_height, cfg.filt_width, cfg.n_chan, cfg.n_filt}, "kernel");
        check_tensor_size(c.at("filters"), {cfg.out_height(), cfg.out_width(), cfg.n_filt}, "output");
        cfg.strategy = layer.contains("strategy") ? parse_strategy(c.at("strategy"), layer["strategy"]) : d_.strategy;
        cfg.data_t = in_prec;
        const LayerPrecisions lp = layer_precisions(c, layer, {"weight", "bias", "accum", "result"});
        cfg.weight_t = lp.get("weight", d_.precision);
        cfg.bias_t = lp.get("bias", d_.precision);
        cfg.accum_t = lp.get("accum", d_.precision);
        cfg.result_t = lp.get("result", d_.precision);
        if (is_xnor_type(cfg.data_t))
            c.fail(fmt::format("{} on binary (XNOR, {}) inputs is not supported", cls, cfg.data_t.str()));
        const size_t pixels = cfg.out_height() * cfg.out_width();
        cfg.parallelization_factor =
            layer.contains("parallelization_factor")
                ? get_int(c.at("parallelization_factor"), layer["parallelization_factor"], 1, 1 << 24)
                : 1;
        if (pixels % static_cast<size_t>(cfg.parallelization_factor) != 0)
            c.at("parallelization_factor")
                .fail(fmt::format("{} does not divide the {} output pixels ({} x {})", cfg.parallelization_factor, pixels,
                                  cfg.out_height(), cfg.out_width()));
        const int rf = layer_reuse_factor(c, layer, d_);
        cfg.reuse_factor = rf;
        if (!is_valid_reuse_factor(cfg.mult_n_in(), cfg.n_filt, rf)) {
            cfg.reuse_factor = closest_valid_reuse_factor(cfg.mult_n_in(), cfg.n_filt, rf);
            const std::string where = layer.contains("reuse_factor") ? c.at("reuse_factor").path
                                                                     : c.path + " (default_reuse_factor)";
            m_.warnings.push_back(fmt::format("{}: {}: reuse_factor {} is not valid for the {}-input, {}-output kernel; "
                                              "using the closest valid one, {}",
                                              c.file, where, rf, cfg.mult_n_in(), cfg.n_filt, cfg.reuse_factor));
        }
        const Tensor k = get_tensor(c.at("kernel"), require(c, layer, "kernel"));
        std::vector<size_t> kshape = {cfg.filt_width, cfg.n_chan, cfg.n_filt};
        if (rank == 2) kshape.insert(kshape.begin(), cfg.filt_height);
        if (k.shape != kshape)
            c.at("kernel").fail(fmt::format("expected shape {} ({}channels x filters), got {}", shape_str(kshape),
                                            rank == 2 ? "kernel height x kernel width x " : "kernel width x ",
                                            shape_str(k.shape)));
        cfg.weights = quantize_tensor(c.at("kernel"), k, cfg.weight_t, true);
        bool use_bias = true;
        if (layer.contains("use_bias")) {
            if (!layer["use_bias"].is_boolean()) c.at("use_bias").fail("expected true or false");
            use_bias = layer["use_bias"].get<bool>();
        }
        if (use_bias) {
            cfg.biases = channel_tensor(c.at("bias"), require(c, layer, "bias"), cfg.n_filt, cfg.bias_t);
        } else {
            cfg.biases.assign(cfg.n_filt, 0);
        }
        std::vector<size_t> out_shape = {cfg.out_width(), cfg.n_filt};
        if (rank == 2) out_shape.insert(out_shape.begin(), cfg.out_height());
        try {
            push(std::make_unique<ConvLayer>(name, std::move(cfg)), in_prec);
        } catch (const std::invalid_argument& e) {
            c.fail(e.what());
        }
        shape = out_shape;
        fused_activation(c, layer, name, product(shape), in_prec);
    }

    void add_pooling(const Ctx& c, const json& layer, const std::string& name, const std::string& cls,
                     std::vector<size_t>& shape, Precision& in_prec) {
        const bool global = cls.rfind("Global", 0) == 0;
        if (global) check_keys(c, layer, {"name", "class", "precision", "reuse_factor"});
        else
            check_keys(c, layer, {"name", "class", "pool_size", "strides", "padding", "precision", "reuse_factor",
                                  "count_pad"});
        const size_t rank = spatial_rank(c, cls, shape);
        PoolingConfig cfg;
        cfg.pool_op = cls.find("Max") != std::string::npos ? PoolOp::Max : PoolOp::Average;
        cfg.one_d = rank == 1;
        cfg.global = global;
        cfg.in_height = rank == 1 ? 1 : shape[0];
        cfg.in_width = shape[rank - 1];
        cfg.n_filt = shape[rank];
        const LayerPrecisions lp = layer_precisions(c, layer, {"accum", "result"});
        cfg.data_t = in_prec;
        cfg.accum_t = lp.get("accum", d_.precision);
        cfg.result_t = lp.get("result", d_.precision);
        cfg.reuse_factor = layer_reuse_factor(c, layer, d_);
        if (global) {
            shape = {cfg.n_filt};
        } else {
            const Window win = window(c, layer, rank, shape, "pool_size", 2, true, "pool");
            cfg.pool_height = win.height;
            cfg.pool_width = win.width;
            set_strides_and_padding(win, cfg);
            if (layer.contains("count_pad")) {
                if (!layer["count_pad"].is_boolean()) c.at("count_pad").fail("expected true or false");
                cfg.count_pad = layer["count_pad"].get<bool>();
            }
            shape = {cfg.out_width(), cfg.n_filt};
            if (rank == 2) shape.insert(shape.begin(), cfg.out_height());
        }
        try {
            push(std::make_unique<PoolingLayer>(name, std::move(cfg)), in_prec);
        } catch (const std::invalid_argument& e) {
            c.fail(e.what());
        }
    }

    void add_zero_padding(const Ctx& c, const json& layer, const std::string& name, const std::string& cls,
                          std::vector<size_t>& shape, Precision& in_prec) {
        check_keys(c, layer, {"name", "class", "padding"});
        const size_t rank = spatial_rank(c, cls, shape);
        ZeroPaddingConfig cfg;
        cfg.one_d = rank == 1;
        cfg.in_height = rank == 1 ? 1 : shape[0];
        cfg.in_width = shape[rank - 1];
        cfg.n_chan = shape[rank];
        cfg.data_t = in_prec;
        // Keras forms: 1D: p or [left, right]; 2D: p, [ph, pw] or [[top, bottom], [left, right]].
        const Ctx cp = c.at("padding");
        const json& p = layer.contains("padding") ? layer["padding"] : json(1);
        auto pad = [&](const Ctx& cc, const json& v) { return static_cast<size_t>(get_int(cc, v, 0, 1 << 20)); };
        std::vector<size_t> v;  // top, bottom, left, right
        if (p.is_number_integer()) {
            const size_t a = pad(cp, p);
            v = {rank == 1 ? 0 : a, rank == 1 ? 0 : a, a, a};
        } else if (p.is_array() && p.size() == 2 && rank == 1) {
            v = {0, 0, pad(cp.at(0), p[0]), pad(cp.at(1), p[1])};
        } else if (p.is_array() && p.size() == 2 && p[0].is_number_integer() && p[1].is_number_integer()) {
            v = {pad(cp.at(0), p[0]), pad(cp.at(0), p[0]), pad(cp.at(1), p[1]), pad(cp.at(1), p[1])};
        } else if (p.is_array() && p.size() == 2 && p[0].is_array() && p[1].is_array() && p[0].size() == 2 &&
                   p[1].size() == 2) {
            v = {pad(cp.at(0).at(0), p[0][0]), pad(cp.at(0).at(1), p[0][1]), pad(cp.at(1).at(0), p[1][0]),
                 pad(cp.at(1).at(1), p[1][1])};
        } else {
            cp.fail(rank == 1 ? "expected an integer or [left, right]"
                              : "expected an integer, [height, width] or [[top, bottom], [left, right]]");
        }
        cfg.pad_top = v[0];
        cfg.pad_bottom = v[1];
        cfg.pad_left = v[2];
        cfg.pad_right = v[3];
        check_tensor_size(cp, {cfg.out_height(), cfg.out_width(), cfg.n_chan}, "output");
        shape = {cfg.out_width(), cfg.n_chan};
        if (rank == 2) shape.insert(shape.begin(), cfg.out_height());
        push(std::make_unique<ZeroPaddingLayer>(name, std::move(cfg)), in_prec);
    }

    void add_activation(const Ctx& c, const json& layer, const std::string& name, const std::string& act, size_t n,
                        Precision& in_prec, bool fused = false) {
        if (act == "softmax") {
            check_keys(c, layer, {"name", "class", "activation", "precision", "reuse_factor", "implementation",
                                  "table_size", "exp_table_size", "inv_table_size", "axis"});
            const LayerPrecisions lp =
                layer_precisions(c, layer, {"result", "accum", "table", "exp_table", "inv_table", "inv_inp"});
            SoftmaxConfig cfg;
            cfg.n_in = n;
            cfg.reuse_factor = layer_reuse_factor(c, layer, d_);
            cfg.data_t = in_prec;
            cfg.result_t = lp.get("result", d_.precision);
            cfg.accum_t = lp.get("accum", d_.precision);
            cfg.table_t = lp.get("table", cfg.table_t);
            cfg.exp_table_t = lp.get("exp_table", cfg.exp_table_t);
            cfg.inv_table_t = lp.get("inv_table", cfg.inv_table_t);
            cfg.inv_inp_t = lp.get("inv_inp", cfg.inv_inp_t);
            if (layer.contains("implementation")) {
                const std::string impl = get_string(c.at("implementation"), layer["implementation"]);
                if (!parse_softmax_impl(impl, cfg.implementation))
                    c.at("implementation").fail(fmt::format("\"{}\": expected stable, latency, legacy or argmax", impl));
            }
            auto table = [&](const char* key, int& field) {
                if (!layer.contains(key)) return;
                field = get_int(c.at(key), layer[key], 2, 1 << 20);
                if ((field & (field - 1)) != 0) c.at(key).fail(fmt::format("{} is not a power of two", field));
            };
            if (layer.contains("table_size")) {
                table("table_size", cfg.table_size);
                cfg.exp_table_size = cfg.inv_table_size = cfg.table_size;
            }
            table("exp_table_size", cfg.exp_table_size);
            table("inv_table_size", cfg.inv_table_size);
            try {
                push(std::make_unique<SoftmaxLayer>(name, std::move(cfg)), in_prec);
            } catch (const std::invalid_argument& e) {
                c.fail(e.what());
            }
            return;
        }
        ActivationConfig cfg;
        double implied_max = 0;
        if (!parse_activation_kind(act, cfg.kind, implied_max))
            c.at(fused ? "activation" : "activation")
                .fail(fmt::format("unknown activation \"{}\" (expected linear, relu, relu1, relu6, leaky_relu, "
                                  "thresholded_relu, binary_tanh, ternary_tanh, hard_sigmoid, hard_tanh, sigmoid, "
                                  "tanh, softplus, softsign, softmax)",
                                  act));
        check_keys(c, layer, {"name", "class", "activation", "precision", "reuse_factor", "table_size", "max_value",
                              "alpha", "theta", "slope", "shift", "negative_slope"});
        const LayerPrecisions lp = layer_precisions(c, layer, {"result", "table", "param", "slope", "shift"});
        cfg.n_in = n;
        cfg.reuse_factor = layer_reuse_factor(c, layer, d_);
        cfg.data_t = in_prec;
        Precision result_default = d_.precision;
        if (cfg.kind == ActivationKind::BinaryTanh) result_default = Precision::integer_of(1, false);
        if (cfg.kind == ActivationKind::TernaryTanh) result_default = Precision::integer_of(2, true);
        cfg.result_t = lp.get("result", result_default);
        cfg.table_t = lp.get("table", cfg.table_t);
        cfg.param_t = lp.get("param", d_.precision);
        cfg.slope_t = lp.get("slope", cfg.slope_t);
        cfg.shift_t = lp.get("shift", cfg.shift_t);
        if (layer.contains("table_size")) cfg.table_size = get_int(c.at("table_size"), layer["table_size"], 2, 1 << 20);
        if (layer.contains("negative_slope") && get_number(c.at("negative_slope"), layer["negative_slope"]) != 0)
            c.at("negative_slope").fail("ReLU with a negative slope: use a LeakyReLU layer");
        if (cfg.kind == ActivationKind::Relu && layer.contains("max_value") && !layer["max_value"].is_null()) {
            cfg.kind = ActivationKind::ReluMax;
            implied_max = get_number(c.at("max_value"), layer["max_value"]);
        }
        if (cfg.kind == ActivationKind::ReluMax) {
            if (layer.contains("max_value")) implied_max = get_number(c.at("max_value"), layer["max_value"]);
            if (implied_max <= 0 || implied_max != std::floor(implied_max))
                c.at("max_value").fail("relu_max needs a positive integer max_value (hls4ml's MAX_INT)");
            cfg.max_value = static_cast<int64_t>(implied_max);
        }
        if (cfg.kind == ActivationKind::LeakyRelu)
            cfg.param = quantize_double(layer.contains("alpha") ? get_number(c.at("alpha"), layer["alpha"]) : 0.3,
                                        cfg.param_t);
        if (cfg.kind == ActivationKind::ThresholdedRelu)
            cfg.param = quantize_double(layer.contains("theta") ? get_number(c.at("theta"), layer["theta"]) : 1.0,
                                        cfg.param_t);
        if (cfg.kind == ActivationKind::HardSigmoid || cfg.kind == ActivationKind::HardTanh) {
            cfg.slope = quantize_double(layer.contains("slope") ? get_number(c.at("slope"), layer["slope"]) : 0.2,
                                        cfg.slope_t);
            cfg.shift = quantize_double(layer.contains("shift") ? get_number(c.at("shift"), layer["shift"]) : 0.5,
                                        cfg.shift_t);
        }
        try {
            push(std::make_unique<ActivationLayer>(name, std::move(cfg)), in_prec);
        } catch (const std::invalid_argument& e) {
            c.fail(e.what());
        }
    }

    Model& m_;
    const Defaults& d_;
    std::set<std::string> names_;
};

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
    for (const std::string& line : {model_keys, std::string("ClockPeriod: 5\nIOType: io_parallel\nHLSConfig:\n  Model:\n"
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
        throw ModelError(fmt::format("{}: cannot open the model file ({})", path,
                                     ec && ec != std::errc::no_such_file_or_directory ? ec.message()
                                                                                         : "missing or not a regular file"));
    std::ifstream f(path, std::ios::binary);
    if (!f) throw ModelError(fmt::format("{}: cannot open the model file", path));
    // Keras' own files given where a model is expected: say what to write instead of "malformed JSON".
    char head[8] = {};
    f.read(head, sizeof head);
    if (f.gcount() == 8 && std::string(head, 8) == "\x89HDF\r\n\x1a\n")
        throw ModelError(fmt::format("{}: an HDF5 file (a Keras .h5?), not a tlm4ml model file; give an hls4ml YAML "
                                     "configuration as MODEL instead:\n{}",
                                     path, yaml_example("KerasModel: " + path)));
    if (f.gcount() >= 4 && std::string(head, 4) == "PK\x03\x04")
        throw ModelError(fmt::format("{}: a zip archive (a Keras 3 .keras?), not a tlm4ml model file; give an hls4ml "
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
            path, j["class_name"].dump().substr(0, 60), yaml_example("KerasJson: " + path + "\nKerasH5: " + keras_weights_guess(path))));
    check_keys(top, j, {"name", "clock_period_ns", "io_type", "strategy", "default_precision", "default_reuse_factor",
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
        if (io == "io_parallel") m.io_type = IoType::Parallel;
        else if (io == "io_stream") m.io_type = IoType::Stream;
        else top.at("io_type").fail(fmt::format("\"{}\": expected io_parallel or io_stream", io));
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
        ci.at("name").fail(fmt::format("\"{}\" is not a valid input name (letters, digits and _, not starting with a "
                                       "digit)",
                                       m.input_name));
    const json& shape = require(ci, in, "shape");
    if (!shape.is_array() || shape.empty()) ci.at("shape").fail("expected a non-empty array of sizes");
    for (size_t i = 0; i < shape.size(); ++i)
        m.input_shape.push_back(static_cast<size_t>(get_int(ci.at("shape").at(i), shape[i], 1, 1 << 24)));
    check_tensor_size(ci.at("shape"), m.input_shape, "input");
    m.input_precision = in.contains("precision") ? get_precision(ci.at("precision"), in["precision"]) : m.default_precision;

    const json& layers = require(top, j, "layers");
    if (!layers.is_array()) top.at("layers").fail("expected an array of layers");
    const Defaults d{m.default_precision, m.default_reuse_factor, m.strategy};
    Builder b(m, d);

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
    std::vector<std::vector<size_t>> graph;    // per computing layer, its producers
    std::vector<std::string> layer_path;       // per computing layer, where the file declares it
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
                    cin.at(k).fail(fmt::format("\"{}\" is declared later (layers[{}]): a layer's inputs must come before "
                                               "it (a forward reference or a cycle)",
                                               src, later->second));
                std::string known;
                for (const auto& [n, t] : tensors) known += (known.empty() ? "" : ", ") + n;
                cin.at(k).fail(fmt::format("unknown input \"{}\" (expected the model input or an earlier layer: {})",
                                           src, known));
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
                const Builder::Operand a{ins[0].first, ins[0].second.shape, ins[0].second.precision};
                const Builder::Operand bb{ins[1].first, ins[1].second.shape, ins[1].second.precision};
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
