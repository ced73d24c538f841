// MNIST in LeCun's idx format, gzip'ed or plain (zlib reads both): idx3 images (magic 2051, count, rows,
// cols, uint8 pixels) and idx1 labels (magic 2049, count, uint8). Every failure throws ModelError naming the
// file: missing, not gzip/idx, a wrong magic number, a truncated body.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tlm4ml {

struct IdxImages {
    size_t count = 0, rows = 0, cols = 0;
    std::vector<uint8_t> pixels;  // count * rows * cols, row-major per image
};

IdxImages read_idx_images(const std::string& path, size_t max_count = 0);  // 0: all
std::vector<uint8_t> read_idx_labels(const std::string& path, size_t max_count = 0);

// The test set files in an MNIST folder: t10k-images-idx3-ubyte.gz / t10k-labels-idx1-ubyte.gz (the
// unzipped names are accepted too).
std::string mnist_file(const std::string& dir, const std::string& stem);

}  // namespace tlm4ml
