#include "models/model_file/fields.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>

#include "models/npy.h"
#include "rtl_models/packed_bits.h"
#include "rtl_models/quantize.h"

namespace tlm4ml::model_file {

namespace {

// Larger than any tensor of an FPGA design (2^28 values of 16 bits are 512 MB), small enough that every
// product of sizes below stays far from 64 bits and no allocation follows from a few bytes of JSON.
constexpr uint64_t kMaxTensorElements = uint64_t{1} << 28;

void flatten(const Ctx& c, const json& v, size_t depth, Tensor& t) {
    if (v.is_array()) {
        if (t.shape.size() <= depth) {
            if (!t.values.empty()) c.fail("ragged array: an array where a number was expected");
            t.shape.push_back(v.size());
        } else if (t.shape[depth] != v.size())
            c.fail(
                fmt::format("ragged array: expected {} elements at depth {}, got {}", t.shape[depth], depth, v.size()));
        for (size_t i = 0; i < v.size(); ++i) flatten(c.at(i), v[i], depth + 1, t);
    } else {
        if (depth != t.shape.size()) c.fail("ragged array: a number where an array was expected");
        if (v.is_null()) c.fail("expected a finite number, got null (NaN is not allowed)");
        t.values.push_back(get_number(c, v));
    }
}

}  // namespace

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
            if (!std::isfinite(a.values[i]))
                c.at("file").fail(fmt::format("{}: element {} is not finite", p.string(), i));
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

void check_tensor_size(const Ctx& c, const std::vector<size_t>& shape, const char* what) {
    uint64_t n = 1;
    for (size_t d : shape) {
        if (d != 0 && n > kMaxTensorElements / d)
            c.fail(fmt::format("the {} shape {} has more than {} elements (2^28), far beyond an FPGA design", what,
                               shape_str(shape), kMaxTensorElements));
        n *= d;
    }
}

std::vector<int64_t> quantize_tensor(const Ctx& c, const Tensor& t, const Precision& p, bool is_weight) {
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

Strategy parse_strategy(const Ctx& c, const json& v) {
    std::string s = get_string(c, v);
    std::transform(s.begin(), s.end(), s.begin(), ::tolower);
    if (s == "latency") return Strategy::Latency;
    if (s == "resource") return Strategy::Resource;
    c.fail(fmt::format("unknown strategy \"{}\" (expected Latency or Resource)", v.get<std::string>()));
}

Precision LayerPrecisions::get(const char* key, const Precision& fallback, bool* given) const {
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

}  // namespace tlm4ml::model_file
