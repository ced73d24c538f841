// Mirrors hls4ml/backends/vivado/passes/bn_quant.py.
#include "models/passes/bn_quant.h"

#include <fmt/format.h>

#include "models/model.h"
#include "rtl_models/packed_bits.h"

namespace tlm4ml {

using nlohmann::json;

std::string quantized_tanh_kind(const std::string& activation) {
    if (activation == "binary_tanh" || activation == "binary") return "binary";
    if (activation == "ternary_tanh" || activation == "ternary") return "ternary";
    return "";
}

json merge_batchnorm_quantized_tanh(const std::string& bn_name, bool ternary, const std::vector<float>& scale,
                                    const std::vector<float>& bias, double ternary_threshold,
                                    const std::string& where) {
    json q = {{"name", "bnbt_" + bn_name},
              {"class", "BatchNormalizationQuantizedTanh"},
              {"activation", ternary ? "ternary_tanh" : "binary_tanh"}};
    // Thresholds in float32 as hls4ml's set_thresholds (volatile keeps each operation rounded to float32);
    // tlm4ml floors them into the input's type.
    json t = json::array(), hi = json::array(), lo = json::array();
    for (size_t k = 0; k < scale.size(); ++k) {
        if (!(scale[k] > 0))
            throw ModelError(
                fmt::format("{}: gamma/sqrt(var+eps) of feature {} is {}: the binary/ternary threshold "
                            "merge needs a positive scale (hls4ml assumes it)",
                            where, k, scale[k]));
        const volatile float th = -bias[k] / scale[k];
        t.push_back(static_cast<double>(th));
        const volatile float h = static_cast<float>(ternary_threshold) / scale[k];
        const volatile float th_hi = h + th;
        const volatile float th_lo = -h + th;
        hi.push_back(static_cast<double>(th_hi));
        lo.push_back(static_cast<double>(th_lo));
    }
    if (!ternary) {
        q["threshold"] = t;
    } else {
        q["threshold_hi"] = hi;
        q["threshold_lo"] = lo;
    }
    return q;
}

json quantize_dense_output(size_t n_in, bool ternary) {
    const std::string it = xnor_result_precision(n_in).str();
    return {{"weight", ternary ? "ap_int<2>" : "ap_uint<1>"},
            {"bias", ternary ? "ap_int<2>" : "ap_uint<1>"},
            {"accum", it},
            {"result", it}};
}

}  // namespace tlm4ml
