#include "npy.h"

#include <cstring>
#include <fstream>
#include <regex>
#include <stdexcept>

#include <fmt/format.h>

namespace tlm4ml {

namespace {
[[noreturn]] void fail(const std::string& path, const std::string& why) {
    throw std::runtime_error(fmt::format("{}: not a readable .npy array: {}", path, why));
}

template <typename T>
void convert(const std::vector<char>& bytes, std::vector<double>& out) {
    for (size_t i = 0; i < out.size(); ++i) {
        T v;
        std::memcpy(&v, bytes.data() + i * sizeof(T), sizeof(T));
        out[i] = static_cast<double>(v);
    }
}
}  // namespace

NpyArray read_npy(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) fail(path, "cannot open the file");
    char magic[8];
    if (!f.read(magic, 8) || std::memcmp(magic, "\x93NUMPY", 6) != 0) fail(path, "missing \\x93NUMPY magic");
    const int major = static_cast<unsigned char>(magic[6]);
    size_t header_len = 0;
    if (major == 1) {
        unsigned char b[2];
        if (!f.read(reinterpret_cast<char*>(b), 2)) fail(path, "truncated header");
        header_len = b[0] | (b[1] << 8);
    } else if (major == 2 || major == 3) {
        unsigned char b[4];
        if (!f.read(reinterpret_cast<char*>(b), 4)) fail(path, "truncated header");
        header_len = b[0] | (b[1] << 8) | (b[2] << 16) | (static_cast<size_t>(b[3]) << 24);
    } else {
        fail(path, fmt::format("unsupported format version {}", major));
    }
    std::string header(header_len, '\0');
    if (!f.read(header.data(), static_cast<std::streamsize>(header_len))) fail(path, "truncated header");

    std::smatch m;
    if (!std::regex_search(header, m, std::regex("'descr'\\s*:\\s*'([^']*)'"))) fail(path, "no descr in header");
    const std::string descr = m[1];
    if (std::regex_search(header, m, std::regex("'fortran_order'\\s*:\\s*(True|False)")) && m[1] == "True")
        fail(path, "fortran_order arrays are not supported (save a C-ordered array)");
    if (!std::regex_search(header, m, std::regex("'shape'\\s*:\\s*\\(([^)]*)\\)"))) fail(path, "no shape in header");
    NpyArray a;
    size_t count = 1;
    const std::string dims = m[1];
    const std::regex number("\\d+");
    std::sregex_iterator it(dims.begin(), dims.end(), number), end;
    for (; it != end; ++it) {
        a.shape.push_back(std::stoul(it->str()));
        count *= a.shape.back();
    }

    size_t item = 0;
    if (descr == "<f4" || descr == "<i4" || descr == "<u4") item = 4;
    else if (descr == "<f8" || descr == "<i8" || descr == "<u8") item = 8;
    else if (descr == "<i2" || descr == "<u2") item = 2;
    else if (descr == "|i1" || descr == "|u1" || descr == "|b1") item = 1;
    else fail(path, fmt::format("unsupported dtype '{}' (use float32, float64 or an integer type)", descr));

    std::vector<char> bytes(count * item);
    if (!f.read(bytes.data(), static_cast<std::streamsize>(bytes.size())))
        fail(path, fmt::format("truncated data: expected {} values", count));
    a.values.resize(count);
    if (descr == "<f4") convert<float>(bytes, a.values);
    else if (descr == "<f8") convert<double>(bytes, a.values);
    else if (descr == "<i4") convert<int32_t>(bytes, a.values);
    else if (descr == "<u4") convert<uint32_t>(bytes, a.values);
    else if (descr == "<i8") convert<int64_t>(bytes, a.values);
    else if (descr == "<u8") convert<uint64_t>(bytes, a.values);
    else if (descr == "<i2") convert<int16_t>(bytes, a.values);
    else if (descr == "<u2") convert<uint16_t>(bytes, a.values);
    else if (descr == "|i1") convert<int8_t>(bytes, a.values);
    else convert<uint8_t>(bytes, a.values);
    return a;
}

}  // namespace tlm4ml
