// Layers of tlm4ml's JSON model file for tests that build small models: a Keras-layout Conv2D and a Dense with
// deterministic weights (kernel values w(seed++) * 0.5, then biases w(seed++) * 0.25).
#pragma once

#include <cmath>
#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

namespace tlm4ml_test {

// Deterministic weights in [-1, 1).
inline double test_weight(size_t i) { return std::fmod(static_cast<double>(i) * 0.618034, 2.0) - 1.0; }

// A Conv2D with a k x k kernel [kh][kw][c][f] and a bias, from test_weight() starting at `seed`.
inline nlohmann::json conv2d_layer(const std::string& name, size_t k, size_t chans, size_t filters, int rf,
                                   size_t seed) {
    using nlohmann::json;
    json kernel = json::array();
    for (size_t a = 0; a < k; ++a) {
        json row = json::array();
        for (size_t b = 0; b < k; ++b) {
            json c = json::array();
            for (size_t ch = 0; ch < chans; ++ch) {
                json f = json::array();
                for (size_t o = 0; o < filters; ++o) f.push_back(test_weight(seed++) * 0.5);
                c.push_back(f);
            }
            row.push_back(c);
        }
        kernel.push_back(row);
    }
    json bias = json::array();
    for (size_t o = 0; o < filters; ++o) bias.push_back(test_weight(seed++) * 0.25);
    return {{"name", name}, {"class", "Conv2D"}, {"filters", filters}, {"kernel_size", k},
            {"kernel", kernel}, {"bias", bias},  {"reuse_factor", rf}};
}

// A Dense n_in -> units (kernel [n_in][units]) and a bias, from test_weight() starting at `seed`.
inline nlohmann::json dense_layer(const std::string& name, size_t n_in, size_t units, int rf, size_t seed) {
    using nlohmann::json;
    json kernel = json::array();
    for (size_t i = 0; i < n_in; ++i) {
        json row = json::array();
        for (size_t j = 0; j < units; ++j) row.push_back(test_weight(seed++) * 0.5);
        kernel.push_back(row);
    }
    json bias = json::array();
    for (size_t j = 0; j < units; ++j) bias.push_back(test_weight(seed++) * 0.25);
    return {{"name", name}, {"class", "Dense"}, {"units", units}, {"kernel", kernel}, {"bias", bias},
            {"reuse_factor", rf}};
}

}  // namespace tlm4ml_test
