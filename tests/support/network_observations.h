// Seeded random inputs, and what a clocked network run showed, as JSON, for tests that run the same network two ways and compare
// everything the engine reports: the sink's results (sample, pop cycle, visible cycle) and whether each equals
// the untimed forward pass, the clock's evaluated and last cycles, every module's statistics and every
// channel's statistics (closed at the end of the run).
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <vector>

#include <nlohmann/json.hpp>

#include "layers/arithmetic/reference.h"
#include "layers/network.h"
#include "models/model.h"
#include "rtl_models/clock_domain.h"
#include "rtl_models/quantize.h"
#include "testbenches/stimulus.h"

namespace tlm4ml_test {

// `n` seeded random samples in [-4, 4), quantized to the model's input type.
inline std::vector<std::vector<int64_t>> random_samples(const tlm4ml::Model& m, size_t n, unsigned seed) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> u(-4.0, 4.0);
    std::vector<std::vector<int64_t>> s(n, std::vector<int64_t>(m.input_size()));
    for (auto& v : s)
        for (auto& x : v) x = tlm4ml::quantize_double(u(rng), m.input_precision);
    return s;
}

inline nlohmann::json json_of(const std::optional<int>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); }

inline nlohmann::json network_observations(const tlm4ml::Model& model, const std::vector<std::vector<int64_t>>& inputs,
                                           tlm4ml::Network& net, const tlm4ml::ClockDomain& clock,
                                           const tlm4ml::Sink& sink) {
    using nlohmann::json;
    json r;
    r["done"] = sink.done();
    r["stalled"] = clock.stalled();
    r["evaluated"] = clock.evaluated_cycles();
    r["last_cycle"] = clock.last_cycle();
    r["refused"] = sink.refused_cycles();
    json pops = json::array();
    bool right = true;
    for (size_t k = 0; k < sink.received(); ++k) {
        pops.push_back({sink.sample_of(k), sink.pop_cycles()[k], sink.visible_cycle_of(k)});
        right = right && sink.result(k) == tlm4ml::forward(model, inputs[sink.sample_of(k)]);
    }
    r["pops"] = pops;
    r["results_match_forward"] = right;
    json modules = json::object();
    for (const auto& m : net.modules()) {
        const tlm4ml::LayerStats& s = m->stats();
        modules[m->layer().name()] = {s.inferences,          s.emitted,     json_of(s.measured_ii()),
                                      json_of(s.latency_min()), json_of(s.latency_max()), s.last_accept,
                                      m->in_flight()};
    }
    r["modules"] = modules;
    json channels = json::object();
    for (const auto& c : net.channels()) {
        c->finish(clock.last_cycle() + 1);
        const tlm4ml::ChannelStats& s = c->stats();
        channels[c->name()] = {s.transfers, s.cycles_full, s.cycles_empty, s.max_occupancy, s.peak_occupancy};
    }
    r["channels"] = channels;
    r["transfers"] = net.transfers();
    return r;
}

}  // namespace tlm4ml_test
