#include "models/passes/conv_same_pad.h"

#include <set>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>

#include "layers/arithmetic/conv.h"
#include "layers/arithmetic/pooling.h"
#include "layers/arithmetic/zero_padding.h"

namespace tlm4ml {

namespace {

bool padded(size_t top, size_t bottom, size_t left, size_t right) { return top || bottom || left || right; }

}  // namespace

void make_stream_padding_explicit(Model& m) {
    if (m.io_type != IoType::Stream) return;
    std::set<std::string> names;
    for (const LayerPtr& l : m.layers) names.insert(l->name());
    auto fail = [&](const Layer& l, const std::string& what) {
        throw ModelError(fmt::format("{}: layer \"{}\" ({}): {}", m.source_file, l.name(), l.class_name(), what));
    };

    for (size_t i = 0; i < m.layers.size(); ++i) {
        const Layer& l = *m.layers[i];
        if (const auto* pool = dynamic_cast<const PoolingLayer*>(&l)) {
            const PoolingConfig& c = pool->config();
            if (padded(c.pad_top, c.pad_bottom, c.pad_left, c.pad_right))
                fail(l, fmt::format("padding (top {}, bottom {}, left {}, right {}) in io_stream: hls4ml inserts no "
                                    "ZeroPadding before pooling layers and its io_stream pooling takes none; use "
                                    "'valid' padding, or io_parallel",
                                    c.pad_top, c.pad_bottom, c.pad_left, c.pad_right));
            // nnet_pooling_stream.h pooling2d_cl (vitis/) and pooling2d_buffer_cl (vivado/) assert
            // pool_height == stride_height && pool_width == stride_width; the 1-D line buffer steps by its stride.
            if (!c.one_d && !c.global && (c.pool_height != c.stride_height || c.pool_width != c.stride_width))
                fail(l, fmt::format("pool_size ({}, {}) differs from strides ({}, {}) in io_stream: hls4ml's line-buffer "
                                    "pooling2d_cl asserts pool size == stride; use equal pool_size and strides, or "
                                    "io_parallel",
                                    c.pool_height, c.pool_width, c.stride_height, c.stride_width));
        }
        const auto* conv = dynamic_cast<const ConvLayer*>(&l);
        if (!conv) continue;
        const ConvConfig& c = conv->config();
        if (!padded(c.pad_top, c.pad_bottom, c.pad_left, c.pad_right)) continue;
        if (!c.one_d && (c.filt_height == 1 || c.filt_width == 1))
            fail(l, fmt::format("padding (top {}, bottom {}, left {}, right {}) with a {}x{} kernel in io_stream: "
                                "hls4ml's insert_zero_padding_before_conv2d skips kernels with a side of 1 and its "
                                "io_stream Conv2D takes no padding; add an explicit ZeroPadding2D, or use io_parallel",
                                c.pad_top, c.pad_bottom, c.pad_left, c.pad_right, c.filt_height, c.filt_width));
        const std::string pad_name = (c.one_d ? "zp1d_" : "zp2d_") + conv->name();
        if (names.count(pad_name))
            fail(l, fmt::format("io_stream needs a padding layer named \"{}\" in front of it (hls4ml's name), but "
                                "another layer has that name",
                                pad_name));
        names.insert(pad_name);

        ZeroPaddingConfig z;
        z.one_d = c.one_d;
        z.in_height = c.in_height;
        z.in_width = c.in_width;
        z.n_chan = c.n_chan;
        z.pad_top = c.pad_top;
        z.pad_bottom = c.pad_bottom;
        z.pad_left = c.pad_left;
        z.pad_right = c.pad_right;
        z.data_t = c.data_t;  // data passes through in the conv's input type

        ConvConfig v = c;  // the same conv, 'valid' on the padded image
        v.in_height = z.out_height();
        v.in_width = z.out_width();
        v.pad_top = v.pad_bottom = v.pad_left = v.pad_right = 0;
        LayerPtr pad, valid;
        try {
            pad = std::make_unique<ZeroPaddingLayer>(pad_name, std::move(z));
            valid = std::make_unique<ConvLayer>(conv->name(), std::move(v));
        } catch (const std::invalid_argument& e) {
            fail(l, e.what());
        }
        m.layers[i] = std::move(valid);         // same name, same place in the graph
        m.insert_layer(i, std::move(pad));      // takes over the conv's input and feeds the conv
        ++i;
    }
}

}  // namespace tlm4ml
