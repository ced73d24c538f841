// Binary ({-1,+1}, one bit: 1 is +1, 0 is -1, as hls4ml's ap_uint<1> XNOR encoding) and ternary
// ({-1,0,+1}, two masks) vectors packed into 64-bit words, and their dot products.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "rtl_models/precision.h"
#include "rtl_models/quantize.h"

namespace tlm4ml {

class BitVector {
public:
    BitVector() = default;
    explicit BitVector(size_t n) : words_((n + 63) / 64, 0), size_(n) {}

    size_t size() const { return size_; }
    size_t word_count() const { return words_.size(); }
    const uint64_t* data() const { return words_.data(); }
    uint64_t* data() { return words_.data(); }

    bool get(size_t i) const { return (words_[i >> 6] >> (i & 63)) & 1; }
    void set(size_t i, bool bit) {
        const uint64_t m = uint64_t{1} << (i & 63);
        words_[i >> 6] = bit ? (words_[i >> 6] | m) : (words_[i >> 6] & ~m);
    }
    // Mask of the valid bits of word k (the last word may be partial).
    uint64_t word_mask(size_t k) const {
        const size_t tail = size_ & 63;
        return (k + 1 == words_.size() && tail != 0) ? ((uint64_t{1} << tail) - 1) : ~uint64_t{0};
    }

private:
    std::vector<uint64_t> words_;
    size_t size_ = 0;
};

// A ternary vector: element i is 0 unless nonzero bit i is set; then -1 if negative bit i is set, else +1.
struct TernaryVector {
    BitVector nonzero;
    BitVector negative;

    TernaryVector() = default;
    explicit TernaryVector(size_t n) : nonzero(n), negative(n) {}
    size_t size() const { return nonzero.size(); }
    int get(size_t i) const { return nonzero.get(i) ? (negative.get(i) ? -1 : 1) : 0; }
    void set(size_t i, int v) {
        nonzero.set(i, v != 0);
        negative.set(i, v < 0);
    }
};

// Number of positions where a and b agree (XNOR), over the first n bits.
int64_t xnor_matches(const BitVector& a, const BitVector& b);
// The same on raw words (bits beyond n_bits are ignored).
int64_t xnor_matches(const uint64_t* a, const uint64_t* b, size_t n_bits);

// Binary x binary dot product: 2*matches - n (what hls4ml's XNOR layer computes after its final cast).
inline int64_t xnor_dot(const BitVector& a, const BitVector& b) {
    return 2 * xnor_matches(a, b) - static_cast<int64_t>(a.size());
}

// Ternary x ternary dot product.
int64_t ternary_dot(const TernaryVector& a, const TernaryVector& b);

// Ternary x binary dot product (binary data in XNOR encoding).
int64_t ternary_binary_dot(const TernaryVector& w, const BitVector& x);

// How a tensor of one- or two-bit codes travels between layers packed into 64-bit words (element i is bit i % 64
// of word i / 64, bits past the last element are zero). Binary: the XNOR codes 0 / 1 (1 is +1) in one plane.
// Ternary: the codes -1 / 0 / +1 in two planes of packed_words(n) words each, nonzero first, then negative.
enum class Packing : uint8_t { None, Binary, Ternary };
const char* to_string(Packing p);

inline size_t packed_words(size_t n) { return (n + 63) / 64; }
// Words a packed tensor of n elements occupies (0 for Packing::None).
inline size_t packed_size(Packing p, size_t n) {
    return p == Packing::None ? 0 : (p == Packing::Ternary ? 2 : 1) * packed_words(n);
}
// Packs n raw codes (Binary: any nonzero code is bit 1; Ternary: codes must be -1, 0 or +1) / unpacks them.
void pack_codes(Packing p, const int64_t* codes, size_t n, uint64_t* words);
void unpack_codes(Packing p, const uint64_t* words, size_t n, int64_t* codes);

// hls4ml's result/accumulator type of an XNOR layer with n inputs: ap_int<ceil(log2 n)+2>.
Precision xnor_result_precision(size_t n_in);

// The two Dense product kernels on fixed-point data with one-bit or two-bit weights. hls4ml casts every
// product to accum_t and re-stores every partial sum in accum_t; `product_cast` and `accumulate` are those
// two casts (Requantizers built for the data and accum types). The sum starts at `init` (the bias in accum_t).
//   binary weight: w==1 ? x : -x          ternary weight: +x, 0, -x
int64_t binary_weight_dot(const BitVector& w, const int64_t* x, int64_t init, const Requantizer& product_cast,
                          const Requantizer& accumulate);
int64_t ternary_weight_dot(const TernaryVector& w, const int64_t* x, int64_t init, const Requantizer& product_cast,
                           const Requantizer& accumulate);

}  // namespace tlm4ml
