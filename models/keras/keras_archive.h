// Keras 3 saves a model as one `.keras` file: a zip archive holding config.json (the architecture, the
// same layer configs as a Keras 2 model_config), metadata.json and model.weights.h5 (the weights, grouped
// per layer object rather than per layer name). This reads those members with libzip.
#pragma once

#include <string>
#include <vector>

namespace tlm4ml {

struct KerasArchive {
    std::string path;
    std::string config_json;             // config.json
    std::string metadata_json;           // metadata.json ("" when absent)
    std::vector<unsigned char> weights;  // model.weights.h5, the file's bytes
};

// Throws ModelError naming the archive and the member on a missing file, a broken archive or a missing
// member.
KerasArchive read_keras_archive(const std::string& path);

// The name Keras 3 gives a layer's weight group in model.weights.h5: the snake_case form of its class name
// ("QDense" -> "q_dense", "Conv2D" -> "conv2d", "BatchNormalization" -> "batch_normalization"), with "_1",
// "_2", ... for the second, third, ... layer of the same class in model order.
std::string keras3_snake_case(const std::string& class_name);

}  // namespace tlm4ml
