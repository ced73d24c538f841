// Read-only access to the parts of an HDF5 file a Keras model uses: string attributes (layer_names,
// weight_names, model_config) and numeric datasets (the weights), through the HDF5 C API.
// Every failure throws ModelError naming the file, the object and, when HDF5 says, why.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tlm4ml {

struct H5Array {
    std::vector<size_t> shape;   // empty for a scalar
    std::vector<double> values;  // C order; float32 data converts exactly
};

class H5Reader {
public:
    explicit H5Reader(const std::string& path);
    // An HDF5 file held in memory (a member of a Keras 3 archive); `label` names it in errors.
    H5Reader(const std::string& label, const std::vector<unsigned char>& image);
    ~H5Reader();
    H5Reader(const H5Reader&) = delete;
    H5Reader& operator=(const H5Reader&) = delete;

    const std::string& path() const { return path_; }
    // Whether a group or dataset exists at an absolute path ("/model_weights/fc1/fc1/kernel:0").
    bool exists(const std::string& object) const;
    bool has_attribute(const std::string& object, const std::string& name) const;
    // A string attribute (fixed-length or variable-length; a one-element array is accepted).
    std::string string_attribute(const std::string& object, const std::string& name) const;
    // An array of strings (Keras' layer_names / weight_names).
    std::vector<std::string> string_list_attribute(const std::string& object, const std::string& name) const;
    // A numeric dataset, read as double.
    H5Array dataset(const std::string& object) const;

private:
    std::string path_;
    int64_t file_ = -1;  // hid_t
};

}  // namespace tlm4ml
