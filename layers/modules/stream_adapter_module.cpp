#include "layers/modules/stream_adapter_module.h"

#include <algorithm>
#include <stdexcept>

namespace tlm4ml {

StreamSplitter::StreamSplitter(sc_core::sc_module_name name, StreamChannel& in, StreamChannel& out)
    : sc_core::sc_module(name), in_(in), out_(out), current_(in.width()) {
    if (out.width() == 0 || in.width() % out.width() != 0)
        throw std::invalid_argument(std::string(basename()) + ": the tensor is not a whole number of words");
}

void StreamSplitter::tick(uint64_t cycle) {
    if (!have_ && in_.can_pop(cycle)) {
        // Taken whole (the channel frees its slot), then written out a word per cycle.
        sample_ = in_.front_sample();
        std::copy_n(in_.front_data(), in_.width(), current_.begin());
        in_.drop(cycle);
        have_ = true;
        word_ = 0;
    }
    if (have_ && out_.can_push(cycle)) {
        const size_t w = out_.width();
        // push() without its call: the splitter is the channel's only producer and reserves nothing else.
        std::copy_n(current_.data() + word_ * w, w, out_.reserve(sample_));
        out_.commit(cycle);
        if (++word_ * w == current_.size()) have_ = false;
    }
}

uint64_t StreamSplitter::next_wake(uint64_t cycle) const {
    if (have_) return out_.full() ? kNever : cycle + 1;
    const uint64_t v = in_.front_visible_cycle();
    return v == UINT64_MAX ? kNever : std::max(v, cycle + 1);
}

StreamCollector::StreamCollector(sc_core::sc_module_name name, StreamChannel& in, StreamChannel& out)
    : sc_core::sc_module(name), in_(in), out_(out), buffer_(out.width()) {
    if (in.width() == 0 || out.width() % in.width() != 0)
        throw std::invalid_argument(std::string(basename()) + ": the tensor is not a whole number of words");
}

void StreamCollector::tick(uint64_t cycle) {
    if (!complete_ && in_.can_pop(cycle)) {
        std::copy_n(in_.front_data(), in_.width(), buffer_.begin() + static_cast<std::ptrdiff_t>(filled_));
        filled_ += in_.width();
        sample_ = in_.front_sample();
        in_.drop(cycle);
        complete_ = filled_ == buffer_.size();
    }
    if (complete_ && out_.can_push(cycle)) {
        out_.push(sample_, buffer_.data(), cycle);
        complete_ = false;
        filled_ = 0;
    }
}

uint64_t StreamCollector::next_wake(uint64_t cycle) const {
    if (complete_) return out_.full() ? kNever : cycle + 1;
    const uint64_t v = in_.front_visible_cycle();
    return v == UINT64_MAX ? kNever : std::max(v, cycle + 1);
}

}  // namespace tlm4ml
