#include "layers/modules/stream_adapter_module.h"

#include <algorithm>
#include <stdexcept>

namespace tlm4ml {

StreamSplitter::StreamSplitter(sc_core::sc_module_name name, StreamChannel& in, StreamChannel& out)
    : sc_core::sc_module(name), in_(in), out_(out) {
    if (out.width() == 0 || in.width() % out.width() != 0)
        throw std::invalid_argument(std::string(basename()) + ": the tensor is not a whole number of words");
}

void StreamSplitter::tick(uint64_t cycle) {
    if (!have_ && in_.can_pop(cycle)) {
        current_ = in_.pop(cycle);
        have_ = true;
        word_ = 0;
    }
    if (have_ && out_.can_push(cycle)) {
        Token t;
        t.sample = current_.sample;
        t.data = out_.take_buffer();
        const size_t w = out_.width();
        std::copy(current_.data.begin() + static_cast<std::ptrdiff_t>(word_ * w),
                  current_.data.begin() + static_cast<std::ptrdiff_t>((word_ + 1) * w), t.data.begin());
        out_.push(std::move(t), cycle);
        if (++word_ * w == current_.data.size()) {
            have_ = false;
            in_.recycle(std::move(current_.data));
        }
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
        Token t = in_.pop(cycle);
        std::copy(t.data.begin(), t.data.end(), buffer_.begin() + static_cast<std::ptrdiff_t>(filled_));
        filled_ += t.data.size();
        sample_ = t.sample;
        in_.recycle(std::move(t.data));
        complete_ = filled_ == buffer_.size();
    }
    if (complete_ && out_.can_push(cycle)) {
        Token t;
        t.sample = sample_;
        t.data = buffer_;
        out_.push(std::move(t), cycle);
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
