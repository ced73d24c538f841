#include "layers/arithmetic/pooling.h"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "rtl_models/fixed_math.h"
#include "rtl_models/quantize.h"
#include "rtl_models/scratch_buffer.h"

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
    sum_frac_ = std::max(d.frac(), cfg_.accum_t.frac());
    data_to_accum_ = Requantizer(d.frac(), cfg_.accum_t);
    sum_to_accum_ = Requantizer(sum_frac_, cfg_.accum_t);
    accum_to_result_ = Requantizer(cfg_.accum_t.frac(), cfg_.result_t);
}

void PoolingLayer::compute(const int64_t* in, int64_t* out) const {
    const size_t oh = cfg_.out_height(), ow = cfg_.out_width();
    for (size_t y = 0; y < oh; ++y)
        for (size_t x = 0; x < ow; ++x) compute_pixel(in, y, x, out + (y * ow + x) * cfg_.n_filt);
}

void PoolingLayer::compute_pixel(const int64_t* in, size_t y, size_t x, int64_t* out) const {
    // Window cells outermost and channels innermost, so each cell is one contiguous pixel of the input;
    // `out` holds the running max / sum per channel until the final casts.
    const PoolingConfig& c = cfg_;
    const size_t nf = c.n_filt;
    const bool max = c.pool_op == PoolOp::Max;
    const int df = c.data_t.frac(), af = c.accum_t.frac();
    uint64_t real = 0;
    bool first = true;
    for (size_t py = 0; py < c.pool_height; ++py) {
        const size_t iy = y * c.stride_height + py;
        const bool row_pad = iy < c.pad_top || iy >= c.pad_top + c.in_height;
        for (size_t px = 0; px < c.pool_width; ++px) {
            const size_t ix = x * c.stride_width + px;
            const bool pad = row_pad || ix < c.pad_left || ix >= c.pad_left + c.in_width;
            const int64_t* src = pad ? nullptr : in + ((iy - c.pad_top) * c.in_width + (ix - c.pad_left)) * nf;
            if (!pad) ++real;
            if (max) {
                for (size_t f = 0; f < nf; ++f) {
                    const int64_t v = pad ? pad_max_ : src[f];
                    out[f] = first || v > out[f] ? v : out[f];
                }
            } else {
                if (first) std::fill(out, out + nf, 0);
                if (!pad)  // padded cells add 0
                    for (size_t f = 0; f < nf; ++f)
                        out[f] = sum_to_accum_.wide(int128{out[f]} * (int128{1} << (sum_frac_ - af)) +
                                                    int128{src[f]} * (int128{1} << (sum_frac_ - df)));
            }
            first = false;
        }
    }
    if (max) {
        for (size_t f = 0; f < nf; ++f) out[f] = accum_to_result_(data_to_accum_(out[f]));
    } else {
        const uint64_t count = c.count_pad ? c.pool_height * c.pool_width : real;
        for (size_t f = 0; f < nf; ++f) out[f] = accum_to_result_(div_trunc(out[f], count == 0 ? 1 : count));
    }
}

template <class T>
void PoolingLayer::window_of(const T* const* rows, int64_t* out) const {
    // compute_pixel() without padding: every cell is real, the first one starts the max / sum.
    const PoolingConfig& c = cfg_;
    const size_t nf = c.n_filt;
    if (c.pool_op == PoolOp::Max) {
        ScratchBuffer<T, 256> best(nf);
        std::copy_n(rows[0], nf, best.data());
        for (size_t py = 0; py < c.pool_height; ++py)
            for (size_t px = py == 0 ? 1 : 0; px < c.pool_width; ++px) {
                const T* src = rows[py] + px * nf;
                for (size_t f = 0; f < nf; ++f) best[f] = std::max(best[f], src[f]);
            }
        for (size_t f = 0; f < nf; ++f) out[f] = best[f];
        data_to_accum_.apply(out, out, nf);
        accum_to_result_.apply(out, out, nf);
        return;
    }
    const int df = c.data_t.frac(), af = c.accum_t.frac();
    std::fill(out, out + nf, 0);
    for (size_t py = 0; py < c.pool_height; ++py)
        for (size_t px = 0; px < c.pool_width; ++px) {
            const T* src = rows[py] + px * nf;
            for (size_t f = 0; f < nf; ++f)
                out[f] = sum_to_accum_.wide(int128{out[f]} * (int128{1} << (sum_frac_ - af)) +
                                            int128{src[f]} * (int128{1} << (sum_frac_ - df)));
        }
    const uint64_t count = c.pool_height * c.pool_width;  // every cell is real
    for (size_t f = 0; f < nf; ++f) out[f] = accum_to_result_(div_trunc(out[f], count));
}

void PoolingLayer::compute_window(const int32_t* const* rows, int64_t* out) const {
    if (!reads_int32()) throw std::logic_error(name_ + ": compute_window(int32) on data wider than 32 bits");
    window_of(rows, out);
}

void PoolingLayer::compute_window(const int64_t* const* rows, int64_t* out) const { window_of(rows, out); }

std::string PoolingLayer::precision_summary() const {
    return fmt::format("accum={} result={}", cfg_.accum_t.str(), cfg_.result_t.str());
}

LayerCostInputs PoolingLayer::cost_inputs() const {
    LayerCostInputs c = Layer::cost_inputs();
    c.kind = LayerCostInputs::Kind::Pooling;
    c.mult_n_in = cfg_.pool_height * cfg_.pool_width;
    c.average = cfg_.pool_op == PoolOp::Average;
    c.global_pool = cfg_.global;
    // io_stream: one output pixel of n_filt windows at a time, rows kept in a line buffer.
    c.mult_n_out = cfg_.n_filt;
    if (!cfg_.global && cfg_.pool_height > 1) {
        c.line_buffer_depth = cfg_.in_width + cfg_.pad_left + cfg_.pad_right;
        c.line_buffer_values = (cfg_.pool_height - 1) * cfg_.n_filt;
    }
    return c;
}

}  // namespace tlm4ml
