#include "rtl_models/packed_bits.h"

#include <algorithm>
#include <bit>
#include <stdexcept>

namespace tlm4ml {

namespace {
inline int popcount64(uint64_t v) { return __builtin_popcountll(v); }

void require_same_size(size_t a, size_t b, const char* what) {
    if (a != b) throw std::invalid_argument(std::string(what) + ": vectors of different lengths");
}
}  // namespace

int64_t xnor_matches(const uint64_t* pa, const uint64_t* pb, size_t n_bits) {
    const size_t full = n_bits / 64, tail = n_bits % 64;
    int64_t matches = 0;
    for (size_t k = 0; k < full; ++k) matches += popcount64(~(pa[k] ^ pb[k]));
    if (tail) matches += popcount64(~(pa[full] ^ pb[full]) & ((uint64_t{1} << tail) - 1));
    return matches;
}

int64_t xnor_matches(const BitVector& a, const BitVector& b) {
    require_same_size(a.size(), b.size(), "xnor_matches");
    return xnor_matches(a.data(), b.data(), a.size());
}

int64_t ternary_dot(const TernaryVector& a, const TernaryVector& b) {
    require_same_size(a.size(), b.size(), "ternary_dot");
    int64_t sum = 0;
    for (size_t k = 0; k < a.nonzero.word_count(); ++k) {
        const uint64_t both = a.nonzero.data()[k] & b.nonzero.data()[k] & a.nonzero.word_mask(k);
        const uint64_t differ = a.negative.data()[k] ^ b.negative.data()[k];
        sum += popcount64(both & ~differ) - popcount64(both & differ);
    }
    return sum;
}

int64_t ternary_binary_dot(const TernaryVector& w, const BitVector& x) {
    require_same_size(w.size(), x.size(), "ternary_binary_dot");
    int64_t sum = 0;
    for (size_t k = 0; k < x.word_count(); ++k) {
        const uint64_t nz = w.nonzero.data()[k] & x.word_mask(k);
        // x bit 1 is +1, so x is negative where its bit is 0; the product is negative where signs differ.
        const uint64_t differ = w.negative.data()[k] ^ ~x.data()[k];
        sum += popcount64(nz & ~differ) - popcount64(nz & differ);
    }
    return sum;
}

const char* to_string(Packing p) {
    switch (p) {
        case Packing::None: return "none";
        case Packing::Binary: return "binary";
        case Packing::Ternary: return "ternary";
    }
    return "?";
}

void pack_codes(Packing p, const int64_t* codes, size_t n, uint64_t* words) {
    if (p == Packing::None) throw std::invalid_argument("pack_codes: no packing");
    const size_t nw = packed_words(n);
    uint64_t* nonzero = words;
    uint64_t* negative = words + nw;
    for (size_t k = 0; k < nw; ++k) {
        const size_t end = std::min(n, 64 * k + 64);
        uint64_t nz = 0, neg = 0;
        for (size_t i = 64 * k; i < end; ++i) {
            nz |= static_cast<uint64_t>(codes[i] != 0) << (i & 63);
            neg |= static_cast<uint64_t>(codes[i] < 0) << (i & 63);
        }
        nonzero[k] = nz;
        if (p == Packing::Ternary) negative[k] = neg;
    }
}

void unpack_codes(Packing p, const uint64_t* words, size_t n, int64_t* codes) {
    if (p == Packing::None) throw std::invalid_argument("unpack_codes: no packing");
    const uint64_t* negative = words + packed_words(n);
    for (size_t i = 0; i < n; ++i) {
        const int64_t bit = static_cast<int64_t>((words[i >> 6] >> (i & 63)) & 1);
        codes[i] = p == Packing::Binary ? bit : (((negative[i >> 6] >> (i & 63)) & 1) ? -bit : bit);
    }
}

Precision xnor_result_precision(size_t n_in) {
    int bits = 0;
    while ((size_t{1} << bits) < n_in) ++bits;  // ceil(log2 n_in)
    return Precision::integer_of(bits + 2, true);
}

int64_t binary_weight_dot(const BitVector& w, const int64_t* x, int64_t init, const Requantizer& product_cast,
                          const Requantizer& accumulate) {
    int64_t acc = init;
    const size_t n = w.size();
    for (size_t i = 0; i < n; ++i) {
        const int64_t p = w.get(i) ? x[i] : -x[i];
        acc = accumulate(acc + product_cast(p));
    }
    return acc;
}

int64_t ternary_weight_dot(const TernaryVector& w, const int64_t* x, int64_t init, const Requantizer& product_cast,
                           const Requantizer& accumulate) {
    int64_t acc = init;
    const size_t n = w.size();
    for (size_t i = 0; i < n; ++i) {
        const int v = w.get(i);
        if (v == 0) {
            acc = accumulate(acc + product_cast(0));
            continue;
        }
        acc = accumulate(acc + product_cast(v > 0 ? x[i] : -x[i]));
    }
    return acc;
}

}  // namespace tlm4ml
