#include "testbenches/data/sample_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "rtl_models/fixed_math.h"

namespace tlm4ml {

namespace {

// The NumPy header is written last (the row count is known then) into this many bytes reserved at the start:
// 64-byte aligned as numpy writes it, with room for a 20-digit row count.
constexpr size_t kNpyHeaderBytes = 128;

std::string npy_header(size_t rows, size_t width) {
    std::string dict = fmt::format("{{'descr': '<f8', 'fortran_order': False, 'shape': ({}, {}), }}", rows, width);
    dict.resize(kNpyHeaderBytes - 10 - 1, ' ');
    dict.push_back('\n');
    std::string h("\x93NUMPY\x01\x00", 8);
    h.push_back(static_cast<char>(dict.size() & 0xff));
    h.push_back(static_cast<char>(dict.size() >> 8));
    return h + dict;
}

void write_all(int fd, const char* data, size_t n, const std::string& what) {
    while (n > 0) {
        const ssize_t w = ::write(fd, data, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) throw std::runtime_error(fmt::format("{}: write failed: {}", what, std::strerror(errno)));
        data += w;
        n -= static_cast<size_t>(w);
    }
}

}  // namespace

bool is_numpy_destination(const std::string& destination) {
    return destination.size() >= 4 && destination.compare(destination.size() - 4, 4, ".npy") == 0;
}

RowWriter::RowWriter(const std::string& file, const std::string& destination, size_t width)
    : destination_(destination == "-" ? "standard output" : destination),
      width_(width),
      numpy_(is_numpy_destination(destination)),
      buf_(size_t{1} << 18) {
    fd_ = ::open(file.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd_ < 0) throw std::runtime_error(fmt::format("{}: cannot write the file", destination_));
    // Each row must fit the buffer whole.
    const size_t row_bytes = numpy_ ? 8 * width : (kMaxDecimalChars + 1) * std::max<size_t>(width, 1);
    if (buf_.size() < 2 * row_bytes) buf_.resize(2 * row_bytes);
    if (numpy_) used_ = kNpyHeaderBytes;  // filled in by close()
}

RowWriter::~RowWriter() {
    if (fd_ >= 0) ::close(fd_);
}

void RowWriter::write(const int64_t* raw, const Precision& p) {
    const size_t row_bytes = numpy_ ? 8 * width_ : (kMaxDecimalChars + 1) * std::max<size_t>(width_, 1);
    if (buf_.size() - used_ < row_bytes) flush();
    char* out = buf_.data() + used_;
    if (numpy_) {
        for (size_t i = 0; i < width_; ++i) {
            const double v = p.to_double(raw[i]);
            std::memcpy(out, &v, 8);  // little-endian hosts, as '<f8' says
            out += 8;
        }
    } else {
        for (size_t i = 0; i < width_; ++i) {
            if (i) *out++ = ' ';
            out = write_decimal(out, raw[i], p.frac());
        }
        *out++ = '\n';
    }
    used_ = static_cast<size_t>(out - buf_.data());
    ++rows_;
}

void RowWriter::flush() {
    write_all(fd_, buf_.data(), used_, destination_);
    used_ = 0;
}

void RowWriter::close() {
    if (fd_ < 0) return;
    flush();
    if (numpy_) {
        const std::string h = npy_header(rows_, width_);
        if (::pwrite(fd_, h.data(), h.size(), 0) != static_cast<ssize_t>(h.size()))
            throw std::runtime_error(fmt::format("{}: write failed: {}", destination_, std::strerror(errno)));
    }
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0)
        throw std::runtime_error(fmt::format("{}: write failed: {}", destination_, std::strerror(errno)));
}

}  // namespace tlm4ml
