#include "testbenches/stimulus.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

namespace tlm4ml {

OfferTimes::OfferTimes(const SourceSchedule& s)
    : schedule_(s), rng_(s.seed), gap_(s.poisson_mean > 0 ? 1.0 / s.poisson_mean : 1.0) {}

uint64_t OfferTimes::next() {
    const uint64_t now = t_;
    if (schedule_.poisson_mean > 0)
        t_ += static_cast<uint64_t>(std::max(1.0, std::ceil(gap_(rng_))));
    else
        t_ += static_cast<uint64_t>(std::max(1, schedule_.every_n_cycles));
    return now;
}

Source::Source(sc_core::sc_module_name name, StreamChannel& out, const std::vector<std::vector<int64_t>>& samples,
               const SourceSchedule& s)
    : sc_core::sc_module(name),
      out_(out),
      count_(samples.size()),
      history_(true),
      offers_(s),
      memory_(&samples) {
    OfferTimes all(s);
    for (size_t k = 0; k < count_; ++k) offer_.push_back(all.next());
    if (!offer_.empty()) last_offer_ = offer_.back();
    next_offer_ = offers_.next();
    pushed_.resize(count_, 0);
}

Source::Source(sc_core::sc_module_name name, StreamChannel& out, SampleStream& samples, const SourceSchedule& s)
    : sc_core::sc_module(name), out_(out), stream_(&samples), count_(samples.size()), history_(false), offers_(s) {
    OfferTimes all(s);
    for (size_t k = 0; k < count_; ++k) last_offer_ = all.next();
    next_offer_ = offers_.next();
}

void Source::tick(uint64_t cycle) {
    if (next_ < count_ && next_offer_ <= cycle && out_.can_push(cycle)) {
        if (history_) {
            push_sample((*memory_)[next_], cycle);
            pushed_[next_] = cycle;
        } else {
            InFlightSample f;
            f.sample = next_;
            f.offered = next_offer_;
            f.pushed = cycle;
            if (!spare_.empty()) {
                f.input = std::move(spare_.back());
                spare_.pop_back();
            }
            stream_->read(f.input);
            push_sample(f.input, cycle);
            in_flight_.push_back(std::move(f));
        }
        ++next_;
        next_offer_ = offers_.next();
    }
}

void Source::push_sample(const std::vector<int64_t>& values, uint64_t cycle) {
    if (values.size() != out_.width())
        throw std::invalid_argument(fmt::format("{}: sample {} has {} values, the input {} takes {}", basename(), next_,
                                                values.size(), out_.name(), out_.width()));
    out_.push(next_, values.data(), cycle);
}

uint64_t Source::next_wake(uint64_t cycle) const {
    if (next_ >= count_) return kNever;
    if (next_offer_ <= cycle && out_.full()) return kNever;  // waits for the consumer's pop
    return std::max({next_offer_, out_.next_push_cycle(), cycle + 1});
}

InFlightSample Source::retire(uint64_t sample) {
    if (in_flight_.empty() || in_flight_.front().sample != sample)
        throw std::logic_error(fmt::format("the source's samples in flight are out of step: output of sample {} "
                                           "arrived, oldest in flight {}",
                                           sample, in_flight_.empty() ? std::string("none")
                                                                      : std::to_string(in_flight_.front().sample)));
    InFlightSample f = std::move(in_flight_.front());
    in_flight_.pop_front();
    return f;
}

Sink::Sink(sc_core::sc_module_name name, StreamChannel& in, size_t expected, double backpressure, unsigned seed,
           OutputHandler on_output)
    : sc_core::sc_module(name),
      in_(in),
      expected_(expected),
      backpressure_(backpressure),
      rng_(seed ^ 0x5eedULL),
      on_output_(std::move(on_output)),
      stride_(kValues + in.width()) {
    if (!on_output_) grow(expected);
}

void Sink::grow(size_t records) {
    // Value-initialized: every page is touched here rather than faulted in during the run.
    std::unique_ptr<int64_t[]> bigger(new int64_t[std::max<size_t>(records, 1) * stride_]());
    if (received_ != 0) std::copy_n(records_.get(), received_ * stride_, bigger.get());
    records_ = std::move(bigger);
    capacity_ = std::max<size_t>(records, 1);
}

void Sink::tick(uint64_t cycle) {
    if (!in_.can_pop(cycle)) return;
    // One coin per cycle in which an output is on offer: the same seed gives the same run.
    if (backpressure_ > 0 && coin_(rng_) < backpressure_) {
        ++refused_;
        return;
    }
    ++received_;
    if (on_output_) {
        // Handed over in one reused token, so that a long run allocates nothing per result.
        handed_.sample = in_.front_sample();
        handed_.visible_cycle = in_.front_visible_cycle();
        handed_.data.assign(in_.front_data(), in_.front_data() + in_.width());
        in_.drop(cycle);
        on_output_(handed_, cycle);
        return;
    }
    if (received_ > capacity_) grow(2 * capacity_);
    int64_t* r = records_.get() + (received_ - 1) * stride_;
    r[kSample] = static_cast<int64_t>(in_.front_sample());
    r[kVisible] = static_cast<int64_t>(in_.front_visible_cycle());
    r[kPopped] = static_cast<int64_t>(cycle);
    std::copy_n(in_.front_data(), in_.width(), r + kValues);
    in_.drop(cycle);
}

uint64_t Sink::next_wake(uint64_t cycle) const {
    const uint64_t visible = in_.front_visible_cycle();
    return visible == UINT64_MAX ? kNever : std::max(visible, cycle + 1);
}

}  // namespace tlm4ml
