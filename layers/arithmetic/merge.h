// Merge layers with two inputs, as Keras names them and as hls4ml computes them (nnet_merge.h for
// io_parallel, nnet_merge_stream.h for io_stream; the same expression per element in both):
//   Add         res = res_T(in1 + in2)              the sum is exact (ap_fixed widens), one cast
//   Subtract    res = res_T(in1 - in2)
//   Multiply    res = res_T(in1 * in2)              exact product, one cast
//   Average     res = res_T((in1 + in2) / res_T(2)) the exact sum divided by the constant 2 *stored in
//               res_T* (so a res_T that cannot hold 2 changes the divisor); ap_fixed division: the
//               quotient of the mantissas truncated toward zero at the dividend's LSB
//   Maximum     res = res_T(in1 > in2 ? in1 : in2)  exact comparison; C++'s ?: needs both inputs of one type
//   Minimum     res = res_T(in1 < in2 ? in1 : in2)
//   Concatenate res = in1 and in2 side by side along `axis`, each element cast to res_T
// hls4ml's merge_config has n_elem (elements per input) and reuse_factor and no accum_t: the only type
// besides the inputs' is result_t. concat_config has n_elem1_0..2, n_elem2_0..2 and axis.
// The layer's compute() takes both inputs one after the other in one array (n_in = size1 + size2);
// input_precision() is input1's type, input2's is in the config.
#pragma once

#include <vector>

#include "layers/arithmetic/layer.h"
#include "rtl_models/quantize.h"

namespace tlm4ml {

enum class MergeOp { Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate };
const char* merge_class_name(MergeOp op);
// "Add", "Subtract", ... -> op; false for any other class name.
bool parse_merge_class(const std::string& cls, MergeOp& op);

struct MergeConfig {
    MergeOp op = MergeOp::Add;
    size_t n_elem = 0;                 // element-wise ops: elements per input
    std::vector<size_t> shape1;        // Concatenate: the input shapes (hls4ml's n_elem1_*, n_elem2_*)
    std::vector<size_t> shape2;
    size_t axis = 0;                   // Concatenate: the axis, in [0, rank) (Keras' -1 is rank-1)
    int reuse_factor = 1;
    Precision input1_t;
    Precision input2_t;
    Precision result_t;

    size_t n_in1() const;
    size_t n_in2() const;
    size_t n_out() const;
    std::vector<size_t> out_shape() const;  // Concatenate
};

class MergeLayer : public Layer {
public:
    MergeLayer(std::string name, MergeConfig cfg);
    using Layer::compute;
    // in = [input1 (n_in1 values), input2 (n_in2 values)].
    void compute(const int64_t* in, int64_t* out) const override;
    // Element-wise ops on n elements of each input (io_stream computes one word at a time).
    void compute_elements(const int64_t* a, const int64_t* b, int64_t* out, size_t n) const;
    // Concatenate's copies: na values of input1 then nb of input2, each cast to result_t (b may be null).
    void concat_values(const int64_t* a, size_t na, const int64_t* b, size_t nb, int64_t* out) const;
    std::string precision_summary() const override;
    LayerCostInputs cost_inputs() const override;
    const MergeConfig& config() const { return cfg_; }
    bool elementwise() const { return cfg_.op != MergeOp::Concatenate; }

    // Concatenate as runs: for each of `outer()` outer indices, block1() values of input1 then block2()
    // values of input2 (last axis: a pixel of each; axis 0: all of input1, then all of input2).
    size_t outer() const;
    size_t block1() const { return cfg_.n_in1() / outer(); }
    size_t block2() const { return cfg_.n_in2() / outer(); }

private:
    int64_t element(int64_t a, int64_t b) const;

    MergeConfig cfg_;
    int frac_ = 0;             // the finer of the two input LSBs: where sums and comparisons happen
    int shift1_ = 0;           // input1 / input2 raw << shift -> raw at frac_
    int shift2_ = 0;
    int64_t divisor_ = 0;      // Average: raw code of res_T(2)
    int quotient_frac_ = 0;    // Average: LSB of the quotient (ap_fixed's div type)
    int dividend_shift_ = 0;   // Average: the dividend's mantissa is shifted left by max(F_res, 0)
    Requantizer cast1_, cast2_;  // input1 / input2 -> result_t (Concatenate, Maximum, Minimum)
};

}  // namespace tlm4ml
