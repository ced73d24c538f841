// What a waveform file format offers the tracer: variables in dotted scopes ("top.fc1.busy"), declared first,
// then values at increasing times. VcdWriter writes text VCD; FstWriter GTKWave's compressed FST through
// its own fstapi. Both write only values that changed.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace tlm4ml {

class WaveWriter {
public:
    enum class Kind { Bit, Vector, Real };

    virtual ~WaveWriter() = default;

    virtual size_t add(const std::string& dotted_name, Kind kind, int width = 1) = 0;
    // Ends the declarations; times are in picoseconds.
    virtual void header() = 0;
    virtual void time(uint64_t t) = 0;
    virtual void bit(size_t id, bool v) = 0;
    virtual void vec(size_t id, uint64_t v) = 0;  // low `width` bits
    virtual void real(size_t id, double v) = 0;
    // A real variable holding the fixed-point value raw * 2^-frac.
    virtual void fixed(size_t id, int64_t raw, int frac) = 0;
    virtual void close() = 0;

    // The name GTKWave shows for a variable ("top.fc1.raw_0[15:0]" for vectors), as a .gtkw file names it.
    std::string display_name(size_t id) const;

protected:
    // What both formats declare of a variable: its scopes, its leaf name, its kind and width.
    struct Declaration {
        std::vector<std::string> scope;
        std::string name;
        Kind kind;
        int width;
    };
    // Records a declaration; returns its index (the variable's id).
    size_t declare(const std::string& dotted_name, Kind kind, int width);
    // Walks the declarations in order: `open(name)` / `close()` as the scopes change around them, `var(id)`
    // for each, then closes what is open.
    void walk_declarations(const std::function<void(const std::string&)>& open, const std::function<void()>& close,
                           const std::function<void(size_t)>& var) const;

    std::vector<Declaration> declarations_;
};

// An FST writer for paths ending in ".fst" (when built with GTKWave's fstapi), a VCD writer otherwise.
std::unique_ptr<WaveWriter> make_wave_writer(const std::string& path, const std::string& format_path);
bool wants_fst(const std::string& path);
bool fst_available();

}  // namespace tlm4ml
