// A FIFO of values in one growable circular array. std::deque allocates and frees a block every few
// elements as a queue slides along, which the clocked engine did several times per simulated cycle; this
// ring allocates only when it grows past its largest size so far.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace tlm4ml {

template <class T>
class RingQueue {
public:
    bool empty() const { return size_ == 0; }
    size_t size() const { return size_; }
    T& front() { return slots_[head_]; }
    const T& front() const { return slots_[head_]; }
    // The i-th element from the front.
    const T& operator[](size_t i) const { return slots_[(head_ + i) & mask_]; }

    void push_back(T&& v) {
        if (size_ == slots_.size()) grow();
        slots_[(head_ + size_) & mask_] = std::move(v);
        ++size_;
    }
    // The front element moved out (its slot keeps a moved-from value).
    T take_front() {
        T v = std::move(slots_[head_]);
        head_ = (head_ + 1) & mask_;
        --size_;
        return v;
    }
    void pop_front() {
        head_ = (head_ + 1) & mask_;
        --size_;
    }

private:
    void grow() {
        // Capacities are powers of two so that an index wraps with a mask.
        std::vector<T> bigger(slots_.empty() ? 4 : 2 * slots_.size());
        for (size_t i = 0; i < size_; ++i) bigger[i] = std::move(slots_[(head_ + i) & mask_]);
        slots_ = std::move(bigger);
        head_ = 0;
        mask_ = slots_.size() - 1;
    }

    std::vector<T> slots_;
    size_t head_ = 0;
    size_t size_ = 0;
    size_t mask_ = 0;
};

}  // namespace tlm4ml
