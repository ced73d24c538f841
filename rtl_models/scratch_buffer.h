// A working array for one call of a hot path: on the stack up to N values (the usual small layer, no
// allocation per inference), on the heap beyond. Contents start uninitialized, like a local array.
#pragma once

#include <cstddef>
#include <vector>

namespace tlm4ml {

template <typename T, size_t N>
class ScratchBuffer {
public:
    explicit ScratchBuffer(size_t n) {
        if (n > N) {
            heap_.resize(n);
            data_ = heap_.data();
        }
    }
    ScratchBuffer(const ScratchBuffer&) = delete;  // data_ may point into this object
    ScratchBuffer& operator=(const ScratchBuffer&) = delete;

    T* data() { return data_; }
    T& operator[](size_t i) { return data_[i]; }

private:
    T stack_[N];
    std::vector<T> heap_;
    T* data_ = stack_;
};

}  // namespace tlm4ml
