// A Dense layer and the threshold after it (BatchNormalizationQuantizedTanh) as one step of the untimed
// forward pass: the Dense sums are compared with one integer bound per output, computed once here, and the
// threshold's bits are written packed, without the Dense outputs' casts in between. Bit for bit the pair's
// output (tests/test_packed_layers.cpp checks it against the two layers' compute()):
// - XNOR layers counting matches: the output is a function of the count of differing bits d (0..n_in). For
//   every d the two layers' own arithmetic (DenseLayer::finish_sums, QuantizedTanhLayer::compute) is
//   evaluated here; where an output's +1 (and -1) codes form an interval of d, the fused step compares d with
//   it. Any other shape (a wrapping cast) leaves the pair unfused.
// - binary / ternary weights on fixed-point data with accum_t within 16 bits (DenseLayer::plane_sums16): the
//   cast of an accum_t code to result_t is checked to be non-decreasing (a plain shift within result_t's range
//   at both ends, else code by code); then "result >= t" is "code >= the first code whose result reaches t",
//   a bound per output found by bisection. Ternary data takes its sums from the two planes' popcounts
//   (DenseLayer::ternary_sums) and compares them with the same bounds.
// The clocked network keeps running the two layers one by one: this is only forward()'s shortcut.
#pragma once

#include <memory>
#include <vector>

#include "layers/arithmetic/dense.h"
#include "layers/arithmetic/quantized_tanh.h"
#include "rtl_models/xnor_byte_counts.h"

namespace tlm4ml {

class DenseThresholdLayer : public Layer {
public:
    // The pair as one layer, or nullptr when it does not fuse exactly. Both layers must outlive the result.
    static std::unique_ptr<DenseThresholdLayer> fuse(const DenseLayer& dense, const QuantizedTanhLayer& threshold);

    // The threshold's codes; from packed input (XNOR layers) or into packed words (the threshold's packing).
    void compute(const int64_t* in, int64_t* out) const override;
    void compute_to_packed(const int64_t* in, uint64_t* out) const override;
    void compute_packed(const uint64_t* in, uint64_t* out) const override;
    void compute_from_packed(const uint64_t* in, int64_t* out) const override;

private:
    DenseThresholdLayer(const DenseLayer& dense, const QuantizedTanhLayer& threshold);
    bool build_match_intervals(const QuantizedTanhLayer& threshold);
    bool build_lane_bounds(const QuantizedTanhLayer& threshold);
    // The +1 bits (and the -1 bits when ternary) of every output, packed_words(n_out) words each.
    void bits_from_matches(const uint64_t* in, uint64_t* plus, uint64_t* minus) const;
    // Bit j of bits: differ[j] within [first[j], first[j] + span[j]].
    void within(const uint32_t* differ, const uint32_t* first, const uint32_t* span, uint64_t* bits) const;
    void bits_from_lanes(const int64_t* in, uint64_t* plus, uint64_t* minus) const;
    void bits_from_ternary(const uint64_t* in, uint64_t* plus, uint64_t* minus) const;
    // Both planes into the threshold's packing.
    void pack_planes(const uint64_t* plus, const uint64_t* minus, uint64_t* out) const;

    const DenseLayer& dense_;
    bool ternary_ = false;
    bool from_matches_ = false;
    bool from_ternary_ = false;  // ternary data: the sums from the planes' counts, compared with the lane bounds
    // XNOR: output j is +1 where d - plus_first_[j] <= plus_span_[j] (unsigned), likewise -1.
    std::vector<uint32_t> plus_first_, plus_span_, minus_first_, minus_span_;
    // The same intervals on bytes where the counts are taken on bytes (xnor_byte_counts_pay(), xnor_byte_counts.h):
    // 64 per output word, lanes past n_out never inside (first 255, span 0).
    bool byte_counts_ = false;
    XnorNibbleKeys xnor_keys_;
    std::vector<uint8_t> plus_first8_, plus_span8_, minus_first8_, minus_span8_;
    // Lanes: +1 where code > plus_above_[j] or plus_always_ has bit j; -1 where neither code > minus_above_[j]
    // nor minus_always_ (and not +1). Lanes past n_out never set a bit.
    std::vector<int16_t> plus_above_, minus_above_;
    std::vector<uint64_t> plus_always_, minus_always_;
};

}  // namespace tlm4ml
