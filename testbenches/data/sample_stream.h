// Where a testbench's input samples come from, one at a time and in order, so that a run of any length holds
// only the samples in flight: a sample file (sample_reader.h), seeded random samples made on demand, or
// samples already in memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "rtl_models/precision.h"
#include "testbenches/data/sample_reader.h"

namespace tlm4ml {

class SampleStream {
public:
    virtual ~SampleStream() = default;
    // How many samples read() gives in all.
    virtual size_t size() const = 0;
    // The next sample's raw input values into `out` (resized to the width).
    virtual void read(std::vector<int64_t>& out) = 0;
};

// A sample file's rows, each value converted as hls4ml's testbench does (-> float -> input type).
class FileSamples : public SampleStream {
public:
    FileSamples(const std::string& path, size_t width, const Precision& p, size_t max_samples = 0);
    size_t size() const override { return reader_->rows(); }
    void read(std::vector<int64_t>& out) override;

private:
    std::unique_ptr<RowReader> reader_;
    Precision precision_;
    std::vector<double> values_;
};

// `count` samples of `width` values uniform in [-4, 4), quantized to the input type; the same seed gives the
// same samples.
class RandomSamples : public SampleStream {
public:
    RandomSamples(size_t count, size_t width, const Precision& p, unsigned seed);
    size_t size() const override { return count_; }
    void read(std::vector<int64_t>& out) override;

private:
    size_t count_, width_;
    Precision precision_;
    std::mt19937_64 rng_;
    std::uniform_real_distribution<double> uniform_{-4.0, 4.0};
};

// Samples already in memory (tests, MNIST's images), not copied: `samples` must outlive the stream.
class VectorSamples : public SampleStream {
public:
    explicit VectorSamples(const std::vector<std::vector<int64_t>>& samples) : samples_(samples) {}
    size_t size() const override { return samples_.size(); }
    void read(std::vector<int64_t>& out) override { out = samples_.at(next_++); }

private:
    const std::vector<std::vector<int64_t>>& samples_;
    size_t next_ = 0;
};

}  // namespace tlm4ml
