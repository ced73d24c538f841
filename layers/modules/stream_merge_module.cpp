#include "layers/modules/stream_merge_module.h"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

namespace tlm4ml {

namespace {
// Whether a concatenation can read one word of each input per output word, given the words' sizes.
bool paired_concat(const MergeLayer& l, size_t w1, size_t w2) {
    const MergeConfig& c = l.config();
    const bool last_axis = c.axis + 1 == c.shape1.size();
    if (last_axis && w1 == c.shape1.back() && w2 == c.shape2.back()) return true;  // pixels side by side
    return l.outer() == 1 && w1 == c.n_in1() && w2 == c.n_in2();                   // two whole vectors
}
}  // namespace

size_t StreamMergeModule::output_word(const MergeLayer& l, size_t w1, size_t w2) {
    const std::string who = fmt::format("{} {}", l.class_name(), l.name());
    if (w1 == 0 || w2 == 0 || l.config().n_in1() % w1 != 0 || l.config().n_in2() % w2 != 0)
        throw std::invalid_argument(fmt::format("{}: io_stream inputs are not whole numbers of words", who));
    if (l.elementwise()) {
        if (w1 != w2)
            throw std::invalid_argument(fmt::format("{}: io_stream inputs arrive in words of {} and {} values; an "
                                                    "element-wise merge needs equal words (e.g. both pixels of a "
                                                    "feature map, or both whole vectors)",
                                                    who, w1, w2));
        return w1;
    }
    if (paired_concat(l, w1, w2)) return w1 + w2;
    const MergeConfig& c = l.config();
    if (w1 == w2 && w1 == c.shape1.back() && l.block1() % w1 == 0 && l.block2() % w2 == 0) return w1;
    throw std::invalid_argument(fmt::format("{}: cannot concatenate io_stream words of {} and {} values on axis {} of "
                                            "shapes with last axes {} and {}",
                                            who, w1, w2, c.axis, c.shape1.back(), c.shape2.back()));
}

StreamMergeModule::StreamMergeModule(sc_core::sc_module_name name, const MergeLayer& layer, const LayerTiming& timing,
                                     StreamChannel& in1, StreamChannel& in2, StreamChannel& out)
    : StreamModuleOf(name, layer, timing, in1, out), merge_(layer), in2_(in2) {
    if (out.width() != output_word(layer, in1.width(), in2.width()))
        throw std::invalid_argument(fmt::format("{} {}: output words of {} values, expected {}", layer.class_name(),
                                                layer.name(), out.width(),
                                                output_word(layer, in1.width(), in2.width())));
    paired_ = layer.elementwise() || paired_concat(layer, in1.width(), in2.width());
    if (!paired_) {
        run1_ = layer.block1() / in1.width();
        run2_ = layer.block2() / in2.width();
    }
}

StreamChannel& StreamMergeModule::source() const { return paired_ || pos_ < run1_ ? in_ : in2_; }

uint64_t StreamMergeModule::source_visible_cycle() const {
    if (!paired_) return source().front_visible_cycle();
    const uint64_t a = in_.front_visible_cycle(), b = in2_.front_visible_cycle();
    return a == UINT64_MAX || b == UINT64_MAX ? UINT64_MAX : std::max(a, b);
}

bool StreamMergeModule::may_take(uint64_t cycle) const { return !paired_ || in2_.can_pop(cycle); }

std::vector<const StreamChannel*> StreamMergeModule::waiting_on() const {
    std::vector<const StreamChannel*> v;
    if (paired_) {
        if (in_.size() == 0) v.push_back(&in_);
        if (in2_.size() == 0) v.push_back(&in2_);
    } else if (source().size() == 0) {
        v.push_back(&source());
    }
    return v;
}

void StreamMergeModule::take(const InputWord& in, uint64_t cycle) {
    int64_t* out = output_slot(in.sample, cycle, cycle + static_cast<uint64_t>(timing_.latency));
    if (paired_) {
        const int64_t* b = in2_.front_data();
        if (merge_.elementwise()) merge_.compute_elements(in.data, b, out, in.size);
        else merge_.concat_values(in.data, in.size, b, in2_.width(), out);
        in2_.drop(cycle);
    } else {
        const bool first = pos_ < run1_;
        if (first) merge_.concat_values(in.data, in.size, nullptr, 0, out);
        else merge_.concat_values(nullptr, 0, in.data, in.size, out);
        pos_ = (pos_ + 1) % (run1_ + run2_);
    }
}

template class StreamModuleOf<StreamMergeModule>;

}  // namespace tlm4ml
