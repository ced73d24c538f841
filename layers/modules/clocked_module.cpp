#include "layers/modules/clocked_module.h"

namespace tlm4ml {

ClockedModule::ClockedModule(sc_core::sc_module_name name, const Layer& layer, const LayerTiming& timing,
                             StreamChannel& in, StreamChannel& out)
    : sc_core::sc_module(name), layer_(layer), timing_(timing), in_(in), out_(out) {
    const int ii = std::max(1, timing_.ii);
    capacity_ = static_cast<size_t>((timing_.latency + ii - 1) / ii) + 1;
}

}  // namespace tlm4ml
