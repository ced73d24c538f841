#include "layers/arithmetic/layer.h"

#include <atomic>
#include <stdexcept>

#include "rtl_models/scratch_buffer.h"

namespace tlm4ml {

const char* to_string(IoType t) { return t == IoType::Parallel ? "io_parallel" : "io_stream"; }

std::string Layer::precision_summary() const { return "result=" + out_.str(); }

void Layer::compute_from_packed(const uint64_t* in, int64_t* out) const {
    if (packed_in_ == Packing::None) throw std::logic_error(name_ + ": takes no packed input");
    ScratchBuffer<int64_t, 1024> codes(n_in_);
    unpack_codes(packed_in_, in, n_in_, codes.data());
    compute(codes.data(), out);
}

void Layer::compute_to_packed(const int64_t* in, uint64_t* out) const {
    if (packed_out_ == Packing::None) throw std::logic_error(name_ + ": gives no packed output");
    ScratchBuffer<int64_t, 1024> codes(n_out_);
    compute(in, codes.data());
    pack_codes(packed_out_, codes.data(), n_out_, out);
}

void Layer::compute_packed(const uint64_t* in, uint64_t* out) const {
    if (packed_in_ == Packing::None) throw std::logic_error(name_ + ": takes no packed input");
    ScratchBuffer<int64_t, 1024> codes(n_in_);
    unpack_codes(packed_in_, in, n_in_, codes.data());
    compute_to_packed(codes.data(), out);
}

uint64_t LayerSerial::next() {
    static std::atomic<uint64_t> counter{0};
    return ++counter;
}

LayerCostInputs Layer::cost_inputs() const {
    LayerCostInputs c;
    c.n_in = n_in_;
    c.n_out = n_out_;
    c.reuse_factor = reuse_factor_;
    c.data_width = in_.width;
    c.result_width = out_.width;
    return c;
}

}  // namespace tlm4ml
