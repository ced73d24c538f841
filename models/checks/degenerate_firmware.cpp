#include "models/checks/degenerate_firmware.h"

#include <cmath>

#include <fmt/format.h>

#include "layers/arithmetic/softmax.h"

namespace tlm4ml {

std::vector<std::string> table_warnings(const Model& m) {
    std::vector<std::string> out;
    for (const auto& l : m.layers) {
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
