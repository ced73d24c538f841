#include "models/npy.h"

#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

namespace tlm4ml {

namespace {
[[noreturn]] void fail(const std::string& path, const std::string& why) {
    throw std::runtime_error(fmt::format("{}: not a readable .npy array: {}", path, why));
}

// numpy writes headers of a few hundred bytes; anything near this is not an array header.
constexpr size_t kMaxHeaderBytes = 1 << 16;

template <typename T>
void convert(const char* bytes, size_t n, double* out) {
    for (size_t i = 0; i < n; ++i) {
        T v;
        std::memcpy(&v, bytes + i * sizeof(T), sizeof(T));
        out[i] = static_cast<double>(v);
    }
}

// The header is a Python dict literal: {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }.
// A hand parser (not std::regex, whose recursion grows with the text) for the three keys numpy writes.
class HeaderDict {
public:
    HeaderDict(const std::string& text, const std::string& path) : s_(text), path_(path) {}

    // The text after `'key':` (spaces skipped), or npos when the key is absent.
    size_t value_of(const char* key) const {
        for (const char quote : {'\'', '"'}) {
            const std::string k = std::string(1, quote) + key + quote;
            size_t at = s_.find(k);
            if (at == std::string::npos) continue;
            at = skip_spaces(at + k.size());
            if (at >= s_.size() || s_[at] != ':') fail(path_, fmt::format("no ':' after {} in the header", k));
            return skip_spaces(at + 1);
        }
        return std::string::npos;
    }
    std::string quoted(size_t at, const char* key) const {
        if (at >= s_.size() || (s_[at] != '\'' && s_[at] != '"'))
            fail(path_, fmt::format("'{}' is not a quoted string in the header", key));
        const size_t end = s_.find(s_[at], at + 1);
        if (end == std::string::npos) fail(path_, fmt::format("'{}': unterminated string in the header", key));
        return s_.substr(at + 1, end - at - 1);
    }
    bool starts(size_t at, const char* word) const { return s_.compare(at, std::strlen(word), word) == 0; }
    // A tuple of non-negative integers: (), (3,), (3, 4).
    std::vector<size_t> tuple(size_t at, const char* key) const {
        if (at >= s_.size() || s_[at] != '(') fail(path_, fmt::format("'{}' is not a tuple in the header", key));
        std::vector<size_t> out;
        size_t i = skip_spaces(at + 1);
        while (i < s_.size() && s_[i] != ')') {
            if (!std::isdigit(static_cast<unsigned char>(s_[i])))
                fail(path_, fmt::format("'{}': expected a non-negative integer at header offset {}", key, i));
            uint64_t v = 0;
            for (; i < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i])); ++i) {
                const unsigned d = static_cast<unsigned>(s_[i] - '0');
                if (v > (UINT64_MAX - d) / 10) fail(path_, fmt::format("'{}': a dimension does not fit 64 bits", key));
                v = v * 10 + d;
            }
            out.push_back(static_cast<size_t>(v));
            i = skip_spaces(i);
            if (i < s_.size() && s_[i] == ',') i = skip_spaces(i + 1);
            else if (i < s_.size() && s_[i] != ')') fail(path_, fmt::format("'{}': expected ',' or ')'", key));
        }
        if (i >= s_.size()) fail(path_, fmt::format("'{}': unterminated tuple in the header", key));
        return out;
    }

private:
    size_t skip_spaces(size_t i) const {
        while (i < s_.size() && (s_[i] == ' ' || s_[i] == '\t')) ++i;
        return i;
    }
    const std::string& s_;
    const std::string& path_;
};

size_t item_size(const std::string& descr) {
    if (descr == "<f4" || descr == "<i4" || descr == "<u4") return 4;
    if (descr == "<f8" || descr == "<i8" || descr == "<u8") return 8;
    if (descr == "<i2" || descr == "<u2") return 2;
    if (descr == "|i1" || descr == "|u1" || descr == "|b1") return 1;
    return 0;
}

}  // namespace

NpyHeader read_npy_header(const std::function<bool(char*, size_t)>& read_exact, uint64_t size, const std::string& path) {
    char magic[8];
    if (!read_exact(magic, 8) || std::memcmp(magic, "\x93NUMPY", 6) != 0) fail(path, "missing \\x93NUMPY magic");
    const int major = static_cast<unsigned char>(magic[6]);
    size_t header_len = 0, prefix = 0;
    if (major == 1) {
        unsigned char b[2];
        if (!read_exact(reinterpret_cast<char*>(b), 2)) fail(path, "truncated header");
        header_len = b[0] | (b[1] << 8);
        prefix = 10;
    } else if (major == 2 || major == 3) {
        unsigned char b[4];
        if (!read_exact(reinterpret_cast<char*>(b), 4)) fail(path, "truncated header");
        header_len = b[0] | (b[1] << 8) | (b[2] << 16) | (static_cast<size_t>(b[3]) << 24);
        prefix = 12;
    } else {
        fail(path, fmt::format("unsupported format version {}", major));
    }
    if (header_len > kMaxHeaderBytes)
        fail(path, fmt::format("the header claims {} bytes (more than {}: not an array header)", header_len,
                               kMaxHeaderBytes));
    if (prefix + header_len > size)
        fail(path, fmt::format("truncated header: it claims {} bytes, the file holds {} after the prefix", header_len,
                               size - prefix));
    std::string header(header_len, '\0');
    if (!read_exact(header.data(), header_len)) fail(path, "truncated header");

    const HeaderDict dict(header, path);
    const size_t descr_at = dict.value_of("descr");
    if (descr_at == std::string::npos) fail(path, "no 'descr' in the header");
    NpyHeader h;
    h.descr = dict.quoted(descr_at, "descr");
    const size_t fortran_at = dict.value_of("fortran_order");
    if (fortran_at != std::string::npos && dict.starts(fortran_at, "True"))
        fail(path, "'fortran_order' is True: Fortran-ordered arrays are not supported (save a C-ordered array)");
    const size_t shape_at = dict.value_of("shape");
    if (shape_at == std::string::npos) fail(path, "no 'shape' in the header");
    h.shape = dict.tuple(shape_at, "shape");

    h.item_size = item_size(h.descr);
    if (h.item_size == 0)
        fail(path, fmt::format("'descr': unsupported dtype '{}' (use float32, float64 or an integer type, little-endian)",
                               h.descr));
    // Checked products: the data must be in the file before a byte is allocated for it.
    h.header_bytes = prefix + header_len;
    const uint64_t data_bytes = size - h.header_bytes;
    h.count = 1;
    for (size_t d : h.shape) {
        if (d != 0 && h.count > UINT64_MAX / d) fail(path, "'shape': the element count does not fit 64 bits");
        h.count *= d;
    }
    if (h.count > data_bytes / h.item_size)
        fail(path, fmt::format("truncated data: the shape claims {} values of {} bytes, the file holds {} bytes of data",
                               h.count, h.item_size, data_bytes));
    return h;
}

void npy_values_to_double(const std::string& descr, const char* bytes, size_t n, double* out) {
    if (descr == "<f4") convert<float>(bytes, n, out);
    else if (descr == "<f8") convert<double>(bytes, n, out);
    else if (descr == "<i4") convert<int32_t>(bytes, n, out);
    else if (descr == "<u4") convert<uint32_t>(bytes, n, out);
    else if (descr == "<i8") convert<int64_t>(bytes, n, out);
    else if (descr == "<u8") convert<uint64_t>(bytes, n, out);
    else if (descr == "<i2") convert<int16_t>(bytes, n, out);
    else if (descr == "<u2") convert<uint16_t>(bytes, n, out);
    else if (descr == "|i1") convert<int8_t>(bytes, n, out);
    else convert<uint8_t>(bytes, n, out);
}

namespace {
// `size`: the bytes the stream holds, against which every size in the header is checked before allocating.
NpyArray read_npy_stream(std::istream& f, uint64_t size, const std::string& path) {
    const NpyHeader h = read_npy_header(
        [&](char* buf, size_t n) { return static_cast<bool>(f.read(buf, static_cast<std::streamsize>(n))); }, size,
        path);
    NpyArray a;
    a.shape = h.shape;
    std::vector<char> bytes(static_cast<size_t>(h.count * h.item_size));
    if (!f.read(bytes.data(), static_cast<std::streamsize>(bytes.size())))
        fail(path, fmt::format("truncated data: expected {} values", h.count));
    a.values.resize(static_cast<size_t>(h.count));
    npy_values_to_double(h.descr, bytes.data(), a.values.size(), a.values.data());
    return a;
}
}  // namespace

NpyArray read_npy(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) fail(path, "cannot open the file (missing or not a regular file)");
    std::ifstream f(path, std::ios::binary | std::ios::ate);
    if (!f) fail(path, "cannot open the file");
    const std::streamoff size = f.tellg();
    if (size < 0) fail(path, "not a regular file (its size is unknown)");
    f.seekg(0);
    return read_npy_stream(f, static_cast<uint64_t>(size), path);
}

NpyArray read_npy_bytes(const std::string& bytes, const std::string& label) {
    std::istringstream in(bytes);
    return read_npy_stream(in, bytes.size(), label);
}

}  // namespace tlm4ml
