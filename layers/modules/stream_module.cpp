#include "layers/modules/stream_module.h"

#include <algorithm>
#include <stdexcept>

namespace tlm4ml {

StreamModule::StreamModule(sc_core::sc_module_name name, const Layer& layer, const LayerTiming& timing,
                           StreamChannel& in, StreamChannel& out)
    : sc_core::sc_module(name), layer_(layer), timing_(timing), in_(in), out_(out) {
    if (in_.width() == 0 || out_.width() == 0)
        throw std::invalid_argument(std::string(basename()) + ": empty stream words");
    // The output queue: a pipeline of `latency` cycles at one word per II, plus the word waiting for a full
    // output FIFO.
    const int ii = std::max(1, timing_.ii);
    capacity_ = static_cast<size_t>((timing_.latency + ii - 1) / ii) + 1;
}

void StreamModule::queue_output(Token&& t, uint64_t start_cycle, uint64_t due_cycle) {
    pending_.push_back({std::move(t), start_cycle, due_cycle});
}

void StreamModule::emit(uint64_t cycle) {
    if (!pending_.empty() && pending_.front().due_cycle <= cycle && out_.can_push(cycle)) {
        Pending& p = pending_.front();
        // Back-to-back outputs (this one was due no later than a cycle after the previous emit): the gap is
        // the module's own.
        if (measure_output_ii_ && stats_.emitted > 0 && p.due_cycle <= last_emit_ + 1) {
            const int gap = static_cast<int>(cycle - last_emit_);
            stats_.measured_ii = stats_.measured_ii ? std::min(*stats_.measured_ii, gap) : gap;
        }
        last_emit_ = cycle;
        stats_.record_emit(p.start_cycle, cycle);
        out_.push(std::move(p.token), cycle);
        pending_.pop_front();
    }
}

void StreamModule::tick(uint64_t cycle) {
    emit(cycle);
    produce(cycle);
    StreamChannel& src = source();
    if (cycle >= next_accept_ && !queue_full() && may_take(cycle) && src.can_pop(cycle)) {
        const uint64_t visible = source_visible_cycle();
        Token in = src.pop(cycle);
        stats_.record_accept(cycle, visible, measure_word_ii_ && !measure_output_ii_);
        next_accept_ = cycle + static_cast<uint64_t>(std::max(1, timing_.ii));  // take() may change it
        take(in, cycle);
        src.recycle(std::move(in.data));
        emit(cycle);  // a zero-latency word passes on in the same cycle
    }
}

uint64_t StreamModule::next_wake(uint64_t cycle) const {
    uint64_t wake = produce_wake(cycle);
    if (!pending_.empty() && !(pending_.front().due_cycle <= cycle && out_.full()))
        wake = std::min(wake, std::max(pending_.front().due_cycle, cycle + 1));
    const uint64_t visible = source_visible_cycle();
    if (visible != UINT64_MAX && !queue_full()) wake = std::min(wake, std::max({visible, next_accept_, cycle + 1}));
    return wake;
}

}  // namespace tlm4ml
