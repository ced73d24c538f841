#include "layers/modules/stream_module.h"

#include <stdexcept>
#include <string>

namespace tlm4ml {

StreamModule::StreamModule(sc_core::sc_module_name name, const Layer& layer, const LayerTiming& timing,
                           StreamChannel& in, StreamChannel& out)
    : ClockedModule(name, layer, timing, in, out) {
    if (in_.width() == 0 || out_.width() == 0)
        throw std::invalid_argument(std::string(basename()) + ": empty stream words");
}

void StreamModule::tick(uint64_t cycle) {
    emit(cycle);
    produce(cycle);
    StreamChannel& src = source();
    if (may_accept(cycle) && may_take(cycle) && src.can_pop(cycle)) {
        const uint64_t visible = source_visible_cycle();
        Token in = src.pop(cycle);
        accepted(cycle, visible);  // take() may move the next accept
        take(in, cycle);
        src.recycle(std::move(in.data));
        emit(cycle);  // a zero-latency word passes on in the same cycle
    }
}

}  // namespace tlm4ml
