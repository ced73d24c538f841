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
NpyArray read_npy(const std::string& path);

}  // namespace tlm4ml
