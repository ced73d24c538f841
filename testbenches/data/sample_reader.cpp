#include "testbenches/data/sample_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <vector>

#include <fmt/format.h>
#include <zip.h>

#include "models/npy.h"

namespace tlm4ml {

namespace {

bool ends_with(const std::string& s, const char* suffix) {
    const size_t n = std::strlen(suffix);
    return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

// A field as a message shows it: control bytes escaped, long ones cut.
std::string printable(const char* b, const char* e) {
    std::string out;
    for (const char* p = b; p < e && p < b + 40; ++p) {
        const unsigned char c = static_cast<unsigned char>(*p);
        if (c >= 0x20 && c < 0x7f) out.push_back(*p);
        else out += fmt::format("\\x{:02x}", c);
    }
    return e - b > 40 ? out + "..." : out;
}

bool in_range(double d, RowReader::Values values) {
    if (values == RowReader::Values::float_inputs) return std::fabs(d) <= std::numeric_limits<float>::max();
    return std::isfinite(d);
}

// strtod's syntax (what hls4ml's testbench accepts through atof), through std::from_chars where it agrees:
// from_chars refuses a leading '+', hexadecimal and values out of range, which take the slow path.
bool parse_number(const char* b, const char* e, double& out) {
    const char* s = b;
    if (s < e && *s == '+' && s + 1 < e && s[1] != '-' && s[1] != '+') ++s;
    const auto [ptr, ec] = std::from_chars(s, e, out);
    if (ec == std::errc() && ptr == e) return true;
    const std::string copy(b, e);
    char* end = nullptr;
    out = std::strtod(copy.c_str(), &end);
    return end == copy.c_str() + copy.size() && !copy.empty();
}

bool is_separator(char c) { return c == ' ' || c == '\t' || c == ',' || c == '\r'; }

// The lines of a text file through one buffer, bounded: a NUL byte (a binary file, /dev/zero) or a line
// longer than `max_len` (a file without newlines) is an error, not an ever-growing buffer.
class LineSource {
public:
    // Reads from `fd` (owned); `keep`: also append every byte consumed (a pipe read twice).
    LineSource(int fd, std::string path, size_t max_len, std::string* keep = nullptr)
        : fd_(fd), path_(std::move(path)), max_len_(max_len), keep_(keep),
          buf_(std::max<size_t>(size_t{1} << 20, 2 * max_len + 2)) {}
    // Lines from memory.
    LineSource(std::string text, std::string path, size_t max_len)
        : path_(std::move(path)), max_len_(max_len), buf_(text.begin(), text.end()), end_(buf_.size()), eof_(true) {}
    ~LineSource() {
        if (fd_ >= 0) ::close(fd_);
    }
    LineSource(const LineSource&) = delete;
    LineSource& operator=(const LineSource&) = delete;

    // The next line [b, e) without its newline; false at the end. line() is its number (from 1).
    bool next(const char*& b, const char*& e) {
        for (;;) {
            const char* start = buf_.data() + pos_;
            const char* nl = static_cast<const char*>(std::memchr(start, '\n', end_ - pos_));
            if (nl || (eof_ && pos_ < end_)) {
                const char* stop = nl ? nl : buf_.data() + end_;
                ++line_;
                check(start, stop, line_);
                b = start;
                e = stop;
                pos_ = static_cast<size_t>(stop - buf_.data()) + (nl ? 1 : 0);
                return true;
            }
            if (eof_) return false;
            if (end_ - pos_ > max_len_) {
                check(start, start + max_len_ + 1, line_ + 1);  // names a NUL first (/dev/zero)
            }
            fill();
        }
    }
    size_t line() const { return line_; }

private:
    void check(const char* b, const char* e, size_t line_no) const {
        const size_t n = static_cast<size_t>(e - b);
        if (std::memchr(b, 0, std::min(n, max_len_ + 1)))
            throw SampleFileError(fmt::format("{}:{}: a NUL byte: not a text file of samples", path_, line_no));
        if (n > max_len_)
            throw SampleFileError(fmt::format("{}:{}: line longer than {} bytes without a newline: not a sample file "
                                              "with one sample per line?",
                                              path_, line_no, max_len_));
    }
    void fill() {
        if (pos_ > 0) {
            std::memmove(buf_.data(), buf_.data() + pos_, end_ - pos_);
            end_ -= pos_;
            pos_ = 0;
        }
        for (;;) {
            const ssize_t r = ::read(fd_, buf_.data() + end_, buf_.size() - end_);
            if (r < 0 && errno == EINTR) continue;
            if (r < 0) throw SampleFileError(fmt::format("{}: read failed: {}", path_, std::strerror(errno)));
            if (r == 0) eof_ = true;
            if (keep_) keep_->append(buf_.data() + end_, static_cast<size_t>(r));
            end_ += static_cast<size_t>(r);
            return;
        }
    }

    int fd_ = -1;
    std::string path_;
    size_t max_len_;
    std::string* keep_ = nullptr;
    std::vector<char> buf_;
    size_t pos_ = 0, end_ = 0;
    bool eof_ = false;
    size_t line_ = 0;
};

int open_file(const std::string& path, struct stat& st) {
    if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
        throw SampleFileError(fmt::format("{}: a directory, expected a file of samples", path));
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || ::fstat(fd, &st) != 0) {
        if (fd >= 0) ::close(fd);
        throw SampleFileError(fmt::format("{}: cannot open the file", path));
    }
    return fd;
}

class TextRows : public RowReader {
public:
    TextRows(const std::string& path, size_t width, size_t max_rows, Values values) : RowReader(path, values) {
        struct stat st;
        const int fd = open_file(path, st);
        const bool regular = S_ISREG(st.st_mode);
        // Widths are not known before the first row when width is 0: room for a wide row then.
        max_len_ = 1024 + 128 * (width ? width : 4096);
        // First pass: the rows and, when not given, their width. A pipe cannot be read twice: its bytes are
        // kept (bounded by the same checks).
        std::string kept;
        {
            LineSource count(fd, path, max_len_, regular ? nullptr : &kept);
            const char *b, *e;
            size_t first_fields = 0;
            while ((!max_rows || rows_ < max_rows) && count.next(b, e)) {
                if (std::all_of(b, e, is_separator)) continue;
                if (rows_++ == 0) first_fields = count_fields(b, e);
            }
            width_ = width ? width : first_fields;
        }
        if (rows_ == 0) throw SampleFileError(fmt::format("{}: no samples in the file", path));
        if (regular) {
            struct stat again;
            lines_ = std::make_unique<LineSource>(open_file(path, again), path, max_len_);
        } else {
            lines_ = std::make_unique<LineSource>(std::move(kept), path, max_len_);
        }
    }

    std::string where() const override { return fmt::format("{}: line {}", path_, lines_->line()); }

private:
    static size_t count_fields(const char* p, const char* e) {
        size_t n = 0;
        while (p < e) {
            while (p < e && is_separator(*p)) ++p;
            if (p == e) break;
            ++n;
            while (p < e && !is_separator(*p)) ++p;
        }
        return n;
    }

    void read_row(double* out) override {
        const char *b, *e;
        for (;;) {
            if (!lines_->next(b, e)) throw SampleFileError(fmt::format("{}: the file changed while it was read", path_));
            if (!std::all_of(b, e, is_separator)) break;
        }
        size_t k = 0, bad = SIZE_MAX;
        const char *bad_b = nullptr, *bad_e = nullptr;
        for (const char* p = b;;) {
            while (p < e && is_separator(*p)) ++p;
            if (p == e) break;
            const char* f = p;
            while (p < e && !is_separator(*p)) ++p;
            if (k < width_ && bad == SIZE_MAX && !(parse_number(f, p, out[k]) && in_range(out[k], values_))) {
                bad = k;
                bad_b = f;
                bad_e = p;
            }
            ++k;
        }
        if (k != width_)
            throw SampleFileError(fmt::format("{}:{}: expected {} values, found {}", path_, lines_->line(), width_, k));
        if (bad != SIZE_MAX)
            throw SampleFileError(fmt::format("{}:{}: value {} \"{}\" is not a finite number", path_, lines_->line(),
                                              bad + 1, printable(bad_b, bad_e)));
    }

    size_t max_len_ = 0;
    std::unique_ptr<LineSource> lines_;
};

// Bytes in order from a file or an archive member, through a buffer.
class ByteInput {
public:
    virtual ~ByteInput() = default;
    bool read_exact(char* out, size_t n) {
        while (n > 0) {
            if (pos_ == end_) {
                pos_ = 0;
                end_ = raw_read(buf_.data(), buf_.size());
                if (end_ == 0) return false;
            }
            const size_t k = std::min(n, end_ - pos_);
            std::memcpy(out, buf_.data() + pos_, k);
            pos_ += k;
            out += k;
            n -= k;
        }
        return true;
    }
    uint64_t size() const { return size_; }

protected:
    virtual size_t raw_read(char* out, size_t n) = 0;  // 0 at the end
    uint64_t size_ = 0;

private:
    std::vector<char> buf_ = std::vector<char>(size_t{1} << 18);
    size_t pos_ = 0, end_ = 0;
};

class FileBytes : public ByteInput {
public:
    explicit FileBytes(const std::string& path) : path_(path) {
        struct stat st;
        fd_ = open_file(path, st);
        if (!S_ISREG(st.st_mode)) {
            ::close(fd_);
            throw SampleFileError(fmt::format("{}: not a regular file (a NumPy file is read by its size)", path));
        }
        size_ = static_cast<uint64_t>(st.st_size);
    }
    ~FileBytes() override { ::close(fd_); }

private:
    size_t raw_read(char* out, size_t n) override {
        for (;;) {
            const ssize_t r = ::read(fd_, out, n);
            if (r < 0 && errno == EINTR) continue;
            if (r < 0) throw SampleFileError(fmt::format("{}: read failed: {}", path_, std::strerror(errno)));
            return static_cast<size_t>(r);
        }
    }
    std::string path_;
    int fd_ = -1;
};

// One .npy member of a .npz (a zip archive), decompressed as it is read.
class ZipMemberBytes : public ByteInput {
public:
    // spec: "FILE.npz" (an archive of one array) or "FILE.npz:NAME".
    explicit ZipMemberBytes(const std::string& spec) : spec_(spec) {
        std::string archive = spec, name;
        if (!ends_with(spec, ".npz")) {
            const size_t colon = spec.rfind(':');
            archive = spec.substr(0, colon);
            name = spec.substr(colon + 1);
        }
        struct stat st;
        if (::stat(archive.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
            throw SampleFileError(fmt::format("{}: cannot open the file (missing or not a regular file)", archive));
        int err = 0;
        zip_ = zip_open(archive.c_str(), ZIP_RDONLY, &err);
        if (!zip_) {
            zip_error_t e;
            zip_error_init_with_code(&e, err);
            const std::string why = zip_error_strerror(&e);
            zip_error_fini(&e);
            throw SampleFileError(fmt::format("{}: not a readable .npz (zip) archive: {}", archive, why));
        }
        std::vector<std::string> arrays;
        const zip_int64_t n = zip_get_num_entries(zip_, 0);
        for (zip_int64_t i = 0; i < n; ++i)
            if (const char* m = zip_get_name(zip_, static_cast<zip_uint64_t>(i), 0); m && ends_with(m, ".npy"))
                arrays.emplace_back(m, std::strlen(m) - 4);
        if (name.empty()) {
            if (arrays.size() != 1) {
                std::string names;
                for (const auto& a : arrays) names += (names.empty() ? "" : ", ") + a;
                fail(arrays.empty() ? fmt::format("{}: no array (.npy member) in the archive", archive)
                                    : fmt::format("{}: holds {} arrays ({}): name one as {}:NAME", archive,
                                                  arrays.size(), names, archive));
            }
            name = arrays.front();
        } else if (std::find(arrays.begin(), arrays.end(), name) == arrays.end()) {
            std::string names;
            for (const auto& a : arrays) names += (names.empty() ? "" : ", ") + a;
            fail(fmt::format("{}: no array named {} in {} (its arrays: {})", spec, name, archive, names));
        }
        const std::string member = name + ".npy";
        zip_stat_t zst;
        zip_stat_init(&zst);
        if (zip_stat(zip_, member.c_str(), 0, &zst) != 0 || !(zst.valid & ZIP_STAT_SIZE))
            fail(fmt::format("{}: member {} has no recorded size", archive, member));
        size_ = zst.size;
        file_ = zip_fopen(zip_, member.c_str(), 0);
        if (!file_) fail(fmt::format("{}: cannot open member {}: {}", archive, member, zip_strerror(zip_)));
    }
    ~ZipMemberBytes() override { close(); }

private:
    [[noreturn]] void fail(const std::string& why) {
        close();
        throw SampleFileError(why);
    }
    void close() {
        if (file_) zip_fclose(file_);
        if (zip_) zip_discard(zip_);
        file_ = nullptr;
        zip_ = nullptr;
    }
    size_t raw_read(char* out, size_t n) override {
        const zip_int64_t r = zip_fread(file_, out, n);
        if (r < 0) throw SampleFileError(fmt::format("{}: corrupt archive member: {}", spec_, zip_file_strerror(file_)));
        return static_cast<size_t>(r);
    }
    std::string spec_;
    zip_t* zip_ = nullptr;
    zip_file_t* file_ = nullptr;
};

class NpyRows : public RowReader {
public:
    NpyRows(const std::string& path, std::unique_ptr<ByteInput> in, size_t width, size_t max_rows, Values values)
        : RowReader(path, values), in_(std::move(in)) {
        try {
            header_ = read_npy_header([&](char* b, size_t n) { return in_->read_exact(b, n); }, in_->size(), path);
        } catch (const SampleFileError&) {
            throw;
        } catch (const std::runtime_error& e) {
            throw SampleFileError(e.what());
        }
        const auto& shape = header_.shape;
        std::string dims;
        for (size_t d : shape) dims += (dims.empty() ? "" : ", ") + std::to_string(d);
        if (shape.empty())
            throw SampleFileError(fmt::format("{}: 'shape' () is one value: expected [samples, values...]", path));
        uint64_t per_row = 1;
        for (size_t i = 1; i < shape.size(); ++i) per_row *= shape[i];  // checked by the header's count
        if (width && per_row != width)
            throw SampleFileError(fmt::format("{}: 'shape' ({}): each of the {} rows holds {} values, expected {}", path,
                                              dims, shape[0], per_row, width));
        if (shape[0] == 0 || per_row == 0)
            throw SampleFileError(fmt::format("{}: 'shape' ({}): no samples in the file", path, dims));
        width_ = static_cast<size_t>(per_row);
        rows_ = max_rows ? std::min<size_t>(max_rows, shape[0]) : shape[0];
        bytes_.resize(width_ * header_.item_size);
    }

    std::string where() const override { return fmt::format("{}: row {}", path_, read_); }

private:
    void read_row(double* out) override {
        if (!in_->read_exact(bytes_.data(), bytes_.size()))
            throw SampleFileError(fmt::format("{}: truncated data at row {}", path_, read_ + 1));
        npy_values_to_double(header_.descr, bytes_.data(), width_, out);
        for (size_t k = 0; k < width_; ++k)
            if (!in_range(out[k], values_))
                throw SampleFileError(fmt::format("{}: row {}, value {}: {} is not a finite number{}", path_, read_ + 1,
                                                  k + 1, out[k],
                                                  values_ == Values::float_inputs ? " as a float" : ""));
    }

    std::unique_ptr<ByteInput> in_;
    NpyHeader header_;
    std::vector<char> bytes_;
};

}  // namespace

std::unique_ptr<RowReader> RowReader::open(const std::string& path, size_t width, size_t max_rows, Values values) {
    if (ends_with(path, ".npy")) return std::make_unique<NpyRows>(path, std::make_unique<FileBytes>(path), width, max_rows, values);
    const size_t npz = path.rfind(".npz");
    if (npz != std::string::npos && (npz + 4 == path.size() || path[npz + 4] == ':'))
        return std::make_unique<NpyRows>(path, std::make_unique<ZipMemberBytes>(path), width, max_rows, values);
    return std::make_unique<TextRows>(path, width, max_rows, values);
}

}  // namespace tlm4ml
