#include "stimulus.h"

#include <cmath>

namespace tlm4ml {

Source::Source(sc_core::sc_module_name name, StreamChannel& out, const std::vector<std::vector<int64_t>>& samples,
               const SourceSchedule& s, const sc_core::sc_time& period)
    : sc_core::sc_module(name), out_(out), samples_(samples), period_(period) {
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
    SC_METHOD(step);  // runs once at time 0, then on its own schedule
}

void Source::step() {
    const uint64_t cycle = cycle_of(sc_core::sc_time_stamp(), period_);
    if (next_ < samples_.size() && offer_[next_] <= cycle && last_push_ != cycle && out_.can_push()) {
        Token t;
        t.sample = next_;
        t.data = samples_[next_];
        out_.push(std::move(t), cycle);
        pushed_[next_] = cycle;
        last_push_ = cycle;
        ++next_;
    }
    if (next_ >= samples_.size()) return;  // no trigger: the process sleeps for good
    uint64_t wake = std::max(offer_[next_], last_push_ == cycle ? cycle + 1 : cycle);
    if (wake > cycle && out_.can_push())
        next_trigger(cycles_of(wake - cycle, period_));
    else if (wake > cycle)
        next_trigger(cycles_of(wake - cycle, period_), out_.read_event());
    else
        next_trigger(out_.read_event());
}

Sink::Sink(sc_core::sc_module_name name, StreamChannel& in, size_t expected, double backpressure, unsigned seed,
           const sc_core::sc_time& period)
    : sc_core::sc_module(name), in_(in), expected_(expected), backpressure_(backpressure), rng_(seed ^ 0x5eedULL),
      period_(period) {
    results_.reserve(expected);
    SC_METHOD(step);
    sensitive << in_.written_event();
    dont_initialize();
}

void Sink::step() {
    const uint64_t cycle = cycle_of(sc_core::sc_time_stamp(), period_);
    if (in_.can_pop(cycle) && (popped_.empty() || popped_.back() != cycle)) {
        if (last_decision_cycle_ != cycle) {
            last_decision_cycle_ = cycle;
            ready_this_cycle_ = backpressure_ <= 0 || coin_(rng_) >= backpressure_;
            if (!ready_this_cycle_) ++refused_;
        }
        if (ready_this_cycle_) {
            results_.push_back(in_.pop());
            popped_.push_back(cycle);
            if (done() && on_done_) on_done_();
        }
    }
    const uint64_t visible = in_.front_visible_cycle();
    if (visible == UINT64_MAX) {
        next_trigger(in_.written_event());
        return;
    }
    const uint64_t wake = std::max(visible, cycle + 1);
    next_trigger(cycles_of(wake - cycle, period_), in_.written_event());
}

}  // namespace tlm4ml
