// The testbench's two ends: a source that offers samples on a schedule (every N cycles, or Poisson
// arrivals), and a sink that drains results, optionally refusing them at random (back-pressure).
// Both are seeded, so a run is reproducible from its command line.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <random>
#include <vector>

#include <systemc>

#include "rtl_models/clock_domain.h"
#include "rtl_models/stream_channel.h"
#include "testbenches/data/sample_stream.h"

namespace tlm4ml {

struct SourceSchedule {
    int every_n_cycles = 1;      // offer sample k at cycle k*N
    double poisson_mean = 0.0;   // > 0: exponential gaps with this mean (cycles), rounded up to >= 1
    unsigned seed = 1;
};

// The cycles at which samples are offered, one after the other.
class OfferTimes {
public:
    explicit OfferTimes(const SourceSchedule& s);
    uint64_t next();  // the next sample's offer cycle

private:
    SourceSchedule schedule_;
    std::mt19937_64 rng_;
    std::exponential_distribution<double> gap_;
    uint64_t t_ = 0;
};

// A sample the source pushed whose output has not left yet.
struct InFlightSample {
    uint64_t sample = 0;
    uint64_t offered = 0;  // cycle
    uint64_t pushed = 0;   // cycle
    std::vector<int64_t> input;
};

class Source : public sc_core::sc_module, public Clocked {
public:
    // Samples in memory; every offer and push cycle is kept (offer_cycles(), push_cycles()).
    Source(sc_core::sc_module_name name, StreamChannel& out, const std::vector<std::vector<int64_t>>& samples,
           const SourceSchedule& schedule);
    // Samples pulled from `samples` as they are pushed, in flat memory: only the samples in flight are kept,
    // until retire() hands each over as its output leaves.
    Source(sc_core::sc_module_name name, StreamChannel& out, SampleStream& samples, const SourceSchedule& schedule);

    void tick(uint64_t cycle) override;
    uint64_t next_wake(uint64_t cycle) const override;
    bool ports(std::vector<StreamChannel*>&, std::vector<StreamChannel*>& outputs) const override {
        outputs.push_back(&out_);
        return true;
    }

    const std::vector<uint64_t>& offer_cycles() const { return offer_; }
    const std::vector<uint64_t>& push_cycles() const { return pushed_; }
    size_t sent() const { return next_; }
    size_t size() const { return count_; }
    // The cycle the last sample is offered at (computed from the schedule at construction).
    uint64_t last_offer_cycle() const { return last_offer_; }

    // Streaming: the oldest sample in flight, which must be `sample` (outputs leave in order); give its input
    // buffer back with recycle() to spare an allocation.
    InFlightSample retire(uint64_t sample);
    void recycle(std::vector<int64_t>&& buffer) { spare_.push_back(std::move(buffer)); }

private:
    StreamChannel& out_;
    SampleStream* stream_ = nullptr;  // streaming: where the samples come from
    size_t count_;
    bool history_;                         // keep every offer and push cycle
    OfferTimes offers_;
    uint64_t next_offer_ = 0;
    uint64_t last_offer_ = 0;
    std::vector<uint64_t> offer_;
    std::vector<uint64_t> pushed_;
    std::deque<InFlightSample> in_flight_;
    std::vector<std::vector<int64_t>> spare_;
    // The in-memory samples, pushed from where they are (a copy through a staging buffer first was one more
    // pass over each sample and two more lines in a working set just above the L1 data cache).
    const std::vector<std::vector<int64_t>>* memory_ = nullptr;
    size_t next_ = 0;
    void push_sample(const std::vector<int64_t>& values, uint64_t cycle);
};

class Sink : public sc_core::sc_module, public Clocked {
public:
    // Called with each output and the cycle it left, instead of keeping it.
    using OutputHandler = std::function<void(const Token&, uint64_t cycle)>;

    // backpressure: probability that the sink is not ready in a given cycle. Without a handler every output
    // and its cycle are kept (values_of(), pop_cycles()), room for `expected` made up front.
    Sink(sc_core::sc_module_name name, StreamChannel& in, size_t expected, double backpressure, unsigned seed,
         OutputHandler on_output = nullptr);

    void tick(uint64_t cycle) override;
    uint64_t next_wake(uint64_t cycle) const override;
    bool ports(std::vector<StreamChannel*>& inputs, std::vector<StreamChannel*>&) const override {
        inputs.push_back(&in_);
        return true;
    }

    size_t received() const { return received_; }
    bool done() const { return received_ >= expected_; }
    // Without a handler, the k-th result received (k < received()): its sample, the cycle it became visible to
    // the sink, its `width()` raw values. Kept one record after the other in one array (see Record).
    size_t width() const { return in_.width(); }
    uint64_t sample_of(size_t k) const { return static_cast<uint64_t>(record(k)[kSample]); }
    uint64_t visible_cycle_of(size_t k) const { return static_cast<uint64_t>(record(k)[kVisible]); }
    const int64_t* values_of(size_t k) const { return record(k) + kValues; }
    std::vector<int64_t> result(size_t k) const { return {values_of(k), values_of(k) + in_.width()}; }
    // The cycle each result left (pop_cycles()[k]), read in place from the records.
    class PopCycles {
    public:
        PopCycles(const int64_t* first, size_t stride, size_t count) : first_(first), stride_(stride), count_(count) {}
        uint64_t operator[](size_t k) const { return static_cast<uint64_t>(first_[k * stride_]); }
        size_t size() const { return count_; }
        bool empty() const { return count_ == 0; }
        uint64_t back() const { return (*this)[count_ - 1]; }

    private:
        const int64_t* first_;
        size_t stride_;
        size_t count_;
    };
    PopCycles pop_cycles() const {
        return records_ ? PopCycles(records_.get() + kPopped, stride_, received_) : PopCycles(nullptr, stride_, 0);
    }
    uint64_t refused_cycles() const { return refused_; }

private:
    StreamChannel& in_;
    size_t expected_;
    double backpressure_;
    std::mt19937_64 rng_;
    std::uniform_real_distribution<double> coin_{0.0, 1.0};
    OutputHandler on_output_;
    Token handed_;  // the output being handed to on_output_
    size_t received_ = 0;
    uint64_t refused_ = 0;
    // A record: the sample, the cycle it became visible, the cycle it left, then width() values, in one array
    // touched once up front. Four growing vectors were four partly written lines in the cache in every cycle
    // besides the fresh ones, and page faults and copies during the run, in a clocked run whose working set
    // is just above the L1 data cache (bench/README.md, run_perf_bench). (Non-temporal stores were no faster.)
    static constexpr size_t kSample = 0, kVisible = 1, kPopped = 2, kValues = 3;
    size_t stride_;
    size_t capacity_ = 0;  // records
    std::unique_ptr<int64_t[]> records_;
    const int64_t* record(size_t k) const { return records_.get() + k * stride_; }
    void grow(size_t records);
};

}  // namespace tlm4ml
