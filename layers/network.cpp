#include "network.h"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "conv.h"
#include "dense.h"
#include "pooling.h"
#include "stream_conv_module.h"
#include "stream_dense_module.h"
#include "stream_pixel_module.h"
#include "zero_padding.h"

namespace tlm4ml {

Network::Network(sc_core::sc_module_name name, const Model& model, const DeviceProfile& profile)
    : sc_core::sc_module(name), model_(model), period_(model.clock_period_ns, sc_core::SC_NS) {
    if (model.io_type == IoType::Stream) {
        build_stream(profile);
        return;
    }
    for (const auto& l : model.layers) timings_.push_back(layer_cost(l->cost_inputs(), profile, model.clock_period_ns));
    int ii = 1;
    for (const auto& t : timings_) ii = std::max(ii, t.ii);

    const size_t n = model.layers.size();
    for (size_t i = 0; i <= n; ++i) {
        int latency = 0;
        std::string cname;
        size_t width;
        if (i == 0) {
            latency = ii == 1 ? profile.input_register_cycles : 0;
            cname = model.input_name;
            width = model.input_size();
        } else {
            cname = model.layers[i - 1]->name() + "_out";
            width = model.layers[i - 1]->n_out();
        }
        if (i == n) latency += profile.output_register_cycles;
        channels_.push_back(std::make_unique<StreamChannel>(cname, 2, latency, width));
    }
    for (size_t i = 0; i < n; ++i)
        modules_.push_back(std::make_unique<LayerModule>(model.layers[i]->name().c_str(), *model.layers[i],
                                                         timings_[i], *channels_[i], *channels_[i + 1]));
}

void Network::build_stream(const DeviceProfile& profile) {
    const Model& m = model_;
    // The input word: a pixel (the last axis) of an image, or the whole vector of a flat input.
    size_t word = m.input_shape.size() > 1 ? m.input_shape.back() : m.input_size();
    auto depth_of = [&](const std::string& name, size_t words) {
        auto it = m.fifo_depths.find(name);
        if (it != m.fifo_depths.end()) return it->second;
        return m.default_fifo_depth ? m.default_fifo_depth : std::max<size_t>(1, words);
    };
    channels_.push_back(std::make_unique<StreamChannel>(m.input_name, 2, 0, m.input_size()));
    channels_.push_back(
        std::make_unique<StreamChannel>(m.input_name + "_stream", depth_of(m.input_name, m.input_size() / word), 0, word));
    fifo_owner_[channels_.back().get()] = m.input_name;
    splitter_ = std::make_unique<StreamSplitter>((m.input_name + "_split").c_str(), *channels_[0], *channels_[1]);

    for (const auto& lp : m.layers) {
        const Layer& l = *lp;
        enum { Window, Pixel, Whole } kind;
        size_t out_word;
        if (auto* c = dynamic_cast<const ConvLayer*>(&l)) {
            kind = Window;
            out_word = c->config().n_filt;
            if (word != c->config().n_chan)
                throw std::invalid_argument(fmt::format("{}: io_stream words of {} values, the conv has {} channels",
                                                        l.name(), word, c->config().n_chan));
        } else if (auto* p = dynamic_cast<const PoolingLayer*>(&l)) {
            kind = p->config().global ? Whole : Window;
            out_word = p->config().n_filt;
        } else if (StreamPixelModule::supports(l, word)) {
            kind = Pixel;
            out_word = word;
        } else {
            kind = Whole;  // Dense and layers that mix the whole tensor: one word out
            out_word = l.n_out();
        }
        if (l.n_in() % word != 0)
            throw std::invalid_argument(
                fmt::format("{}: {} inputs are not a whole number of {}-value stream words", l.name(), l.n_in(), word));
        LayerCostInputs ci = l.cost_inputs();
        timings_.push_back(stream_layer_cost(ci, word, profile, m.clock_period_ns));
        StreamChannel& in = *channels_.back();
        // The last FIFO, when it carries the whole output, also holds the top-level output register.
        const bool last_whole = &l == m.layers.back().get() && out_word == m.output_size();
        channels_.push_back(std::make_unique<StreamChannel>(l.name() + "_out", depth_of(l.name(), l.n_out() / out_word),
                                                            last_whole ? profile.output_register_cycles : 0, out_word));
        StreamChannel& out = *channels_.back();
        fifo_owner_[&out] = l.name();
        const char* n = l.name().c_str();
        if (kind == Window) stream_modules_.push_back(std::make_unique<StreamConvModule>(n, l, timings_.back(), in, out));
        else if (kind == Pixel) stream_modules_.push_back(std::make_unique<StreamPixelModule>(n, l, timings_.back(), in, out));
        else stream_modules_.push_back(std::make_unique<StreamDenseModule>(n, l, timings_.back(), in, out));
        word = out_word;
    }
    if (word != m.output_size()) {
        channels_.push_back(std::make_unique<StreamChannel>(m.layers.back()->name() + "_tensor", 2,
                                                            profile.output_register_cycles, m.output_size()));
        collector_ = std::make_unique<StreamCollector>((m.layers.back()->name() + "_collect").c_str(),
                                                       *channels_[channels_.size() - 2], *channels_.back());
    }
}

std::vector<Clocked*> Network::parts() const {
    std::vector<Clocked*> v;
    if (splitter_) v.push_back(splitter_.get());
    for (auto& m : modules_) v.push_back(m.get());
    for (auto& m : stream_modules_) v.push_back(m.get());
    if (collector_) v.push_back(collector_.get());
    return v;
}

void Network::attach(ClockDomain& domain) {
    for (Clocked* p : parts()) domain.add(*p);
}

std::string Network::describe_stall(uint64_t cycle) const {
    std::string s = fmt::format("nothing can move at cycle {}:", cycle);
    auto fifo = [&](const StreamChannel& c) {
        const char* state = c.size() >= c.depth() ? "full" : c.size() == 0 ? "empty" : "partly filled";
        return fmt::format("{} {}/{} {}", c.name(), c.size(), c.depth(), state);
    };
    auto layer = [&](const std::string& name, const StreamChannel& in, const StreamChannel& out, size_t in_flight) {
        std::string waits;
        if (out.size() >= out.depth()) waits = fmt::format(", waits on full output FIFO {}", out.name());
        else if (in.size() == 0) waits = fmt::format(", waits on empty input FIFO {}", in.name());
        return fmt::format(" {} [in {}, out {}, {} in flight{}];", name, fifo(in), fifo(out), in_flight, waits);
    };
    for (const auto& m : modules_) s += layer(m->layer().name(), m->input(), m->output(), m->in_flight());
    for (const auto& m : stream_modules_) s += layer(m->layer().name(), m->input(), m->output(), m->in_flight());
    return s;
}

int Network::expected_ii() const {
    int ii = 1;
    for (const auto& t : timings_) ii = std::max(ii, t.ii);
    return ii;
}

int Network::expected_latency() const {
    // io_stream: the same sum, a lower bound (line-buffer fill and FIFO back-pressure come from simulation).
    int l = channels_.front()->latency() + (channels_.size() > 1 ? channels_.back()->latency() : 0);
    for (const auto& t : timings_) l += t.latency;
    return l;
}

}  // namespace tlm4ml
