// Per-layer II validation in isolation: inside a network a layer only sees inputs as fast as the layers
// before it deliver them (after an R=2 layer, every other cycle), so its own II often cannot be measured
// there. The harness gives every layer a private copy (same arithmetic, same timing) fed back-to-back
// with that layer's real inputs from the untimed reference, and measures the gap between accepts.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "layers/layer_module.h"
#include "layers/network.h"
#include "testbenches/stimulus.h"

namespace tlm4ml {

class IsolatedIiHarness {
public:
    // Elaborates one harness per layer of `net`, fed with `samples` (network inputs, at most 16 used).
    IsolatedIiHarness(const Network& net, const std::vector<std::vector<int64_t>>& samples);

    // Adds every private bench (source, layer copy, sink) to the clock domain.
    void attach(ClockDomain& domain);
    bool done() const;
    // Measured II of layer i: the smallest gap between consecutive accepts of back-to-back inputs.
    std::optional<int> measured_ii(size_t i) const;

private:
    struct Bench {
        std::vector<std::vector<int64_t>> inputs;
        std::unique_ptr<StreamChannel> in, out;
        std::unique_ptr<LayerModule> module;
        std::unique_ptr<Source> source;
        std::unique_ptr<Sink> sink;
    };
    std::vector<std::unique_ptr<Bench>> benches_;
};

}  // namespace tlm4ml
