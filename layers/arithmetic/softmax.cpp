#include "layers/arithmetic/softmax.h"

#include <cmath>
#include <limits>
#include <stdexcept>

#include <fmt/format.h>

#include "rtl_models/fixed_math.h"
#include "rtl_models/quantize.h"
#include "rtl_models/scratch_buffer.h"

namespace tlm4ml {

namespace {
int ceil_log2(int n) {
    int b = 0;
    while ((1 << b) < n) ++b;
    return b;
}

// The value of a type whose top `bits` mantissa bits are `index` and the rest 0 (hls4ml's
// softmax_real_val_from_idx), as the float hls4ml computes it from.
float value_from_index(unsigned index, int bits, const Precision& t) {
    const uint64_t raw_bits = static_cast<uint64_t>(index) << (t.width - bits);
    const int64_t raw = wrap_to_width(raw_bits, t.width, t.is_signed);
    return static_cast<float>(t.to_double(raw));
}

// hls4ml's softmax_idx_from_real_val: the top `bits` bits of the mantissa, read as unsigned.
inline unsigned index_from_raw(int64_t raw, int bits, const Precision& t) {
    const uint64_t u = static_cast<uint64_t>(raw) & (t.width >= 64 ? ~uint64_t{0} : ((uint64_t{1} << t.width) - 1));
    return static_cast<unsigned>(u >> (t.width - bits));
}
}  // namespace

bool parse_softmax_impl(const std::string& name, SoftmaxImpl& impl) {
    if (name == "stable") impl = SoftmaxImpl::Stable;
    else if (name == "latency") impl = SoftmaxImpl::Latency;
    else if (name == "legacy") impl = SoftmaxImpl::Legacy;
    else if (name == "argmax") impl = SoftmaxImpl::Argmax;
    else return false;
    return true;
}

const char* to_string(SoftmaxImpl impl) {
    switch (impl) {
        case SoftmaxImpl::Stable: return "stable";
        case SoftmaxImpl::Latency: return "latency";
        case SoftmaxImpl::Legacy: return "legacy";
        case SoftmaxImpl::Argmax: return "argmax";
    }
    return "?";
}

SoftmaxLayer::SoftmaxLayer(std::string name, SoftmaxConfig cfg)
    : Layer(std::move(name), "Softmax", cfg.n_in, cfg.n_in, cfg.data_t, cfg.result_t, cfg.reuse_factor),
      cfg_(std::move(cfg)) {
    if (cfg_.n_in == 0) throw std::invalid_argument(fmt::format("Softmax {}: empty input", name_));
    const Precision& d = cfg_.data_t;
    if (cfg_.implementation == SoftmaxImpl::Stable || cfg_.implementation == SoftmaxImpl::Latency) {
        if (cfg_.implementation == SoftmaxImpl::Stable) {
            if (d.width < 2) throw std::invalid_argument(fmt::format("Softmax {}: input too narrow", name_));
            inp_norm_t_ = Precision::fixed(d.width - 1, d.integer - 1, false);
            exp_index_t_ = inp_norm_t_;
            // hls4ml clamps the exp table to the addressable range of inp_norm_t.
            if (cfg_.exp_table_size > (1 << std::min(inp_norm_t_.width, 30)))
                cfg_.exp_table_size = 1 << inp_norm_t_.width;
        } else {
            exp_index_t_ = d;
        }
        exp_bits_ = ceil_log2(cfg_.exp_table_size);
        inv_bits_ = ceil_log2(cfg_.inv_table_size);
        if ((1 << exp_bits_) != cfg_.exp_table_size || (1 << inv_bits_) != cfg_.inv_table_size)
            throw std::invalid_argument(fmt::format("Softmax {}: table sizes must be powers of two", name_));
        if (exp_bits_ > exp_index_t_.width || inv_bits_ > cfg_.inv_inp_t.width)
            throw std::invalid_argument(fmt::format("Softmax {}: table larger than its address type", name_));
        if (cfg_.implementation == SoftmaxImpl::Stable) to_norm_ = Requantizer(d.frac(), inp_norm_t_);
        exp_to_acc_ = Requantizer(cfg_.exp_table_t.frac(), cfg_.accum_t);
        acc_sum_ = Requantizer(cfg_.accum_t.frac(), cfg_.accum_t);
        to_inv_in_ = Requantizer(cfg_.accum_t.frac(), cfg_.inv_inp_t);
        to_result_ = Requantizer(cfg_.accum_t.frac() + cfg_.inv_table_t.frac(), cfg_.result_t);
        narrow_ = d.width <= 62 && cfg_.accum_t.width <= 62 && cfg_.accum_t.width + cfg_.inv_table_t.width <= 63;
        exp_table_.resize(cfg_.exp_table_size);
        for (int i = 0; i < cfg_.exp_table_size; ++i) {
            const float v = value_from_index(i, exp_bits_, exp_index_t_);
            const float e = cfg_.implementation == SoftmaxImpl::Stable ? std::exp(-v) : std::exp(v);
            exp_table_[i] = quantize_double(e, cfg_.exp_table_t);
        }
        exp_acc_table_.resize(exp_table_.size());
        for (size_t i = 0; i < exp_table_.size(); ++i) exp_acc_table_[i] = exp_to_acc_(exp_table_[i]);
        inv_table_.resize(cfg_.inv_table_size);
        for (int i = 0; i < cfg_.inv_table_size; ++i) {
            const float v = value_from_index(i, inv_bits_, cfg_.inv_inp_t);
            // 1/0 is +inf: ap_fixed saturates it (the entry is unreachable unless the sum wrapped).
            const float inv = 1.0f / v;
            inv_table_[i] = quantize_double(inv, cfg_.inv_table_t);
        }
    } else if (cfg_.implementation == SoftmaxImpl::Legacy) {
        const int n = cfg_.table_size;
        exp_table_.resize(n);
        inv_table_.resize(n);
        for (int i = 0; i < n; ++i) {
            const float x = static_cast<float>(2 * 8.0 * (i - float(n) / 2.0) / float(n));
            exp_table_[i] = quantize_double(std::exp(x), cfg_.table_t);
            const float y = static_cast<float>(64.0 * i / float(n));
            inv_table_[i] = y > 0.0f ? quantize_double(1.0 / y, cfg_.table_t) : 0;
        }
    }
}

int64_t SoftmaxLayer::add(int64_t a, int64_t b) const {
    return narrow_ ? acc_sum_(a + b) : acc_sum_.wide(int128{a} + b);
}

int64_t SoftmaxLayer::tree_sum(const int64_t* e, size_t n) const {
    if (acc_sum_.fast()) {
        // accum_t wraps: every partial sum is taken modulo 2^W, so any order gives the total modulo 2^W.
        uint64_t total = 0;
        for (size_t i = 0; i < n; ++i) total += static_cast<uint64_t>(e[i]);
        return wrap_to_width(total, cfg_.accum_t.width, cfg_.accum_t.is_signed);
    }
    // hls4ml's reduce() splits at the largest power of two below n, each partial sum stored in accum_t: a
    // balanced tree per power of two in n's binary form (largest first), those sums then added right to left.
    // A binary counter builds exactly that without recursion: equal-sized neighbours merge as they arrive.
    int64_t sum[64];
    size_t size[64];
    size_t top = 0;
    for (size_t i = 0; i < n; ++i) {
        int64_t v = e[i];
        size_t s = 1;
        while (top > 0 && size[top - 1] == s) {
            v = add(sum[--top], v);
            s *= 2;
        }
        sum[top] = v;
        size[top++] = s;
    }
    int64_t total = sum[--top];
    while (top > 0) total = add(sum[--top], total);
    return total;
}

void SoftmaxLayer::compute_lookup(const int64_t* in, int64_t* out) const {
    const size_t n = cfg_.n_in;
    ScratchBuffer<int64_t, 64> e_buffer(n);
    int64_t* e = e_buffer.data();
    int64_t x_max = in[0];
    for (size_t i = 1; i < n; ++i) x_max = in[i] > x_max ? in[i] : x_max;
    const bool stable = cfg_.implementation == SoftmaxImpl::Stable;
    const int64_t* exp_acc = exp_acc_table_.data();
    if (stable && narrow_ && to_norm_.fast() && inp_norm_t_.width < 64) {
        // to_norm_ then index_from_raw with the shifts and mask in registers: the low W bits of the shifted
        // difference (inp_norm_t is unsigned), their top exp_bits_ bits.
        const int r = to_norm_.right_shift(), l = to_norm_.left_shift(), down = inp_norm_t_.width - exp_bits_;
        const uint64_t mask = (uint64_t{1} << inp_norm_t_.width) - 1;
        for (size_t i = 0; i < n; ++i)
            e[i] = exp_acc[((static_cast<uint64_t>((x_max - in[i]) >> r) << l) & mask) >> down];
    } else {
        for (size_t i = 0; i < n; ++i) {
            unsigned idx;
            if (!stable)
                idx = index_from_raw(in[i], exp_bits_, exp_index_t_);
            else if (narrow_)
                idx = index_from_raw(to_norm_(x_max - in[i]), exp_bits_, inp_norm_t_);
            else
                idx = index_from_raw(to_norm_.wide(int128{x_max} - in[i]), exp_bits_, inp_norm_t_);
            e[i] = exp_acc[idx];
        }
    }
    const int64_t sum = tree_sum(e, n);
    const int64_t inv = inv_table_[index_from_raw(to_inv_in_(sum), inv_bits_, cfg_.inv_inp_t)];
    if (narrow_ && to_result_.fast()) {
        const int r = to_result_.right_shift(), l = to_result_.left_shift(), w = to_result_.target().width;
        const bool is_signed = to_result_.target().is_signed;
        for (size_t i = 0; i < n; ++i) out[i] = wrap_to_width(static_cast<uint64_t>((e[i] * inv) >> r) << l, w, is_signed);
    } else if (narrow_) {
        for (size_t i = 0; i < n; ++i) out[i] = to_result_(e[i] * inv);
    } else {
        for (size_t i = 0; i < n; ++i) out[i] = to_result_.wide(int128{e[i]} * inv);
    }
}

void SoftmaxLayer::compute_legacy(const int64_t* in, int64_t* out) const {
    const size_t n = cfg_.n_in;
    const int N = cfg_.table_size;
    const int f = cfg_.data_t.frac();
    const Precision& t = cfg_.table_t;
    for (size_t i = 0; i < n; ++i) {
        int64_t acc = 0;
        for (size_t j = 0; j < n; ++j) {
            int64_t term;
            if (i == j) {
                term = quantize(1, 0, t);
            } else {
                // int((x_j - x_i) * N / 16) + N/2, clamped.
                int128 num = (int128{in[j]} - in[i]) * N, den = 16;
                if (f >= 0) den <<= f; else num <<= -f;
                int128 index = num / den + 8 * N / 16;
                index = index < 0 ? 0 : (index > N - 1 ? N - 1 : index);
                term = exp_table_[static_cast<size_t>(index)];
            }
            acc = quantize(int128{acc} + term, t.frac(), t);
        }
        int128 num = int128{acc} * N, den = 64;
        if (t.frac() >= 0) den <<= t.frac(); else num <<= -t.frac();
        int128 index = num / den;
        index = index < 0 ? 0 : (index > N - 1 ? N - 1 : index);
        out[i] = quantize(inv_table_[static_cast<size_t>(index)], t.frac(), cfg_.result_t);
    }
}

void SoftmaxLayer::compute_argmax(const int64_t* in, int64_t* out) const {
    size_t best = 0;
    for (size_t i = 1; i < cfg_.n_in; ++i)
        if (in[i] > in[best]) best = i;
    for (size_t i = 0; i < cfg_.n_in; ++i) out[i] = quantize(i == best ? 1 : 0, 0, cfg_.result_t);
}

void SoftmaxLayer::compute(const int64_t* in, int64_t* out) const {
    switch (cfg_.implementation) {
        case SoftmaxImpl::Stable:
        case SoftmaxImpl::Latency: compute_lookup(in, out); break;
        case SoftmaxImpl::Legacy: compute_legacy(in, out); break;
        case SoftmaxImpl::Argmax: compute_argmax(in, out); break;
    }
}

std::string SoftmaxLayer::precision_summary() const {
    return fmt::format("{} exp={} inv={} accum={} result={}", to_string(cfg_.implementation),
                       cfg_.exp_table_t.str(), cfg_.inv_table_t.str(), cfg_.accum_t.str(), out_.str());
}

LayerCostInputs SoftmaxLayer::cost_inputs() const {
    LayerCostInputs c = Layer::cost_inputs();
    c.kind = LayerCostInputs::Kind::Softmax;
    c.softmax_ii_from_reuse = cfg_.implementation == SoftmaxImpl::Stable || cfg_.implementation == SoftmaxImpl::Latency;
    return c;
}

}  // namespace tlm4ml
