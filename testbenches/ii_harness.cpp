#include "testbenches/ii_harness.h"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "layers/modules/layer_module.h"
#include "layers/arithmetic/reference.h"
#include "layers/modules/stream_conv_module.h"
#include "layers/modules/stream_dense_module.h"
#include "layers/modules/stream_merge_module.h"
#include "layers/modules/stream_pixel_module.h"
#include "layers/arithmetic/zero_padding.h"

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
    // The copy's output channels, one sink each (a clone has several; every one gets all the words).
    std::vector<std::unique_ptr<StreamChannel>> outs;
    std::unique_ptr<Clocked> module;  // the private copy
    const LayerStats* stats = nullptr;
    std::vector<std::unique_ptr<Sink>> sinks;
    std::vector<std::vector<int64_t>> expected;  // the outputs the reference computes, in order (per output)

    Feed& add_feed(std::vector<std::vector<int64_t>> items, const std::string& name, size_t width) {
        feeds.push_back(std::make_unique<Feed>());
        Feed& f = *feeds.back();
        f.items = std::move(items);
        f.channel = std::make_unique<StreamChannel>(name, 2, 0, width);
        return f;
    }
    StreamChannel& add_out(const std::string& name, size_t width) {
        outs.push_back(std::make_unique<StreamChannel>(name, 2, 0, width));
        return *outs.back();
    }
    // The sources and the sinks, once the copy exists (a source holds on to its feed's items).
    void finish(const std::string& base) {
        auto suffix = [](size_t k) { return k ? std::to_string(k + 1) : std::string(); };
        for (size_t k = 0; k < feeds.size(); ++k)
            feeds[k]->source = std::make_unique<Source>((base + "_source" + suffix(k)).c_str(), *feeds[k]->channel,
                                                        feeds[k]->items, SourceSchedule{});
        for (size_t k = 0; k < outs.size(); ++k)
            sinks.push_back(
                std::make_unique<Sink>((base + "_sink" + suffix(k)).c_str(), *outs[k], expected.size(), 0.0, 1));
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
    // Producer p's output (a layer's, or the model input) for sample k.
    auto output_of = [&](size_t p, size_t k) -> const std::vector<int64_t>& {
        return p == Model::kModelInput ? samples[k] : traces[k][p];
    };
    auto new_bench = [&](const std::string& name, bool stream) {
        auto b = std::make_unique<Bench>();
        b->layer = name;
        b->samples = n;
        b->stream = stream;
        return b;
    };

    // io_parallel: the whole tensor per transfer, one channel per input (a merge takes both in one cycle).
    auto parallel_bench = [&](const LayerModule& mod) {
        const Layer& layer = mod.layer();
        const size_t i = index_of(layer);
        auto b = new_bench(layer.name(), false);
        const std::string base = "ii_check_" + layer.name();
        const std::vector<size_t> producers = m.inputs_of(i);
        std::vector<StreamChannel*> ins;
        for (size_t slot = 0; slot < producers.size(); ++slot) {
            std::vector<std::vector<int64_t>> tensors;
            for (size_t k = 0; k < n; ++k) tensors.push_back(output_of(producers[slot], k));
            const size_t width = producers[slot] == Model::kModelInput ? m.input_size() : m.layers[producers[slot]]->n_out();
            ins.push_back(b->add_feed(std::move(tensors), base + "_in" + (slot ? std::to_string(slot + 1) : ""), width)
                              .channel.get());
        }
        for (size_t k = 0; k < n; ++k) b->expected.push_back(traces[k][i]);
        StreamChannel& out = b->add_out(base + "_out", layer.n_out());
        auto copy = std::make_unique<LayerModule>(base.c_str(), layer, mod.timing(), ins, out);
        b->stats = &copy->stats();
        b->module = std::move(copy);
        b->finish(base);
        return b;
    };

    // io_stream layers: the words of the FIFOs around the layer in the network, one feed per input FIFO.
    auto stream_bench = [&](const StreamModule& mod) {
        const Layer& layer = mod.layer();
        const size_t i = index_of(layer);
        auto b = new_bench(layer.name(), true);
        const std::string base = "ii_check_" + layer.name();
        const auto* merge = dynamic_cast<const StreamMergeModule*>(&mod);
        const std::vector<size_t> producers = m.inputs_of(i);
        std::vector<const StreamChannel*> net_ins = {&mod.input()};
        if (merge) net_ins.push_back(&merge->input2());
        if (producers.size() != net_ins.size())
            throw std::logic_error(fmt::format("ii harness: {} reads {} producers through {} FIFOs", layer.name(),
                                               producers.size(), net_ins.size()));
        for (size_t slot = 0; slot < producers.size(); ++slot) {
            std::vector<std::vector<int64_t>> words;
            for (size_t k = 0; k < n; ++k) append_words(output_of(producers[slot], k), net_ins[slot]->width(), words);
            b->add_feed(std::move(words), base + "_in" + (slot ? std::to_string(slot + 1) : ""), net_ins[slot]->width());
        }
        const size_t w_out = mod.output().width();
        for (size_t k = 0; k < n; ++k) append_words(traces[k][i], w_out, b->expected);
        StreamChannel& out = b->add_out(base + "_out", w_out);
        std::unique_ptr<StreamModule> copy;
        if (merge) {
            // Measured as the module's stats measure it: the smallest gap between back-to-back reads, a read
            // being back-to-back when everything it pops was visible the cycle after the previous read
            // (StreamModule::source() / source_visible_cycle(); see the header for paired and block reads).
            b->measure = Measure::ModuleStats;
            copy = std::make_unique<StreamMergeModule>(base.c_str(), merge->merge_layer(), mod.timing(),
                                                       *b->feeds[0]->channel, *b->feeds[1]->channel, out);
        } else {
            copy = copy_stream_module(mod, base, *b->feeds[0]->channel, out, b->measure);
        }
        if (!copy) {
            b->unsupported = fmt::format("the isolated harness has no bench for this kind of {} module yet",
                                         layer.class_name());
            b->feeds.clear();
            b->outs.clear();
            return b;
        }
        b->stats = &copy->stats();
        b->module = std::move(copy);
        b->finish(base);
        return b;
    };

    // A clone: the producer's words into a private copy with as many outputs as the network's, a sink on
    // each; every output must carry every word.
    auto clone_bench = [&](const StreamClone& clone) {
        auto b = new_bench(clone.clone_name(), true);
        const std::string base = "ii_check_" + clone.clone_name();
        const std::string& owner = net.fifo_owner(clone.input());
        size_t p = Model::kModelInput;
        if (owner != m.input_name) {
            p = m.layers.size();
            for (size_t i = 0; i < m.layers.size(); ++i)
                if (m.layers[i]->name() == owner) p = i;
            if (p == m.layers.size())
                throw std::logic_error("ii harness: " + clone.clone_name() + " reads the FIFO of an unknown " + owner);
        }
        const size_t width = clone.input().width();
        std::vector<std::vector<int64_t>> words;
        for (size_t k = 0; k < n; ++k) append_words(output_of(p, k), width, words);
        b->expected = words;
        Bench::Feed& f = b->add_feed(std::move(words), base + "_in", width);
        std::vector<StreamChannel*> outs;
        for (size_t k = 0; k < clone.outputs().size(); ++k)
            outs.push_back(&b->add_out(base + "_out" + std::to_string(k + 1), width));
        auto copy = std::make_unique<StreamClone>(base.c_str(), *f.channel, outs);
        b->measure = Measure::ModuleStats;
        b->stats = &copy->stats();
        b->module = std::move(copy);
        b->finish(base);
        return b;
    };

    // One bench per row of the per-layer report, in its order: the network's parts in evaluation order, an
    // io_stream clone right after its producer (io_parallel clones are wiring and have no row).
    for (const Clocked* part : net.parts()) {
        if (auto* lm = dynamic_cast<const LayerModule*>(part)) benches_.push_back(parallel_bench(*lm));
        else if (auto* sm = dynamic_cast<const StreamModule*>(part)) benches_.push_back(stream_bench(*sm));
        else if (auto* cl = dynamic_cast<const StreamClone*>(part); cl && net.streaming())
            benches_.push_back(clone_bench(*cl));
    }
}

IsolatedIiHarness::~IsolatedIiHarness() = default;

void IsolatedIiHarness::attach(ClockDomain& domain) {
    for (auto& b : benches_) {
        if (!b->module) continue;
        for (auto& f : b->feeds) domain.add(*f->source);
        domain.add(*b->module);
        for (auto& k : b->sinks) domain.add(*k);
    }
}

bool IsolatedIiHarness::done() const {
    return std::all_of(benches_.begin(), benches_.end(), [](const auto& b) {
        return std::all_of(b->sinks.begin(), b->sinks.end(), [](const auto& k) { return k->done(); });
    });
}

uint64_t IsolatedIiHarness::progress() const {
    uint64_t p = 0;
    for (const auto& b : benches_) {
        for (const auto& f : b->feeds) p += f->channel->stats().transfers;
        for (const auto& o : b->outs) p += o->stats().transfers;
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
        // Every output against the reference (a clone's outputs each carry every word).
        for (size_t o = 0; o < b->sinks.size() && r.note.empty(); ++o) {
            const Sink& got = *b->sinks[o];
            const size_t n = got.received();
            const std::string which = b->sinks.size() > 1 ? fmt::format(" on output {}", o + 1) : std::string();
            size_t differ = n;
            for (size_t j = 0; j < n && j < b->expected.size() && differ == n; ++j)
                if (b->expected[j].size() != got.width() ||
                    !std::equal(b->expected[j].begin(), b->expected[j].end(), got.values_of(j)))
                    differ = j;
            if (n != b->expected.size())
                r.note = fmt::format("its isolated bench {} {} outputs{} where the reference has {}",
                                     n < b->expected.size() ? "stopped after" : "received", n, which,
                                     b->expected.size());
            else if (differ != n)
                r.note = fmt::format("its isolated copy's output {}{} differs from the reference", differ, which);
        }
        const Sink& got = *b->sinks.front();
        if (r.note.empty() && b->measure == Measure::ModuleStats) {
            r.ii = b->stats->measured_ii();
        } else if (r.note.empty()) {
            for (size_t j = 1; j < got.received(); ++j) {
                const int gap = static_cast<int>(got.visible_cycle_of(j) - got.visible_cycle_of(j - 1));
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
