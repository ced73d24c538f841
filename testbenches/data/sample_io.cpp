#include "testbenches/data/sample_io.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>

#include <fmt/format.h>

#include "rtl_models/fixed_math.h"

namespace tlm4ml {

namespace {
std::vector<std::string> split_fields(const std::string& line) {
    std::vector<std::string> out;
    std::string cur;
    for (char ch : line) {
        if (ch == ' ' || ch == '\t' || ch == ',' || ch == '\r') {
            if (!cur.empty()) out.push_back(cur);
            cur.clear();
        } else {
            cur.push_back(ch);
        }
    }
    if (!cur.empty()) out.push_back(cur);
    return out;
}

// A field as a message shows it: control bytes escaped, long ones cut.
std::string printable(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size() && i < 40; ++i) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        out += c >= 0x20 && c < 0x7f ? std::string(1, s[i]) : fmt::format("\\x{:02x}", c);
    }
    return s.size() > 40 ? out + "..." : out;
}

// The next line of a text file, bounded: a NUL byte (a binary file, /dev/zero) or a line longer than
// `max_len` (a file without newlines) is an error, not an ever-growing string.
bool next_line(std::streambuf& in, std::string& line, size_t max_len, const std::string& path, size_t line_no) {
    line.clear();
    for (;;) {
        const int c = in.sbumpc();
        if (c == std::char_traits<char>::eof()) return !line.empty();
        if (c == '\n') return true;
        if (c == 0)
            throw SampleFileError(fmt::format("{}:{}: a NUL byte: not a text file of samples", path, line_no));
        if (line.size() == max_len)
            throw SampleFileError(fmt::format("{}:{}: line longer than {} bytes without a newline: not a sample file "
                                              "with one sample per line?",
                                              path, line_no, max_len));
        line.push_back(static_cast<char>(c));
    }
}

template <typename Row, typename Convert>
std::vector<Row> read_rows(const std::string& path, size_t width, size_t max_rows, Convert convert) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
        throw SampleFileError(fmt::format("{}: a directory, expected a file of samples", path));
    std::ifstream f(path, std::ios::binary);
    if (!f) throw SampleFileError(fmt::format("{}: cannot open the file", path));
    // 128 characters per value are more than any number needs.
    const size_t max_len = 1024 + 128 * width;
    std::vector<Row> rows;
    std::string line;
    size_t line_no = 0;
    while (next_line(*f.rdbuf(), line, max_len, path, line_no + 1)) {
        ++line_no;
        const auto fields = split_fields(line);
        if (fields.empty()) continue;
        if (fields.size() != width)
            throw SampleFileError(fmt::format("{}:{}: expected {} values, found {}", path, line_no, width, fields.size()));
        Row row(width);
        for (size_t k = 0; k < width; ++k)
            if (!convert(fields[k], row[k]))
                throw SampleFileError(fmt::format("{}:{}: value {} \"{}\" is not a finite number", path, line_no, k + 1,
                                                  printable(fields[k])));
        rows.push_back(std::move(row));
        if (max_rows && rows.size() == max_rows) break;
    }
    if (rows.empty()) throw SampleFileError(fmt::format("{}: no samples in the file", path));
    return rows;
}
}  // namespace

std::vector<std::vector<int64_t>> read_samples(const std::string& path, size_t width, const Precision& p,
                                               size_t max_samples) {
    return read_rows<std::vector<int64_t>>(path, width, max_samples, [&](const std::string& s, int64_t& out) {
        // Read as a float, as hls4ml's testbench does: a value beyond float's range is not a number it can read
        // (and converting it to float is undefined behaviour).
        const double d = std::strtod(s.c_str(), nullptr);
        if (!(std::fabs(d) <= std::numeric_limits<float>::max())) return false;
        double v;
        return parse_input_text(s, p, out, v);
    });
}

std::vector<std::vector<double>> read_real_rows(const std::string& path, size_t width, size_t max_rows) {
    return read_rows<std::vector<double>>(path, width, max_rows, [](const std::string& s, double& out) {
        char* end = nullptr;
        out = std::strtod(s.c_str(), &end);
        return end == s.c_str() + s.size() && std::isfinite(out);
    });
}

std::string format_sample(const std::vector<int64_t>& raw, const Precision& p) {
    std::string out;
    for (size_t i = 0; i < raw.size(); ++i) {
        if (i) out.push_back(' ');
        out += to_decimal(raw[i], p);
    }
    out.push_back('\n');
    return out;
}

void write_file_atomically(const std::string& path, const std::string& text) {
    const std::string tmp = path + ".tmp";
    {
        std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
        if (!f) throw std::runtime_error(fmt::format("{}: cannot write the file", path));
        f << text;
        f.close();
        if (!f) {
            std::remove(tmp.c_str());
            throw std::runtime_error(fmt::format("{}: write failed", path));
        }
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) {
        std::remove(tmp.c_str());
        throw std::runtime_error(fmt::format("{}: cannot rename the temporary file: {}", path, ec.message()));
    }
}

void write_files_atomically(const std::vector<std::pair<std::string, std::string>>& files) {
    std::vector<std::string> written;
    auto cleanup = [&] {
        for (const auto& t : written) std::remove(t.c_str());
    };
    for (const auto& [path, text] : files) {
        const std::string tmp = path + ".tmp";
        std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
        if (f) {
            written.push_back(tmp);
            f << text;
            f.close();
        }
        if (!f) {
            cleanup();
            throw std::runtime_error(fmt::format("{}: cannot write the file", path));
        }
    }
    for (const auto& [path, text] : files) {
        std::error_code ec;
        std::filesystem::rename(path + ".tmp", path, ec);
        if (ec) {
            cleanup();
            throw std::runtime_error(fmt::format("{}: cannot rename the temporary file: {}", path, ec.message()));
        }
    }
}

}  // namespace tlm4ml
