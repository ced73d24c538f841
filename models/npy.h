// Reader for numpy's .npy files (np.save), the side-file format for large weight tensors.
#pragma once

#include <string>
#include <vector>

namespace tlm4ml {

struct NpyArray {
    std::vector<size_t> shape;
    std::vector<double> values;  // C order
};

// Supports little-endian float32/float64 and (u)int8..64, C order. Throws std::runtime_error naming the file.
// Every size in the header is checked against the file before anything is allocated.
NpyArray read_npy(const std::string& path);
// The same from bytes in memory (`label` names them in errors).
NpyArray read_npy_bytes(const std::string& bytes, const std::string& label);

}  // namespace tlm4ml
