// FST waveforms through GTKWave's fstapi (compiled from Debian's copy, see CMakeLists.txt): the same
// variables and values as the VCD, in a compressed binary file that GTKWave opens without converting.
#pragma once

#include <string>
#include <vector>

#include "testbenches/waveforms/wave_writer.h"

namespace tlm4ml {

class FstWriter : public WaveWriter {
public:
    explicit FstWriter(const std::string& path);
    ~FstWriter() override;
    FstWriter(const FstWriter&) = delete;
    FstWriter& operator=(const FstWriter&) = delete;

    size_t add(const std::string& dotted_name, Kind kind, int width = 1) override;
    void close() override;

private:
    void write_header() override;
    void write_time(uint64_t t) override;
    void write_bits(size_t id, uint64_t bits) override;
    void write_real(size_t id, double v) override;
    // FST stores reals as doubles: exact for the up to 53 significant bits of every type tlm4ml traces.
    void write_fixed(size_t id, int64_t raw, int frac) override;

    struct Var {  // beside declarations_[id]
        int width = 1;
        uint32_t handle = 0;  // fstHandle
    };
    void* ctx_ = nullptr;
    std::string path_;
    std::vector<Var> vars_;
};

}  // namespace tlm4ml
