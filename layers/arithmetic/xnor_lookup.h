// An XNOR Dense layer counting matches, with the BatchNormalization after it if there is one, as one step of
// the untimed forward pass: each output is a function of the count d of differing bits (0..n_in), so a table
// per output, filled once with the layers' own compute() arithmetic (DenseLayer::finish_sums, then the
// BatchNorm's compute()), replaces the final casts and the BatchNorm per sample. The clocked network keeps
// running the layers one by one.
#pragma once

#include <memory>
#include <vector>

#include "layers/arithmetic/batchnorm.h"
#include "layers/arithmetic/dense.h"
#include "rtl_models/xnor_byte_counts.h"

namespace tlm4ml {

class XnorLookupLayer : public Layer {
public:
    // dense must count matches (DenseLayer::counts_matches()); batchnorm (may be null) must read all of its
    // outputs. nullptr when the table would be too large to pay off. The layers must outlive the result.
    static std::unique_ptr<XnorLookupLayer> fuse(const DenseLayer& dense, const BatchNormLayer* batchnorm);

    void compute(const int64_t* in, int64_t* out) const override;
    void compute_from_packed(const uint64_t* in, int64_t* out) const override;

private:
    XnorLookupLayer(const DenseLayer& dense, const Layer& last);

    const DenseLayer& dense_;
    std::vector<int64_t> table_;  // [n_out][n_in + 1]: output j for d differing bits
    // Counts on bytes where they pay (xnor_byte_counts_pay(), xnor_byte_counts.h).
    bool byte_counts_ = false;
    XnorNibbleKeys xnor_keys_;
};

}  // namespace tlm4ml
