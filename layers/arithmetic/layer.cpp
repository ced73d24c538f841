#include "layers/arithmetic/layer.h"

namespace tlm4ml {

const char* to_string(IoType t) { return t == IoType::Parallel ? "io_parallel" : "io_stream"; }

std::string Layer::precision_summary() const { return "result=" + out_.str(); }

LayerCostInputs Layer::cost_inputs() const {
    LayerCostInputs c;
    c.n_in = n_in_;
    c.n_out = n_out_;
    c.reuse_factor = reuse_factor_;
    c.data_width = in_.width;
    c.result_width = out_.width;
    return c;
}

}  // namespace tlm4ml
