#include "models/keras/layer_converters.h"

#include <fmt/format.h>

#include "models/model.h"

namespace tlm4ml {

using nlohmann::json;

// Merge layers: hls4ml's Merge (Add, Subtract, Multiply, Average, Maximum, Minimum; LayerType "Merge") and
// Concatenate, with a result type and no accumulator. Shapes must agree as Keras requires, without
// Keras' broadcasting, which hls4ml's merge functions do not do.
void LayerConverters::add_merge(const KerasLayer& l, const std::vector<Tensor>& ins) {
    const bool concat = l.cls == "Concatenate";
    const std::vector<std::string> classes =
        concat ? std::vector<std::string>{"Concatenate"} : std::vector<std::string>{l.cls, "Merge"};
    const Tensor& a = ins[0];
    const Tensor& b = ins[1];
    auto shape_text = [](const std::vector<size_t>& v) {
        std::string t;
        for (size_t d : v) t += (t.empty() ? "" : ", ") + std::to_string(d);
        return "[" + t + "]";
    };
    json d = {{"name", l.name}, {"class", l.cls}};
    if (!concat) {
        if (a.shape != b.shape)
            fail_at(l.where, fmt::format("needs two inputs of one shape, got {} (\"{}\") and {} (\"{}\"): "
                                      "hls4ml's merge does not broadcast",
                                      shape_text(a.shape), l.inbound[0], shape_text(b.shape), l.inbound[1]));
    } else {
        const int rank = static_cast<int>(a.shape.size());
        if (b.shape.size() != a.shape.size())
            fail_at(l.where, fmt::format("inputs of different ranks: {} (\"{}\") and {} (\"{}\")", shape_text(a.shape),
                                      l.inbound[0], shape_text(b.shape), l.inbound[1]));
        if (rank > 3) fail_at(l.where, "concatenating tensors of rank > 3 is not supported (hls4ml: neither)");
        const json& ax = l.config.contains("axis") ? l.config["axis"] : json(-1);
        if (!ax.is_number_integer() || ax.get<int>() == 0 || ax.get<int>() < -rank || ax.get<int>() > rank)
            fail_at(l.where,
                 fmt::format("axis {}: expected -{}..-1 or 1..{} (0 is the batch axis)", ax.dump(), rank, rank));
        const int axis = ax.get<int>();
        const size_t k = static_cast<size_t>(axis < 0 ? axis + rank : axis - 1);
        for (size_t i = 0; i < a.shape.size(); ++i)
            if (i != k && a.shape[i] != b.shape[i])
                fail_at(l.where, fmt::format("axis {}: the inputs {} (\"{}\") and {} (\"{}\") differ on "
                                          "another axis",
                                          axis, shape_text(a.shape), l.inbound[0], shape_text(b.shape), l.inbound[1]));
        d["axis"] = axis;
        shape_ = a.shape;
        shape_[k] += b.shape[k];
    }
    common(d, l.name, classes);
    d["precision"] = {{"result", prec(l.name, classes, "result", "ap_fixed<16,6>")}};
    out_.push_back(std::move(d));
    prev_bnqt_ = false;
}

}  // namespace tlm4ml
