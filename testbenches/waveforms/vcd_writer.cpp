#include "testbenches/waveforms/vcd_writer.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

namespace tlm4ml {

namespace {
// VCD identifier codes: printable ASCII 33..126, little-endian base 94.
std::string id_code(size_t n) {
    std::string s;
    do {
        s.push_back(static_cast<char>(33 + n % 94));
        n /= 94;
    } while (n);
    return s;
}

}  // namespace

VcdWriter::VcdWriter(const std::string& path) {
    path_ = path;
    f_ = std::fopen(path.c_str(), "w");
    if (!f_) throw std::runtime_error(fmt::format("{}: cannot create the VCD file", path));
    // The writer buffers itself; stdio's own buffer would only add a copy of every byte.
    std::setvbuf(f_, nullptr, _IONBF, 0);
    buf_.resize(kBufferSize);
}

VcdWriter::~VcdWriter() {
    if (!f_) return;
    std::fclose(f_);  // an unfinished waveform: its temporary is removed by its owner
}

size_t VcdWriter::add(const std::string& dotted, Kind kind, int width) {
    const size_t id = declare(dotted, kind, width);
    vars_.push_back({declarations_[id].width, id_code(id)});
    return id;
}

void VcdWriter::write_header() {
    std::string h = "$date tlm4ml $end\n$version tlm4ml VCD writer $end\n$timescale 1 ps $end\n";
    walk_declarations([&](const std::string& scope) { h += "$scope module " + scope + " $end\n"; },
                      [&] { h += "$upscope $end\n"; },
                      [&](size_t id) {
                          const Declaration& d = declarations_[id];
                          h += fmt::format("$var {} {} {} {}{} $end\n", d.kind == Kind::Real ? "real" : "wire", d.width,
                                           vars_[id].code, d.name,
                                           d.kind == Kind::Vector ? fmt::format(" [{}:0]", d.width - 1) : "");
                      });
    h += "$enddefinitions $end\n";
    std::fputs(h.c_str(), f_);
}

void VcdWriter::reserve(size_t n) {
    if (used_ + n > buf_.size()) flush();
}

void VcdWriter::flush() {
    if (used_ && std::fwrite(buf_.data(), 1, used_, f_) != used_) failed_ = true;
    used_ = 0;
}

void VcdWriter::put_code(const std::string& code) {
    char* p = buf_.data() + used_;
    std::memcpy(p, code.data(), code.size());
    p[code.size()] = '\n';
    used_ += code.size() + 1;
}

void VcdWriter::write_time(uint64_t t) {
    reserve(32);
    char* p = buf_.data() + used_;
    *p++ = '#';
    p = std::to_chars(p, p + 24, t).ptr;
    *p++ = '\n';
    used_ = static_cast<size_t>(p - buf_.data());
}

void VcdWriter::write_bits(size_t id, uint64_t x) {
    const Var& v = vars_[id];
    if (declarations_[id].kind == Kind::Bit) {
        reserve(v.code.size() + 2);
        buf_[used_++] = x ? '1' : '0';
        put_code(v.code);
        return;
    }
    // Eight bits at a time from a table of their '0'/'1' spellings.
    static const auto kBits = [] {
        std::array<std::array<char, 8>, 256> t{};
        for (int b = 0; b < 256; ++b)
            for (int i = 0; i < 8; ++i) t[b][i] = ((b >> (7 - i)) & 1) ? '1' : '0';
        return t;
    }();
    reserve(static_cast<size_t>(v.width) + v.code.size() + 3);
    const int bytes = (v.width + 7) / 8;
    char wide[64];
    for (int k = 0; k < bytes; ++k) std::memcpy(wide + 8 * k, kBits[(x >> (8 * (bytes - 1 - k))) & 0xff].data(), 8);
    char* p = buf_.data() + used_;
    *p++ = 'b';
    std::memcpy(p, wide + (8 * bytes - v.width), static_cast<size_t>(v.width));
    p += v.width;
    *p++ = ' ';
    used_ = static_cast<size_t>(p - buf_.data());
    put_code(v.code);
}

void VcdWriter::write_real(size_t id, double d) {
    const Var& v = vars_[id];
    reserve(48 + v.code.size());
    char* p = buf_.data() + used_;
    *p++ = 'r';
    p = std::to_chars(p, p + 40, d).ptr;
    *p++ = ' ';
    used_ = static_cast<size_t>(p - buf_.data());
    put_code(v.code);
}

void VcdWriter::write_fixed(size_t id, int64_t raw, int frac) {
    constexpr int kMaxFrac = 27;  // 5^27 < 2^63
    const uint64_t mag = raw < 0 ? uint64_t(0) - static_cast<uint64_t>(raw) : static_cast<uint64_t>(raw);
    if (frac < 0 || frac > kMaxFrac || (mag >> frac) >= (uint64_t{1} << 36)) {
        write_real(id, std::ldexp(static_cast<double>(raw), -frac));
        return;
    }
    const Var& v = vars_[id];
    reserve(64 + v.code.size());
    char* p = buf_.data() + used_;
    *p++ = 'r';
    if (raw < 0) *p++ = '-';
    p = std::to_chars(p, p + 24, mag >> frac).ptr;
    const uint64_t frac_part = mag & ((uint64_t{1} << frac) - 1);
    if (frac_part) {
        // An odd m over 2^k has exactly k decimal places, and m / 2^k = m * 5^k / 10^k: the digits are the
        // integer m * 5^k, left-padded with zeros to k places. Exact, no loop over digits.
        static const auto kPow5 = [] {
            std::array<uint64_t, kMaxFrac + 1> t{};
            t[0] = 1;
            for (int i = 1; i <= kMaxFrac; ++i) t[i] = t[i - 1] * 5;
            return t;
        }();
        const int tz = __builtin_ctzll(frac_part);
        const int places = frac - tz;
        char tmp[24];
        const char* end = std::to_chars(tmp, tmp + sizeof tmp, (frac_part >> tz) * kPow5[places]).ptr;
        const int len = static_cast<int>(end - tmp);
        *p++ = '.';
        for (int i = len; i < places; ++i) *p++ = '0';
        std::memcpy(p, tmp, static_cast<size_t>(len));
        p += len;
    }
    *p++ = ' ';
    used_ = static_cast<size_t>(p - buf_.data());
    put_code(v.code);
}

void VcdWriter::close() {
    if (!f_) return;
    flush();
    if (std::fclose(f_) != 0) failed_ = true;
    f_ = nullptr;
    // A full disk must not pass for a complete waveform.
    if (failed_) throw std::runtime_error(fmt::format("{}: writing the VCD failed (disk full?)", path_));
}

}  // namespace tlm4ml
