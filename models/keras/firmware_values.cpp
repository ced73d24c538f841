#include "models/keras/firmware_values.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>

#include "models/model.h"
#include "rtl_models/quantize.h"

namespace tlm4ml {

using nlohmann::json;

Precision parse_precision(const std::string& where, const std::string& text) {
    if (text == "auto")
        fail_at(where,
             "\"auto\" precisions (hls4ml's type inference, granularity name/type) are not supported: give "
             "explicit types");
    try {
        return Precision::parse(text);
    } catch (const PrecisionError& e) {
        fail_at(where, e.what());
    }
}

double firmware_value(double v, const Precision& p) {
    const int f = std::clamp(p.frac(), 0, 64);
    char buf[512];
    std::snprintf(buf, sizeof buf, "%.*f", f, v);
    const double text_value = std::strtod(buf, nullptr);
    return p.to_double(quantize_double(text_value, p));
}

json values_json(const std::vector<double>& v, const Precision& p) {
    json a = json::array();
    for (double x : v) a.push_back(firmware_value(x, p));
    return a;
}

json tensor_json(const double* v, const std::vector<size_t>& shape, size_t dim) {
    if (dim == shape.size()) return json(*v);
    size_t stride = 1;
    for (size_t d = dim + 1; d < shape.size(); ++d) stride *= shape[d];
    json a = json::array();
    for (size_t i = 0; i < shape[dim]; ++i) a.push_back(tensor_json(v + i * stride, shape, dim + 1));
    return a;
}

json matrix_json(const std::vector<double>& v, size_t rows, size_t cols) {
    json m = json::array();
    for (size_t i = 0; i < rows; ++i) {
        json r = json::array();
        for (size_t j = 0; j < cols; ++j) r.push_back(v[i * cols + j]);
        m.push_back(std::move(r));
    }
    return m;
}

}  // namespace tlm4ml
