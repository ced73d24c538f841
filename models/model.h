// A validated network: the input description and the layers in order, weights already quantized.
// Built from tlm4ml's JSON model file (models/model_file/); everything is checked before anything runs.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "layers/arithmetic/layer.h"

namespace tlm4ml {

struct ForwardPlan;  // layers/arithmetic/forward_plan.h

// Bad input: the message names the file, the JSON path (layers[3].precision.accum) and what was expected.
class ModelError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Throws ModelError("<where>: <what>"); `where` names the file and the field or layer.
[[noreturn]] void fail_at(const std::string& where, const std::string& what);

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
    // The graph. File order is a topological order and the network's output is the last layer's. inputs[i]
    // lists where layer i's inputs come from, in order: kModelInput or the index of an earlier layer. An
    // empty `inputs` (every importer's chain) or an empty entry means "the previous layer" (the model input
    // for layer 0). Insert layers with insert_layer(), which keeps the indices right.
    static constexpr size_t kModelInput = SIZE_MAX;
    std::vector<std::vector<size_t>> inputs;
    // io_stream FIFO depths (words): a layer's "fifo_depth" for its output FIFO, else the top-level
    // "default_fifo_depth", else 0 = hls4ml's conservative default, one slot per word of the tensor.
    size_t default_fifo_depth = 0;
    std::map<std::string, size_t> fifo_depths;
    std::vector<std::string> warnings;  // e.g. reuse factors replaced by the closest valid one
    // From an hls4ml YAML configuration (models/load_model.cpp), or a model file's "backend", "part",
    // "clock_uncertainty", "input_data", "output_predictions" (which `import` writes); empty / unset otherwise.
    std::string input_data_path;          // InputData: the testbench's inputs, resolved against the YAML's folder
    std::string output_predictions_path;  // OutputPredictions: the expected outputs, likewise
    std::string backend;                  // "Vivado", "VivadoAccelerator" or "Vitis" (Backend), "" when not given
    std::string backend_origin;           // where `backend` comes from, for messages ("Backend in cfg.yml")
    std::string part;                     // Part: the FPGA device, for the resources as % of its capacity
    std::optional<double> clock_uncertainty;  // ClockUncertainty as a share of the clock period
    // forward()'s plan for a chain (fused steps, buffer sizes), made on first use; it knows the layers it was
    // made for and forward() makes a new one when they change. Not safe to share between threads.
    mutable std::shared_ptr<const ForwardPlan> forward_plan;

    size_t input_size() const;
    // Layer i's producers (resolved, never empty). Throws std::logic_error if `inputs` is out of step.
    std::vector<size_t> inputs_of(size_t i) const;
    // Who reads producer p's output (kModelInput or a layer index): (layer, input slot) in file order.
    std::vector<std::pair<size_t, size_t>> consumers_of(size_t p) const;
    // The model input's name or the layer's name.
    const std::string& producer_name(size_t p) const { return p == kModelInput ? input_name : layers[p]->name(); }
    bool is_chain() const;
    // Inserts `layer` before layers[at]: it takes over that layer's inputs and feeds it (e.g. the ZeroPadding
    // hls4ml puts before an io_stream 'same' convolution); later indices shift by one.
    void insert_layer(size_t at, LayerPtr layer);
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

// hls4ml's Clone layer (io_stream fan-out, optimizer pass clone.py): "clone_<producer>" writes every word to
// the outputs "<producer>_cpy1", "_cpy2", ... (one per consumer, in file order).
std::string clone_name(const std::string& producer);
std::string clone_output_name(const std::string& producer, size_t k);  // k from 0
// Every io_stream FIFO's name (the keys of "fifo_depth(s)" and --fifo-depths files), in network order.
std::vector<std::string> fifo_names(const Model& m);

// hls4ml's rule for a Dense reuse factor (Vivado backend _validate_reuse_factor).
bool is_valid_reuse_factor(size_t n_in, size_t n_out, int rf);
// The closest valid reuse factor (ties go to the smaller one).
int closest_valid_reuse_factor(size_t n_in, size_t n_out, int rf);

}  // namespace tlm4ml
