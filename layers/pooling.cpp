#include "pooling.h"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "rtl_models/fixed_math.h"
#include "rtl_models/quantize.h"

namespace tlm4ml {

namespace {
std::string pool_class(const PoolingConfig& c) {
    std::string s = c.global ? "Global" : "";
    s += c.pool_op == PoolOp::Max ? "MaxPooling" : "AveragePooling";
    return s + (c.one_d ? "1D" : "2D");
}
PoolingConfig normalized(PoolingConfig c) {
    if (c.global) {
        c.pool_height = c.stride_height = c.in_height;
        c.pool_width = c.stride_width = c.in_width;
        c.pad_top = c.pad_bottom = c.pad_left = c.pad_right = 0;
    }
    if (c.in_height == 0 || c.in_width == 0 || c.n_filt == 0 || c.pool_height == 0 || c.pool_width == 0 ||
        c.stride_height == 0 || c.stride_width == 0 || c.in_height + c.pad_top + c.pad_bottom < c.pool_height ||
        c.in_width + c.pad_left + c.pad_right < c.pool_width)
        throw std::invalid_argument(pool_class(c) + ": the pool window does not fit the padded input");
    return c;
}
}  // namespace

PoolingLayer::PoolingLayer(std::string name, PoolingConfig cfg)
    : Layer(std::move(name), pool_class(cfg), 0, 0, cfg.data_t, cfg.result_t, cfg.reuse_factor),
      cfg_(normalized(std::move(cfg))) {
    n_in_ = cfg_.in_height * cfg_.in_width * cfg_.n_filt;
    n_out_ = cfg_.out_height() * cfg_.out_width() * cfg_.n_filt;
    // pad_val<T, Max>: T x = 0; x[x.width - 1] = 1 -- the most negative code of a signed type (and, as
    // hls4ml writes it, 2^(W-1) of an unsigned one).
    const Precision& d = cfg_.data_t;
    pad_max_ = d.is_signed ? d.min_raw() : static_cast<int64_t>(uint64_t{1} << (d.width - 1));
}

void PoolingLayer::compute(const int64_t* in, int64_t* out) const {
    const size_t oh = cfg_.out_height(), ow = cfg_.out_width();
    for (size_t y = 0; y < oh; ++y)
        for (size_t x = 0; x < ow; ++x) compute_pixel(in, y, x, out + (y * ow + x) * cfg_.n_filt);
}

void PoolingLayer::compute_pixel(const int64_t* in, size_t y, size_t x, int64_t* out) const {
    const PoolingConfig& c = cfg_;
    const size_t nf = c.n_filt;
    const int df = c.data_t.frac(), af = c.accum_t.frac();
    const int sum_frac = std::max(df, af);
    for (size_t f = 0; f < nf; ++f) {
        int64_t best = 0;
        bool have = false;
        int64_t acc = 0;  // accum_t
        uint64_t real = 0;
        for (size_t py = 0; py < c.pool_height; ++py) {
            const size_t iy = y * c.stride_height + py;
            const bool row_pad = iy < c.pad_top || iy >= c.pad_top + c.in_height;
            for (size_t px = 0; px < c.pool_width; ++px) {
                const size_t ix = x * c.stride_width + px;
                const bool pad = row_pad || ix < c.pad_left || ix >= c.pad_left + c.in_width;
                if (!pad) ++real;
                if (c.pool_op == PoolOp::Max) {
                    const int64_t v =
                        pad ? pad_max_ : in[((iy - c.pad_top) * c.in_width + (ix - c.pad_left)) * nf + f];
                    if (!have || v > best) best = v;
                    have = true;
                } else if (!pad) {
                    const int64_t v = in[((iy - c.pad_top) * c.in_width + (ix - c.pad_left)) * nf + f];
                    const int128 s = int128{acc} * (int128{1} << (sum_frac - af)) +
                                     int128{v} * (int128{1} << (sum_frac - df));
                    acc = quantize(s, sum_frac, c.accum_t);
                }
            }
        }
        int64_t a;
        if (c.pool_op == PoolOp::Max) {
            a = quantize(int128{best}, df, c.accum_t);
        } else {
            const uint64_t count = c.count_pad ? c.pool_height * c.pool_width : real;
            a = div_trunc(acc, count == 0 ? 1 : count);
        }
        out[f] = quantize(int128{a}, af, c.result_t);
    }
}

std::string PoolingLayer::precision_summary() const {
    return fmt::format("accum={} result={}", cfg_.accum_t.str(), cfg_.result_t.str());
}

LayerCostInputs PoolingLayer::cost_inputs() const {
    LayerCostInputs c = Layer::cost_inputs();
    c.kind = LayerCostInputs::Kind::Pooling;
    c.mult_n_in = cfg_.pool_height * cfg_.pool_width;
    c.average = cfg_.pool_op == PoolOp::Average;
    return c;
}

}  // namespace tlm4ml
