#include "testbenches/data/mnist_idx.h"

#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <system_error>

#include <fmt/format.h>

#include "models/model.h"

namespace tlm4ml {

namespace {

class GzFile {
public:
    explicit GzFile(const std::string& path) : path_(path) {
        std::error_code ec;
        if (!std::filesystem::is_regular_file(path, ec))
            throw ModelError(fmt::format("{}: cannot open the MNIST idx file ({})", path,
                                         ec && ec != std::errc::no_such_file_or_directory ? ec.message()
                                                                                             : "missing or not a regular file"));
        f_ = gzopen(path.c_str(), "rb");
        if (!f_) throw ModelError(fmt::format("{}: cannot open the MNIST idx file", path));
    }
    ~GzFile() {
        if (f_) gzclose(f_);
    }
    GzFile(const GzFile&) = delete;
    GzFile& operator=(const GzFile&) = delete;

    // Up to n bytes; fewer only at the end of the data.
    size_t read_some(void* dst, size_t n, const char* what) {
        size_t done = 0;
        while (done < n) {
            const unsigned chunk = static_cast<unsigned>(std::min<size_t>(n - done, 1u << 30));
            const int got = gzread(f_, static_cast<char*>(dst) + done, chunk);
            if (got < 0) {
                int err = 0;
                const char* msg = gzerror(f_, &err);
                throw ModelError(fmt::format("{}: corrupt gzip data while reading {}: {}", path_, what, msg ? msg : "?"));
            }
            if (got == 0) break;
            done += static_cast<size_t>(got);
        }
        return done;
    }
    void read(void* dst, size_t n, const char* what) {
        const size_t got = read_some(dst, n, what);
        if (got < n) throw ModelError(fmt::format("{}: truncated: {} ends after {} of {} bytes", path_, what, got, n));
    }
    // `count` records of `record` bytes each, appended in slices: the header's count is only a claim, so
    // memory grows with the data actually there (a 331-byte file claiming 5 M images fails at once).
    void read_records(std::vector<uint8_t>& out, size_t count, size_t record, const char* what) {
        const size_t per_slice = std::max<size_t>(1, (size_t{1} << 20) / record);
        for (size_t done = 0; done < count;) {
            const size_t n = std::min(per_slice, count - done);
            const size_t at = out.size();
            out.resize(at + n * record);
            const size_t got = read_some(out.data() + at, n * record, what);
            if (got < n * record)
                throw ModelError(fmt::format("{}: truncated: {} end after {} complete records of {} bytes, the header "
                                             "claims {}",
                                             path_, what, done + got / record, record, count));
            done += n;
        }
    }
    uint32_t be32(const char* what) {
        unsigned char b[4];
        read(b, 4, what);
        return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | uint32_t{b[3]};
    }

private:
    std::string path_;
    gzFile f_ = nullptr;
};

}  // namespace

IdxImages read_idx_images(const std::string& path, size_t max_count) {
    GzFile f(path);
    const uint32_t magic = f.be32("the header");
    if (magic != 2051)
        throw ModelError(fmt::format("{}: magic number {} is not an idx3 image file's (2051)", path, magic));
    IdxImages im;
    im.count = f.be32("the header");
    im.rows = f.be32("the header");
    im.cols = f.be32("the header");
    if (im.rows == 0 || im.cols == 0 || im.rows * im.cols > (1u << 24))
        throw ModelError(fmt::format("{}: implausible image size {}x{}", path, im.rows, im.cols));
    if (max_count && max_count < im.count) im.count = max_count;
    f.read_records(im.pixels, im.count, im.rows * im.cols, "the pixels");
    return im;
}

std::vector<uint8_t> read_idx_labels(const std::string& path, size_t max_count) {
    GzFile f(path);
    const uint32_t magic = f.be32("the header");
    if (magic != 2049)
        throw ModelError(fmt::format("{}: magic number {} is not an idx1 label file's (2049)", path, magic));
    size_t n = f.be32("the header");
    if (max_count && max_count < n) n = max_count;
    std::vector<uint8_t> labels;
    f.read_records(labels, n, 1, "the labels");
    for (size_t i = 0; i < n; ++i)
        if (labels[i] > 9) throw ModelError(fmt::format("{}: label {} is {} (expected 0 to 9)", path, i, labels[i]));
    return labels;
}

std::string mnist_file(const std::string& dir, const std::string& stem) {
    const std::filesystem::path d(dir);
    const auto gz = d / (stem + ".gz");
    std::error_code ec;
    if (std::filesystem::exists(gz, ec)) return gz.string();
    if (std::filesystem::exists(d / stem, ec)) return (d / stem).string();
    return gz.string();  // the error names the expected file
}

}  // namespace tlm4ml
