#include "layers/modules/clocked_module.h"

namespace tlm4ml {

ClockedModule::ClockedModule(sc_core::sc_module_name name, const Layer& layer, const LayerTiming& timing,
                             StreamChannel& in, StreamChannel& out)
    : sc_core::sc_module(name), layer_(layer), timing_(timing), in_(in), out_(out) {
    const int ii = std::max(1, timing_.ii);
    capacity_ = static_cast<size_t>((timing_.latency + ii - 1) / ii) + 1;
}

void ClockedModule::push_front(uint64_t cycle) {
    Pending& p = pending_.front();
    if (measure_output_ii_ && stats_.emitted > 0 && p.due_cycle <= last_emit_ + 1) {
        const int gap = static_cast<int>(cycle - last_emit_);
        stats_.measured_ii = stats_.measured_ii ? std::min(*stats_.measured_ii, gap) : gap;
    }
    last_emit_ = cycle;
    stats_.record_emit(p.start_cycle, cycle);
    out_.push(std::move(p.token), cycle);
    pending_.pop_front();
}

}  // namespace tlm4ml
