#include "layers/arithmetic/activation.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "rtl_models/fixed_math.h"
#include "rtl_models/quantize.h"

namespace tlm4ml {

namespace {
struct KindName {
    ActivationKind kind;
    const char* name;
};
constexpr KindName kKinds[] = {
    {ActivationKind::Linear, "linear"},         {ActivationKind::Relu, "relu"},
    {ActivationKind::ReluMax, "relu_max"},      {ActivationKind::LeakyRelu, "leaky_relu"},
    {ActivationKind::ThresholdedRelu, "thresholded_relu"},
    {ActivationKind::BinaryTanh, "binary_tanh"}, {ActivationKind::TernaryTanh, "ternary_tanh"},
    {ActivationKind::HardSigmoid, "hard_sigmoid"}, {ActivationKind::HardTanh, "hard_tanh"},
    {ActivationKind::Sigmoid, "sigmoid"},       {ActivationKind::Tanh, "tanh"},
    {ActivationKind::Softplus, "softplus"},     {ActivationKind::Softsign, "softsign"},
};

// The table functions exactly as hls4ml evaluates them: float arguments, float math.
float table_function(ActivationKind k, float x) {
    switch (k) {
        case ActivationKind::Sigmoid: return static_cast<float>(1.0 / (1.0f + std::exp(-x)));
        case ActivationKind::Tanh: return std::tanh(x);
        case ActivationKind::Softplus: return static_cast<float>(std::log(static_cast<double>(std::exp(x)) + 1.));
        case ActivationKind::Softsign: return static_cast<float>(x / (static_cast<double>(std::fabs(x)) + 1.));
        default: return 0.0f;
    }
}
}  // namespace

bool parse_activation_kind(const std::string& name, ActivationKind& kind, double& implied_max) {
    implied_max = 0;
    if (name == "relu1" || name == "relu6") {
        kind = ActivationKind::ReluMax;
        implied_max = name == "relu1" ? 1 : 6;
        return true;
    }
    std::string n = name;
    if (n == "LeakyReLU") n = "leaky_relu";
    if (n == "ThresholdedReLU") n = "thresholded_relu";
    if (n == "binary") n = "binary_tanh";
    if (n == "ternary") n = "ternary_tanh";
    for (const auto& k : kKinds)
        if (n == k.name) {
            kind = k.kind;
            return true;
        }
    return false;
}

const char* to_string(ActivationKind k) {
    for (const auto& e : kKinds)
        if (e.kind == k) return e.name;
    return "?";
}

bool uses_table(ActivationKind k) {
    return k == ActivationKind::Sigmoid || k == ActivationKind::Tanh || k == ActivationKind::Softplus ||
           k == ActivationKind::Softsign;
}

ActivationLayer::ActivationLayer(std::string name, ActivationConfig cfg)
    : Layer(std::move(name), "Activation", cfg.n_in, cfg.n_in, cfg.data_t, cfg.result_t, cfg.reuse_factor),
      cfg_(std::move(cfg)) {
    if (uses_table(cfg_.kind)) {
        if (cfg_.table_size < 2) throw std::invalid_argument(fmt::format("{}: table_size must be >= 2", name_));
        table_range_ = cfg_.kind == ActivationKind::Tanh ? 8 : 16;
        const int n = cfg_.table_size;
        table_.resize(n);
        for (int i = 0; i < n; ++i) {
            // hls4ml: in_val = 2 * (range/2) * (i - N/2.0) / N, evaluated in double and stored as float.
            const float in_val = static_cast<float>(2 * (table_range_ / 2.0) * (i - float(n) / 2.0) / float(n));
            table_[i] = quantize_double(table_function(cfg_.kind, in_val), cfg_.table_t);
        }
    }
    if (cfg_.kind == ActivationKind::BinaryTanh && is_xnor_type(cfg_.result_t)) packed_out_ = Packing::Binary;
}

int ActivationLayer::table_index(int64_t x) const {
    // int(x * N / range): the exact quotient truncated toward zero (ap_fixed division, then to_int).
    const int f = cfg_.data_t.frac();
    int128 num = int128{x} * cfg_.table_size;
    int128 den = table_range_;
    if (f >= 0) den <<= f; else num <<= -f;
    const int128 q = num / den;
    int128 index = q + (table_range_ / 2) * cfg_.table_size / table_range_;
    if (index < 0) index = 0;
    if (index > cfg_.table_size - 1) index = cfg_.table_size - 1;
    return static_cast<int>(index);
}

int64_t ActivationLayer::activate(int64_t x) const {
    const Precision& in = cfg_.data_t;
    const Precision& out = cfg_.result_t;
    const int f = in.frac();
    switch (cfg_.kind) {
        case ActivationKind::Linear: return quantize(x, f, out);
        case ActivationKind::Relu: return quantize(x > 0 ? x : 0, f, out);
        case ActivationKind::ReluMax: {
            if (x < 0) return quantize(0, 0, out);
            const ExactValue v{x, f}, m{cfg_.max_value, 0};
            if (exact_sub(v, m).raw > 0) return quantize(cfg_.max_value, 0, out);
            return quantize(x, f, out);
        }
        case ActivationKind::LeakyRelu:
            if (x > 0) return quantize(x, f, out);
            return cast(exact_mul({cfg_.param, cfg_.param_t.frac()}, {x, f}), out);
        case ActivationKind::ThresholdedRelu:
            if (exact_sub({x, f}, {cfg_.param, cfg_.param_t.frac()}).raw > 0) return quantize(x, f, out);
            return quantize(0, 0, out);
        case ActivationKind::BinaryTanh: {
            // x >= 0 is +1; an ap_uint<1> result stores -1 as 0 (the XNOR encoding).
            const int v = x >= 0 ? 1 : -1;
            if (is_xnor_type(out)) return v > 0 ? 1 : 0;
            return quantize(v, 0, out);
        }
        case ActivationKind::TernaryTanh: {
            // y = 2x is stored back into the input type first (it can wrap).
            const int64_t y = quantize(int128{x} * 2, f, in);
            const ExactValue yv{y, f};
            const int v = exact_sub(yv, {1, 0}).raw > 0 ? 1 : (exact_add(yv, {1, 0}).raw > 0 ? 0 : -1);
            return quantize(v, 0, out);
        }
        case ActivationKind::HardSigmoid:
        case ActivationKind::HardTanh: {
            ExactValue s = exact_add(exact_mul({cfg_.slope, cfg_.slope_t.frac()}, {x, f}),
                                     {cfg_.shift, cfg_.shift_t.frac()});
            if (exact_sub(s, {1, 0}).raw > 0) s = {1, 0};
            else if (s.raw < 0) s = {0, 0};
            if (cfg_.kind == ActivationKind::HardTanh) s = exact_sub(exact_mul(s, {2, 0}), {1, 0});
            return cast(s, out);
        }
        case ActivationKind::Sigmoid:
        case ActivationKind::Tanh:
        case ActivationKind::Softplus:
        case ActivationKind::Softsign:
            return quantize(table_[table_index(x)], cfg_.table_t.frac(), out);
    }
    return 0;
}

void ActivationLayer::compute(const int64_t* in, int64_t* out) const {
    // n in a local: a store through out (int64_t) may alias the size_t member, which would keep the loop scalar.
    const size_t n = n_in_;
    if (cfg_.kind == ActivationKind::Relu && out_ == in_) {
        for (size_t i = 0; i < n; ++i) out[i] = in[i] > 0 ? in[i] : 0;
        return;
    }
    for (size_t i = 0; i < n; ++i) out[i] = activate(in[i]);
}

void ActivationLayer::compute_to_packed(const int64_t* in, uint64_t* out) const {
    if (packed_out_ != Packing::Binary) {
        Layer::compute_to_packed(in, out);
        return;
    }
    for (size_t k = 0; k < packed_words(n_in_); ++k) {
        const size_t base = 64 * k, m = std::min<size_t>(64, n_in_ - base);
        uint64_t bits = 0;
        for (size_t b = 0; b < m; ++b) bits |= static_cast<uint64_t>(in[base + b] >= 0) << b;
        out[k] = bits;
    }
}

std::string ActivationLayer::precision_summary() const {
    if (uses_table(cfg_.kind))
        return fmt::format("table={}[{}] result={}", cfg_.table_t.str(), cfg_.table_size, out_.str());
    return "result=" + out_.str();
}

LayerCostInputs ActivationLayer::cost_inputs() const {
    LayerCostInputs c = Layer::cost_inputs();
    c.kind = uses_table(cfg_.kind) ? LayerCostInputs::Kind::TableActivation : LayerCostInputs::Kind::Activation;
    // binary_tanh / ternary_tanh: comparisons pipelined at II 1 whatever R, as BatchNormalizationQuantizedTanh.
    if (cfg_.kind == ActivationKind::BinaryTanh || cfg_.kind == ActivationKind::TernaryTanh)
        c.kind = LayerCostInputs::Kind::Threshold;
    return c;
}

}  // namespace tlm4ml
