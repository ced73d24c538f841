// The layer builders of tlm4ml's JSON model file: one "layers" entry checked field by field and turned into
// the arithmetic layer(s) it describes (a Dense / Conv with an "activation" adds "<name>_<activation>"). One
// file per family:
//   layer_builder.cpp     the dispatch by class, names, Flatten / Reshape / Dropout, fused activations;
//   build_dense.cpp       Dense, BinaryDense, TernaryDense, QDense (fixed, XNOR, ternary, po2 weights);
//   build_conv.cpp        Conv1D/2D, Max/AveragePooling1D/2D, the global poolings, ZeroPadding1D/2D;
//   build_activation.cpp  Activation, ReLU, LeakyReLU, ThresholdedReLU, Softmax;
//   build_batchnorm.cpp   BatchNormalization, BatchNormalizationQuantizedTanh;
//   build_merge.cpp       Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate.
// Errors name the file and the JSON path (models/model_file/fields.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "layers/arithmetic/merge.h"
#include "layers/arithmetic/quantized_tanh.h"
#include "models/model.h"
#include "models/model_file/fields.h"

namespace tlm4ml::model_file {

class LayerBuilder {
public:
    LayerBuilder(Model& m, const Defaults& d) : m_(m), d_(d) {}

    // The second input of a merge layer (the first is `shape` / `in_prec`).
    struct Operand {
        std::string name;
        std::vector<size_t> shape;
        Precision precision;
    };

    // Appends the layer(s) of one "layers" entry to the model. `shape` and `in_prec` are the input's on entry
    // and the output's on return.
    void add(const Ctx& c, const json& layer, std::vector<size_t>& shape, Precision& in_prec,
             const Operand* first = nullptr, const Operand* second = nullptr);

private:
    // A window sliding over the spatial axes (a conv kernel or a pool): size, strides and Keras padding.
    struct Window {
        size_t height = 1, width = 0, stride_height = 1, stride_width = 1;
        size_t pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;
    };

    // layer_builder.cpp
    void push(LayerPtr l, Precision& in_prec);
    void fused_activation(const Ctx& c, const json& layer, const std::string& name, size_t n_out, Precision& in_prec);
    void add_reshape(const Ctx& c, const json& layer, std::vector<size_t>& shape);

    // build_dense.cpp
    void add_dense(const Ctx& c, const json& layer, const std::string& name, std::vector<size_t>& shape,
                   Precision& in_prec);

    // build_conv.cpp
    std::vector<size_t> spatial_ints(const Ctx& c, const json& v, size_t rank, const char* what);
    size_t spatial_rank(const Ctx& c, const std::string& cls, const std::vector<size_t>& shape);
    std::string padding_mode(const Ctx& c, const json& layer);
    Window window(const Ctx& c, const json& layer, size_t rank, const std::vector<size_t>& shape, const char* size_key,
                  size_t default_size, bool strides_default_to_size, const char* what);
    void add_conv(const Ctx& c, const json& layer, const std::string& name, const std::string& cls,
                  std::vector<size_t>& shape, Precision& in_prec);
    void add_pooling(const Ctx& c, const json& layer, const std::string& name, const std::string& cls,
                     std::vector<size_t>& shape, Precision& in_prec);
    void add_zero_padding(const Ctx& c, const json& layer, const std::string& name, const std::string& cls,
                          std::vector<size_t>& shape, Precision& in_prec);

    // build_activation.cpp
    void add_activation_class(const Ctx& c, const json& layer, const std::string& name, const std::string& cls,
                              size_t n, Precision& in_prec);
    void add_activation(const Ctx& c, const json& layer, const std::string& name, const std::string& act, size_t n,
                        Precision& in_prec, bool fused = false);

    // build_batchnorm.cpp
    void add_batchnorm(const Ctx& c, const json& layer, const std::string& name, const std::vector<size_t>& shape,
                       Precision& in_prec);
    void add_quantized_tanh(const Ctx& c, const json& layer, const std::string& name, const std::vector<size_t>& shape,
                            Precision& in_prec);
    std::vector<int64_t> channel_tensor(const Ctx& c, const json& v, size_t nf, const Precision& p);
    std::vector<int64_t> threshold_tensor(const Ctx& c, const json& v, const QuantizedTanhConfig& cfg);

    // build_merge.cpp
    void add_merge(const Ctx& c, const json& layer, const std::string& name, MergeOp op, const Operand& a,
                   const Operand& b, std::vector<size_t>& shape, Precision& in_prec);

    Model& m_;
    const Defaults& d_;
    std::set<std::string> names_;
};

}  // namespace tlm4ml::model_file
