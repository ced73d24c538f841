#include "clock_domain.h"

#include <algorithm>

namespace tlm4ml {

ClockDomain::ClockDomain(sc_core::sc_module_name name, const sc_core::sc_time& period)
    : sc_core::sc_module(name), period_(period) {
    SC_METHOD(step);  // first evaluation at time 0
}

uint64_t ClockDomain::cycle() const { return sc_core::sc_time_stamp().value() / period_.value(); }

void ClockDomain::step() {
    const uint64_t c = cycle();
    for (Clocked* p : parts_) p->tick(c);
    last_cycle_ = c;
    ++evaluated_;
    if (observer_) observer_(c);

    if (stall_limit_ && progress_) {
        const uint64_t progress = progress_();
        idle_cycles_ = progress == last_progress_ ? idle_cycles_ + 1 : 0;
        last_progress_ = progress;
        if (idle_cycles_ >= stall_limit_) {
            stalled_ = true;
            return;  // no new trigger: the simulation runs out of events
        }
    }
    uint64_t next = kNever;
    for (const Clocked* p : parts_) next = std::min(next, p->next_wake(c));
    if (next == kNever) return;  // finished, or every part waits on another: sc_start returns
    next_trigger(cycles_of(std::max(next, c + 1) - c, period_));
}

}  // namespace tlm4ml
