#include "rtl_models/clock_domain.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "rtl_models/stream_channel.h"

namespace tlm4ml {

std::string clock_period_problem(double period_ns) {
    if (std::isfinite(period_ns) && period_ns >= kMinClockPeriodNs && period_ns <= kMaxClockPeriodNs) return "";
    return fmt::format("{} ns cannot be simulated: expected a positive period between {} ns (SystemC's 1 ps time "
                       "resolution) and {:g} ns (1 ms; SystemC's simulated time ends at 2^64 ps)",
                       period_ns, kMinClockPeriodNs, kMaxClockPeriodNs);
}

uint64_t last_representable_cycle(const sc_core::sc_time& period) {
    return period.value() == 0 ? 0 : UINT64_MAX / period.value();
}

ClockDomain::ClockDomain(sc_core::sc_module_name name, const sc_core::sc_time& period)
    : sc_core::sc_module(name), period_(period), last_cycle_limit_(last_representable_cycle(period)) {
    if (period.value() == 0)
        throw std::invalid_argument(fmt::format("clock {}: the period {} is below SystemC's time resolution",
                                                basename(), period.to_string()));
    SC_METHOD(step);  // first evaluation at time 0
}

uint64_t ClockDomain::cycle() const { return sc_core::sc_time_stamp().value() / period_.value(); }

void ClockDomain::wire() {
    const size_t n = parts_.size();
    const size_t words = (n + 63) / 64;
    std::vector<uint8_t> tracked(n, 0);
    // A channel notifies one consumer on push and one producer on pop; a part that shares a role on a
    // channel with another part, or does not name its channels, is evaluated every cycle instead.
    std::map<StreamChannel*, std::vector<size_t>> consumers, producers;
    std::vector<std::vector<StreamChannel*>> ins(n), outs(n);
    for (size_t i = 0; i < n; ++i) {
        tracked[i] = parts_[i]->ports(ins[i], outs[i]) ? 1 : 0;
        if (!tracked[i]) continue;
        for (StreamChannel* c : ins[i]) consumers[c].push_back(i);
        for (StreamChannel* c : outs[i]) producers[c].push_back(i);
    }
    for (auto* roles : {&consumers, &producers})
        for (auto& [c, who] : *roles)
            if (who.size() > 1)
                for (size_t i : who) tracked[i] = 0;
    untracked_.assign(words, 0);
    timed_.assign(words, 0);
    flagged_.assign(words, 0);
    due_.assign(words, 0);
    wake_.assign(n, 0);
    for (size_t i = 0; i < n; ++i) {
        const uint64_t bit = uint64_t{1} << (i % 64);
        flagged_[i / 64] |= bit;  // every part is asked once
        timed_[i / 64] |= bit;
        if (!tracked[i]) untracked_[i / 64] |= bit;
        for (StreamChannel* c : ins[i]) c->watch_push(tracked[i] ? &flagged_[i / 64] : nullptr, bit);
        for (StreamChannel* c : outs[i]) c->watch_pop(tracked[i] ? &flagged_[i / 64] : nullptr, bit);
    }
    wired_ = true;
}

void ClockDomain::wake(const sc_core::sc_time& delay) {
    const sc_core::sc_time now = sc_core::sc_time_stamp();
    const uint64_t at = (now + delay).value();
    uint64_t edge = (at + period_.value() - 1) / period_.value();
    if (evaluated_ > 0 && edge <= last_cycle_) edge = last_cycle_ + 1;
    wake_event_.notify(cycles_of(edge, period_) - now);
}

void ClockDomain::step() {
    if (!wired_) wire();
    uint64_t c = cycle();
    if (evaluated_ > 0 && c <= last_cycle_) {  // woken within a cycle already evaluated: wait for the next edge
        next_trigger(cycles_of(last_cycle_ + 1, period_) - sc_core::sc_time_stamp(), wake_event_);
        return;
    }
    ++activations_;
    const sc_core::sc_time now = sc_core::sc_time_stamp();
    const uint64_t now_cycle = c;
    uint64_t next = evaluate(c);
    if (next == c + 1 && run_ahead_ > 1) {
        // The parts notify no events (set_run_ahead), so what else is scheduled stays where it was.
        const uint64_t alone_until = first_cycle_not_alone(now);
        for (uint64_t batch = 1; next == c + 1 && next < alone_until && batch < run_ahead_; ++batch) {
            c = next;
            next = evaluate(c);
        }
    }
    // Finished, stalled, or every part waits on another: only a wake() restarts the clock, so sc_start returns.
    if (next == kNever) {
        next_trigger(wake_event_);
        return;
    }
    if (next > last_cycle_limit_) {
        // Stop here rather than let the time wrap around.
        out_of_time_ = fmt::format("simulated time beyond SystemC's 64-bit limit: the next event falls at cycle {} of "
                                   "the {} clock, past cycle {} (2^64 ps); shorten the input gaps (--rate, --poisson) "
                                   "or the clock period",
                                   next, period_.to_string(), last_representable_cycle(period_));
        throw SimulationTimeError(out_of_time_);
    }
    // The very next edge needs no wake event: wake() asks for an edge after the last evaluated one, and
    // that edge is evaluated anyway (and a timed wake-up falling later stays pending on the event).
    if (next == c + 1) next_trigger(cycles_of(next - now_cycle, period_));
    else next_trigger(cycles_of(next - now_cycle, period_), wake_event_);
}

uint64_t ClockDomain::first_cycle_not_alone(const sc_core::sc_time& now) const {
    const sc_core::sc_time gap = sc_core::sc_time_to_pending_activity();
    if (gap == sc_core::SC_ZERO_TIME) return 0;
    // The first edge at or after the next activity (sc_max_time() - now when nothing is scheduled).
    const uint64_t at = static_cast<uint64_t>(now.value() + gap.value());
    return std::min<uint64_t>(at / period_.value() + (at % period_.value() != 0), last_cycle_limit_ + 1);
}

uint64_t ClockDomain::evaluate(uint64_t c) {
    const size_t words = due_.size();
    // Due by their own schedule (a result falling due, a retry; only parts with a wake cycle can be) ...
    for (size_t w = 0; w < words; ++w) {
        uint64_t due = 0;
        for (uint64_t t = timed_[w]; t; t &= t - 1) {
            const unsigned b = static_cast<unsigned>(__builtin_ctzll(t));
            due |= static_cast<uint64_t>(wake_[w * 64 + b] <= c) << b;
        }
        due_[w] = due;
    }
    // ... or flagged, in part order. A flag raised by a producer's push in this cycle reaches its consumer
    // before the consumer's turn, so the word is read again after every tick; a flag raised on an earlier
    // part (a consumer's pop) waits for the next_wake pass below.
    for (size_t w = 0; w < words; ++w) {
        uint64_t from = ~uint64_t{0};  // bits at or after the next part to visit
        while (const uint64_t todo = (flagged_[w] | untracked_[w] | due_[w]) & from) {
            const unsigned b = static_cast<unsigned>(__builtin_ctzll(todo));
            parts_[w * 64 + b]->tick(c);
            flagged_[w] |= uint64_t{1} << b;
            from = b == 63 ? 0 : ~uint64_t{0} << (b + 1);
        }
    }
    last_cycle_ = c;
    ++evaluated_;
    if (observer_) observer_(c);

    if (stall_limit_ && progress_) {
        const uint64_t progress = progress_();
        idle_cycles_ = progress == last_progress_ ? idle_cycles_ + 1 : 0;
        last_progress_ = progress;
        if (idle_cycles_ >= stall_limit_) {
            stalled_ = true;
            return kNever;
        }
    }
    for (size_t w = 0; w < words; ++w) {
        uint64_t todo = flagged_[w] | untracked_[w];
        flagged_[w] = 0;
        uint64_t timed = timed_[w] & ~todo;
        for (; todo; todo &= todo - 1) {
            const unsigned b = static_cast<unsigned>(__builtin_ctzll(todo));
            const uint64_t wake = parts_[w * 64 + b]->next_wake(c);
            wake_[w * 64 + b] = wake;
            timed |= static_cast<uint64_t>(wake != kNever) << b;
        }
        timed_[w] = timed;
    }
    uint64_t next = kNever;
    for (size_t w = 0; w < words; ++w)
        for (uint64_t t = timed_[w]; t; t &= t - 1) next = std::min(next, wake_[w * 64 + static_cast<size_t>(__builtin_ctzll(t))]);
    return next == kNever ? kNever : std::max(next, c + 1);
}

}  // namespace tlm4ml
