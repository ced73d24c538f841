// Conv1D / Conv2D / QConv1D / QConv2D (channels last, Keras 'valid' / 'same', kernel [kh][kw][c][f]),
// Max/AveragePooling1D/2D, GlobalMax/GlobalAveragePooling1D/2D and ZeroPadding1D/2D.
#include "models/keras/layer_converters.h"

#include <fmt/format.h>

#include "models/keras/firmware_values.h"
#include "models/model.h"

namespace tlm4ml {

using nlohmann::json;

// Keras tuples: an integer or a list with one entry per spatial axis.
std::vector<size_t> LayerConverters::tuple(const KerasLayer& l, const char* key, size_t rank,
                                           std::optional<std::vector<size_t>> dflt) {
    const json& c = l.config;
    if (!c.contains(key) || c[key].is_null()) {
        if (dflt) return *dflt;
        fail_at(l.where, fmt::format("no \"{}\"", key));
    }
    const json& v = c[key];
    std::vector<size_t> out;
    if (v.is_number_integer() && v.get<int64_t>() >= 1) return std::vector<size_t>(rank, v.get<size_t>());
    if (v.is_array() && v.size() == rank)
        for (const auto& e : v)
            if (e.is_number_integer() && e.get<int64_t>() >= 1) out.push_back(e.get<size_t>());
    if (out.size() != rank) fail_at(l.where, fmt::format("{} {}: expected {} positive integers", key, v.dump(), rank));
    return out;
}

size_t LayerConverters::spatial_rank(const KerasLayer& l) {
    const size_t rank = l.cls.find("1D") != std::string::npos ? 1 : 2;
    const std::string fmt_ = l.config.value("data_format", std::string("channels_last"));
    if (fmt_ != "channels_last")
        fail_at(l.where, fmt::format("data_format \"{}\" is not supported (channels_last only)", fmt_));
    if (shape_.size() != rank + 1)
        fail_at(l.where, fmt::format("expected a {}-dimensional input (channels last), got {} dimensions", rank + 1,
                                  shape_.size()));
    return rank;
}

// The output size along one axis for Keras 'valid' / 'same'.
size_t LayerConverters::keras_out(const KerasLayer& l, const std::string& padding, size_t in, size_t k, size_t s) {
    if (padding == "same") return (in + s - 1) / s;
    if (padding != "valid") fail_at(l.where, fmt::format("padding \"{}\" is not supported", padding));
    if (in < k) fail_at(l.where, fmt::format("a window of {} does not fit an input of {}", k, in));
    return (in - k) / s + 1;
}

void LayerConverters::add_conv(const KerasLayer& l) {
    const std::string where = l.where;
    const std::vector<std::string> classes = {l.cls, l.cls[0] == 'Q' ? l.cls.substr(1) : l.cls};
    const size_t rank = spatial_rank(l);
    const std::vector<size_t> ones(rank, 1);
    if (tuple(l, "dilation_rate", rank, ones) != ones) fail_at(where, "dilated convolutions are not supported");
    if (l.config.contains("groups") && l.config["groups"] != 1) fail_at(where, "grouped convolutions are not supported");
    if (!l.config.contains("filters") || !l.config["filters"].is_number_integer()) fail_at(where, "no \"filters\"");
    const size_t nf = l.config["filters"].get<size_t>();
    const size_t nc = shape_.back();
    const auto ks = tuple(l, "kernel_size", rank, std::nullopt);
    const auto st = tuple(l, "strides", rank, ones);
    const std::string padding = l.config.value("padding", std::string("valid"));
    std::vector<size_t> kshape = ks;
    kshape.push_back(nc);
    kshape.push_back(nf);
    const bool use_bias = l.config.value("use_bias", true);
    const auto w = layer_weights(weights_, l);
    const H5Array& kernel = need(weights_, l, w, "kernel", kshape);
    const size_t n_in = element_count(ks) * nc;

    json d = {{"name", l.name}, {"class", rank == 1 ? "Conv1D" : "Conv2D"},
              {"filters", nf},  {"kernel_size", ks},
              {"strides", st},  {"padding", padding}};
    common(d, l.name, classes);
    d["strategy"] = cfg_.strategy(l.name, classes);
    if (const std::string pf = cfg_.setting(l.name, classes, "parallelization_factor"); !pf.empty())
        d["parallelization_factor"] = to_int(l.name, "ParallelizationFactor", pf);
    json p = json::object();
    if (l.cls[0] == 'Q') {
        add_qdense_weights(l, classes, w, kernel, n_in, nf, use_bias, d, p, kshape);
    } else {
        add_fixed_weights(l, classes, w, kernel, kshape, use_bias, d, p);
        if (!use_bias) d["use_bias"] = false;
    }
    d["precision"] = p;
    out_.push_back(std::move(d));
    std::vector<size_t> out;
    for (size_t a = 0; a < rank; ++a) out.push_back(keras_out(l, padding, shape_[a], ks[a], st[a]));
    out.push_back(nf);
    shape_ = out;
}

void LayerConverters::add_pooling(const KerasLayer& l) {
    const std::vector<std::string> classes = {l.cls, l.cls.find("Global") == 0 ? "GlobalPooling" : "Pooling"};
    const size_t rank = spatial_rank(l);
    json d = {{"name", l.name}, {"class", l.cls}};
    common(d, l.name, classes);
    json p = json::object();
    p["result"] = prec(l.name, classes, "result", "ap_fixed<16,6>");
    p["accum"] = prec(l.name, classes, "accum", "ap_fixed<16,6>");
    d["precision"] = p;
    if (l.cls.find("Global") == 0) {
        if (l.config.value("keepdims", false)) fail_at(l.where, "keepdims true is not supported");
        shape_ = {shape_.back()};
    } else {
        const auto ps = tuple(l, "pool_size", rank, std::vector<size_t>(rank, 2));
        const auto st = tuple(l, "strides", rank, ps);
        const std::string padding = l.config.value("padding", std::string("valid"));
        d["pool_size"] = ps;
        d["strides"] = st;
        d["padding"] = padding;
        std::vector<size_t> out;
        for (size_t a = 0; a < rank; ++a) out.push_back(keras_out(l, padding, shape_[a], ps[a], st[a]));
        out.push_back(shape_.back());
        shape_ = out;
    }
    out_.push_back(std::move(d));
}

void LayerConverters::add_zero_padding(const KerasLayer& l) {
    const size_t rank = spatial_rank(l);
    const json& c = l.config;
    json pad = c.contains("padding") ? c["padding"] : json(1);
    // 1D: p or [l, r]; 2D: p, [h, w] or [[t, b], [l, r]] -- as the model file takes them.
    std::vector<size_t> v;  // per axis: before, after
    auto num = [&](const json& x) {
        if (!x.is_number_integer() || x.get<int64_t>() < 0)
            fail_at(l.where, fmt::format("padding {}: expected non-negative integers", pad.dump()));
        return x.get<size_t>();
    };
    if (pad.is_number_integer()) {
        for (size_t a = 0; a < rank; ++a) v.insert(v.end(), {num(pad), num(pad)});
    } else if (rank == 1 && pad.is_array() && pad.size() == 2) {
        v = {num(pad[0]), num(pad[1])};
    } else if (rank == 2 && pad.is_array() && pad.size() == 2) {
        for (size_t a = 0; a < 2; ++a) {
            if (pad[a].is_array() && pad[a].size() == 2)
                v.insert(v.end(), {num(pad[a][0]), num(pad[a][1])});
            else
                v.insert(v.end(), {num(pad[a]), num(pad[a])});
        }
    } else {
        fail_at(l.where, fmt::format("padding {} is not understood", pad.dump()));
    }
    json d = {{"name", l.name}, {"class", l.cls}};
    if (rank == 1)
        d["padding"] = {v[0], v[1]};
    else
        d["padding"] = {{v[0], v[1]}, {v[2], v[3]}};
    known_names_.insert(lower_case(l.name));
    for (size_t a = 0; a < rank; ++a) shape_[a] += v[2 * a] + v[2 * a + 1];
    out_.push_back(std::move(d));
}

}  // namespace tlm4ml
