// FST waveforms through GTKWave's fstapi (compiled from Debian's copy, see CMakeLists.txt): the same
// variables and values as the VCD, in a compressed binary file that GTKWave opens without converting.
#pragma once

#include <string>
#include <vector>

#include "testbenches/wave_writer.h"

namespace tlm4ml {

class FstWriter : public WaveWriter {
public:
    explicit FstWriter(const std::string& path);
    ~FstWriter() override;
    FstWriter(const FstWriter&) = delete;
    FstWriter& operator=(const FstWriter&) = delete;

    size_t add(const std::string& dotted_name, Kind kind, int width = 1) override;
    void header() override;
    void time(uint64_t t) override;
    void bit(size_t id, bool v) override;
    void vec(size_t id, uint64_t v) override;
    void real(size_t id, double v) override;
    void fixed(size_t id, int64_t raw, int frac) override;
    void close() override;

private:
    struct Var {  // beside declarations_[id]
        int width = 1;
        uint32_t handle = 0;  // fstHandle
        bool written = false;
        uint64_t last_bits = 0;
        double last_real = 0;
    };
    void* ctx_ = nullptr;
    std::string path_;
    std::vector<Var> vars_;
    uint64_t now_ = 0;
    bool time_written_ = true;
    void emit_time();
};

}  // namespace tlm4ml
