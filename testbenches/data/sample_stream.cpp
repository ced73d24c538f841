#include "testbenches/data/sample_stream.h"

#include "rtl_models/quantize.h"
#include "testbenches/data/sample_io.h"

namespace tlm4ml {

FileSamples::FileSamples(const std::string& path, size_t width, const Precision& p, size_t max_samples)
    : reader_(RowReader::open(path, width, max_samples, RowReader::Values::float_inputs)),
      precision_(p),
      values_(width) {}

void FileSamples::read(std::vector<int64_t>& out) {
    reader_->next(values_.data());
    out.resize(values_.size());
    for (size_t k = 0; k < values_.size(); ++k) out[k] = quantize_input(values_[k], precision_);
}

RandomSamples::RandomSamples(size_t count, size_t width, const Precision& p, unsigned seed)
    : count_(count), width_(width), precision_(p), rng_(seed) {}

void RandomSamples::read(std::vector<int64_t>& out) {
    out.resize(width_);
    for (auto& v : out) v = quantize_double(uniform_(rng_), precision_);
}

}  // namespace tlm4ml
