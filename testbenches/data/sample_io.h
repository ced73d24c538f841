// Sample files in hls4ml's testbench style: one sample per line, values separated by spaces or commas.
#pragma once

#include <string>
#include <vector>

#include "rtl_models/precision.h"

namespace tlm4ml {

class SampleFileError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Reads every sample (or the first max_samples), converting each value as hls4ml's testbench does
// (text -> float -> input type). Each line must hold exactly `width` values. Throws SampleFileError naming
// the file, line and column.
std::vector<std::vector<int64_t>> read_samples(const std::string& path, size_t width, const Precision& p,
                                               size_t max_samples = 0);

// Reads lines of real numbers (expected outputs) without quantizing them.
std::vector<std::vector<double>> read_real_rows(const std::string& path, size_t width, size_t max_rows = 0);

// One line per sample, values space-separated, each printed exactly.
std::string format_sample(const std::vector<int64_t>& raw, const Precision& p);

// Writes `text` to `path` atomically (temporary file, then rename), so a failed run leaves no partial file.
void write_file_atomically(const std::string& path, const std::string& text);

// Writes several files so that either all of them appear or none does: every one goes to a temporary
// name first, and they are renamed only once all writes succeeded.
void write_files_atomically(const std::vector<std::pair<std::string, std::string>>& files);

}  // namespace tlm4ml
