// The testbench's two ends: a source that offers samples on a schedule (every N cycles, or Poisson
// arrivals), and a sink that drains results, optionally refusing them at random (back-pressure).
// Both are seeded, so a run is reproducible from its command line.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include <systemc>

#include "rtl_models/clock_domain.h"
#include "rtl_models/stream_channel.h"

namespace tlm4ml {

struct SourceSchedule {
    int every_n_cycles = 1;      // offer sample k at cycle k*N
    double poisson_mean = 0.0;   // > 0: exponential gaps with this mean (cycles), rounded up to >= 1
    unsigned seed = 1;
};

class Source : public sc_core::sc_module, public Clocked {
public:
    Source(sc_core::sc_module_name name, StreamChannel& out, const std::vector<std::vector<int64_t>>& samples,
           const SourceSchedule& schedule);

    void tick(uint64_t cycle) override;
    uint64_t next_wake(uint64_t cycle) const override;
    bool ports(std::vector<StreamChannel*>&, std::vector<StreamChannel*>& outputs) const override {
        outputs.push_back(&out_);
        return true;
    }

    const std::vector<uint64_t>& offer_cycles() const { return offer_; }
    const std::vector<uint64_t>& push_cycles() const { return pushed_; }
    size_t sent() const { return next_; }

private:
    StreamChannel& out_;
    const std::vector<std::vector<int64_t>>& samples_;
    std::vector<uint64_t> offer_;
    std::vector<uint64_t> pushed_;
    size_t next_ = 0;
};

class Sink : public sc_core::sc_module, public Clocked {
public:
    // backpressure: probability that the sink is not ready in a given cycle.
    Sink(sc_core::sc_module_name name, StreamChannel& in, size_t expected, double backpressure, unsigned seed);

    void tick(uint64_t cycle) override;
    uint64_t next_wake(uint64_t cycle) const override;
    bool ports(std::vector<StreamChannel*>& inputs, std::vector<StreamChannel*>&) const override {
        inputs.push_back(&in_);
        return true;
    }

    size_t received() const { return samples_.size(); }
    bool done() const { return samples_.size() >= expected_; }
    // The k-th result received (k < received()): its sample, the cycle it became visible to the sink, its
    // `width()` raw values. Kept one after the other in one array, so that a long run allocates nothing per
    // result (the token's buffer goes back to the channel).
    size_t width() const { return in_.width(); }
    uint64_t sample_of(size_t k) const { return samples_[k]; }
    uint64_t visible_cycle_of(size_t k) const { return visible_[k]; }
    const int64_t* values_of(size_t k) const { return values_.data() + k * in_.width(); }
    std::vector<int64_t> result(size_t k) const { return {values_of(k), values_of(k) + in_.width()}; }
    const std::vector<uint64_t>& pop_cycles() const { return popped_; }
    uint64_t refused_cycles() const { return refused_; }

private:
    StreamChannel& in_;
    size_t expected_;
    double backpressure_;
    std::mt19937_64 rng_;
    std::uniform_real_distribution<double> coin_{0.0, 1.0};
    std::vector<uint64_t> samples_;
    std::vector<uint64_t> visible_;
    std::vector<int64_t> values_;
    std::vector<uint64_t> popped_;
    uint64_t refused_ = 0;
};

}  // namespace tlm4ml
