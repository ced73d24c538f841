#include "ii_harness.h"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "layers/layer_module.h"
#include "layers/reference.h"
#include "layers/stream_conv_module.h"
#include "layers/stream_dense_module.h"
#include "layers/stream_pixel_module.h"
#include "layers/zero_padding.h"

namespace tlm4ml {

namespace {

// Where a bench reads its module's II (the header says which kind uses which).
enum class Measure {
    ModuleStats,  // the copy's own stats: the smallest gap between back-to-back inputs
    OutputGap,    // the smallest gap between two output words
};

// A tensor as the FIFO between two stream layers carries it: words of `width` values in the flat order
// (raster order, channels inside), as the network's splitter and every stream module write them.
void append_words(const std::vector<int64_t>& tensor, size_t width, std::vector<std::vector<int64_t>>& words) {
    for (size_t at = 0; at + width <= tensor.size(); at += width)
        words.emplace_back(tensor.begin() + static_cast<std::ptrdiff_t>(at),
                           tensor.begin() + static_cast<std::ptrdiff_t>(at + width));
}

// A private copy of a stream module (same layer, same timing) between `in` and `out`, and how its II is
// measured; nullptr for a module kind the harness cannot copy yet.
std::unique_ptr<StreamModule> copy_stream_module(const StreamModule& mod, const std::string& name,
                                                 StreamChannel& in, StreamChannel& out, Measure& how) {
    const Layer& l = mod.layer();
    const LayerTiming& t = mod.timing();
    if (dynamic_cast<const StreamConvModule*>(&mod)) {
        how = Measure::ModuleStats;
        return std::make_unique<StreamConvModule>(name.c_str(), l, t, in, out);
    }
    if (dynamic_cast<const StreamPixelModule*>(&mod)) {
        how = dynamic_cast<const ZeroPaddingLayer*>(&l) ? Measure::OutputGap : Measure::ModuleStats;
        return std::make_unique<StreamPixelModule>(name.c_str(), l, t, in, out);
    }
    if (dynamic_cast<const StreamDenseModule*>(&mod)) {
        how = Measure::OutputGap;
        return std::make_unique<StreamDenseModule>(name.c_str(), l, t, in, out);
    }
    return nullptr;
}

}  // namespace

struct IsolatedIiHarness::Bench {
    // What one input channel of the copy is fed: its items in order, pushed by its own source. A module with
    // several input FIFOs (a merge) gets one feed per FIFO.
    struct Feed {
        std::vector<std::vector<int64_t>> items;
        std::unique_ptr<StreamChannel> channel;
        std::unique_ptr<Source> source;
    };

    std::string layer;
    std::string unsupported;  // non-empty: no bench was built, and why
    Measure measure = Measure::ModuleStats;
    bool stream = false;
    size_t samples = 0;
    std::vector<std::unique_ptr<Feed>> feeds;
    std::unique_ptr<StreamChannel> out;
    std::unique_ptr<Clocked> module;  // the private copy
    const LayerStats* stats = nullptr;
    std::unique_ptr<Sink> sink;
    std::vector<std::vector<int64_t>> expected;  // the outputs the reference computes, in order

    Feed& add_feed(std::vector<std::vector<int64_t>> items, const std::string& name, size_t width) {
        feeds.push_back(std::make_unique<Feed>());
        Feed& f = *feeds.back();
        f.items = std::move(items);
        f.channel = std::make_unique<StreamChannel>(name, 2, 0, width);
        return f;
    }
    // The sources and the sink, once the copy exists (a source holds on to its feed's items).
    void finish(const std::string& base) {
        for (size_t k = 0; k < feeds.size(); ++k)
            feeds[k]->source = std::make_unique<Source>(
                (base + "_source" + (k ? std::to_string(k + 1) : std::string())).c_str(), *feeds[k]->channel,
                feeds[k]->items, SourceSchedule{});
        sink = std::make_unique<Sink>((base + "_sink").c_str(), *out, expected.size(), 0.0, 1);
    }
};

IsolatedIiHarness::IsolatedIiHarness(const Network& net, const std::vector<std::vector<int64_t>>& samples) {
    const Model& m = net.model();
    const size_t n = std::min(samples.size(), net.streaming() ? kStreamSamples : kParallelSamples);
    // Every layer's output for every sample used; a layer's input is what its producers computed.
    std::vector<std::vector<std::vector<int64_t>>> traces(n);
    for (size_t k = 0; k < n; ++k) forward(m, samples[k], &traces[k]);
    auto index_of = [&](const Layer& l) {
        for (size_t i = 0; i < m.layers.size(); ++i)
            if (m.layers[i].get() == &l) return i;
        throw std::logic_error("ii harness: " + l.name() + " is not a layer of the model");
    };
    auto input_of = [&](size_t i, size_t k) { return layer_input(m, i, samples[k], traces[k]); };

    for (const auto& mod : net.modules()) {
        const Layer& layer = mod->layer();
        const size_t i = index_of(layer);
        auto b = std::make_unique<Bench>();
        b->layer = layer.name();
        b->samples = n;
        const std::string base = "ii_check_" + layer.name();
        std::vector<std::vector<int64_t>> tensors;
        for (size_t k = 0; k < n; ++k) {
            tensors.push_back(input_of(i, k));
            b->expected.push_back(traces[k][i]);
        }
        Bench::Feed& f = b->add_feed(std::move(tensors), base + "_in", layer.n_in());
        b->out = std::make_unique<StreamChannel>(base + "_out", 2, 0, layer.n_out());
        auto copy = std::make_unique<LayerModule>(base.c_str(), layer, mod->timing(), *f.channel, *b->out);
        b->stats = &copy->stats();
        b->module = std::move(copy);
        b->finish(base);
        benches_.push_back(std::move(b));
    }

    for (const auto& mod : net.stream_modules()) {
        const Layer& layer = mod->layer();
        const size_t i = index_of(layer);
        auto b = std::make_unique<Bench>();
        b->layer = layer.name();
        b->samples = n;
        b->stream = true;
        const std::string base = "ii_check_" + layer.name();
        // The words of the FIFOs around the layer in the network.
        const size_t w_in = mod->input().width(), w_out = mod->output().width();
        std::vector<std::vector<int64_t>> words;
        for (size_t k = 0; k < n; ++k) {
            append_words(input_of(i, k), w_in, words);
            append_words(traces[k][i], w_out, b->expected);
        }
        Bench::Feed& f = b->add_feed(std::move(words), base + "_in", w_in);
        b->out = std::make_unique<StreamChannel>(base + "_out", 2, 0, w_out);
        auto copy = copy_stream_module(*mod, base, *f.channel, *b->out, b->measure);
        if (!copy) {
            b->unsupported = fmt::format("the isolated harness has no bench for this kind of {} module yet",
                                         layer.class_name());
            b->feeds.clear();
            b->out.reset();
            benches_.push_back(std::move(b));
            continue;
        }
        b->stats = &copy->stats();
        b->module = std::move(copy);
        b->finish(base);
        benches_.push_back(std::move(b));
    }
}

IsolatedIiHarness::~IsolatedIiHarness() = default;

void IsolatedIiHarness::attach(ClockDomain& domain) {
    for (auto& b : benches_) {
        if (!b->module) continue;
        for (auto& f : b->feeds) domain.add(*f->source);
        domain.add(*b->module);
        domain.add(*b->sink);
    }
}

bool IsolatedIiHarness::done() const {
    return std::all_of(benches_.begin(), benches_.end(), [](const auto& b) { return !b->sink || b->sink->done(); });
}

uint64_t IsolatedIiHarness::progress() const {
    uint64_t p = 0;
    for (const auto& b : benches_) {
        for (const auto& f : b->feeds) p += f->channel->stats().transfers;
        if (b->out) p += b->out->stats().transfers;
    }
    return p;
}

std::vector<IsolatedIi> IsolatedIiHarness::results() const {
    std::vector<IsolatedIi> out;
    for (const auto& b : benches_) {
        IsolatedIi r;
        r.layer = b->layer;
        if (!b->unsupported.empty()) {
            r.note = b->unsupported;
            out.push_back(std::move(r));
            continue;
        }
        const std::vector<Token>& got = b->sink->results();
        size_t differ = got.size();
        for (size_t j = 0; j < got.size() && j < b->expected.size() && differ == got.size(); ++j)
            if (got[j].data != b->expected[j]) differ = j;
        if (got.size() != b->expected.size()) {
            r.note = fmt::format("its isolated bench {} {} outputs where the reference has {}",
                                 got.size() < b->expected.size() ? "stopped after" : "received", got.size(),
                                 b->expected.size());
        } else if (differ != got.size()) {
            r.note = fmt::format("its isolated copy's output {} differs from the reference", differ);
        } else if (b->measure == Measure::ModuleStats) {
            r.ii = b->stats->measured_ii;
        } else {
            for (size_t j = 1; j < got.size(); ++j) {
                const int gap = static_cast<int>(got[j].visible_cycle - got[j - 1].visible_cycle);
                r.ii = r.ii ? std::min(*r.ii, gap) : gap;
            }
        }
        if (!r.ii && r.note.empty()) {
            const char* what = b->measure == Measure::OutputGap ? "output words"
                               : b->stream                      ? "input words back-to-back"
                                                                : "input tensors back-to-back";
            r.note = fmt::format("fewer than two {} in its isolated bench ({} sample{} fed; the II is a gap "
                                 "between two)", what, b->samples, b->samples == 1 ? "" : "s");
        }
        out.push_back(std::move(r));
    }
    return out;
}

}  // namespace tlm4ml
