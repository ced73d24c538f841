// A Keras model's weights, layer by layer, from its HDF5 file: Keras 2's groups named after the layers (at
// the root of a weights file, under /model_weights in an all-in-one .h5) with their weight_names attribute,
// or Keras 3's model.weights.h5, whose groups are numbered per class (/layers/<snake_case class>[_k]) and hold
// the variables in creation order (vars/0, vars/1, ...). Every value must be finite. Throws ModelError
// naming the HDF5 file, the layer and the dataset.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "models/keras/hdf5_reader.h"
#include "models/keras/keras_graph.h"

namespace tlm4ml {

struct KerasWeights {
    const H5Reader* h5 = nullptr;
    std::string base;  // Keras 2: "" (root) or "/model_weights"
    // Keras 3: each layer's group by layer name (empty for Keras 2 files).
    std::map<std::string, std::string> keras3_groups;
};

// Keras 3's group of each layer of the graph: Keras numbers them per class in the model's layer order
// (config.json's "layers" list; Functional.get_config writes self.operations, the order the weights file
// uses too).
std::map<std::string, std::string> keras3_weight_groups(const KerasGraph& g);

// The weights of one Keras layer by short name (kernel, bias, gamma, beta, moving_mean, moving_variance).
std::map<std::string, H5Array> layer_weights(const KerasWeights& s, const KerasLayer& l);

// One of them, checked against the shape the layer's configuration implies.
const H5Array& need(const KerasWeights& s, const KerasLayer& l, const std::map<std::string, H5Array>& w,
                    const std::string& key, const std::vector<size_t>& shape);

}  // namespace tlm4ml
