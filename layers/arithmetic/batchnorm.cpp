#include "layers/arithmetic/batchnorm.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <stdexcept>

#include <fmt/format.h>

#include "rtl_models/quantize.h"

namespace tlm4ml {

BatchNormLayer::BatchNormLayer(std::string name, BatchNormConfig cfg)
    : Layer(std::move(name), "BatchNormalization", cfg.n_in, cfg.n_in, cfg.data_t, cfg.result_t, cfg.reuse_factor),
      cfg_(std::move(cfg)) {
    if (cfg_.n_filt == 0 || cfg_.n_in % cfg_.n_filt != 0 || cfg_.scale.size() != cfg_.n_filt ||
        cfg_.bias.size() != cfg_.n_filt)
        throw std::invalid_argument(fmt::format("BatchNormalization {}: scale/bias sizes do not match", name_));
    const int pf = cfg_.data_t.frac() + cfg_.scale_t.frac();
    sum_frac_ = std::max(pf, cfg_.bias_t.frac());
    product_shift_ = sum_frac_ - pf;
    bias_shift_ = sum_frac_ - cfg_.bias_t.frac();
    narrow_ = cfg_.data_t.width + cfg_.scale_t.width + product_shift_ <= 62 &&
              cfg_.bias_t.width + bias_shift_ <= 62 && cfg_.data_t.width <= 62;
    if (narrow_) {
        for (size_t k = 0; k < cfg_.n_filt; ++k) {
            scale_aligned_.push_back(cfg_.scale[k] * (int64_t{1} << product_shift_));
            bias_aligned_.push_back(cfg_.bias[k] * (int64_t{1} << bias_shift_));
        }
        to_result_ = Requantizer(sum_frac_, cfg_.result_t);
        const Precision& d = cfg_.data_t;
        const int64_t x_max = std::max(-d.min_raw(), d.max_raw());  // data_t.width <= 62 here
        bool fits32 = d.width <= 32 && to_result_.fits32();
        for (size_t k = 0; k < cfg_.n_filt && fits32; ++k) {
            const int64_t s = scale_aligned_[k] < 0 ? -scale_aligned_[k] : scale_aligned_[k];
            const int64_t b = bias_aligned_[k] < 0 ? -bias_aligned_[k] : bias_aligned_[k];
            fits32 = s <= INT32_MAX && b <= INT32_MAX && (s == 0 || x_max <= (INT32_MAX - b) / s);
        }
        if (fits32) {
            scale32_.assign(scale_aligned_.begin(), scale_aligned_.end());
            bias32_.assign(bias_aligned_.begin(), bias_aligned_.end());
        }
    }
}

void BatchNormLayer::compute(const int64_t* in, int64_t* out) const {
    const size_t nf = cfg_.n_filt;
    if (!scale32_.empty()) {
        // x*scale + bias cannot leave int32 (see the constructor); data_t codes fit int32. The cast is
        // Requantizer::apply32's, in the same pass.
        const int right = to_result_.right_shift(), left = to_result_.left_shift();
        const int keep = 32 - cfg_.result_t.width;
        const bool is_signed = cfg_.result_t.is_signed;
        const int32_t* scale = scale32_.data();
        const int32_t* bias = bias32_.data();
        for (size_t p = 0; p < cfg_.n_in; p += nf) {
            const int64_t* x = in + p;
            int64_t* y = out + p;
            if (is_signed) {
                for (size_t k = 0; k < nf; ++k) {
                    const int32_t sum = static_cast<int32_t>(x[k]) * scale[k] + bias[k];
                    y[k] = static_cast<int32_t>((static_cast<uint32_t>(sum >> right) << left) << keep) >> keep;
                }
            } else {
                for (size_t k = 0; k < nf; ++k) {
                    const int32_t sum = static_cast<int32_t>(x[k]) * scale[k] + bias[k];
                    y[k] = ((static_cast<uint32_t>(sum >> right) << left) << keep) >> keep;
                }
            }
        }
        return;
    }
    if (narrow_) {
        for (size_t p = 0; p < cfg_.n_in; p += nf)
            for (size_t k = 0; k < nf; ++k) out[p + k] = to_result_(in[p + k] * scale_aligned_[k] + bias_aligned_[k]);
        return;
    }
    for (size_t i = 0; i < cfg_.n_in; ++i) {
        const size_t k = nf == cfg_.n_in ? i : i % nf;
        const int128 sum = int128{in[i]} * cfg_.scale[k] * (int128{1} << product_shift_) +
                           int128{cfg_.bias[k]} * (int128{1} << bias_shift_);
        out[i] = quantize(sum, sum_frac_, cfg_.result_t);
    }
}

std::string BatchNormLayer::precision_summary() const {
    return fmt::format("scale={} bias={} result={}", cfg_.scale_t.str(), cfg_.bias_t.str(), cfg_.result_t.str());
}

LayerCostInputs BatchNormLayer::cost_inputs() const {
    LayerCostInputs c = Layer::cost_inputs();
    c.kind = LayerCostInputs::Kind::BatchNorm;
    c.weight_width = cfg_.scale_t.width;
    return c;
}

}  // namespace tlm4ml
