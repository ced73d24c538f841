#include "layer_module.h"

#include <algorithm>

namespace tlm4ml {

LayerModule::LayerModule(sc_core::sc_module_name name, const Layer& layer, const LayerTiming& timing,
                         const sc_core::sc_time& period, StreamChannel& in, StreamChannel& out)
    : sc_core::sc_module(name), layer_(layer), timing_(timing), period_(period), in_(in), out_(out) {
    // A pipeline of `latency` cycles at one input per II holds ceil(latency/II) inferences, plus the
    // result waiting in the output register when the next layer is not ready.
    const int ii = std::max(1, timing_.ii);
    capacity_ = static_cast<size_t>((timing_.latency + ii - 1) / ii) + 1;
    wake_ = in_.written_event() | out_.read_event();
    SC_METHOD(step);
    sensitive << in_.written_event();
    dont_initialize();
}

void LayerModule::emit_due(uint64_t cycle) {
    while (!pipeline_.empty() && pipeline_.front().due_cycle <= cycle && out_.can_push()) {
        events_[pipeline_.front().event_index].emit_cycle = cycle;
        out_.push(std::move(pipeline_.front().token), cycle);
        pipeline_.pop_front();
    }
}

void LayerModule::step() {
    const uint64_t cycle = cycle_of(sc_core::sc_time_stamp(), period_);
    emit_due(cycle);

    const bool accepted_this_cycle = accepted_any_ && last_accept_ == cycle;
    if (!accepted_this_cycle && cycle >= next_accept_ && pipeline_.size() < capacity_ && in_.can_pop(cycle)) {
        Token in = in_.pop();
        Token out;
        out.sample = in.sample;
        out.data.resize(layer_.n_out());
        layer_.compute(in.data.data(), out.data.data());
        events_.push_back({in.sample, in.visible_cycle, cycle, 0});
        pipeline_.push_back({std::move(out), cycle + static_cast<uint64_t>(timing_.latency), events_.size() - 1});
        accepted_any_ = true;
        last_accept_ = cycle;
        next_accept_ = cycle + static_cast<uint64_t>(std::max(1, timing_.ii));
        emit_due(cycle);  // a zero-latency layer passes the result on in the same cycle
    }

    // Sleep until something can change: a result falls due, the next II slot opens for a waiting
    // input, or (events) new input / freed output space.
    uint64_t wake = UINT64_MAX;
    if (!pipeline_.empty() && pipeline_.front().due_cycle > cycle) wake = pipeline_.front().due_cycle;
    const uint64_t visible = in_.front_visible_cycle();
    if (visible != UINT64_MAX && pipeline_.size() < capacity_) {
        const uint64_t earliest = std::max({visible, next_accept_, accepted_this_cycle || last_accept_ == cycle
                                                                         ? cycle + 1 : cycle});
        if (earliest > cycle) wake = std::min(wake, earliest);
    }
    if (wake != UINT64_MAX) next_trigger(cycles_of(wake - cycle, period_), wake_);
    else next_trigger(wake_);
}

}  // namespace tlm4ml
