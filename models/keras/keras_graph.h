// The Keras model as its architecture JSON describes it (Sequential, or functional with Keras 2's or Keras 3's
// "inbound_nodes"): the layers in file order, what each one reads, the model's input and output, and who
// reads each layer's output. What tlm4ml cannot build -- several inputs or outputs, shared layers, tensor
// indices other than 0, unknown classes -- is refused naming the file and the layer. Throws ModelError.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tlm4ml {

struct KerasLayer {
    std::string cls;
    std::string name;
    nlohmann::json config;
    std::string where;  // "<file>: layer \"<name>\" (class <cls>)", for messages
    // The layers (or the model input) whose outputs this layer reads, in call order. Filled from
    // "inbound_nodes" in a functional model (`explicit_inbound`); connect_layers fills the others with the
    // previous layer, as in a Sequential model.
    std::vector<std::string> inbound;
    bool explicit_inbound = false;
};

// The model input: an InputLayer, or (Sequential) the first layer's batch_input_shape, which hls4ml names
// "<first layer>_input".
struct KerasInput {
    std::string name;
    std::vector<size_t> shape;
    size_t first_layer = 0;  // the first layer that computes (1 after an InputLayer)
};

struct KerasGraph {
    std::string file;  // where the architecture came from
    std::vector<KerasLayer> layers;
    bool functional = false;
    std::string input;   // functional: the InputLayer named by "input_layers" ("" when absent)
    std::string output;  // functional: the layer named by "output_layers" ("" when absent: the last layer)
    // After connect_layers: per layer, the layers reading its output; the output layer's name.
    std::vector<std::vector<size_t>> consumers;
    std::string output_name;
};

// Reads the layer list and checks every class is one the importer converts.
KerasGraph parse_architecture(const nlohmann::json& arch, const std::string& file);

// The model's input layer and shape.
KerasInput model_input(const KerasGraph& g);

// Resolves every layer's inbound layers (a Sequential model's and a functional chain's: the previous layer),
// checks the graph (inputs earlier in the file, two inputs for a merge and one for anything else, every
// output read) and records who reads what.
void connect_layers(KerasGraph& g, const KerasInput& input);

// The layers reading layer i's output, looking through Dropouts (hls4ml drops them when it parses).
void readers_through_dropout(const KerasGraph& g, size_t i, std::vector<size_t>& out);

// Add, Subtract, Multiply, Average, Maximum, Minimum (hls4ml's Merge) and Concatenate: the two-input layers.
bool is_merge_class(const std::string& cls);
// The Keras classes the importer converts, comma-separated, for messages.
std::string supported_classes();
// "a", "b", ... for messages.
std::string quoted_list(const std::vector<std::string>& names);

}  // namespace tlm4ml
