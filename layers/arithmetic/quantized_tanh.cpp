#include "layers/arithmetic/quantized_tanh.h"

#include <algorithm>
#include <stdexcept>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

#include <fmt/format.h>

namespace tlm4ml {

namespace {
// Bit b (b < m <= 64) set where x[b] > t[b]: four comparisons and one movemask per step with AVX2.
uint64_t greater_bits(const int64_t* x, const int64_t* t, size_t m) {
    uint64_t bits = 0;
    size_t b = 0;
#if defined(__AVX2__)
    for (; b + 4 <= m; b += 4) {
        const __m256i xv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + b));
        const __m256i tv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(t + b));
        const int gt = _mm256_movemask_pd(_mm256_castsi256_pd(_mm256_cmpgt_epi64(xv, tv)));
        bits |= static_cast<uint64_t>(gt) << b;
    }
#endif
    for (; b < m; ++b) bits |= static_cast<uint64_t>(x[b] > t[b]) << b;
    return bits;
}

uint64_t low_bits(size_t m) { return m >= 64 ? ~uint64_t{0} : (uint64_t{1} << m) - 1; }
}  // namespace

QuantizedTanhLayer::QuantizedTanhLayer(std::string name, QuantizedTanhConfig cfg)
    : Layer(std::move(name), "BatchNormalizationQuantizedTanh", cfg.n_in, cfg.n_in, cfg.data_t,
            cfg.ternary ? Precision::integer_of(2, true) : Precision::integer_of(1, false)),
      cfg_(std::move(cfg)) {
    const size_t nf = cfg_.n_filt;
    const bool ok = nf != 0 && cfg_.n_in % nf == 0 &&
                    (cfg_.ternary ? (cfg_.threshold_hi.size() == nf && cfg_.threshold_lo.size() == nf)
                                  : cfg_.threshold.size() == nf);
    if (!ok) throw std::invalid_argument(fmt::format("{}: threshold sizes do not match", name_));
    auto repeat = [&](const std::vector<int64_t>& t) {
        std::vector<int64_t> r(cfg_.n_in);
        for (size_t i = 0; i < cfg_.n_in; ++i) r[i] = t[i % nf];
        return r;
    };
    if (cfg_.ternary) {
        threshold_hi_ = repeat(cfg_.threshold_hi);
        threshold_lo_ = repeat(cfg_.threshold_lo);
    } else {
        threshold_ = repeat(cfg_.threshold);
    }
    packed_out_ = cfg_.ternary ? Packing::Ternary : Packing::Binary;
}

void QuantizedTanhLayer::compute(const int64_t* in, int64_t* out) const {
    const size_t n = cfg_.n_in;
    if (cfg_.ternary) {
        const int64_t* hi = threshold_hi_.data();
        const int64_t* lo = threshold_lo_.data();
        for (size_t i = 0; i < n; ++i) out[i] = in[i] > hi[i] ? 1 : (in[i] <= lo[i] ? -1 : 0);
    } else {
        const int64_t* t = threshold_.data();
        for (size_t i = 0; i < n; ++i) out[i] = in[i] >= t[i] ? 1 : 0;
    }
}

void QuantizedTanhLayer::compute_to_packed(const int64_t* in, uint64_t* out) const {
    const size_t n = cfg_.n_in, words = packed_words(n);
    for (size_t k = 0; k < words; ++k) {
        const size_t base = 64 * k, m = std::min<size_t>(64, n - base);
        const int64_t* x = in + base;
        if (cfg_.ternary) {
            // +1 where x > hi; -1 where not, and x <= lo.
            const uint64_t plus = greater_bits(x, threshold_hi_.data() + base, m);
            const uint64_t minus = ~greater_bits(x, threshold_lo_.data() + base, m) & ~plus & low_bits(m);
            out[k] = plus | minus;
            out[words + k] = minus;
        } else {
            // x >= t is not t > x.
            out[k] = ~greater_bits(threshold_.data() + base, x, m) & low_bits(m);
        }
    }
}

std::string QuantizedTanhLayer::precision_summary() const {
    return fmt::format("threshold={} result={}", cfg_.data_t.str(), out_.str());
}

LayerCostInputs QuantizedTanhLayer::cost_inputs() const {
    LayerCostInputs c = Layer::cost_inputs();
    c.kind = LayerCostInputs::Kind::Threshold;
    return c;
}

}  // namespace tlm4ml
