// The per-class converters: each Keras layer of a connected KerasGraph becomes the model-file layers hls4ml's
// converter and default flow would give it, with the types and settings of the hls4ml configuration and the
// weights the firmware holds (models/keras/firmware_values.h). One file per family:
//   layer_converters.cpp    the walk over the layers, the dispatch by class, the configuration look-ups;
//   convert_core.cpp        Dense / BinaryDense / TernaryDense / QDense (fixed-point and QKeras weights), Reshape;
//   convert_conv.cpp        Conv1D/2D and QConv1D/2D, pooling, ZeroPadding;
//   convert_activation.cpp  Activation, ReLU, LeakyReLU, Softmax, QActivation, linear activations;
//   convert_merge.cpp       Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate;
//   convert_batchnorm.cpp   (Q)BatchNormalization: folded, fused into the Dense / Conv before it, or merged
//                           with a binary / ternary tanh.
// hls4ml's optimizer passes the conversion applies on the way are in models/passes/ (bn_fuse, bn_quant, linear).
// Throws ModelError naming the file and the layer.
#pragma once

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/hls4ml/hls4ml_config.h"
#include "models/keras/keras_graph.h"
#include "models/keras/keras_weights.h"
#include "models/keras/qkeras.h"
#include "rtl_models/precision.h"

namespace tlm4ml {

class LayerConverters {
public:
    // `model_precision`: the configuration's model default (explicit); `input_precision`: the input's type.
    LayerConverters(const Hls4mlConfig& cfg, const KerasWeights& weights, std::vector<std::string>& warnings,
                    const std::string& model_precision, const KerasInput& input, const std::string& input_precision);

    // The model file's "layers", in network order, for a graph connect_layers has connected.
    nlohmann::json convert(const KerasGraph& g);

    // Every hls4ml layer name the conversion met (lower-cased, as hls4ml matches LayerName entries).
    const std::set<std::string>& known_names() const { return known_names_; }

private:
    // The tensor holding a Keras layer's output: the emitted layer (or model input) that computes it.
    struct Tensor {
        std::string name;
        std::vector<size_t> shape;
        bool bnqt = false;  // computed by a merged BatchNormalization + binary/ternary tanh (bnbt_)
        bool bnqt_ternary = false;
    };

    // Dense / Conv weights before the firmware's quantization, by emitted layer name: what hls4ml's
    // FuseBatchNormalization multiplies (models/passes/bn_fuse.h).
    struct RawWeights {
        std::vector<double> kernel, bias;  // bias empty: no bias
        std::vector<size_t> kernel_shape;
        Precision wt, bt;
        std::optional<QuantizerSpec> kq, bq;
        bool binary = false, po2 = false;
    };

    // layer_converters.cpp
    void add(const KerasGraph& g, size_t i);
    std::string prec(const std::string& name, const std::vector<std::string>& classes, const std::string& var,
                     const std::string& fallback, Precision* parsed = nullptr);
    void common(nlohmann::json& l, const std::string& name, const std::vector<std::string>& classes);
    int to_int(const std::string& name, const char* key, const std::string& v);
    std::string table_precision(const std::string& name, const std::vector<std::string>& classes,
                                const std::string& var);

    // convert_core.cpp
    void add_reshape(const KerasLayer& l);
    void add_dense(const KerasLayer& l);
    void add_fixed_weights(const KerasLayer& l, const std::vector<std::string>& classes,
                           const std::map<std::string, H5Array>& w, const H5Array& kernel,
                           const std::vector<size_t>& kernel_shape, bool use_bias, nlohmann::json& d,
                           nlohmann::json& p);
    void add_qdense_weights(const KerasLayer& l, const std::vector<std::string>& classes,
                            const std::map<std::string, H5Array>& w, const H5Array& kernel, size_t n_in, size_t n_out,
                            bool use_bias, nlohmann::json& d, nlohmann::json& p,
                            const std::vector<size_t>& kernel_shape = {});

    // convert_conv.cpp
    std::vector<size_t> tuple(const KerasLayer& l, const char* key, size_t rank,
                              std::optional<std::vector<size_t>> dflt);
    size_t spatial_rank(const KerasLayer& l);
    size_t keras_out(const KerasLayer& l, const std::string& padding, size_t in, size_t k, size_t s);
    void add_conv(const KerasLayer& l);
    void add_pooling(const KerasLayer& l);
    void add_zero_padding(const KerasLayer& l);

    // convert_activation.cpp
    void add_activation_layer(const KerasLayer& l);
    void add_qactivation(const KerasLayer& l, const std::string& name, const QuantizerSpec& q);
    void add_linear_activation(const KerasLayer& l, const std::string& name, const std::string& producer);
    void add_activation(const KerasLayer& l, const std::string& name, const std::string& act,
                        const nlohmann::json& extra);

    // convert_merge.cpp
    void add_merge(const KerasLayer& l, const std::vector<Tensor>& ins);

    // convert_batchnorm.cpp
    void add_batchnorm_layer(const KerasGraph& g, size_t i);
    std::string quantized_tanh(const KerasLayer& l, double& ternary_threshold);
    std::string fusable_parent(const KerasGraph& g, size_t bn);
    void fuse_batchnorm(const KerasLayer& l, const std::string& parent, const std::vector<float>& scale,
                        const std::vector<float>& bias);
    bool add_batchnorm(const KerasLayer& l, bool binary, bool ternary, double ternary_threshold,
                       const std::string& fuse_parent);

    const Hls4mlConfig& cfg_;
    const KerasWeights& weights_;
    std::vector<std::string>& warnings_;
    std::string file_;  // the architecture's, for messages about the whole model
    std::vector<size_t> shape_;
    nlohmann::json out_;
    bool prev_bnqt_ = false;
    bool prev_bnqt_ternary_ = false;
    std::set<std::string> known_names_;
    std::map<std::string, Tensor> tensors_;  // Keras layer (or model input) name -> its output
    std::vector<bool> absorbed_;             // layers merged into an earlier one (bnbt_)
    std::vector<size_t> absorbed_now_;       // those merged by the layer being converted
    std::string model_prec_;
    std::string input_name_, input_prec_;
    size_t first_layer_ = 0;
    std::map<std::string, RawWeights> raw_weights_;
};

// Small helpers the converters share.
inline size_t element_count(const std::vector<size_t>& s) {
    size_t n = 1;
    for (size_t d : s) n *= d;
    return n;
}

inline std::string lower_case(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

}  // namespace tlm4ml
