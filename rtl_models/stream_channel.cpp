#include "rtl_models/stream_channel.h"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

namespace tlm4ml {

namespace {
uint32_t count32(const std::string& channel, const char* what, size_t n) {
    if (n >= UINT32_MAX) throw std::invalid_argument(fmt::format("channel {}: {} {} is too large", channel, what, n));
    return static_cast<uint32_t>(n);
}
}  // namespace

StreamChannel::StreamChannel(std::string name, size_t depth, int latency, size_t width)
    : depth_(depth),
      width_(count32(name, "width", width)),
      stride_(count32(name, "width", width + kHeader)),
      latency_(latency),
      name_(std::move(name)) {}

void StreamChannel::set_push_interval(uint64_t cycles) { push_interval_ = count32(name_, "push interval", cycles); }

void StreamChannel::grow() {
    // One slot more while the ring is small (a hand-off with no latency needs one slot, a pipeline of L
    // cycles L + 1), half as many again beyond; the items and the reserved slots keep their order, from 0.
    const size_t cap = capacity_ < 8 ? capacity_ + 1 : capacity_ + capacity_ / 2;
    count32(name_, "ring size", cap * stride_);
    const size_t used = size_ + reserved_;
    std::vector<int64_t> store(cap * stride_);
    int64_t* from = head_;
    for (size_t i = 0; i < used; ++i, from = after(from))
        std::copy_n(from, stride_, store.begin() + static_cast<std::ptrdiff_t>(i * stride_));
    store_ = std::move(store);
    capacity_ = static_cast<uint32_t>(cap);
    store_begin_ = store_.data();
    end_ = store_begin_ + cap * stride_;
    head_ = store_begin_;
    commit_at_ = store_begin_ + size_ * stride_;
    reserve_at_ = store_begin_ + used * stride_;  // used < cap: no wrap
}

void StreamChannel::push(uint64_t sample, const int64_t* values, uint64_t cycle) {
    // A copy would overtake the slots reserved before it.
    if (reserved_ != 0)
        throw std::logic_error(fmt::format("channel {}: a copy pushed while {} slots are reserved", name_, reserved_));
    std::copy_n(values, width_, reserve(sample));
    commit(cycle);
}

void StreamChannel::push(Token&& t, uint64_t cycle) {
    if (t.data.size() != width_)
        throw std::logic_error(
            fmt::format("channel {}: a token of {} values pushed into words of {}", name_, t.data.size(), width_));
    push(t.sample, t.data.data(), cycle);
}

Token StreamChannel::pop(uint64_t cycle) {
    Token t;
    t.sample = front_sample();
    t.visible_cycle = front_visible();
    t.data.assign(front_data(), front_data() + width_);
    drop(cycle);
    return t;
}

void StreamChannel::finish(uint64_t end_cycle) { account(end_cycle); }

}  // namespace tlm4ml
