#include "vcd_writer.h"

#include <charconv>
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

std::vector<std::string> split_dots(const std::string& s) {
    std::vector<std::string> out;
    size_t start = 0;
    while (true) {
        const size_t dot = s.find('.', start);
        out.push_back(s.substr(start, dot - start));
        if (dot == std::string::npos) break;
        start = dot + 1;
    }
    return out;
}
}  // namespace

VcdWriter::VcdWriter(const std::string& path) {
    f_ = std::fopen(path.c_str(), "w");
    if (!f_) throw std::runtime_error(fmt::format("{}: cannot create the VCD file", path));
    buf_.reserve(1 << 16);
}

VcdWriter::~VcdWriter() { close(); }

size_t VcdWriter::add(const std::string& dotted, Kind kind, int width) {
    auto parts = split_dots(dotted);
    Var v;
    v.name = parts.back();
    parts.pop_back();
    v.scope = std::move(parts);
    v.kind = kind;
    v.width = kind == Kind::Bit ? 1 : (kind == Kind::Real ? 64 : width);
    v.code = id_code(vars_.size());
    vars_.push_back(std::move(v));
    return vars_.size() - 1;
}

std::string VcdWriter::display_name(size_t id) const {
    const Var& v = vars_[id];
    std::string s;
    for (const auto& p : v.scope) s += p + ".";
    s += v.name;
    if (v.kind == Kind::Vector) s += fmt::format("[{}:0]", v.width - 1);
    return s;
}

void VcdWriter::header(const std::string& timescale) {
    std::string h = "$date tlm4ml $end\n$version tlm4ml VCD writer $end\n$timescale " + timescale + " $end\n";
    std::vector<std::string> open;
    for (const auto& v : vars_) {
        size_t common = 0;
        while (common < open.size() && common < v.scope.size() && open[common] == v.scope[common]) ++common;
        while (open.size() > common) {
            h += "$upscope $end\n";
            open.pop_back();
        }
        while (open.size() < v.scope.size()) {
            h += "$scope module " + v.scope[open.size()] + " $end\n";
            open.push_back(v.scope[open.size()]);
        }
        const char* type = v.kind == Kind::Real ? "real" : "wire";
        h += fmt::format("$var {} {} {} {}{} $end\n", type, v.width, v.code, v.name,
                         v.kind == Kind::Vector ? fmt::format(" [{}:0]", v.width - 1) : "");
    }
    while (!open.empty()) {
        h += "$upscope $end\n";
        open.pop_back();
    }
    h += "$enddefinitions $end\n";
    std::fputs(h.c_str(), f_);
    time_written_ = false;
}

void VcdWriter::time(uint64_t t) {
    now_ = t;
    time_written_ = false;
}

void VcdWriter::emit_time() {
    if (time_written_) return;
    buf_ += '#';
    char tmp[24];
    auto r = std::to_chars(tmp, tmp + sizeof tmp, now_);
    buf_.append(tmp, r.ptr);
    buf_ += '\n';
    time_written_ = true;
}

void VcdWriter::bit(size_t id, bool b) {
    Var& v = vars_[id];
    if (v.written && v.last_bits == static_cast<uint64_t>(b)) return;
    v.written = true;
    v.last_bits = b;
    emit_time();
    buf_ += b ? '1' : '0';
    buf_ += v.code;
    buf_ += '\n';
    if (buf_.size() > (1 << 16) - 256) {
        std::fwrite(buf_.data(), 1, buf_.size(), f_);
        buf_.clear();
    }
}

void VcdWriter::vec(size_t id, uint64_t x) {
    Var& v = vars_[id];
    if (v.width < 64) x &= (uint64_t{1} << v.width) - 1;
    if (v.written && v.last_bits == x) return;
    v.written = true;
    v.last_bits = x;
    emit_time();
    char tmp[72];
    tmp[0] = 'b';
    for (int i = 0; i < v.width; ++i) tmp[1 + i] = ((x >> (v.width - 1 - i)) & 1) ? '1' : '0';
    buf_.append(tmp, 1 + v.width);
    buf_ += ' ';
    buf_ += v.code;
    buf_ += '\n';
    if (buf_.size() > (1 << 16) - 256) {
        std::fwrite(buf_.data(), 1, buf_.size(), f_);
        buf_.clear();
    }
}

void VcdWriter::real(size_t id, double d) {
    Var& v = vars_[id];
    if (v.written && v.last_real == d) return;
    v.written = true;
    v.last_real = d;
    emit_time();
    char tmp[40];
    tmp[0] = 'r';
    auto r = std::to_chars(tmp + 1, tmp + sizeof tmp, d);
    buf_.append(tmp, r.ptr);
    buf_ += ' ';
    buf_ += v.code;
    buf_ += '\n';
    if (buf_.size() > (1 << 16) - 256) {
        std::fwrite(buf_.data(), 1, buf_.size(), f_);
        buf_.clear();
    }
}

void VcdWriter::close() {
    if (!f_) return;
    if (!buf_.empty()) std::fwrite(buf_.data(), 1, buf_.size(), f_);
    buf_.clear();
    std::fclose(f_);
    f_ = nullptr;
}

}  // namespace tlm4ml
