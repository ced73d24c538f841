#include "models/model_file/layer_builder.h"

#include <stdexcept>

#include <fmt/format.h>

namespace tlm4ml::model_file {

void LayerBuilder::add_merge(const Ctx& c, const json& layer, const std::string& name, MergeOp op, const Operand& a,
                             const Operand& b, std::vector<size_t>& shape, Precision& in_prec) {
    const bool concat = op == MergeOp::Concatenate;
    if (concat)
        check_keys(c, layer, {"name", "class", "precision", "reuse_factor", "axis"});
    else
        check_keys(c, layer, {"name", "class", "precision", "reuse_factor"});
    MergeConfig cfg;
    cfg.op = op;
    cfg.input1_t = a.precision;
    cfg.input2_t = b.precision;
    cfg.result_t = layer_precisions(c, layer, {"result"}).get("result", d_.precision);
    cfg.reuse_factor = layer_reuse_factor(c, layer, d_);
    const std::string cls = merge_class_name(op);
    if (!concat) {
        if (a.shape != b.shape)
            c.at("inputs").fail(fmt::format("{} needs inputs of one shape: \"{}\" is {}, \"{}\" is {}", cls, a.name,
                                            shape_str(a.shape), b.name, shape_str(b.shape)));
        cfg.n_elem = product(a.shape);
    } else {
        if (a.shape.size() != b.shape.size())
            c.at("inputs").fail(fmt::format("Concatenate needs inputs of one rank: \"{}\" is {}, \"{}\" is {}", a.name,
                                            shape_str(a.shape), b.name, shape_str(b.shape)));
        // Keras' axis: negative counts from the end, positive counts the batch axis as 0 (hls4ml's
        // concat_config uses it as is: axis 3 or -1 is the channel axis of an [h, w, c] tensor).
        const int rank = static_cast<int>(a.shape.size());
        int axis = -1;
        if (layer.contains("axis")) axis = get_int(c.at("axis"), layer["axis"], -rank, rank);
        if (axis == 0)
            c.at("axis").fail("axis 0 is Keras' batch axis; the tensor axes are 1.." + std::to_string(rank) + " or -" +
                              std::to_string(rank) + "..-1");
        cfg.axis = static_cast<size_t>(axis < 0 ? axis + rank : axis - 1);
        cfg.shape1 = a.shape;
        cfg.shape2 = b.shape;
        for (size_t i = 0; i < a.shape.size(); ++i)
            if (i != cfg.axis && a.shape[i] != b.shape[i])
                c.at("inputs").fail(
                    fmt::format("Concatenate on axis {}: \"{}\" is {} and \"{}\" is {}, which differ "
                                "on another axis",
                                axis, a.name, shape_str(a.shape), b.name, shape_str(b.shape)));
    }
    const std::vector<size_t> out_shape = concat ? cfg.out_shape() : a.shape;
    try {
        push(std::make_unique<MergeLayer>(name, std::move(cfg)), in_prec);
    } catch (const std::invalid_argument& e) {
        c.fail(e.what());
    }
    shape = out_shape;
}

}  // namespace tlm4ml::model_file
