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

}  // namespace tlm4ml
