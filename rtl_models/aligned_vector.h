// A std::vector whose storage starts on a cache line. malloc aligns to 16 bytes only, so a table read with
// 32-byte vector loads straddled cache lines in every other load or in none, depending on where the heap
// happened to be: the same binary MNIST network ran 10% slower after an unrelated 512-byte allocation moved
// its lookup tables.
#pragma once

#include <cstddef>
#include <new>
#include <vector>

namespace tlm4ml {

template <class T, std::size_t kAlign = 64>
struct CacheLineAllocator {
    using value_type = T;
    template <class U>
    struct rebind {
        using other = CacheLineAllocator<U, kAlign>;
    };
    CacheLineAllocator() noexcept = default;
    template <class U>
    CacheLineAllocator(const CacheLineAllocator<U, kAlign>&) noexcept {}
    T* allocate(std::size_t n) {
        return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t(kAlign)));
    }
    void deallocate(T* p, std::size_t) noexcept { ::operator delete(p, std::align_val_t(kAlign)); }
    template <class U>
    bool operator==(const CacheLineAllocator<U, kAlign>&) const noexcept { return true; }
    template <class U>
    bool operator!=(const CacheLineAllocator<U, kAlign>&) const noexcept { return false; }
};

template <class T>
using AlignedVector = std::vector<T, CacheLineAllocator<T>>;

}  // namespace tlm4ml
