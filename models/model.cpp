// The model description's own operations: its graph (producers, consumers, inserting a layer), the io_stream
// FIFO names and hls4ml's reuse factor rule.
#include "models/model.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

namespace tlm4ml {

void fail_at(const std::string& where, const std::string& what) {
    throw ModelError(fmt::format("{}: {}", where, what));
}

size_t Model::input_size() const {
    size_t n = 1;
    for (size_t d : input_shape) n *= d;
    return n;
}

std::vector<size_t> Model::inputs_of(size_t i) const {
    if (!inputs.empty() && inputs.size() != layers.size())
        throw std::logic_error(
            fmt::format("model {}: {} input lists for {} layers (insert layers with "
                        "Model::insert_layer)",
                        name, inputs.size(), layers.size()));
    if (i < inputs.size() && !inputs[i].empty()) return inputs[i];
    return {i == 0 ? kModelInput : i - 1};
}

std::vector<std::pair<size_t, size_t>> Model::consumers_of(size_t p) const {
    std::vector<std::pair<size_t, size_t>> out;
    for (size_t i = 0; i < layers.size(); ++i) {
        const std::vector<size_t> in = inputs_of(i);
        for (size_t s = 0; s < in.size(); ++s)
            if (in[s] == p) out.emplace_back(i, s);
    }
    return out;
}

bool Model::is_chain() const {
    for (size_t i = 0; i < layers.size(); ++i) {
        const std::vector<size_t> in = inputs_of(i);
        if (in.size() != 1 || in[0] != (i == 0 ? kModelInput : i - 1)) return false;
    }
    return true;
}

void Model::insert_layer(size_t at, LayerPtr layer) {
    if (at > layers.size()) throw std::out_of_range("Model::insert_layer: position past the end");
    if (inputs.empty()) {  // a chain stays a chain
        layers.insert(layers.begin() + static_cast<std::ptrdiff_t>(at), std::move(layer));
        return;
    }
    std::vector<std::vector<size_t>> resolved(layers.size());
    for (size_t i = 0; i < layers.size(); ++i) resolved[i] = inputs_of(i);
    for (auto& in : resolved)
        for (size_t& p : in)
            if (p != kModelInput && p >= at) ++p;
    std::vector<size_t> taken = at < layers.size() ? resolved[at] : std::vector<size_t>{at == 0 ? kModelInput : at - 1};
    if (taken.size() != 1)
        throw std::logic_error(
            fmt::format("Model::insert_layer: {} has {} inputs; only a single-input layer can be "
                        "preceded by an inserted layer",
                        layers[at]->name(), taken.size()));
    resolved.insert(resolved.begin() + static_cast<std::ptrdiff_t>(at), taken);
    if (at + 1 < resolved.size()) resolved[at + 1] = {at};
    layers.insert(layers.begin() + static_cast<std::ptrdiff_t>(at), std::move(layer));
    inputs = std::move(resolved);
}

std::string clone_name(const std::string& producer) {
    return "clone_" + producer;
}
std::string clone_output_name(const std::string& producer, size_t k) {
    return producer + "_cpy" + std::to_string(k + 1);
}

std::vector<std::string> fifo_names(const Model& m) {
    std::vector<std::string> out;
    auto add = [&](size_t p) {
        out.push_back(m.producer_name(p));
        const size_t n = m.consumers_of(p).size();
        if (n > 1)
            for (size_t k = 0; k < n; ++k) out.push_back(clone_output_name(m.producer_name(p), k));
    };
    add(Model::kModelInput);
    for (size_t i = 0; i < m.layers.size(); ++i) add(i);
    return out;
}

bool is_valid_reuse_factor(size_t n_in, size_t n_out, int rf) {
    if (rf < 1) return false;
    const size_t r = static_cast<size_t>(rf);
    const size_t mf = std::min(n_in, r);
    const size_t ml = (n_in * n_out + mf - 1) / mf;
    return (ml % n_out == 0 || r >= n_in) && (r % n_in == 0 || r < n_in) && (n_in * n_out) % r == 0;
}

int closest_valid_reuse_factor(size_t n_in, size_t n_out, int rf) {
    // A valid factor divides n_in * n_out: only its divisors are tried, found in pairs (d, N / d) below
    // sqrt(N), so the search costs O(sqrt N) (trying every value up to N took 22 s for a 150-byte model).
    // 1 is always valid; on a tie the smaller factor wins, as in hls4ml.
    const uint64_t total = static_cast<uint64_t>(n_in) * n_out, want = static_cast<uint64_t>(std::max(1, rf));
    uint64_t best = 1;
    auto consider = [&](uint64_t r) {
        if (r > static_cast<uint64_t>(INT32_MAX) || !is_valid_reuse_factor(n_in, n_out, static_cast<int>(r))) return;
        const uint64_t dist = r > want ? r - want : want - r, best_dist = best > want ? best - want : want - best;
        if (dist < best_dist || (dist == best_dist && r < best)) best = r;
    };
    for (uint64_t d = 1; d <= total / d; ++d)
        if (total % d == 0) {
            consider(d);
            consider(total / d);
        }
    return static_cast<int>(best);
}

}  // namespace tlm4ml
