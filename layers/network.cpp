#include "layers/network.h"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "layers/arithmetic/conv.h"
#include "layers/arithmetic/dense.h"
#include "layers/arithmetic/merge.h"
#include "layers/arithmetic/pooling.h"
#include "rtl_models/resource_model.h"
#include "layers/modules/stream_conv_module.h"
#include "layers/modules/stream_dense_module.h"
#include "layers/modules/stream_merge_module.h"
#include "layers/modules/stream_pixel_module.h"
#include "layers/arithmetic/zero_padding.h"

namespace tlm4ml {

namespace {
constexpr size_t kInput = Model::kModelInput;
}  // namespace

Network::Network(sc_core::sc_module_name name, const Model& model, const DeviceProfile& profile)
    : sc_core::sc_module(name), model_(model), period_(model.clock_period_ns, sc_core::SC_NS) {
    if (model.io_type == IoType::Stream) build_stream(profile);
    else build_parallel(profile);
    for (const auto& c : channels_) c->count_transfers_into(&transfers_);
}

std::vector<StreamChannel*> Network::fan_out(size_t p, StreamChannel& out, const std::vector<size_t>& depths,
                                             const std::vector<int>& latencies) {
    const size_t n = model_.consumers_of(p).size();
    if (n <= 1) return {&out};
    const std::string& producer = model_.producer_name(p);
    std::vector<StreamChannel*> outs;
    for (size_t k = 0; k < n; ++k) {
        const std::string cname = clone_output_name(producer, k);
        channels_.push_back(std::make_unique<StreamChannel>(cname, depths[k], latencies[k], out.width()));
        if (model_.io_type == IoType::Stream) fifo_owner_[channels_.back().get()] = cname;
        outs.push_back(channels_.back().get());
    }
    clones_.push_back(std::make_unique<StreamClone>(clone_name(producer).c_str(), out, outs));
    order_.push_back(clones_.back().get());
    return outs;
}

void Network::build_parallel(const DeviceProfile& profile) {
    const Model& m = model_;
    const size_t n = m.layers.size();
    for (const auto& l : m.layers) timings_.push_back(layer_cost(l->cost_inputs(), profile, m.clock_period_ns));
    int ii = 1;
    for (const auto& t : timings_) ii = std::max(ii, t.ii);

    // When each output is ready, counted from the input's arrival: the input register, then the slowest
    // input of every layer plus its latency. An edge from a faster producer delays by the difference.
    const int in_reg = ii == 1 ? profile.input_register_cycles : 0;
    auto ready_of = [&](const std::vector<int>& ready, size_t p) { return p == kInput ? in_reg : ready[p]; };
    std::vector<int> ready(n), arrive(n);
    for (size_t i = 0; i < n; ++i) {
        int a = 0;
        for (size_t p : m.inputs_of(i)) a = std::max(a, ready_of(ready, p));
        arrive[i] = a;
        ready[i] = a + timings_[i].latency;
    }
    expected_latency_ = ready[n - 1] + profile.output_register_cycles;
    auto balance = [&](size_t p, size_t consumer) { return arrive[consumer] - ready_of(ready, p); };

    // Channels: each producer's output, then (fan-out) one copy per consumer behind a clone.
    std::vector<std::vector<StreamChannel*>> in_channels(n);
    auto output_channel = [&](size_t p, const std::string& cname, int own_latency, size_t width) -> StreamChannel& {
        const auto consumers = m.consumers_of(p);
        // A single consumer reads the producer's channel, which then also carries the balancing delay.
        const int delay = consumers.size() == 1 ? balance(p, consumers[0].first) : 0;
        channels_.push_back(std::make_unique<StreamChannel>(cname, 2 + static_cast<size_t>(delay), own_latency + delay,
                                                            width));
        return *channels_.back();
    };
    auto connect = [&](size_t p, StreamChannel& out) {
        const auto consumers = m.consumers_of(p);
        std::vector<size_t> depths;
        std::vector<int> latencies;
        for (const auto& [c, slot] : consumers) {
            latencies.push_back(balance(p, c));
            depths.push_back(2 + static_cast<size_t>(latencies.back()));
        }
        const std::vector<StreamChannel*> edges = fan_out(p, out, depths, latencies);
        for (size_t k = 0; k < consumers.size(); ++k) {
            auto& ins = in_channels[consumers[k].first];
            if (ins.size() <= consumers[k].second) ins.resize(consumers[k].second + 1);
            ins[consumers[k].second] = edges[k];
        }
    };
    connect(kInput, output_channel(kInput, m.input_name, in_reg, m.input_size()));
    // The pipeline (hls4ml gives io_parallel the 'pipeline' style: backends/vivado/passes/pipeline_style.py)
    // starts an inference every II cycles and reads its input then (HLS's ap_ready), so each input's latency
    // is the pipeline's, not that plus a wait inside the network.
    channels_.front()->set_push_interval(static_cast<uint64_t>(ii));
    for (size_t i = 0; i < n; ++i) {
        const Layer& l = *m.layers[i];
        StreamChannel& out = output_channel(i, l.name() + "_out", i + 1 == n ? profile.output_register_cycles : 0,
                                            l.n_out());
        modules_.push_back(std::make_unique<LayerModule>(l.name().c_str(), l, timings_[i], in_channels[i], out));
        order_.push_back(modules_.back().get());
        connect(i, out);
    }
}

void Network::build_stream(const DeviceProfile& profile) {
    const Model& m = model_;
    const size_t n = m.layers.size();
    auto depth_of = [&](const std::string& name, size_t words) {
        auto it = m.fifo_depths.find(name);
        if (it != m.fifo_depths.end()) return it->second;
        return m.default_fifo_depth ? m.default_fifo_depth : std::max<size_t>(1, words);
    };
    std::vector<std::vector<StreamChannel*>> in_fifos(n);
    // After producer p's FIFO exists: its clone (fan-out) and the FIFO each consumer input reads.
    auto connect = [&](size_t p, StreamChannel& out, size_t tensor_size) {
        const auto consumers = m.consumers_of(p);
        std::vector<size_t> depths;
        std::vector<int> latencies(consumers.size(), 0);
        for (size_t k = 0; k < consumers.size(); ++k)
            depths.push_back(depth_of(clone_output_name(m.producer_name(p), k), tensor_size / out.width()));
        const std::vector<StreamChannel*> edges = fan_out(p, out, depths, latencies);
        for (size_t k = 0; k < consumers.size(); ++k) {
            auto& ins = in_fifos[consumers[k].first];
            if (ins.size() <= consumers[k].second) ins.resize(consumers[k].second + 1);
            ins[consumers[k].second] = edges[k];
        }
    };

    // The input word: a pixel (the last axis) of an image, or the whole vector of a flat input.
    const size_t in_word = m.input_shape.size() > 1 ? m.input_shape.back() : m.input_size();
    channels_.push_back(std::make_unique<StreamChannel>(m.input_name, 2, 0, m.input_size()));
    channels_.push_back(std::make_unique<StreamChannel>(m.input_name + "_stream",
                                                        depth_of(m.input_name, m.input_size() / in_word), 0, in_word));
    fifo_owner_[channels_.back().get()] = m.input_name;
    splitter_ = std::make_unique<StreamSplitter>((m.input_name + "_split").c_str(), *channels_[0], *channels_[1]);
    connect(kInput, *channels_[1], m.input_size());

    for (size_t i = 0; i < n; ++i) {
        const Layer& l = *m.layers[i];
        const std::vector<StreamChannel*>& ins = in_fifos[i];
        StreamChannel& in = *ins.front();
        const size_t word = in.width();
        enum { Window, Pixel, Whole, Merge } kind;
        size_t out_word;
        const auto* merge = dynamic_cast<const MergeLayer*>(&l);
        if (merge) {
            kind = Merge;
            if (ins.size() != 2) throw std::invalid_argument(fmt::format("{}: a merge needs two input FIFOs", l.name()));
            out_word = StreamMergeModule::output_word(*merge, ins[0]->width(), ins[1]->width());
        } else if (auto* c = dynamic_cast<const ConvLayer*>(&l)) {
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
        if (!merge && l.n_in() % word != 0)
            throw std::invalid_argument(
                fmt::format("{}: {} inputs are not a whole number of {}-value stream words", l.name(), l.n_in(), word));
        LayerCostInputs ci = l.cost_inputs();
        ci.io_stream = true;
        timings_.push_back(stream_layer_cost(ci, word, profile, m.clock_period_ns));
        // The last FIFO, when it carries the whole output, also holds the top-level output register.
        const bool last_whole = i + 1 == n && out_word == m.output_size();
        channels_.push_back(std::make_unique<StreamChannel>(l.name() + "_out", depth_of(l.name(), l.n_out() / out_word),
                                                            last_whole ? profile.output_register_cycles : 0, out_word));
        StreamChannel& out = *channels_.back();
        fifo_owner_[&out] = l.name();
        add_resources(timings_.back(), fifo_resources(out.depth(), out_word * static_cast<size_t>(l.output_precision().width)));
        const char* nm = l.name().c_str();
        if (kind == Merge)
            stream_modules_.push_back(std::make_unique<StreamMergeModule>(nm, *merge, timings_.back(), *ins[0], *ins[1], out));
        else if (kind == Window)
            stream_modules_.push_back(std::make_unique<StreamConvModule>(nm, l, timings_.back(), in, out));
        else if (kind == Pixel)
            stream_modules_.push_back(std::make_unique<StreamPixelModule>(nm, l, timings_.back(), in, out));
        else
            stream_modules_.push_back(std::make_unique<StreamDenseModule>(nm, l, timings_.back(), in, out));
        order_.push_back(stream_modules_.back().get());
        connect(i, out, l.n_out());
    }
    const size_t last_word = channels_.back()->width();
    // The last layer's FIFO is the last one made (nothing reads the last layer, so it has no clone).
    if (last_word != m.output_size()) {
        StreamChannel& last = *channels_.back();
        channels_.push_back(std::make_unique<StreamChannel>(m.layers.back()->name() + "_tensor", 2,
                                                            profile.output_register_cycles, m.output_size()));
        collector_ = std::make_unique<StreamCollector>((m.layers.back()->name() + "_collect").c_str(), last,
                                                       *channels_.back());
    }
    // io_stream: the sum along the longest path, a lower bound (line-buffer fill and FIFO back-pressure come
    // from simulation).
    std::vector<int> ready(n);
    for (size_t i = 0; i < n; ++i) {
        int a = 0;
        for (size_t p : m.inputs_of(i)) a = std::max(a, p == kInput ? 0 : ready[p]);
        ready[i] = a + timings_[i].latency;
    }
    expected_latency_ = ready[n - 1] + channels_.back()->latency();
}

std::vector<Clocked*> Network::parts() const {
    std::vector<Clocked*> v;
    if (splitter_) v.push_back(splitter_.get());
    v.insert(v.end(), order_.begin(), order_.end());
    if (collector_) v.push_back(collector_.get());
    return v;
}

void Network::attach(ClockDomain& domain) {
    if (!streaming() && clones_.empty() && !modules_.empty()) {
        if (!pipeline_) {
            std::vector<LayerModule*> chain;
            for (const auto& m : modules_) chain.push_back(m.get());
            pipeline_ = std::make_unique<ParallelPipeline>(std::move(chain));
        }
        domain.add(*pipeline_);
        return;
    }
    for (Clocked* p : parts()) domain.add(*p);
}

std::string Network::describe_stall(uint64_t cycle) const {
    auto fifo = [&](const StreamChannel& c) {
        const char* state = c.size() >= c.depth() ? "full" : c.size() == 0 ? "empty" : "partly filled";
        return fmt::format("{} {}/{} {}", c.name(), c.size(), c.depth(), state);
    };
    auto names = [](const std::vector<const StreamChannel*>& v) {
        std::string s;
        for (const StreamChannel* c : v) s += (s.empty() ? "" : ", ") + c->name();
        return s;
    };
    struct Part {
        std::string name;
        std::vector<const StreamChannel*> ins, outs;
        size_t in_flight;
        std::string waits;  // "" when it does not wait on a FIFO
    };
    std::vector<Part> parts;
    auto waits_of = [&](const std::vector<const StreamChannel*>& ins, const std::vector<const StreamChannel*>& outs,
                        std::vector<const StreamChannel*> empty_ins) {
        std::vector<const StreamChannel*> full;
        for (const StreamChannel* o : outs)
            if (o->size() >= o->depth()) full.push_back(o);
        if (!full.empty()) return fmt::format("waits on full output FIFO {}", names(full));
        if (empty_ins.empty())
            for (const StreamChannel* i : ins)
                if (i->size() == 0) empty_ins.push_back(i);
        if (!empty_ins.empty())
            return fmt::format("waits on empty input FIFO{} {}", empty_ins.size() > 1 ? "s" : "", names(empty_ins));
        return std::string();
    };
    for (const Clocked* c : order_) {
        Part p;
        if (auto* lm = dynamic_cast<const LayerModule*>(c)) {
            p.name = lm->layer().name();
            p.ins.assign(lm->inputs().begin(), lm->inputs().end());
            p.outs = {&lm->output()};
            p.in_flight = lm->in_flight();
            p.waits = waits_of(p.ins, p.outs, {});
        } else if (auto* mm = dynamic_cast<const StreamMergeModule*>(c)) {
            p.name = mm->layer().name();
            p.ins = {&mm->input(), &mm->input2()};
            p.outs = {&mm->output()};
            p.in_flight = mm->in_flight();
            p.waits = waits_of(p.ins, p.outs, mm->waiting_on());
        } else if (auto* sm = dynamic_cast<const ClockedModule*>(c)) {
            p.name = sm->layer().name();
            p.ins = {&sm->input()};
            p.outs = {&sm->output()};
            p.in_flight = sm->in_flight();
            p.waits = waits_of(p.ins, p.outs, {});
        } else if (auto* cl = dynamic_cast<const StreamClone*>(c)) {
            p.name = cl->clone_name();
            p.ins = {&cl->input()};
            p.outs.assign(cl->outputs().begin(), cl->outputs().end());
            p.in_flight = 0;
            p.waits = waits_of(p.ins, p.outs, {});
        } else {
            continue;
        }
        parts.push_back(std::move(p));
    }
    std::string s = fmt::format("nothing can move at cycle {}:", cycle);
    std::string waiting;
    for (const Part& p : parts)
        if (!p.waits.empty() && !(p.in_flight == 0 && p.ins.size() == 1 && p.ins[0]->size() == 0 &&
                                  std::none_of(p.outs.begin(), p.outs.end(),
                                               [](const StreamChannel* o) { return o->size() >= o->depth(); })))
            waiting += fmt::format(" {} {};", p.name, p.waits);
    if (!waiting.empty()) s += " waiting:" + waiting + " all:";
    for (const Part& p : parts) {
        std::string ins, outs;
        for (const StreamChannel* c : p.ins) ins += (ins.empty() ? "" : ", ") + fifo(*c);
        for (const StreamChannel* c : p.outs) outs += (outs.empty() ? "" : ", ") + fifo(*c);
        s += fmt::format(" {} [in {}, out {}, {} in flight{}];", p.name, ins, outs, p.in_flight,
                         p.waits.empty() ? "" : ", " + p.waits);
    }
    return s;
}

int Network::expected_ii() const {
    int ii = 1;
    for (const auto& t : timings_) ii = std::max(ii, t.ii);
    return ii;
}

int Network::expected_latency() const { return expected_latency_; }

}  // namespace tlm4ml
