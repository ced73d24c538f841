// Reader for numpy's .npy files (np.save), the side-file format for large weight tensors.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace tlm4ml {

struct NpyArray {
    std::vector<size_t> shape;
    std::vector<double> values;  // C order
};

// An array's header, checked: a supported dtype, C order, and data for every value of the shape.
struct NpyHeader {
    std::string descr;           // '<f4', '<f8', '<i2', '|u1', ...
    size_t item_size = 0;        // bytes per value
    std::vector<size_t> shape;
    uint64_t count = 0;          // values: the product of the shape
    uint64_t header_bytes = 0;   // where the data starts
};

// Reads the header through `read_exact(buffer, n)` (false: fewer than n bytes were left) from a stream of
// `size` bytes. Throws std::runtime_error naming `path` and the field (descr, fortran_order, shape).
NpyHeader read_npy_header(const std::function<bool(char*, size_t)>& read_exact, uint64_t size, const std::string& path);
// `count` values of `descr` at `bytes` as doubles (little-endian, as the header says).
void npy_values_to_double(const std::string& descr, const char* bytes, size_t count, double* out);

// Supports little-endian float32/float64 and (u)int8..64, C order. Throws std::runtime_error naming the file.
// Every size in the header is checked against the file before anything is allocated.
NpyArray read_npy(const std::string& path);
// The same from bytes in memory (`label` names them in errors).
NpyArray read_npy_bytes(const std::string& bytes, const std::string& label);

}  // namespace tlm4ml
