#include "layers/modules/stream_clone_module.h"

#include <algorithm>
#include <stdexcept>

namespace tlm4ml {

StreamClone::StreamClone(sc_core::sc_module_name name, StreamChannel& in, std::vector<StreamChannel*> outs)
    : sc_core::sc_module(name), name_(basename()), in_(in), outs_(std::move(outs)) {
    if (outs_.size() < 2) throw std::invalid_argument(name_ + ": a clone needs at least two outputs");
    for (const StreamChannel* o : outs_)
        if (o->width() != in_.width()) throw std::invalid_argument(name_ + ": output words differ from the input's");
}

void StreamClone::tick(uint64_t cycle) {
    if (!in_.can_pop(cycle)) return;
    for (const StreamChannel* o : outs_)
        if (!o->can_push(cycle)) {
            ++blocked_;
            return;
        }
    const uint64_t visible = in_.front_visible_cycle();
    stats_.record_accept(cycle, visible);
    for (StreamChannel* o : outs_) o->push(in_.front_sample(), in_.front_data(), cycle);
    in_.drop(cycle);
    stats_.record_emit(cycle, cycle);  // every copy leaves in the cycle that read the word
    ++words_;
}

uint64_t StreamClone::next_wake(uint64_t cycle) const {
    const uint64_t v = in_.front_visible_cycle();
    if (v == UINT64_MAX) return kNever;
    // A full output frees up only through its consumer's pop, which wakes the domain by itself.
    for (const StreamChannel* o : outs_)
        if (o->full()) return kNever;
    return std::max(v, cycle + 1);
}

bool StreamClone::stalled(uint64_t cycle) const {
    if (in_.size() == 0 || in_.front_visible_cycle() > cycle) return false;
    return std::any_of(outs_.begin(), outs_.end(), [](const StreamChannel* o) { return o->full(); });
}

std::vector<const StreamChannel*> StreamClone::full_outputs() const {
    std::vector<const StreamChannel*> v;
    for (const StreamChannel* o : outs_)
        if (o->full()) v.push_back(o);
    return v;
}

}  // namespace tlm4ml
