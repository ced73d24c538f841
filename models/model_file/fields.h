// The field readers of tlm4ml's JSON model file, shared by the top level and every layer builder: where we
// are in the file (Ctx, for messages naming the file and the JSON path), typed fields (strings, numbers,
// bounded integers, precisions, strategies), unknown-key checks, tensors (inline nested arrays or .npy side
// files) and their quantization, and a layer's "precision" / "reuse_factor". Every reader throws ModelError
// "<file>: <path>: <what was expected>".
#pragma once

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "layers/arithmetic/layer.h"
#include "models/model.h"
#include "rtl_models/precision.h"

namespace tlm4ml::model_file {

using nlohmann::json;

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

const json& require(const Ctx& c, const json& obj, const char* key);
std::string get_string(const Ctx& c, const json& v);
double get_number(const Ctx& c, const json& v);
int get_int(const Ctx& c, const json& v, int lo, int hi);
Precision get_precision(const Ctx& c, const json& v);
Strategy parse_strategy(const Ctx& c, const json& v);
void check_keys(const Ctx& c, const json& obj, const std::set<std::string>& allowed);

// A numeric tensor given inline (nested arrays, flattened in C order) or as {"file": "x.npy"}.
struct Tensor {
    std::vector<size_t> shape;
    std::vector<double> values;
};
Tensor get_tensor(const Ctx& c, const json& v);

// Layer and input names become trace file names and VCD scopes: identifiers.
bool valid_name(const std::string& n);
size_t product(const std::vector<size_t>& s);
std::string shape_str(const std::vector<size_t>& s);

// Refuses a tensor (`what`: "output", "kernel", ...) whose element count overflows or passes the bound.
void check_tensor_size(const Ctx& c, const std::vector<size_t>& shape, const char* what);

// Quantizes a real tensor into a type. Binary weights must be -1/+1 and ternary -1/0/+1: tlm4ml's own
// model file carries the values the firmware holds; importers do the binarization.
std::vector<int64_t> quantize_tensor(const Ctx& c, const Tensor& t, const Precision& p, bool is_weight = false);

// The model's defaults, which a layer's own fields override.
struct Defaults {
    Precision precision;
    int reuse_factor;
    Strategy strategy;
};

// The per-layer "precision": a string (every type) or an object of named types.
struct LayerPrecisions {
    const Ctx* ctx = nullptr;
    const json* obj = nullptr;
    Precision all;
    bool has_all = false;

    Precision get(const char* key, const Precision& fallback, bool* given = nullptr) const;
};

// `keys`: the named types the layer class takes.
LayerPrecisions layer_precisions(const Ctx& c, const json& layer, const std::set<std::string>& keys);
int layer_reuse_factor(const Ctx& c, const json& layer, const Defaults& d);

}  // namespace tlm4ml::model_file
