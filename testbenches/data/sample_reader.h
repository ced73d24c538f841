// Sample files read one row at a time, in flat memory whatever their length. The name chooses the format:
// FILE.npy is a NumPy array, FILE.npz (or FILE.npz:NAME, when it holds several) one array of a NumPy archive,
// anything else text in hls4ml's testbench style (one row per line, values separated by spaces or commas,
// blank lines skipped). A NumPy array is [rows, ...values] in C order: every row flattened is one sample.
#pragma once

#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>

namespace tlm4ml {

class SampleFileError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class RowReader {
public:
    enum class Values {
        real,          // any finite double
        float_inputs,  // also within float's range: hls4ml's testbench reads inputs into a float
    };

    // width: values per row (0: whatever the file's rows hold: its first row, or its shape). max_rows: read at
    // most this many (0: all). Rows are counted on opening (text: a first pass over the file, which a pipe
    // keeps in memory). Throws SampleFileError naming the file and the field: unreadable, no rows, a NumPy
    // header (descr, fortran_order, shape) that does not fit.
    static std::unique_ptr<RowReader> open(const std::string& path, size_t width = 0, size_t max_rows = 0,
                                           Values values = Values::real);
    virtual ~RowReader() = default;

    const std::string& path() const { return path_; }
    size_t width() const { return width_; }
    size_t rows() const { return rows_; }
    size_t rows_read() const { return read_; }
    // The next row into out[0, width()); call at most rows() times. Throws SampleFileError naming the file,
    // the line (text) or row (NumPy), the value's position and the value.
    void next(double* out) {
        if (read_ >= rows_) throw std::logic_error("RowReader::next past the last row");
        read_row(out);
        ++read_;
    }
    // Where the last row came from, for messages: "labels.txt: line 51", "labels.npy: row 51".
    virtual std::string where() const = 0;

protected:
    RowReader(std::string path, Values values) : path_(std::move(path)), values_(values) {}
    virtual void read_row(double* out) = 0;

    std::string path_;
    Values values_;
    size_t width_ = 0;
    size_t rows_ = 0;
    size_t read_ = 0;
};

}  // namespace tlm4ml
