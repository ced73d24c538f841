// Rows of fixed-point values written as they come, through one buffer. The destination's name chooses the
// format: FILE.npy is a NumPy float64 array [rows, width] (each value exact when the type has at most 53
// significant bits, as every type up to 53 bits wide has; wider ones rounded to the nearest double);
// anything else text, one line per row, every value printed exactly (predict's format).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "rtl_models/precision.h"

namespace tlm4ml {

class RowWriter {
public:
    // `file`: where the bytes go (a temporary of output_files.h); `destination`: the name the user gave, whose
    // extension chooses the format and which messages name.
    RowWriter(const std::string& file, const std::string& destination, size_t width);
    ~RowWriter();
    RowWriter(const RowWriter&) = delete;
    RowWriter& operator=(const RowWriter&) = delete;

    void write(const int64_t* raw, const Precision& p);
    void write(const std::vector<int64_t>& raw, const Precision& p) { write(raw.data(), p); }
    // Flushes and closes (a NumPy file gets its header, with the row count, now). Throws naming the destination.
    void close();
    size_t rows() const { return rows_; }
    bool numpy() const { return numpy_; }

private:
    void flush();

    std::string destination_;
    int fd_ = -1;
    size_t width_;
    bool numpy_;
    size_t rows_ = 0;
    std::vector<char> buf_;
    size_t used_ = 0;
};

// Whether a destination name asks for NumPy (.npy).
bool is_numpy_destination(const std::string& destination);

}  // namespace tlm4ml
