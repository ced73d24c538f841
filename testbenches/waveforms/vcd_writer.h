// A small VCD writer for the testbench's waveforms. SystemC's own tracer compares every traced object at
// every time step and formats with printf; this one is told the sample points (rising edges), writes only
// values that changed, and formats integers and reals without printf.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "testbenches/waveforms/wave_writer.h"

namespace tlm4ml {

class VcdWriter : public WaveWriter {
public:
    explicit VcdWriter(const std::string& path);
    ~VcdWriter() override;
    VcdWriter(const VcdWriter&) = delete;
    VcdWriter& operator=(const VcdWriter&) = delete;

    size_t add(const std::string& dotted_name, Kind kind, int width = 1) override;
    void close() override;  // throws when a write failed

private:
    void write_header() override;
    void write_time(uint64_t t) override;
    void write_bits(size_t id, uint64_t bits) override;
    void write_real(size_t id, double v) override;
    // Printed exactly (and fast: integer arithmetic only when the digits fit 64 bits).
    void write_fixed(size_t id, int64_t raw, int frac) override;

    struct Var {  // beside declarations_[id]
        int width;
        std::string code;
    };
    void reserve(size_t n);  // room for n more bytes in the buffer (flushes when needed)
    void flush();
    void put_code(const std::string& code);  // identifier code and newline

    static constexpr size_t kBufferSize = 1 << 18;

    std::string path_;
    bool failed_ = false;
    std::FILE* f_ = nullptr;
    std::vector<Var> vars_;
    std::vector<char> buf_;
    size_t used_ = 0;
};

}  // namespace tlm4ml
