// A small VCD writer for the testbench's waveforms. SystemC's own tracer compares every traced object at
// every time step and formats with printf; this one is told the sample points (rising edges), writes only
// values that changed, and formats integers and reals without printf.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace tlm4ml {

class VcdWriter {
public:
    enum class Kind { Bit, Vector, Real };

    // Variables are declared first (dotted names give the scopes: "top.fc1.busy"), then header() is
    // written, then values at increasing times.
    explicit VcdWriter(const std::string& path);
    ~VcdWriter();
    VcdWriter(const VcdWriter&) = delete;
    VcdWriter& operator=(const VcdWriter&) = delete;

    size_t add(const std::string& dotted_name, Kind kind, int width = 1);
    void header(const std::string& timescale = "1 ps");
    void time(uint64_t t);
    void bit(size_t id, bool v);
    void vec(size_t id, uint64_t v);  // low `width` bits
    void real(size_t id, double v);
    // A real variable holding the fixed-point value raw * 2^-frac, printed exactly (and fast: integer
    // arithmetic only when the digits fit 64 bits).
    void fixed(size_t id, int64_t raw, int frac);
    void close();  // throws when a write failed

    // The name GTKWave shows for a variable ("top.fc1.raw_0[15:0]" for vectors).
    std::string display_name(size_t id) const;

private:
    struct Var {
        std::vector<std::string> scope;
        std::string name;
        Kind kind;
        int width;
        std::string code;
        bool written = false;
        uint64_t last_bits = 0;
        double last_real = 0;
    };
    void emit_time();
    void reserve(size_t n);  // room for n more bytes in the buffer (flushes when needed)
    void flush();
    void put_code(const std::string& code);  // identifier code and newline

    static constexpr size_t kBufferSize = 1 << 18;

    std::string path_;
    bool failed_ = false;
    std::FILE* f_ = nullptr;
    std::vector<Var> vars_;
    uint64_t now_ = 0;
    bool time_written_ = true;
    std::vector<char> buf_;
    size_t used_ = 0;
};

}  // namespace tlm4ml
