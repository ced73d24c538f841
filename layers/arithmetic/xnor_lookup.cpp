#include "layers/arithmetic/xnor_lookup.h"

#include <algorithm>

#include "rtl_models/scratch_buffer.h"
#include "rtl_models/xnor_popcount.h"

namespace tlm4ml {

namespace {
// 128 KB of table: beyond that the lookups would leave the L2 cache.
constexpr size_t kMaxEntries = size_t{1} << 14;
}  // namespace

XnorLookupLayer::XnorLookupLayer(const DenseLayer& dense, const Layer& last)
    : Layer(dense.name() + (&last == &dense ? "" : "+" + last.name()), "XnorLookup", dense.n_in(), last.n_out(),
            dense.input_precision(), last.output_precision(), dense.reuse_factor()),
      dense_(dense) {
    packed_in_ = Packing::Binary;
}

std::unique_ptr<XnorLookupLayer> XnorLookupLayer::fuse(const DenseLayer& dense, const BatchNormLayer* batchnorm) {
    const size_t n = dense.n_in(), n_out = dense.n_out();
    if (!dense.counts_matches() || (n + 1) * n_out > kMaxEntries) return nullptr;
    if (batchnorm && (batchnorm->n_in() != n_out || batchnorm->n_out() != n_out)) return nullptr;
    std::unique_ptr<XnorLookupLayer> fused(
        new XnorLookupLayer(dense, batchnorm ? static_cast<const Layer&>(*batchnorm) : dense));
    fused->table_.resize((n + 1) * n_out);
    std::vector<int64_t> acc(n_out), values(n_out), normalized(n_out);
    for (size_t d = 0; d <= n; ++d) {
        for (size_t j = 0; j < n_out; ++j) acc[j] = dense.bias_in_accum(j) + static_cast<int64_t>(n - d);
        dense.finish_sums(acc.data(), values.data());
        if (batchnorm) batchnorm->compute(values.data(), normalized.data());
        const std::vector<int64_t>& out = batchnorm ? normalized : values;
        for (size_t j = 0; j < n_out; ++j) fused->table_[j * (n + 1) + d] = out[j];
    }
    if (xnor_byte_counts_pay(n, n_out)) {
        fused->byte_counts_ = true;
        fused->xnor_keys_ = make_xnor_nibble_keys(dense.xnor_column(0), n, n_out);
    }
    return fused;
}

void XnorLookupLayer::compute_from_packed(const uint64_t* in, int64_t* out) const {
    const size_t n = n_in_, words = packed_words(n);
    ScratchBuffer<uint64_t, 64> x(words);
    for (size_t k = 0; k < words; ++k) x[k] = in[k];
    if (n % 64) x[words - 1] &= (uint64_t{1} << (n % 64)) - 1;
    if (byte_counts_) {
        ScratchBuffer<uint8_t, 512> differ(16 * xnor_keys_.groups);
        count_differing_bytes(x.data(), xnor_keys_, differ.data());
        for (size_t j = 0; j < n_out_; ++j) out[j] = table_[j * (n + 1) + differ[j]];
        return;
    }
    ScratchBuffer<uint32_t, 512> differ(n_out_);
    count_differing_bits(x.data(), words, dense_.xnor_column(0), n_out_, differ.data());
    for (size_t j = 0; j < n_out_; ++j) out[j] = table_[j * (n + 1) + differ[j]];
}

void XnorLookupLayer::compute(const int64_t* in, int64_t* out) const {
    ScratchBuffer<uint64_t, 64> bits(packed_words(n_in_));
    pack_codes(Packing::Binary, in, n_in_, bits.data());
    compute_from_packed(bits.data(), out);
}

}  // namespace tlm4ml
