// Sample files read whole (testbenches/data/sample_reader.h reads them a row at a time): text in hls4ml's
// testbench style (one sample per line, values separated by spaces or commas), or NumPy .npy / .npz.
#pragma once

#include <string>
#include <vector>

#include "rtl_models/precision.h"
#include "testbenches/data/sample_reader.h"

namespace tlm4ml {

// Reads every sample (or the first max_samples), converting each value as hls4ml's testbench does
// (text -> float -> input type; a NumPy value -> float -> input type). Each row must hold exactly `width`
// values. Throws SampleFileError naming the file, line (row) and column.
std::vector<std::vector<int64_t>> read_samples(const std::string& path, size_t width, const Precision& p,
                                               size_t max_samples = 0);

// An input value as hls4ml's testbench converts it: stored into a float, then into the input type.
// `value` must be within float's range (RowReader::Values::float_inputs checks it).
int64_t quantize_input(double value, const Precision& p);

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
