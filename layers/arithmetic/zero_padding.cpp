#include "layers/arithmetic/zero_padding.h"

#include <algorithm>
#include <stdexcept>

namespace tlm4ml {

ZeroPaddingLayer::ZeroPaddingLayer(std::string name, ZeroPaddingConfig cfg)
    : Layer(std::move(name), cfg.one_d ? "ZeroPadding1D" : "ZeroPadding2D", cfg.in_height * cfg.in_width * cfg.n_chan,
            cfg.out_height() * cfg.out_width() * cfg.n_chan, cfg.data_t, cfg.data_t),
      cfg_(std::move(cfg)) {
    if (n_in_ == 0) throw std::invalid_argument(class_name_ + " " + name_ + ": empty input");
}

void ZeroPaddingLayer::compute(const int64_t* in, int64_t* out) const {
    const ZeroPaddingConfig& c = cfg_;
    std::fill(out, out + n_out_, 0);
    const size_t ow = c.out_width(), nc = c.n_chan;
    for (size_t y = 0; y < c.in_height; ++y)
        std::copy(in + y * c.in_width * nc, in + (y + 1) * c.in_width * nc,
                  out + ((y + c.pad_top) * ow + c.pad_left) * nc);
}

LayerCostInputs ZeroPaddingLayer::cost_inputs() const {
    LayerCostInputs c = Layer::cost_inputs();
    c.kind = LayerCostInputs::Kind::Wiring;
    return c;
}

}  // namespace tlm4ml
