#include "layers/arithmetic/quantized_tanh.h"

#include <stdexcept>

#include <fmt/format.h>

namespace tlm4ml {

QuantizedTanhLayer::QuantizedTanhLayer(std::string name, QuantizedTanhConfig cfg)
    : Layer(std::move(name), "BatchNormalizationQuantizedTanh", cfg.n_in, cfg.n_in, cfg.data_t,
            cfg.ternary ? Precision::integer_of(2, true) : Precision::integer_of(1, false)),
      cfg_(std::move(cfg)) {
    const size_t nf = cfg_.n_filt;
    const bool ok = nf != 0 && cfg_.n_in % nf == 0 &&
                    (cfg_.ternary ? (cfg_.threshold_hi.size() == nf && cfg_.threshold_lo.size() == nf)
                                  : cfg_.threshold.size() == nf);
    if (!ok) throw std::invalid_argument(fmt::format("{}: threshold sizes do not match", name_));
}

void QuantizedTanhLayer::compute(const int64_t* in, int64_t* out) const {
    const size_t nf = cfg_.n_filt;
    for (size_t i = 0; i < cfg_.n_in; ++i) {
        const size_t k = nf == cfg_.n_in ? i : i % nf;
        if (cfg_.ternary)
            out[i] = in[i] > cfg_.threshold_hi[k] ? 1 : (in[i] <= cfg_.threshold_lo[k] ? -1 : 0);
        else
            out[i] = in[i] >= cfg_.threshold[k] ? 1 : 0;
    }
}

std::string QuantizedTanhLayer::precision_summary() const {
    return fmt::format("threshold={} result={}", cfg_.data_t.str(), out_.str());
}

LayerCostInputs QuantizedTanhLayer::cost_inputs() const {
    LayerCostInputs c = Layer::cost_inputs();
    c.kind = LayerCostInputs::Kind::Threshold;
    return c;
}

}  // namespace tlm4ml
