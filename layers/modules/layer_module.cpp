#include "layers/modules/layer_module.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace tlm4ml {

LayerModule::LayerModule(sc_core::sc_module_name name, const Layer& layer, const LayerTiming& timing,
                         StreamChannel& in, StreamChannel& out)
    : LayerModule(name, layer, timing, std::vector<StreamChannel*>{&in}, out) {}

LayerModule::LayerModule(sc_core::sc_module_name name, const Layer& layer, const LayerTiming& timing,
                         std::vector<StreamChannel*> ins, StreamChannel& out)
    : sc_core::sc_module(name), layer_(layer), timing_(timing), ins_(std::move(ins)),
      in_(ins_.empty() ? out : *ins_.front()), out_(out) {
    size_t width = 0;
    for (const StreamChannel* c : ins_) width += c->width();
    if (ins_.empty() || width != layer_.n_in() || out_.width() != layer_.n_out())
        throw std::invalid_argument(std::string(basename()) + ": channel widths do not match the layer");
    if (ins_.size() > 1) gathered_.resize(width);
    // A pipeline of `latency` cycles at one input per II holds ceil(latency/II) inferences, plus the
    // result waiting in the output register when the next layer is not ready.
    const int ii = std::max(1, timing_.ii);
    capacity_ = static_cast<size_t>((timing_.latency + ii - 1) / ii) + 1;
}

void LayerModule::emit(uint64_t cycle) {
    if (!pipeline_.empty() && pipeline_.front().due_cycle <= cycle && out_.can_push(cycle)) {
        InFlight& f = pipeline_.front();
        if (f.event_index != SIZE_MAX) events_[f.event_index].emit_cycle = cycle;
        stats_.record_emit(f.accept_cycle, cycle);
        out_.push(std::move(f.token), cycle);
        pipeline_.pop_front();
    }
}

void LayerModule::tick(uint64_t cycle) {
    emit(cycle);
    if (cycle >= next_accept_ && pipeline_.size() < capacity_ &&
        std::all_of(ins_.begin(), ins_.end(), [cycle](const StreamChannel* c) { return c->can_pop(cycle); })) {
        const uint64_t visible = inputs_visible();
        Token in = in_.pop(cycle);
        Token out;
        out.sample = in.sample;
        out.data = out_.take_buffer();
        if (ins_.size() == 1) {
            layer_.compute(in.data.data(), out.data.data());
        } else {
            // A merge: every input's tensor, one after the other.
            std::copy(in.data.begin(), in.data.end(), gathered_.begin());
            size_t at = in.data.size();
            for (size_t k = 1; k < ins_.size(); ++k) {
                Token t = ins_[k]->pop(cycle);
                std::copy(t.data.begin(), t.data.end(), gathered_.begin() + static_cast<std::ptrdiff_t>(at));
                at += t.data.size();
                ins_[k]->recycle(std::move(t.data));
            }
            layer_.compute(gathered_.data(), out.data.data());
        }
        in_.recycle(std::move(in.data));
        stats_.record_accept(cycle, visible);
        size_t index = SIZE_MAX;
        if (events_.size() < event_log_limit_) {
            events_.push_back({in.sample, visible, cycle, kNever});
            index = events_.size() - 1;
        }
        pipeline_.push_back({std::move(out), cycle, cycle + static_cast<uint64_t>(timing_.latency), index});
        next_accept_ = cycle + static_cast<uint64_t>(std::max(1, timing_.ii));
        emit(cycle);  // a zero-latency layer passes the result on in the same cycle
    }
}

uint64_t LayerModule::inputs_visible() const {
    uint64_t v = 0;
    for (const StreamChannel* c : ins_) v = std::max(v, c->front_visible_cycle());  // UINT64_MAX if empty
    return v;
}

uint64_t LayerModule::next_wake(uint64_t cycle) const {
    uint64_t wake = kNever;
    // A result falls due. Blocked by a full output it waits for the consumer: a pop in this cycle
    // (asked after every part ticked) shows as room now, and then it retries next cycle.
    if (!pipeline_.empty() && !(pipeline_.front().due_cycle <= cycle && out_.full()))
        wake = std::max(pipeline_.front().due_cycle, cycle + 1);
    // A waiting input can be taken once it is visible, the II has passed and the pipeline has room;
    // a full pipeline frees up only through an emission, which the line above already schedules.
    const uint64_t visible = inputs_visible();
    if (visible != UINT64_MAX && pipeline_.size() < capacity_)
        wake = std::min(wake, std::max({visible, next_accept_, cycle + 1}));
    return wake;
}

}  // namespace tlm4ml
