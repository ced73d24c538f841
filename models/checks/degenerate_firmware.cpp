#include "models/checks/degenerate_firmware.h"

#include <cmath>
#include <optional>

#include <fmt/format.h>

#include "layers/arithmetic/activation.h"
#include "layers/arithmetic/softmax.h"

namespace tlm4ml {

namespace {

// A table activation (sigmoid, tanh, softplus, softsign: nnet_activation.h indexes the table with
// int(x * N / range) + N / 2, clamped) whose output is one value for every input its type can hold: the
// element's own arithmetic run on every input code (types up to 20 bits), else on 2^20 codes spread over the
// type's range plus 2^16 over [-range, range], where the table changes. Returns the constant, or nothing.
std::optional<int64_t> constant_table_output(const ActivationLayer& a) {
    ActivationConfig c = a.config();
    c.n_in = 1;
    const ActivationLayer one(a.name(), c);
    const Precision& t = c.data_t;
    std::optional<int64_t> first;
    bool varies = false;
    auto probe = [&](int64_t code) {
        int64_t y = 0;
        one.compute(&code, &y);
        if (!first) first = y;
        else if (y != *first) varies = true;
    };
    const int64_t lo = t.min_raw(), hi = t.max_raw();
    const uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);
    constexpr uint64_t kExhaustive = uint64_t{1} << 20;
    if (span < kExhaustive) {
        for (uint64_t k = 0; k <= span && !varies; ++k) probe(static_cast<int64_t>(static_cast<uint64_t>(lo) + k));
    } else {
        for (uint64_t k = 0; k <= kExhaustive && !varies; ++k)
            probe(static_cast<int64_t>(static_cast<uint64_t>(lo) + static_cast<uint64_t>(
                                                                      static_cast<long double>(span) * k / kExhaustive)));
        const double range = c.kind == ActivationKind::Tanh ? 8.0 : 16.0;
        for (int k = -(1 << 15); k <= (1 << 15) && !varies; ++k) {
            const double x = range * k / (1 << 15);
            const double raw = std::nearbyint(std::ldexp(x, t.width - t.integer));
            if (raw >= static_cast<double>(lo) && raw <= static_cast<double>(hi)) probe(static_cast<int64_t>(raw));
        }
    }
    if (varies) return std::nullopt;
    return first;
}

}  // namespace

std::vector<std::string> table_warnings(const Model& m) {
    std::vector<std::string> out;
    for (const auto& l : m.layers) {
        if (const auto* a = dynamic_cast<const ActivationLayer*>(l.get()); a && uses_table(a->config().kind)) {
            if (const auto y = constant_table_output(*a)) {
                const ActivationConfig& c = a->config();
                out.push_back(fmt::format(
                    "layer \"{}\" (Activation, {}): its {}-entry table gives {} for every input of its type {} "
                    "(table_t {}, result {}): the output does not depend on the input (hls4ml's firmware does the "
                    "same; widen the input's range or the result type)",
                    a->name(), to_string(c.kind), c.table_size, c.result_t.to_double(*y), c.data_t.str(),
                    c.table_t.str(), c.result_t.str()));
            }
            continue;
        }
        const auto* sm = dynamic_cast<const SoftmaxLayer*>(l.get());
        if (!sm || sm->config().implementation != SoftmaxImpl::Stable) continue;
        // nnet_activation.h softmax_stable: the exp table is addressed by the top log2(N) bits of
        // inp_norm_t(x_max - x_i); entry 0 is exp(0) = 1. When entry 1 (the smallest difference the table
        // resolves) is already 0 in exp_table_t, no input but the maximum can contribute anything.
        const auto& table = sm->exp_table();
        if (table.size() < 2 || table[1] != 0) continue;
        const Precision& norm = sm->inp_norm_t();
        const int bits = static_cast<int>(std::lround(std::log2(static_cast<double>(table.size()))));
        const double lsb = std::ldexp(1.0, norm.integer - bits);
        out.push_back(fmt::format(
            "layer \"{}\" (Softmax, stable): its {}-entry exp table is addressed by the top {} bits of inp_norm_t {} "
            "(derived from its input type {}), worth {} and up: every difference x_max - x below {} reads exp(0) = 1 "
            "and every larger one reads 0 in exp_table_t {}, so the outputs hardly depend on the inputs (hls4ml's "
            "firmware does the same; give the layer before it a narrower result type)",
            sm->name(), table.size(), bits, norm.str(), sm->config().data_t.str(), lsb, lsb,
            sm->config().exp_table_t.str()));
    }
    return out;
}

void OutputConstancy::observe(const std::vector<int64_t>& out) {
    if (samples_++ == 0) {
        first_ = out;
        varies_.assign(out.size(), false);
        return;
    }
    for (size_t i = 0; i < out.size() && i < first_.size(); ++i)
        if (out[i] != first_[i]) varies_[i] = true;
}

std::string OutputConstancy::warning() const {
    if (samples_ < 2) return "";
    std::string constant;
    size_t n = 0;
    for (size_t i = 0; i < varies_.size(); ++i)
        if (!varies_[i]) {
            constant += fmt::format("{}[{}] = {}", constant.empty() ? "" : ", ", i,
                                    model_.output_precision().to_double(first_[i]));
            ++n;
        }
    if (n == 0) return "";
    return fmt::format("{} of the {} outputs never change over the {} samples ({}): the firmware's output does not "
                       "depend on its inputs there",
                       n, varies_.size(), samples_, constant);
}

}  // namespace tlm4ml
