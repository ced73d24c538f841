// Writers for Keras model files, for importer tests that build their own fixtures (no Python at test time):
// a Keras 2 weights .h5 (the top-level layout of *_weights.h5) and a Keras 3 .keras archive (config.json +
// model.weights.h5 with numbered variables per layer object, zipped with libzip).
#pragma once

#include <hdf5.h>
#include <zip.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace tlm4ml_test {

struct Var {
    std::string name;  // "kernel", "gamma", ...
    std::vector<size_t> shape;
    std::vector<float> values;
};
using LayerVars = std::vector<std::pair<std::string, std::vector<Var>>>;

inline void set_string_list(hid_t obj, const char* attr, const std::vector<std::string>& items) {
    size_t len = 1;
    for (const auto& s : items) len = std::max(len, s.size());
    const hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, len);
    H5Tset_strpad(type, H5T_STR_NULLPAD);
    const hsize_t n = items.size();
    const hid_t space = H5Screate_simple(1, &n, nullptr);
    std::vector<char> buf(len * items.size(), '\0');
    for (size_t i = 0; i < items.size(); ++i) std::copy(items[i].begin(), items[i].end(), buf.begin() + i * len);
    const hid_t a = H5Acreate2(obj, attr, type, space, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, type, buf.data());
    H5Aclose(a);
    H5Sclose(space);
    H5Tclose(type);
}

inline void write_f32(hid_t parent, const std::string& rel, const Var& v, hid_t lcpl) {
    std::vector<hsize_t> dims(v.shape.begin(), v.shape.end());
    const hid_t space = H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
    const hid_t d = H5Dcreate2(parent, rel.c_str(), H5T_IEEE_F32LE, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.values.data());
    H5Dclose(d);
    H5Sclose(space);
}

// Keras 2: /<layer> carries weight_names "<layer>/<var>:0"; the datasets sit at /<layer>/<layer>/<var>:0.
inline void write_keras2_weights(const std::filesystem::path& p, const LayerVars& layers) {
    const hid_t f = H5Fcreate(p.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    ASSERT_GE(f, 0) << p;
    std::vector<std::string> names;
    for (const auto& l : layers) names.push_back(l.first);
    set_string_list(f, "layer_names", names);
    const hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    for (const auto& [layer, vars] : layers) {
        const hid_t g = H5Gcreate2(f, ("/" + layer).c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        std::vector<std::string> wn;
        for (const Var& v : vars) {
            const std::string rel = layer + "/" + v.name + ":0";
            wn.push_back(rel);
            write_f32(g, rel, v, lcpl);
        }
        set_string_list(g, "weight_names", wn);
        H5Gclose(g);
    }
    H5Pclose(lcpl);
    H5Fclose(f);
}

// Keras 3: /layers/<group>/vars/<k> in the order the layer created its variables (group names as Keras 3
// gives them: the snake_case class name, "_1", "_2", ... for repeats), plus an empty /vars.
inline void write_keras3_weights(const std::filesystem::path& p, const LayerVars& groups) {
    const hid_t f = H5Fcreate(p.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    ASSERT_GE(f, 0) << p;
    const hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    H5Gclose(H5Gcreate2(f, "/vars", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    for (const auto& [group, vars] : groups) {
        H5Gclose(H5Gcreate2(f, ("/layers/" + group + "/vars").c_str(), lcpl, H5P_DEFAULT, H5P_DEFAULT));
        for (size_t k = 0; k < vars.size(); ++k)
            write_f32(f, "/layers/" + group + "/vars/" + std::to_string(k), vars[k], lcpl);
    }
    H5Pclose(lcpl);
    H5Fclose(f);
}

// A zip archive of (member name, file to store) pairs, as Keras 3 writes a .keras file (stored, no
// compression).
inline void write_zip(const std::filesystem::path& p, const std::vector<std::pair<std::string, std::filesystem::path>>& members) {
    std::filesystem::remove(p);
    int err = 0;
    zip_t* z = zip_open(p.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
    ASSERT_NE(z, nullptr) << p << ": libzip error " << err;
    for (const auto& [name, file] : members) {
        zip_source_t* src = zip_source_file(z, file.c_str(), 0, -1);
        ASSERT_NE(src, nullptr) << file;
        const zip_int64_t idx = zip_file_add(z, name.c_str(), src, ZIP_FL_OVERWRITE);
        ASSERT_GE(idx, 0) << name;
        zip_set_file_compression(z, static_cast<zip_uint64_t>(idx), ZIP_CM_STORE, 0);
    }
    ASSERT_EQ(zip_close(z), 0) << p;
}

}  // namespace tlm4ml_test
