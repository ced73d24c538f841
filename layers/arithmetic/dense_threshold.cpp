#include "layers/arithmetic/dense_threshold.h"

#include <algorithm>
#include <climits>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

#include "rtl_models/lane_compare.h"
#include "rtl_models/xnor_popcount.h"
#include "rtl_models/scratch_buffer.h"

namespace tlm4ml {

namespace {
// Above this many evaluations (n_in + 1 counts times n_out outputs) building the intervals costs more than it saves.
constexpr size_t kMaxMatchEvaluations = size_t{1} << 22;

uint64_t low_bits(size_t m) { return m >= 64 ? ~uint64_t{0} : (uint64_t{1} << m) - 1; }
// Bits of word k that are outputs (of n).
uint64_t valid_bits(size_t k, size_t n) { return low_bits(n - std::min(n, 64 * k)); }

// The values of d where an output takes one code, while they form an interval.
struct Interval {
    int64_t first = -1, last = -1;
    bool add(int64_t d) {
        if (first < 0) {
            first = last = d;
            return true;
        }
        if (last != d - 1) return false;
        last = d;
        return true;
    }
};
}  // namespace

DenseThresholdLayer::DenseThresholdLayer(const DenseLayer& dense, const QuantizedTanhLayer& threshold)
    : Layer(dense.name() + "+" + threshold.name(), "DenseThreshold", dense.n_in(), threshold.n_out(),
            dense.input_precision(), threshold.output_precision(), dense.reuse_factor()),
      dense_(dense),
      ternary_(threshold.config().ternary) {
    packed_out_ = threshold.packed_output();
}

std::unique_ptr<DenseThresholdLayer> DenseThresholdLayer::fuse(const DenseLayer& dense,
                                                              const QuantizedTanhLayer& threshold) {
    if (dense.n_out() != threshold.n_in()) return nullptr;
    std::unique_ptr<DenseThresholdLayer> fused(new DenseThresholdLayer(dense, threshold));
    if (dense.counts_matches()) {
        if (!fused->build_match_intervals(threshold)) return nullptr;
        fused->from_matches_ = true;
        fused->packed_in_ = Packing::Binary;
        return fused;
    }
    if (!dense.sums_on_16bit_lanes() || !fused->build_lane_bounds(threshold)) return nullptr;
    if (dense.packed_input() == Packing::Ternary) {
        fused->from_ternary_ = true;
        fused->packed_in_ = Packing::Ternary;
    }
    return fused;
}

bool DenseThresholdLayer::build_match_intervals(const QuantizedTanhLayer& threshold) {
    const size_t n = n_in_, n_out = n_out_;
    if ((n + 1) * n_out > kMaxMatchEvaluations) return false;
    std::vector<int64_t> acc(n_out), values(n_out), codes(n_out);
    std::vector<Interval> plus(n_out), minus(n_out);
    for (size_t d = 0; d <= n; ++d) {
        for (size_t j = 0; j < n_out; ++j) acc[j] = dense_.bias_in_accum(j) + static_cast<int64_t>(n - d);
        dense_.finish_sums(acc.data(), values.data());
        threshold.compute(values.data(), codes.data());
        for (size_t j = 0; j < n_out; ++j) {
            const int64_t di = static_cast<int64_t>(d);
            if (codes[j] == 1 && !plus[j].add(di)) return false;
            if (codes[j] == -1 && !minus[j].add(di)) return false;
        }
    }
    auto store = [&](const std::vector<Interval>& in, std::vector<uint32_t>& first, std::vector<uint32_t>& span) {
        first.resize(n_out);
        span.resize(n_out);
        for (size_t j = 0; j < n_out; ++j) {
            // An empty interval starts past every count.
            first[j] = static_cast<uint32_t>(in[j].first < 0 ? n + 1 : in[j].first);
            span[j] = static_cast<uint32_t>(in[j].first < 0 ? 0 : in[j].last - in[j].first);
        }
    };
    store(plus, plus_first_, plus_span_);
    if (ternary_) store(minus, minus_first_, minus_span_);
    if (xnor_byte_counts_pay(n, n_out)) {
        byte_counts_ = true;
        xnor_keys_ = make_xnor_nibble_keys(dense_.xnor_column(0), n, n_out);
        const size_t lanes = 64 * packed_words(n_out);
        auto bytes = [&](const std::vector<uint32_t>& first, const std::vector<uint32_t>& span,
                         std::vector<uint8_t>& first8, std::vector<uint8_t>& span8) {
            first8.assign(lanes, 255);  // no count reaches 255 (n <= 254)
            span8.assign(lanes, 0);
            for (size_t j = 0; j < n_out; ++j) {
                first8[j] = static_cast<uint8_t>(first[j]);  // at most n + 1
                span8[j] = static_cast<uint8_t>(span[j]);
            }
        };
        bytes(plus_first_, plus_span_, plus_first8_, plus_span8_);
        if (ternary_) bytes(minus_first_, minus_span_, minus_first8_, minus_span8_);
    }
    return true;
}

bool DenseThresholdLayer::build_lane_bounds(const QuantizedTanhLayer& threshold) {
    const Precision& accum = dense_.config().accum_t;
    if (accum.width > (accum.is_signed ? 16 : 15)) return false;
    const int64_t lo = accum.min_raw(), hi = accum.max_raw();
    const size_t codes = static_cast<size_t>(hi - lo + 1);
    // The result of accum_t code lo + k; the bounds below need it non-decreasing in k. A plain shift that
    // never leaves result_t's range is (checked at both ends); any other cast is checked code by code.
    const Requantizer& cast = dense_.result_cast();
    const Precision& to = cast.target();
    std::vector<int64_t> table;
    const auto shifted = [&](int64_t c) {
        return static_cast<int64_t>(static_cast<uint64_t>(c >> cast.right_shift()) << cast.left_shift());
    };
    const bool plain =
        cast.fast() && cast.left_shift() < 40 && shifted(lo) >= to.min_raw() && shifted(hi) <= to.max_raw();
    if (!plain) {
        std::vector<int64_t> all(codes);
        for (size_t k = 0; k < codes; ++k) all[k] = lo + static_cast<int64_t>(k);
        table.resize(codes);
        dense_.results_of_accum(all.data(), table.data(), codes);
        if (!std::is_sorted(table.begin(), table.end())) return false;
    }
    const auto result = [&](size_t k) { return plain ? shifted(lo + static_cast<int64_t>(k)) : table[k]; };
    // The first code whose result reaches t (hi + 1 if none), by bisection.
    const auto first_reaching = [&](int64_t t) {
        size_t a = 0, b = codes;
        while (a < b) {
            const size_t m = a + (b - a) / 2;
            if (result(m) >= t)
                b = m;
            else
                a = m + 1;
        }
        return lo + static_cast<int64_t>(a);
    };
    const size_t lanes = dense_.plane_lanes(), words = lanes / 64, n_out = n_out_;
    // Code > above (or always) exactly where result >= t: above is one less than the first code reaching t.
    auto bounds = [&](auto threshold_of, std::vector<int16_t>& above, std::vector<uint64_t>& always) {
        above.assign(lanes, INT16_MAX);
        always.assign(words, 0);
        for (size_t j = 0; j < n_out; ++j) {
            const int64_t first = first_reaching(threshold_of(j));
            if (first <= lo)
                always[j / 64] |= uint64_t{1} << (j % 64);
            else if (first <= hi)
                above[j] = static_cast<int16_t>(first - 1);
        }
    };
    const QuantizedTanhConfig& t = threshold.config();
    const size_t nf = t.n_filt;
    if (!ternary_) {
        bounds([&](size_t j) { return t.threshold[j % nf]; }, plus_above_, plus_always_);
    } else {
        // +1: x > hi, i.e. x >= hi + 1; -1: x <= lo, i.e. not x >= lo + 1.
        bounds([&](size_t j) { return t.threshold_hi[j % nf] + 1; }, plus_above_, plus_always_);
        bounds([&](size_t j) { return t.threshold_lo[j % nf] + 1; }, minus_above_, minus_always_);
    }
    return true;
}

void DenseThresholdLayer::bits_from_matches(const uint64_t* in, uint64_t* plus, uint64_t* minus) const {
    const size_t n = n_in_, words = packed_words(n);
    ScratchBuffer<uint64_t, 64> x(words);
    for (size_t k = 0; k < words; ++k) x[k] = in[k];
    x[words - 1] &= low_bits(n - 64 * (words - 1));
    if (byte_counts_) {
        const size_t out_words = packed_words(n_out_), lanes = 64 * out_words;
        ScratchBuffer<uint8_t, 512> differ(lanes);
        count_differing_bytes(x.data(), xnor_keys_, differ.data());
        for (size_t j = 16 * xnor_keys_.groups; j < lanes; ++j) differ[j] = 0;
        bytes_within(differ.data(), plus_first8_.data(), plus_span8_.data(), out_words, plus);
        if (ternary_) bytes_within(differ.data(), minus_first8_.data(), minus_span8_.data(), out_words, minus);
        return;
    }
    ScratchBuffer<uint32_t, 512> differ(n_out_);
    count_differing_bits(x.data(), words, dense_.xnor_column(0), n_out_, differ.data());
    within(differ.data(), plus_first_.data(), plus_span_.data(), plus);
    if (ternary_) within(differ.data(), minus_first_.data(), minus_span_.data(), minus);
}

void DenseThresholdLayer::within(const uint32_t* differ, const uint32_t* first, const uint32_t* span,
                                 uint64_t* bits) const {
    for (size_t k = 0; k < packed_words(n_out_); ++k) {
        const size_t m = std::min<size_t>(64, n_out_ - 64 * k);
        uint64_t word = 0;
        size_t b = 0;
#if defined(__AVX2__)
        // Eight at a time: d - first <= span (unsigned) is max(d - first, span) == span.
        for (; b + 8 <= m; b += 8) {
            const size_t j = 64 * k + b;
            const __m256i d = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(differ + j));
            const __m256i f = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(first + j));
            const __m256i s = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(span + j));
            const __m256i in = _mm256_cmpeq_epi32(_mm256_max_epu32(_mm256_sub_epi32(d, f), s), s);
            word |= static_cast<uint64_t>(_mm256_movemask_ps(_mm256_castsi256_ps(in))) << b;
        }
#endif
        for (; b < m; ++b) {
            const size_t j = 64 * k + b;
            word |= static_cast<uint64_t>(differ[j] - first[j] <= span[j]) << b;
        }
        bits[k] = word;
    }
}

void DenseThresholdLayer::bits_from_lanes(const int64_t* in, uint64_t* plus, uint64_t* minus) const {
    const size_t lanes = dense_.plane_lanes(), words = lanes / 64;
    const Precision& accum = dense_.config().accum_t;
    ScratchBuffer<uint16_t, 512> sums(lanes);
    dense_.plane_sums16(in, sums.data());
    lanes_above(sums.data(), plus_above_.data(), words, accum.width, accum.is_signed, plus);
    for (size_t k = 0; k < words; ++k) plus[k] |= plus_always_[k];
    if (!ternary_) return;
    lanes_above(sums.data(), minus_above_.data(), words, accum.width, accum.is_signed, minus);
    for (size_t k = 0; k < words; ++k) minus[k] = ~(minus[k] | minus_always_[k]) & ~plus[k] & valid_bits(k, n_out_);
}

void DenseThresholdLayer::bits_from_ternary(const uint64_t* in, uint64_t* plus, uint64_t* minus) const {
    const size_t words = packed_words(n_out_);
    ScratchBuffer<int32_t, 512> sums(n_out_);
    dense_.ternary_sums(in, sums.data());
    auto above = [&](const int16_t* bound, size_t k) {
        const size_t m = std::min<size_t>(64, n_out_ - 64 * k);
        uint64_t bits = 0;
        for (size_t b = 0; b < m; ++b) bits |= static_cast<uint64_t>(sums[64 * k + b] > bound[64 * k + b]) << b;
        return bits;
    };
    for (size_t k = 0; k < words; ++k) plus[k] = above(plus_above_.data(), k) | plus_always_[k];
    if (!ternary_) return;
    for (size_t k = 0; k < words; ++k)
        minus[k] = ~(above(minus_above_.data(), k) | minus_always_[k]) & ~plus[k] & valid_bits(k, n_out_);
}

void DenseThresholdLayer::pack_planes(const uint64_t* plus, const uint64_t* minus, uint64_t* out) const {
    const size_t words = packed_words(n_out_);
    if (!ternary_) {
        for (size_t k = 0; k < words; ++k) out[k] = plus[k];
        return;
    }
    for (size_t k = 0; k < words; ++k) {
        out[k] = plus[k] | minus[k];
        out[words + k] = minus[k];
    }
}

void DenseThresholdLayer::compute_packed(const uint64_t* in, uint64_t* out) const {
    if (!from_matches_ && !from_ternary_) {
        Layer::compute_packed(in, out);  // throws: no packed input
        return;
    }
    if (!ternary_ && from_matches_) {
        bits_from_matches(in, out, nullptr);  // the +1 bits are the packed output
        return;
    }
    const size_t words = packed_words(n_out_);
    ScratchBuffer<uint64_t, 64> plus(words), minus(words);
    if (from_matches_)
        bits_from_matches(in, plus.data(), minus.data());
    else
        bits_from_ternary(in, plus.data(), minus.data());
    pack_planes(plus.data(), minus.data(), out);
}

void DenseThresholdLayer::compute_to_packed(const int64_t* in, uint64_t* out) const {
    if (packed_in_ != Packing::None) {
        ScratchBuffer<uint64_t, 128> planes(packed_size(packed_in_, n_in_));
        pack_codes(packed_in_, in, n_in_, planes.data());
        compute_packed(planes.data(), out);
        return;
    }
    // plane_lanes() covers whole words of outputs: the planes get that many.
    const size_t words = dense_.plane_lanes() / 64;
    ScratchBuffer<uint64_t, 64> plus(words), minus(ternary_ ? words : 0);
    bits_from_lanes(in, plus.data(), minus.data());
    pack_planes(plus.data(), minus.data(), out);
}

void DenseThresholdLayer::compute_from_packed(const uint64_t* in, int64_t* out) const {
    ScratchBuffer<uint64_t, 128> packed(packed_size(packed_out_, n_out_));
    compute_packed(in, packed.data());
    unpack_codes(packed_out_, packed.data(), n_out_, out);
}

void DenseThresholdLayer::compute(const int64_t* in, int64_t* out) const {
    ScratchBuffer<uint64_t, 128> packed(packed_size(packed_out_, n_out_));
    compute_to_packed(in, packed.data());
    unpack_codes(packed_out_, packed.data(), n_out_, out);
}

}  // namespace tlm4ml
