#include "ii_harness.h"

#include <algorithm>

#include <fmt/format.h>

#include "layers/reference.h"

namespace tlm4ml {

IsolatedIiHarness::IsolatedIiHarness(const Network& net, const std::vector<std::vector<int64_t>>& samples) {
    const Model& m = net.model();
    const size_t n = std::min<size_t>(samples.size(), 16);
    std::vector<std::vector<std::vector<int64_t>>> layer_inputs(m.layers.size());
    std::vector<std::vector<int64_t>> trace;
    for (size_t k = 0; k < n; ++k) {
        forward(m, samples[k], &trace);
        for (size_t i = 0; i < m.layers.size(); ++i) layer_inputs[i].push_back(i == 0 ? samples[k] : trace[i - 1]);
    }
    for (size_t i = 0; i < m.layers.size(); ++i) {
        auto b = std::make_unique<Bench>();
        b->inputs = std::move(layer_inputs[i]);
        const auto& layer = *m.layers[i];
        const auto& mod = *net.modules()[i];
        const std::string base = "ii_check_" + layer.name();
        b->in = std::make_unique<StreamChannel>(base + "_in", 2, 0, layer.n_in());
        b->out = std::make_unique<StreamChannel>(base + "_out", 2, 0, layer.n_out());
        b->module = std::make_unique<LayerModule>(base.c_str(), layer, mod.timing(), *b->in, *b->out);
        b->source = std::make_unique<Source>((base + "_source").c_str(), *b->in, b->inputs, SourceSchedule{});
        b->sink = std::make_unique<Sink>((base + "_sink").c_str(), *b->out, b->inputs.size(), 0.0, 1);
        benches_.push_back(std::move(b));
    }
}

bool IsolatedIiHarness::done() const {
    return std::all_of(benches_.begin(), benches_.end(), [](const auto& b) { return b->sink->done(); });
}

void IsolatedIiHarness::attach(ClockDomain& domain) {
    for (auto& b : benches_) {
        domain.add(*b->source);
        domain.add(*b->module);
        domain.add(*b->sink);
    }
}

std::optional<int> IsolatedIiHarness::measured_ii(size_t i) const { return benches_[i]->module->stats().measured_ii; }

}  // namespace tlm4ml
