// QKeras quantizers as hls4ml sees them (HLS4ML_SEMANTICS.md §2, §3.3): parsing a quantizer from a Keras
// layer configuration (a {"class_name", "config"} object or a string such as "quantized_relu(3,1)"), the
// values QKeras gives a weight (what hls4ml writes into the firmware), and the hls4ml types:
//   * weights/biases (hls4ml QKerasQuantizer): quantized_bits(b, i) -> ap_fixed<b, i+1> (ap_int<b> when
//     b == i), quantized_po2(b) -> the exponent type ap_int<b> with weight_exponential products,
//     binary -> ap_uint<1> (XNOR, stored as -1/+1), ternary -> ap_int<2>;
//   * activations (utils/config.py _get_precision_from_quantizer): AP_RND_CONV + AP_SAT, quantized_relu
//     unsigned: quantized_relu(b, i) -> ap_ufixed<b, i, AP_RND_CONV, AP_SAT>, quantized_bits(b, i) ->
//     ap_fixed<b, i+1, AP_RND_CONV, AP_SAT>.
// Unsupported settings (alpha other than 1/None, stochastic rounding, quadratic approximation, ...) throw
// ModelError naming the quantizer.
//
// QBatchNormalization's gamma/beta/mean/variance quantizers (parse_batchnorm_quantizers) are read with
// QKeras' defaults and evaluated as QKeras does when it predicts, so that the importer can say what hls4ml
// leaves out: hls4ml folds the unquantized parameters (see models/keras/convert_batchnorm.cpp).
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace tlm4ml {

struct QuantizerSpec {
    std::string cls;  // quantized_bits, quantized_po2, quantized_relu, binary, ternary, or a plain activation
    int bits = 0;
    int integer = 0;
    bool symmetric = false;
    bool keep_negative = true;
    std::optional<double> max_value;       // quantized_po2, quantized_relu_po2
    std::optional<double> threshold;       // ternary
    bool quadratic_approximation = false;  // po2 quantizers: even exponents only (QBatchNormalization only)
    double negative_slope = 0;             // quantized_relu_po2 (a power of 2, or 0)
    bool plain = false;                    // not a quantizer: a Keras activation name ("relu", "softmax", ...)
    std::string text() const;
};

// `where` prefixes messages. Accepts a JSON object {"class_name", "config"} or a string.
QuantizerSpec parse_quantizer(const nlohmann::json& q, const std::string& where);

// QKeras' value for x (float32 arithmetic as in QKeras where it matters).
double qkeras_quantize(const QuantizerSpec& q, double x);

// quantized_po2 / quantized_relu_po2: the exponent range QKeras allows, [min_exp, max_exp] (with quadratic
// approximation: the range of half the exponent, which QKeras doubles).
std::pair<int, int> po2_exponent_range(const QuantizerSpec& q);

// A QBatchNormalization's parameter quantizers. A null (or absent) entry takes QKeras' default, as
// QBatchNormalization's constructor does: gamma quantized_relu_po2(6, 2048), variance
// quantized_relu_po2(6, quadratic_approximation=True), beta quantized_po2(5), mean none. Supported classes:
// quantized_bits, quantized_po2, quantized_relu_po2; anything else throws ModelError naming the parameter.
struct BatchNormQuantizers {
    std::optional<QuantizerSpec> gamma, beta, mean, variance;
};
BatchNormQuantizers parse_batchnorm_quantizers(const nlohmann::json& layer_config, const std::string& where);

// The hls4ml type of weights quantized by q (po2: the exponent's type).
std::string weight_precision(const QuantizerSpec& q, const std::string& where);
// The hls4ml result type of a QActivation with quantizer q ("" for a plain activation).
std::string activation_precision(const QuantizerSpec& q, const std::string& where);

}  // namespace tlm4ml
