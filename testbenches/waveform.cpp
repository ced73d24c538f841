#include "waveform.h"

#include <filesystem>
#include <fnmatch.h>

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
// GTKWave display flags (hex in .gtkw): right-justified binary / decimal / signed decimal, groups.
constexpr const char* kBit = "@28";
constexpr const char* kDec = "@24";
constexpr const char* kSignedDec = "@424";
constexpr const char* kGroupBegin = "@800200";
constexpr const char* kGroupEnd = "@1000200";
}  // namespace

WaveformTracer::WaveformTracer(Network& net, ClockDomain& domain, const TraceOptions& opts)
    : net_(net), opts_(opts) {
    vcd_ = std::make_unique<VcdWriter>(opts_.write_path.empty() ? opts_.vcd_path : opts_.write_path);

    const std::string top = net.name();
    clk_id_ = vcd_->add(top + ".clk", VcdWriter::Kind::Bit);
    ++signals_;
    gtkw_lines_.push_back(kBit);
    gtkw_lines_.push_back(vcd_->display_name(clk_id_));

    // Both kinds of network: io_parallel LayerModules and io_stream StreamModules, and the fan-out clones
    // with all their outputs, in network order.
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
        if (auto* m = dynamic_cast<const LayerModule*>(part)) {
            views.push_back({m->layer().name(), m->layer().output_precision(), {&m->output()}, [m] { return m->busy(); },
                             [m](uint64_t c) { return m->stalled(c); }});
        } else if (auto* m = dynamic_cast<const StreamModule*>(part)) {
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

    // The input: the network's input channel, and in io_stream also the input FIFO the splitter feeds.
    const auto& channels = net.channels();
    std::vector<const StreamChannel*> inputs = {channels[0].get()};
    if (net.streaming() && channels.size() > 1) inputs.push_back(channels[1].get());
    names_.push_back(channels[0]->name());
    for (const View& v : views) {
        names_.push_back(v.name);
        for (const StreamChannel* o : v.outs) names_.push_back(o->name());
    }
    if (selected(channels[0]->name())) {
        gtkw_lines_.push_back(kGroupBegin);
        gtkw_lines_.push_back(std::string("-") + channels[0]->name());
        for (const StreamChannel* ch : inputs) add_channel(*ch, net.model().input_precision, top);
        gtkw_lines_.push_back(kGroupEnd);
        gtkw_lines_.push_back(std::string("-") + channels[0]->name());
    }
    for (const View& v : views) {
        const bool layer_on = selected(v.name);
        bool ch_on = layer_on;
        for (const StreamChannel* o : v.outs) ch_on = ch_on || selected(o->name());
        if (!ch_on) continue;
        gtkw_lines_.push_back(kGroupBegin);
        gtkw_lines_.push_back("-" + v.name);
        if (layer_on) {
            LayerVars lv{v.busy, v.stalled, vcd_->add(top + "." + v.name + ".busy", VcdWriter::Kind::Bit),
                         vcd_->add(top + "." + v.name + ".stall", VcdWriter::Kind::Bit)};
            gtkw_lines_.push_back(kBit);
            gtkw_lines_.push_back(vcd_->display_name(lv.busy));
            gtkw_lines_.push_back(vcd_->display_name(lv.stall));
            layers_.push_back(std::move(lv));
            signals_ += 2;
        }
        for (const StreamChannel* o : v.outs) add_channel(*o, v.out_precision, top);
        gtkw_lines_.push_back(kGroupEnd);
        gtkw_lines_.push_back("-" + v.name);
    }
    vcd_->header("1 ps");
    // Data lines start at 0 rather than undefined.
    vcd_->time(0);
    for (const auto& cv : channels_)
        for (size_t i = 0; i < cv.raw.size(); ++i) {
            vcd_->vec(cv.raw[i], 0);
            vcd_->real(cv.real[i], 0.0);
        }
    domain.set_observer([this](uint64_t cycle) { sample(cycle); });
}

void WaveformTracer::add_channel(const StreamChannel& ch, const Precision& p, const std::string& top) {
    const std::string prefix = top + "." + ch.name();
    ChannelVars cv{&ch, p.frac(), vcd_->add(prefix + ".valid", VcdWriter::Kind::Bit),
                   vcd_->add(prefix + ".ready", VcdWriter::Kind::Bit),
                   vcd_->add(prefix + ".occupancy", VcdWriter::Kind::Vector, 16), {}, {}};
    gtkw_lines_.push_back(kBit);
    gtkw_lines_.push_back(vcd_->display_name(cv.valid));
    gtkw_lines_.push_back(vcd_->display_name(cv.ready));
    gtkw_lines_.push_back(kDec);
    gtkw_lines_.push_back(vcd_->display_name(cv.occupancy));
    signals_ += 3;
    const size_t n = opts_.max_elements ? std::min(opts_.max_elements, ch.width()) : ch.width();
    for (size_t i = 0; i < n; ++i) {
        cv.raw.push_back(vcd_->add(fmt::format("{}.raw_{}", prefix, i), VcdWriter::Kind::Vector, p.width));
        cv.real.push_back(vcd_->add(fmt::format("{}.real_{}", prefix, i), VcdWriter::Kind::Real));
        gtkw_lines_.push_back(p.is_signed ? kSignedDec : kDec);
        gtkw_lines_.push_back(vcd_->display_name(cv.raw.back()));
        gtkw_lines_.push_back(vcd_->display_name(cv.real.back()));
        signals_ += 2;
    }
    const_cast<StreamChannel&>(ch).keep_last_popped(true);
    channels_.push_back(std::move(cv));
}

WaveformTracer::~WaveformTracer() = default;

bool WaveformTracer::selected(const std::string& name) const {
    if (opts_.filter.empty()) return true;
    for (const auto& pat : split_patterns(opts_.filter))
        if (fnmatch(pat.c_str(), name.c_str(), 0) == 0) return true;
    return false;
}

void WaveformTracer::clock_edges(uint64_t cycle) {
    const uint64_t period_ps = static_cast<uint64_t>(net_.period().to_seconds() * 1e12 + 0.5);
    vcd_->time(cycle * period_ps);
    vcd_->bit(clk_id_, true);
    vcd_->time(cycle * period_ps + period_ps / 2);
    vcd_->bit(clk_id_, false);
}

void WaveformTracer::sample(uint64_t cycle) {
    // Cycles the domain skipped changed nothing but the clock. A long idle gap (--rate 10^9) is one clock
    // edge, then the clock rests low until this cycle: the file grows with what happens, not with time.
    const uint64_t gap = cycle - next_unsampled_;
    for (uint64_t k = next_unsampled_; k < cycle && k < next_unsampled_ + (gap > kMaxIdleEdges ? 1 : gap); ++k)
        clock_edges(k);
    const uint64_t period_ps = static_cast<uint64_t>(net_.period().to_seconds() * 1e12 + 0.5);
    vcd_->time(cycle * period_ps);
    vcd_->bit(clk_id_, true);
    for (const auto& cv : channels_) {
        const bool popped = cv.channel->popped_in(cycle);
        vcd_->bit(cv.valid, popped || cv.channel->can_pop(cycle));
        vcd_->bit(cv.ready, cv.channel->occupancy_at_edge(cycle) < cv.channel->depth());
        vcd_->vec(cv.occupancy, cv.channel->size());
        const std::vector<int64_t>* d = popped ? &cv.channel->last_popped()
                                               : (cv.channel->front() ? &cv.channel->front()->data : nullptr);
        if (d) {
            for (size_t i = 0; i < cv.raw.size() && i < d->size(); ++i) {
                vcd_->vec(cv.raw[i], static_cast<uint64_t>((*d)[i]));
                vcd_->fixed(cv.real[i], (*d)[i], cv.frac);
            }
        }
    }
    for (const auto& lv : layers_) {
        vcd_->bit(lv.busy, lv.busy_now());
        vcd_->bit(lv.stall, lv.stalled_at(cycle));
    }
    vcd_->time(cycle * period_ps + period_ps / 2);
    vcd_->bit(clk_id_, false);
    next_unsampled_ = cycle + 1;
}

std::string WaveformTracer::gtkw_path() const {
    std::string base = opts_.vcd_path;
    if (base.size() > 4 && base.substr(base.size() - 4) == ".vcd") base.resize(base.size() - 4);
    return base + ".gtkw";
}

std::string WaveformTracer::finish() {
    finished_ = true;
    vcd_->close();
    std::string g;
    g += fmt::format("[dumpfile] \"{}\"\n", std::filesystem::absolute(opts_.vcd_path).string());
    // Zoom so that a first screen shows some 70 cycles of a 5 ns clock.
    g += "[timestart] 0\n[size] 1400 800\n[signals_width] 320\n[sst_expanded] 1\n*-17.000000 0\n";
    for (const auto& l : gtkw_lines_) g += l + "\n";
    return g;
}

}  // namespace tlm4ml
