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
    void header() {
        write_header();
        time_written_ = false;
    }
    virtual void close() = 0;

    // Values at increasing times. Both formats keep only changes, so the policy lives here: a value equal to
    // the variable's last one writes nothing, and a time is written only when some value changes at it.
    void time(uint64_t t) {
        if (t == now_) return;
        now_ = t;
        time_written_ = false;
    }
    void bit(size_t id, bool v) {
        if (changed(id, v)) write_bits(id, v);
    }
    void vec(size_t id, uint64_t v) {  // low `width` bits
        const int w = declarations_[id].width;
        if (w < 64) v &= (uint64_t{1} << w) - 1;
        if (changed(id, v)) write_bits(id, v);
    }
    void real(size_t id, double v) {
        Last& l = last_[id];
        if (l.written && l.real == v) return;
        l.written = true;
        l.real = v;
        stamp();
        write_real(id, v);
    }
    // A real variable holding the fixed-point value raw * 2^-frac (compared as the raw integer).
    void fixed(size_t id, int64_t raw, int frac) {
        if (changed(id, static_cast<uint64_t>(raw))) write_fixed(id, raw, frac);
    }

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

    // The format's own writing, called only for changes (after the time they happen at was written).
    virtual void write_header() = 0;
    virtual void write_time(uint64_t t) = 0;
    virtual void write_bits(size_t id, uint64_t bits) = 0;  // a Bit or a Vector variable
    virtual void write_real(size_t id, double v) = 0;
    virtual void write_fixed(size_t id, int64_t raw, int frac) = 0;

    std::vector<Declaration> declarations_;

private:
    struct Last {
        bool written = false;
        uint64_t bits = 0;
        double real = 0;
    };
    // Whether `bits` differs from the variable's last value (recording it, and writing the time if so).
    bool changed(size_t id, uint64_t bits) {
        Last& l = last_[id];
        if (l.written && l.bits == bits) return false;
        l.written = true;
        l.bits = bits;
        stamp();
        return true;
    }
    void stamp() {
        if (time_written_) return;
        write_time(now_);
        time_written_ = true;
    }

    std::vector<Last> last_;  // beside declarations_
    uint64_t now_ = 0;
    bool time_written_ = true;
};

// An FST writer for paths ending in ".fst" (when built with GTKWave's fstapi), a VCD writer otherwise.
std::unique_ptr<WaveWriter> make_wave_writer(const std::string& path, const std::string& format_path);
bool wants_fst(const std::string& path);
bool fst_available();

}  // namespace tlm4ml
