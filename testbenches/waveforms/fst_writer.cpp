#include "testbenches/waveforms/fst_writer.h"

#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#ifdef TLM4ML_HAVE_FST
extern "C" {
#include "fstapi.h"
}
#endif

namespace tlm4ml {


#ifdef TLM4ML_HAVE_FST

FstWriter::FstWriter(const std::string& path) : path_(path) {
    ctx_ = fstWriterCreate(path.c_str(), 1);
    if (!ctx_) throw std::runtime_error(fmt::format("{}: cannot create the FST file", path));
    fstWriterSetPackType(ctx_, FST_WR_PT_LZ4);
    fstWriterSetTimescale(ctx_, -12);  // picoseconds, as the VCD
    fstWriterSetVersion(ctx_, "tlm4ml FST writer");
}

FstWriter::~FstWriter() { close(); }

size_t FstWriter::add(const std::string& dotted, Kind kind, int width) {
    const size_t id = declare(dotted, kind, width);
    vars_.push_back({declarations_[id].width});
    return id;
}

void FstWriter::write_header() {
    // The same hierarchy as the VCD writer's.
    walk_declarations(
        [&](const std::string& scope) { fstWriterSetScope(ctx_, FST_ST_VCD_MODULE, scope.c_str(), nullptr); },
        [&] { fstWriterSetUpscope(ctx_); },
        [&](size_t id) {
            const Declaration& d = declarations_[id];
            const std::string name = d.kind == Kind::Vector ? fmt::format("{} [{}:0]", d.name, d.width - 1) : d.name;
            vars_[id].handle = fstWriterCreateVar(ctx_, d.kind == Kind::Real ? FST_VT_VCD_REAL : FST_VT_VCD_WIRE,
                                                  FST_VD_IMPLICIT, static_cast<uint32_t>(d.width), name.c_str(), 0);
        });
}

void FstWriter::write_time(uint64_t t) { fstWriterEmitTimeChange(ctx_, t); }

void FstWriter::write_bits(size_t id, uint64_t x) {
    const Var& v = vars_[id];
    if (declarations_[id].kind == Kind::Bit) fstWriterEmitValueChange(ctx_, v.handle, x ? "1" : "0");
    else fstWriterEmitValueChange64(ctx_, v.handle, static_cast<uint32_t>(v.width), x);
}

void FstWriter::write_real(size_t id, double d) { fstWriterEmitValueChange(ctx_, vars_[id].handle, &d); }

void FstWriter::write_fixed(size_t id, int64_t raw, int frac) {
    write_real(id, std::ldexp(static_cast<double>(raw), -frac));
}

void FstWriter::close() {
    if (!ctx_) return;
    fstWriterClose(ctx_);
    ctx_ = nullptr;
}

#else  // built without fstapi

FstWriter::FstWriter(const std::string& path) : path_(path) {
    throw std::runtime_error(fmt::format(
        "{}: FST output needs GTKWave's fstapi, which this build did not find (Debian package 'verilator' ships it "
        "in /usr/share/verilator/include/gtkwave); rebuild after installing it, or write a .vcd",
        path));
}
FstWriter::~FstWriter() = default;
size_t FstWriter::add(const std::string&, Kind, int) { return 0; }
void FstWriter::close() {}
void FstWriter::write_header() {}
void FstWriter::write_time(uint64_t) {}
void FstWriter::write_bits(size_t, uint64_t) {}
void FstWriter::write_real(size_t, double) {}
void FstWriter::write_fixed(size_t, int64_t, int) {}

#endif

bool fst_available() {
#ifdef TLM4ML_HAVE_FST
    return true;
#else
    return false;
#endif
}

bool wants_fst(const std::string& path) { return path.size() > 4 && path.compare(path.size() - 4, 4, ".fst") == 0; }

}  // namespace tlm4ml
