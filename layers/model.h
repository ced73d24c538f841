// A validated network: the input description and the layers in order, weights already quantized.
// Built from tlm4ml's JSON model file (model_file.cpp); everything is checked before anything runs.
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "layer.h"

namespace tlm4ml {

// Bad input: the message names the file, the JSON path (layers[3].precision.accum) and what was expected.
class ModelError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct Model {
    std::string name;
    std::string source_file;
    double clock_period_ns = 5.0;
    IoType io_type = IoType::Parallel;
    Strategy strategy = Strategy::Latency;
    Precision default_precision = Precision::fixed(16, 6);
    int default_reuse_factor = 1;
    std::string input_name = "input_1";
    std::vector<size_t> input_shape;
    Precision input_precision = Precision::fixed(16, 6);
    std::vector<LayerPtr> layers;
    // io_stream FIFO depths (words): a layer's "fifo_depth" for its output FIFO, else the top-level
    // "default_fifo_depth", else 0 = hls4ml's conservative default, one slot per word of the tensor.
    size_t default_fifo_depth = 0;
    std::map<std::string, size_t> fifo_depths;
    std::vector<std::string> warnings;  // e.g. reuse factors replaced by the closest valid one

    size_t input_size() const;
    size_t output_size() const { return layers.empty() ? input_size() : layers.back()->n_out(); }
    const Precision& output_precision() const {
        return layers.empty() ? input_precision : layers.back()->output_precision();
    }
};

// Reads and validates a model file. Throws ModelError.
Model load_model_file(const std::string& path);
// The same from an already parsed document (e.g. one an importer built); `path` names it in messages and
// relative .npy paths resolve against base_dir.
Model load_model_json(const nlohmann::json& j, const std::string& path, const std::string& base_dir);

// hls4ml's rule for a Dense reuse factor (Vivado backend _validate_reuse_factor).
bool is_valid_reuse_factor(size_t n_in, size_t n_out, int rf);
// The closest valid reuse factor (ties go to the smaller one).
int closest_valid_reuse_factor(size_t n_in, size_t n_out, int rf);

}  // namespace tlm4ml
