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

std::vector<std::vector<int64_t>> read_samples(const std::string& path, size_t width, const Precision& p,
                                               size_t max_samples) {
    const auto reader = RowReader::open(path, width, max_samples, RowReader::Values::float_inputs);
    std::vector<std::vector<int64_t>> rows(reader->rows(), std::vector<int64_t>(width));
    std::vector<double> values(width);
    for (auto& row : rows) {
        reader->next(values.data());
        for (size_t k = 0; k < width; ++k) row[k] = quantize_input(values[k], p);
    }
    return rows;
}

std::vector<std::vector<double>> read_real_rows(const std::string& path, size_t width, size_t max_rows) {
    const auto reader = RowReader::open(path, width, max_rows);
    std::vector<std::vector<double>> rows(reader->rows(), std::vector<double>(reader->width()));
    for (auto& row : rows) reader->next(row.data());
    return rows;
}

int64_t quantize_input(double value, const Precision& p) {
    return quantize_double(static_cast<double>(static_cast<float>(value)), p);
}

std::string format_sample(const std::vector<int64_t>& raw, const Precision& p) {
    std::string out(raw.size() * (kMaxDecimalChars + 1) + 1, '\0');
    char* at = out.data();
    for (size_t i = 0; i < raw.size(); ++i) {
        if (i) *at++ = ' ';
        at = write_decimal(at, raw[i], p.frac());
    }
    *at++ = '\n';
    out.resize(static_cast<size_t>(at - out.data()));
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
