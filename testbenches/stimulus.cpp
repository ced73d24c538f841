#include "testbenches/stimulus.h"

#include <algorithm>
#include <cmath>

namespace tlm4ml {

Source::Source(sc_core::sc_module_name name, StreamChannel& out, const std::vector<std::vector<int64_t>>& samples,
               const SourceSchedule& s)
    : sc_core::sc_module(name), out_(out), samples_(samples) {
    std::mt19937_64 rng(s.seed);
    std::exponential_distribution<double> gap(s.poisson_mean > 0 ? 1.0 / s.poisson_mean : 1.0);
    uint64_t t = 0;
    for (size_t k = 0; k < samples.size(); ++k) {
        offer_.push_back(t);
        if (s.poisson_mean > 0)
            t += static_cast<uint64_t>(std::max(1.0, std::ceil(gap(rng))));
        else
            t += static_cast<uint64_t>(std::max(1, s.every_n_cycles));
    }
    pushed_.resize(samples.size(), 0);
}

void Source::tick(uint64_t cycle) {
    if (next_ < samples_.size() && offer_[next_] <= cycle && out_.can_push(cycle)) {
        Token t;
        t.sample = next_;
        t.data = out_.take_buffer();
        t.data.assign(samples_[next_].begin(), samples_[next_].end());
        out_.push(std::move(t), cycle);
        pushed_[next_] = cycle;
        ++next_;
    }
}

uint64_t Source::next_wake(uint64_t cycle) const {
    if (next_ >= samples_.size()) return kNever;
    if (offer_[next_] <= cycle && out_.full()) return kNever;  // waits for the consumer's pop
    return std::max(offer_[next_], cycle + 1);
}

Sink::Sink(sc_core::sc_module_name name, StreamChannel& in, size_t expected, double backpressure, unsigned seed)
    : sc_core::sc_module(name), in_(in), expected_(expected), backpressure_(backpressure), rng_(seed ^ 0x5eedULL) {
    samples_.reserve(expected);
    visible_.reserve(expected);
    values_.reserve(expected * in.width());
    popped_.reserve(expected);
}

void Sink::tick(uint64_t cycle) {
    if (!in_.can_pop(cycle)) return;
    // One coin per cycle in which an output is on offer: the same seed gives the same run.
    if (backpressure_ > 0 && coin_(rng_) < backpressure_) {
        ++refused_;
        return;
    }
    Token t = in_.pop(cycle);
    samples_.push_back(t.sample);
    visible_.push_back(t.visible_cycle);
    values_.insert(values_.end(), t.data.begin(), t.data.end());
    popped_.push_back(cycle);
    in_.recycle(std::move(t.data));
}

uint64_t Sink::next_wake(uint64_t cycle) const {
    const uint64_t visible = in_.front_visible_cycle();
    return visible == UINT64_MAX ? kNever : std::max(visible, cycle + 1);
}

}  // namespace tlm4ml
