// The untimed, bit-true arithmetic of one layer, shared by the reference forward pass and by the
// clocked SystemC module that wraps it. Tensors are flat arrays of raw integers in the layer's
// input / output precisions (channels-last, as hls4ml lays them out).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "rtl_models/cost_model.h"
#include "rtl_models/packed_bits.h"
#include "rtl_models/precision.h"

namespace tlm4ml {

enum class IoType { Parallel, Stream };
const char* to_string(IoType t);

// A number no other Layer object in this process has had; a copy draws a new one. forward()'s plan
// (forward_plan.h) recognizes the layers it was built for by it.
class LayerSerial {
public:
    LayerSerial() : value_(next()) {}
    LayerSerial(const LayerSerial&) : value_(next()) {}
    LayerSerial& operator=(const LayerSerial&) {
        value_ = next();
        return *this;
    }
    uint64_t value() const { return value_; }

private:
    static uint64_t next();
    uint64_t value_;
};

class Layer {
public:
    virtual ~Layer() = default;

    const std::string& name() const { return name_; }
    const std::string& class_name() const { return class_name_; }
    size_t n_in() const { return n_in_; }
    size_t n_out() const { return n_out_; }
    const Precision& input_precision() const { return in_; }
    const Precision& output_precision() const { return out_; }
    int reuse_factor() const { return reuse_factor_; }

    // out[n_out] = layer(in[n_in]); both arrays of raw integers.
    virtual void compute(const int64_t* in, int64_t* out) const = 0;

    // Packed hand-off (Packing in packed_bits.h): a layer that computes natively from packed input or into a
    // packed output says which packing; the forward pass hands a tensor on packed when its producer's
    // packed_output() equals its consumer's packed_input(). Both None unless a layer sets them.
    Packing packed_input() const { return packed_in_; }
    Packing packed_output() const { return packed_out_; }
    // compute() from packed_input()'s packing / into packed_output()'s. The defaults unpack / pack around
    // compute(); layers override them with their packed kernels. Same outputs as compute(), bit for bit.
    virtual void compute_from_packed(const uint64_t* in, int64_t* out) const;
    virtual void compute_to_packed(const int64_t* in, uint64_t* out) const;
    // From packed_input()'s packing into packed_output()'s (the default unpacks the input first).
    virtual void compute_packed(const uint64_t* in, uint64_t* out) const;
    uint64_t serial() const { return serial_.value(); }

    // "weight=ap_fixed<16,6> accum=... result=..." for reports.
    virtual std::string precision_summary() const;
    virtual LayerCostInputs cost_inputs() const;

    std::vector<int64_t> compute(const std::vector<int64_t>& in) const {
        std::vector<int64_t> out(n_out_);
        compute(in.data(), out.data());
        return out;
    }

protected:
    Layer(std::string name, std::string class_name, size_t n_in, size_t n_out, Precision in, Precision out,
          int reuse_factor = 1)
        : name_(std::move(name)), class_name_(std::move(class_name)), n_in_(n_in), n_out_(n_out), in_(in),
          out_(out), reuse_factor_(reuse_factor) {}

    std::string name_;
    std::string class_name_;
    size_t n_in_;
    size_t n_out_;
    Precision in_;
    Precision out_;
    int reuse_factor_;
    Packing packed_in_ = Packing::None;
    Packing packed_out_ = Packing::None;
    LayerSerial serial_;
};

using LayerPtr = std::unique_ptr<Layer>;

// hls4ml's XNOR encoding (XnorPrecisionType prints as uint<1>): 1 is +1, 0 is -1.
inline bool is_xnor_type(const Precision& p) { return p.integer_type && !p.is_signed && p.width == 1; }
// hls4ml's ternary / bipolar weight type int<2>.
inline bool is_ternary_type(const Precision& p) { return p.integer_type && p.is_signed && p.width == 2; }

}  // namespace tlm4ml
