#include "models/model_file/layer_builder.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "layers/arithmetic/conv.h"
#include "layers/arithmetic/pooling.h"
#include "layers/arithmetic/zero_padding.h"
#include "rtl_models/packed_bits.h"

namespace tlm4ml::model_file {

namespace {

// Strides and padding of a window into a conv or pooling config (hls4ml's field names in both).
template <typename Window, typename Config>
void set_strides_and_padding(const Window& win, Config& cfg) {
    cfg.stride_height = win.stride_height;
    cfg.stride_width = win.stride_width;
    cfg.pad_top = win.pad_top;
    cfg.pad_bottom = win.pad_bottom;
    cfg.pad_left = win.pad_left;
    cfg.pad_right = win.pad_right;
}

}  // namespace

// kernel_size / strides / pool_size: an integer (every axis) or one integer per spatial axis.
std::vector<size_t> LayerBuilder::spatial_ints(const Ctx& c, const json& v, size_t rank, const char* what) {
    std::vector<size_t> out;
    if (v.is_number_integer()) {
        out.assign(rank, static_cast<size_t>(get_int(c, v, 1, 1 << 20)));
        return out;
    }
    if (!v.is_array() || v.size() != rank)
        c.fail(fmt::format("{}: expected an integer or an array of {} integers, got {}", what, rank, v.dump()));
    for (size_t i = 0; i < rank; ++i) out.push_back(static_cast<size_t>(get_int(c.at(i), v[i], 1, 1 << 20)));
    return out;
}

// The spatial rank of a 1D / 2D layer class and a check of the input shape ([w, c] / [h, w, c]).
size_t LayerBuilder::spatial_rank(const Ctx& c, const std::string& cls, const std::vector<size_t>& shape) {
    const size_t rank = cls.find("1D") != std::string::npos ? 1 : 2;
    if (shape.size() != rank + 1)
        c.fail(fmt::format("{} needs an input of shape {} (channels last), got {}", cls,
                           rank == 1 ? "[width, channels]" : "[height, width, channels]", shape_str(shape)));
    return rank;
}

std::string LayerBuilder::padding_mode(const Ctx& c, const json& layer) {
    if (!layer.contains("padding")) return "valid";
    std::string p = get_string(c.at("padding"), layer["padding"]);
    std::transform(p.begin(), p.end(), p.begin(), ::tolower);
    if (p != "valid" && p != "same")
        c.at("padding").fail(
            fmt::format("\"{}\": expected \"valid\" or \"same\"", layer["padding"].get<std::string>()));
    return p;
}

// `size_key` is required when `default_size` is 0; strides default to 1 for convolutions and to the
// window size for pooling (Keras' defaults).
LayerBuilder::Window LayerBuilder::window(const Ctx& c, const json& layer, size_t rank,
                                          const std::vector<size_t>& shape, const char* size_key, size_t default_size,
                                          bool strides_default_to_size, const char* what) {
    const auto size = default_size && !layer.contains(size_key)
                          ? std::vector<size_t>(rank, default_size)
                          : spatial_ints(c.at(size_key), require(c, layer, size_key), rank, size_key);
    const auto strides = layer.contains("strides") && !layer["strides"].is_null()
                             ? spatial_ints(c.at("strides"), layer["strides"], rank, "strides")
                             : (strides_default_to_size ? size : std::vector<size_t>(rank, 1));
    Window win;
    win.height = rank == 1 ? 1 : size[0];
    win.width = size[rank - 1];
    win.stride_height = rank == 1 ? 1 : strides[0];
    win.stride_width = strides[rank - 1];
    const size_t in_height = rank == 1 ? 1 : shape[0], in_width = shape[rank - 1];
    const std::string pad = padding_mode(c, layer);
    if (!keras_padding(pad, in_height, win.height, win.stride_height, win.pad_top, win.pad_bottom) ||
        !keras_padding(pad, in_width, win.width, win.stride_width, win.pad_left, win.pad_right))
        c.at(size_key).fail(fmt::format("a {} {} does not fit the {} input with \"valid\" padding", shape_str(size),
                                        what, shape_str(shape)));
    return win;
}

void LayerBuilder::add_conv(const Ctx& c, const json& layer, const std::string& name, const std::string& cls,
                            std::vector<size_t>& shape, Precision& in_prec) {
    check_keys(c, layer,
               {"name", "class", "filters", "kernel_size", "strides", "padding", "precision", "reuse_factor",
                "parallelization_factor", "strategy", "kernel", "bias", "use_bias", "activation"});
    const size_t rank = spatial_rank(c, cls, shape);
    ConvConfig cfg;
    cfg.one_d = rank == 1;
    cfg.in_height = rank == 1 ? 1 : shape[0];
    cfg.in_width = shape[rank - 1];
    cfg.n_chan = shape[rank];
    cfg.n_filt = static_cast<size_t>(get_int(c.at("filters"), require(c, layer, "filters"), 1, 1 << 20));
    const Window win = window(c, layer, rank, shape, "kernel_size", 0, false, "kernel");
    cfg.filt_height = win.height;
    cfg.filt_width = win.width;
    set_strides_and_padding(win, cfg);
    check_tensor_size(c.at("kernel_size"), {cfg.filt_height, cfg.filt_width, cfg.n_chan, cfg.n_filt}, "kernel");
    check_tensor_size(c.at("filters"), {cfg.out_height(), cfg.out_width(), cfg.n_filt}, "output");
    cfg.strategy = layer.contains("strategy") ? parse_strategy(c.at("strategy"), layer["strategy"]) : d_.strategy;
    cfg.data_t = in_prec;
    const LayerPrecisions lp = layer_precisions(c, layer, {"weight", "bias", "accum", "result"});
    cfg.weight_t = lp.get("weight", d_.precision);
    cfg.bias_t = lp.get("bias", d_.precision);
    cfg.accum_t = lp.get("accum", d_.precision);
    cfg.result_t = lp.get("result", d_.precision);
    if (is_xnor_type(cfg.data_t))
        c.fail(fmt::format("{} on binary (XNOR, {}) inputs is not supported", cls, cfg.data_t.str()));
    const size_t pixels = cfg.out_height() * cfg.out_width();
    cfg.parallelization_factor =
        layer.contains("parallelization_factor")
            ? get_int(c.at("parallelization_factor"), layer["parallelization_factor"], 1, 1 << 24)
            : 1;
    if (pixels % static_cast<size_t>(cfg.parallelization_factor) != 0)
        c.at("parallelization_factor")
            .fail(fmt::format("{} does not divide the {} output pixels ({} x {})", cfg.parallelization_factor, pixels,
                              cfg.out_height(), cfg.out_width()));
    const int rf = layer_reuse_factor(c, layer, d_);
    cfg.reuse_factor = rf;
    if (!is_valid_reuse_factor(cfg.mult_n_in(), cfg.n_filt, rf)) {
        cfg.reuse_factor = closest_valid_reuse_factor(cfg.mult_n_in(), cfg.n_filt, rf);
        const std::string where =
            layer.contains("reuse_factor") ? c.at("reuse_factor").path : c.path + " (default_reuse_factor)";
        m_.warnings.push_back(
            fmt::format("{}: {}: reuse_factor {} is not valid for the {}-input, {}-output kernel; "
                        "using the closest valid one, {}",
                        c.file, where, rf, cfg.mult_n_in(), cfg.n_filt, cfg.reuse_factor));
    }
    const Tensor k = get_tensor(c.at("kernel"), require(c, layer, "kernel"));
    std::vector<size_t> kshape = {cfg.filt_width, cfg.n_chan, cfg.n_filt};
    if (rank == 2) kshape.insert(kshape.begin(), cfg.filt_height);
    if (k.shape != kshape)
        c.at("kernel").fail(fmt::format("expected shape {} ({}channels x filters), got {}", shape_str(kshape),
                                        rank == 2 ? "kernel height x kernel width x " : "kernel width x ",
                                        shape_str(k.shape)));
    cfg.weights = quantize_tensor(c.at("kernel"), k, cfg.weight_t, true);
    bool use_bias = true;
    if (layer.contains("use_bias")) {
        if (!layer["use_bias"].is_boolean()) c.at("use_bias").fail("expected true or false");
        use_bias = layer["use_bias"].get<bool>();
    }
    if (use_bias) {
        cfg.biases = channel_tensor(c.at("bias"), require(c, layer, "bias"), cfg.n_filt, cfg.bias_t);
    } else {
        cfg.biases.assign(cfg.n_filt, 0);
    }
    std::vector<size_t> out_shape = {cfg.out_width(), cfg.n_filt};
    if (rank == 2) out_shape.insert(out_shape.begin(), cfg.out_height());
    try {
        push(std::make_unique<ConvLayer>(name, std::move(cfg)), in_prec);
    } catch (const std::invalid_argument& e) {
        c.fail(e.what());
    }
    shape = out_shape;
    fused_activation(c, layer, name, product(shape), in_prec);
}

void LayerBuilder::add_pooling(const Ctx& c, const json& layer, const std::string& name, const std::string& cls,
                               std::vector<size_t>& shape, Precision& in_prec) {
    const bool global = cls.rfind("Global", 0) == 0;
    if (global)
        check_keys(c, layer, {"name", "class", "precision", "reuse_factor"});
    else
        check_keys(c, layer,
                   {"name", "class", "pool_size", "strides", "padding", "precision", "reuse_factor", "count_pad"});
    const size_t rank = spatial_rank(c, cls, shape);
    PoolingConfig cfg;
    cfg.pool_op = cls.find("Max") != std::string::npos ? PoolOp::Max : PoolOp::Average;
    cfg.one_d = rank == 1;
    cfg.global = global;
    cfg.in_height = rank == 1 ? 1 : shape[0];
    cfg.in_width = shape[rank - 1];
    cfg.n_filt = shape[rank];
    const LayerPrecisions lp = layer_precisions(c, layer, {"accum", "result"});
    cfg.data_t = in_prec;
    cfg.accum_t = lp.get("accum", d_.precision);
    cfg.result_t = lp.get("result", d_.precision);
    cfg.reuse_factor = layer_reuse_factor(c, layer, d_);
    if (global) {
        shape = {cfg.n_filt};
    } else {
        const Window win = window(c, layer, rank, shape, "pool_size", 2, true, "pool");
        cfg.pool_height = win.height;
        cfg.pool_width = win.width;
        set_strides_and_padding(win, cfg);
        if (layer.contains("count_pad")) {
            if (!layer["count_pad"].is_boolean()) c.at("count_pad").fail("expected true or false");
            cfg.count_pad = layer["count_pad"].get<bool>();
        }
        shape = {cfg.out_width(), cfg.n_filt};
        if (rank == 2) shape.insert(shape.begin(), cfg.out_height());
    }
    try {
        push(std::make_unique<PoolingLayer>(name, std::move(cfg)), in_prec);
    } catch (const std::invalid_argument& e) {
        c.fail(e.what());
    }
}

void LayerBuilder::add_zero_padding(const Ctx& c, const json& layer, const std::string& name, const std::string& cls,
                                    std::vector<size_t>& shape, Precision& in_prec) {
    check_keys(c, layer, {"name", "class", "padding"});
    const size_t rank = spatial_rank(c, cls, shape);
    ZeroPaddingConfig cfg;
    cfg.one_d = rank == 1;
    cfg.in_height = rank == 1 ? 1 : shape[0];
    cfg.in_width = shape[rank - 1];
    cfg.n_chan = shape[rank];
    cfg.data_t = in_prec;
    // Keras forms: 1D: p or [left, right]; 2D: p, [ph, pw] or [[top, bottom], [left, right]].
    const Ctx cp = c.at("padding");
    const json& p = layer.contains("padding") ? layer["padding"] : json(1);
    auto pad = [&](const Ctx& cc, const json& v) { return static_cast<size_t>(get_int(cc, v, 0, 1 << 20)); };
    std::vector<size_t> v;  // top, bottom, left, right
    if (p.is_number_integer()) {
        const size_t a = pad(cp, p);
        v = {rank == 1 ? 0 : a, rank == 1 ? 0 : a, a, a};
    } else if (p.is_array() && p.size() == 2 && rank == 1) {
        v = {0, 0, pad(cp.at(0), p[0]), pad(cp.at(1), p[1])};
    } else if (p.is_array() && p.size() == 2 && p[0].is_number_integer() && p[1].is_number_integer()) {
        v = {pad(cp.at(0), p[0]), pad(cp.at(0), p[0]), pad(cp.at(1), p[1]), pad(cp.at(1), p[1])};
    } else if (p.is_array() && p.size() == 2 && p[0].is_array() && p[1].is_array() && p[0].size() == 2 &&
               p[1].size() == 2) {
        v = {pad(cp.at(0).at(0), p[0][0]), pad(cp.at(0).at(1), p[0][1]), pad(cp.at(1).at(0), p[1][0]),
             pad(cp.at(1).at(1), p[1][1])};
    } else {
        cp.fail(rank == 1 ? "expected an integer or [left, right]"
                          : "expected an integer, [height, width] or [[top, bottom], [left, right]]");
    }
    cfg.pad_top = v[0];
    cfg.pad_bottom = v[1];
    cfg.pad_left = v[2];
    cfg.pad_right = v[3];
    check_tensor_size(cp, {cfg.out_height(), cfg.out_width(), cfg.n_chan}, "output");
    shape = {cfg.out_width(), cfg.n_chan};
    if (rank == 2) shape.insert(shape.begin(), cfg.out_height());
    push(std::make_unique<ZeroPaddingLayer>(name, std::move(cfg)), in_prec);
}

}  // namespace tlm4ml::model_file
