#include "testbenches/waveforms/waveform.h"

#include <algorithm>
#include <filesystem>
#include <fnmatch.h>
#include <map>

#include <fmt/format.h>


namespace tlm4ml {

namespace {
std::vector<std::string> split_patterns(const std::string& s) {
    std::vector<std::string> out;
    std::string cur;
    for (char c : s) {
        if (c == ',') {
            if (!cur.empty()) out.push_back(cur);
            cur.clear();
        } else if (c != ' ') {
            cur.push_back(c);
        }
    }
    if (!cur.empty()) out.push_back(cur);
    return out;
}

// Who writes and who reads each channel, by part name, for the overview rows' "producer → consumer" labels.
struct ChannelEnds {
    std::map<const StreamChannel*, std::string> producer, consumer;
};

std::string part_name(const Clocked* part) {
    if (auto* m = dynamic_cast<const ClockedModule*>(part)) return m->layer().name();
    if (auto* c = dynamic_cast<const StreamClone*>(part)) return c->clone_name();
    return {};
}

ChannelEnds channel_ends(const Network& net) {
    ChannelEnds e;
    for (const Clocked* part : net.parts()) {
        const std::string name = part_name(part);
        if (name.empty()) continue;
        std::vector<StreamChannel*> ins, outs;
        part->ports(ins, outs);
        for (const StreamChannel* c : ins) e.consumer.emplace(c, name);
        for (const StreamChannel* c : outs) e.producer.emplace(c, name);
    }
    // The ends no layer holds: the testbench's source and sink, and in io_stream the adapters that cut the
    // input tensor into words and gather the output words.
    const auto& ch = net.channels();
    e.producer.emplace(ch.front().get(), "source");
    e.consumer.emplace(ch.back().get(), "sink");
    if (net.streaming()) {
        e.consumer.emplace(ch.front().get(), "splitter");
        if (ch.size() > 1) e.producer.emplace(ch[1].get(), "splitter");
        e.producer.emplace(ch.back().get(), "collector");
        for (const auto& c : ch)
            if (!e.consumer.count(c.get())) e.consumer.emplace(c.get(), "collector");
    }
    return e;
}
}  // namespace

WaveformTracer::WaveformTracer(Network& net, ClockDomain& domain, const TraceOptions& opts)
    : net_(net), opts_(opts) {
    wave_ = make_wave_writer(opts_.write_path.empty() ? opts_.vcd_path : opts_.write_path, opts_.vcd_path);
    period_ps_ = static_cast<uint64_t>(net_.period().to_seconds() * 1e12 + 0.5);

    const std::string top = net.name();
    clk_id_ = wave_->add(top + ".clk", WaveWriter::Kind::Bit);
    idle_id_ = wave_->add(top + ".idle", WaveWriter::Kind::Bit);
    signals_ += 2;
    layout_.overview.push_back({GtkwTrace::Style::Bits, "", {wave_->display_name(clk_id_)}});
    layout_.overview.push_back({GtkwTrace::Style::Bits, "", {wave_->display_name(idle_id_)}});

    // Both kinds of network: the layer modules (io_parallel and io_stream alike, ClockedModule), and the
    // fan-out clones with all their outputs, in network order.
    struct View {
        std::string name;
        Precision out_precision;
        std::vector<const StreamChannel*> outs;
        std::function<bool()> busy;
        std::function<bool(uint64_t)> stalled;
    };
    std::vector<View> views;
    Precision last_precision = net.model().input_precision;
    for (Clocked* part : net.parts()) {
        if (auto* m = dynamic_cast<const ClockedModule*>(part)) {
            views.push_back({m->layer().name(), m->layer().output_precision(), {&m->output()}, [m] { return m->busy(); },
                             [m](uint64_t c) { return m->stalled(c); }});
        } else if (auto* c = dynamic_cast<const StreamClone*>(part)) {
            // A clone copies its producer's words: the producer's type (the model input's before any layer).
            views.push_back({c->clone_name(), last_precision,
                             std::vector<const StreamChannel*>(c->outputs().begin(), c->outputs().end()),
                             [c] { return c->busy(); }, [c](uint64_t cy) { return c->stalled(cy); }});
            continue;
        } else {
            continue;
        }
        last_precision = views.back().out_precision;
    }

    const ChannelEnds ends = channel_ends(net);
    auto label = [&](const StreamChannel* c) {
        const auto p = ends.producer.find(c), q = ends.consumer.find(c);
        return fmt::format("{} → {}", p == ends.producer.end() ? "?" : p->second,
                           q == ends.consumer.end() ? "?" : q->second);
    };

    // The input: the network's input channel, and in io_stream also the input FIFO the splitter feeds.
    const auto& channels = net.channels();
    input_channel_ = channels.front().get();
    output_channel_ = channels.back().get();
    std::vector<const StreamChannel*> inputs = {channels[0].get()};
    if (net.streaming() && channels.size() > 1) inputs.push_back(channels[1].get());
    names_.push_back(channels[0]->name());
    for (const View& v : views) {
        names_.push_back(v.name);
        for (const StreamChannel* o : v.outs) names_.push_back(o->name());
    }
    if (selected(channels[0]->name())) {
        GtkwGroup group{channels[0]->name(), true, {}};
        for (const StreamChannel* ch : inputs)
            for (auto& row : add_channel(*ch, net.model().input_precision, top, label(ch), group.traces))
                layout_.overview.push_back(std::move(row));
        layout_.groups.push_back(std::move(group));
    }
    for (const View& v : views) {
        const bool layer_on = selected(v.name);
        bool ch_on = layer_on;
        for (const StreamChannel* o : v.outs) ch_on = ch_on || selected(o->name());
        if (!ch_on) continue;
        GtkwGroup group{v.name, true, {}};
        if (layer_on) {
            LayerVars lv{v.busy, v.stalled, wave_->add(top + "." + v.name + ".busy", WaveWriter::Kind::Bit),
                         wave_->add(top + "." + v.name + ".stall", WaveWriter::Kind::Bit)};
            layout_.overview.push_back({GtkwTrace::Style::Bits, v.name + " busy,stall",
                                        {wave_->display_name(lv.busy), wave_->display_name(lv.stall)}});
            layers_.push_back(std::move(lv));
            signals_ += 2;
        }
        for (const StreamChannel* o : v.outs)
            for (auto& row : add_channel(*o, v.out_precision, top, label(o), group.traces))
                layout_.overview.push_back(std::move(row));
        layout_.groups.push_back(std::move(group));
    }
    wave_->header();
    // Data lines start at 0 rather than undefined.
    wave_->time(0);
    wave_->bit(idle_id_, false);
    for (const auto& cv : channels_) {
        for (size_t id : cv.raw) wave_->vec(id, 0);
        for (size_t id : cv.real) wave_->real(id, 0.0);
    }
    domain.set_observer([this](uint64_t cycle) { sample(cycle); });
}

std::vector<GtkwTrace> WaveformTracer::add_channel(const StreamChannel& ch, const Precision& p, const std::string& top,
                                                   const std::string& label, std::vector<GtkwTrace>& data) {
    const std::string prefix = top + "." + ch.name();
    ChannelVars cv{&ch, p.frac(), wave_->add(prefix + ".valid", WaveWriter::Kind::Bit),
                   wave_->add(prefix + ".ready", WaveWriter::Kind::Bit),
                   wave_->add(prefix + ".occupancy", WaveWriter::Kind::Vector, 16), {}, {}};
    signals_ += 3;
    std::vector<GtkwTrace> overview;
    // valid,ready as one two-bit row: 11 a word moves, 10 it waits for the consumer, 01 the consumer waits.
    overview.push_back({GtkwTrace::Style::Bits, label,
                        {wave_->display_name(cv.valid), wave_->display_name(cv.ready)}});
    if (net_.is_fifo(ch) && ch.depth() > 1) {
        overview.push_back({GtkwTrace::Style::Analog, ch.name() + " occupancy", {wave_->display_name(cv.occupancy)}});
        occupancy_rows_[overview.back().alias] = &ch;
    }
    const size_t n = opts_.max_elements ? std::min(opts_.max_elements, ch.width()) : ch.width();
    for (size_t i = 0; i < n; ++i) {
        cv.real.push_back(wave_->add(fmt::format("{}.real_{}", prefix, i), WaveWriter::Kind::Real));
        data.push_back({GtkwTrace::Style::Real, fmt::format("{}[{}]", ch.name(), i), {wave_->display_name(cv.real.back())}});
        ++signals_;
        if (opts_.raw) {
            cv.raw.push_back(wave_->add(fmt::format("{}.raw_{}", prefix, i), WaveWriter::Kind::Vector, p.width));
            data.push_back({p.is_signed ? GtkwTrace::Style::SignedNumber : GtkwTrace::Style::Number,
                            fmt::format("{}[{}] raw", ch.name(), i), {wave_->display_name(cv.raw.back())}});
            ++signals_;
        }
    }
    const_cast<StreamChannel&>(ch).keep_last_popped(true);
    channels_.push_back(std::move(cv));
    return overview;
}

// An unfinished waveform's temporary is removed by its owner (output_files.h).
WaveformTracer::~WaveformTracer() = default;

bool WaveformTracer::selected(const std::string& name) const {
    if (opts_.filter.empty()) return true;
    for (const auto& pat : split_patterns(opts_.filter))
        if (fnmatch(pat.c_str(), name.c_str(), 0) == 0) return true;
    return false;
}

void WaveformTracer::clock_edges(uint64_t cycle) {
    wave_->time(cycle * period_ps_);
    wave_->bit(clk_id_, true);
    wave_->time(cycle * period_ps_ + period_ps_ / 2);
    wave_->bit(clk_id_, false);
}

void WaveformTracer::sample(uint64_t cycle) {
    // Cycles the domain skipped changed nothing. A short gap keeps its clock edges, so the clock reads as a
    // clock between close events; a long one is a single pulse of `idle` with the clock held low, so an input
    // every 10^9 cycles costs two timestamps instead of 10^9 clock edges.
    const bool long_gap = cycle - next_unsampled_ > kDrawnIdleCycles;
    if (long_gap) {
        wave_->time(next_unsampled_ * period_ps_);
        wave_->bit(idle_id_, true);
    } else {
        for (uint64_t k = next_unsampled_; k < cycle; ++k) clock_edges(k);
    }
    wave_->time(cycle * period_ps_);
    wave_->bit(idle_id_, false);
    wave_->bit(clk_id_, true);
    for (const auto& cv : channels_) {
        const bool popped = cv.channel->popped_in(cycle);
        wave_->bit(cv.valid, popped || cv.channel->can_pop(cycle));
        wave_->bit(cv.ready, cv.channel->occupancy_at_edge(cycle) < cv.channel->depth());
        wave_->vec(cv.occupancy, cv.channel->size());
        // The word shown (taken this cycle, else the one waiting) changes only with a push or a pop.
        if (!popped && !cv.channel->pushed_in(cycle)) continue;
        const int64_t* d = popped ? cv.channel->last_popped().data()
                                  : (cv.channel->size() != 0 ? cv.channel->front_data() : nullptr);
        if (d) {
            const size_t width = popped ? cv.channel->last_popped().size() : cv.channel->width();
            const size_t n = std::min(cv.real.size(), width);
            for (size_t i = 0; i < n; ++i) wave_->fixed(cv.real[i], d[i], cv.frac);
            for (size_t i = 0; i < cv.raw.size() && i < width; ++i) wave_->vec(cv.raw[i], static_cast<uint64_t>(d[i]));
        }
    }
    for (const auto& lv : layers_) {
        wave_->bit(lv.busy, lv.busy_now());
        wave_->bit(lv.stall, lv.stalled_at(cycle));
    }
    wave_->time(cycle * period_ps_ + period_ps_ / 2);
    wave_->bit(clk_id_, false);
    next_unsampled_ = cycle + 1;
    if (!second_accept_ && input_channel_->popped_in(cycle)) (first_accept_ ? second_accept_ : first_accept_) = cycle;
    if (!first_output_ && output_channel_->pushed_in(cycle)) first_output_ = cycle;
}

std::string WaveformTracer::gtkw_path() const {
    std::string base = opts_.vcd_path;
    if (base.size() > 4 && (base.substr(base.size() - 4) == ".vcd" || base.substr(base.size() - 4) == ".fst"))
        base.resize(base.size() - 4);
    return base + ".gtkw";
}

GtkwLayout WaveformTracer::layout() const {
    GtkwLayout l = layout_;
    // A FIFO that never held more than one word has nothing to plot: its occupancy row would only push the
    // rest of the pipeline off the first screen (the signal stays in the file).
    l.overview.erase(std::remove_if(l.overview.begin(), l.overview.end(),
                                    [&](const GtkwTrace& t) {
                                        const auto it = occupancy_rows_.find(t.alias);
                                        return t.style == GtkwTrace::Style::Analog && it != occupancy_rows_.end() &&
                                               it->second->stats().peak_occupancy <= 1;
                                    }),
                     l.overview.end());
    const uint64_t run_end = next_unsampled_ * period_ps_;
    l.window_start_ps = 0;
    l.window_end_ps = std::max(run_end, period_ps_);
    if (first_accept_) l.first_input_ps = *first_accept_ * period_ps_;
    if (first_output_) l.first_output_ps = *first_output_ * period_ps_;
    if (first_accept_ && first_output_) {
        // The first inference: its input accepted to its output, plus two IIs (the next ones following), with
        // a cycle of margin on each side; the whole run when it is not much longer.
        const uint64_t ii = second_accept_ ? *second_accept_ - *first_accept_ : 1;
        const uint64_t from = *first_accept_ > 0 ? *first_accept_ - 1 : 0;
        const uint64_t to = *first_output_ + 2 * ii + 2;
        if (3 * (to - from) < next_unsampled_) {
            l.window_start_ps = from * period_ps_;
            l.window_end_ps = to * period_ps_;
        }
    }
    return l;
}

std::string WaveformTracer::finish() {
    finished_ = true;
    wave_->close();
    return gtkw_text(layout(), opts_.vcd_path, gtkw_path());
}

}  // namespace tlm4ml
