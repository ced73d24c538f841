// ZeroPadding1D / ZeroPadding2D (hls4ml's zeropad1d_cl / zeropad2d_cl): the input copied into a larger
// channels-last tensor, zeros (raw code 0 of the input type) around it. No arithmetic, result_t = data_t.
#pragma once

#include "layers/arithmetic/layer.h"

namespace tlm4ml {

struct ZeroPaddingConfig {
    bool one_d = false;
    size_t in_height = 1;
    size_t in_width = 0;
    size_t n_chan = 0;
    size_t pad_top = 0;
    size_t pad_bottom = 0;
    size_t pad_left = 0;
    size_t pad_right = 0;
    Precision data_t;

    size_t out_height() const { return in_height + pad_top + pad_bottom; }
    size_t out_width() const { return in_width + pad_left + pad_right; }
};

class ZeroPaddingLayer : public Layer {
public:
    ZeroPaddingLayer(std::string name, ZeroPaddingConfig cfg);
    using Layer::compute;
    void compute(const int64_t* in, int64_t* out) const override;
    LayerCostInputs cost_inputs() const override;
    const ZeroPaddingConfig& config() const { return cfg_; }

private:
    ZeroPaddingConfig cfg_;
};

}  // namespace tlm4ml
