#include "waveform.h"

#include <filesystem>
#include <fnmatch.h>
#include <fstream>

#include <fmt/format.h>

#include "testbenches/sample_io.h"

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
// GTKWave display flags (hex in .gtkw): right-justified binary / decimal / signed decimal, real, groups.
constexpr const char* kBit = "@28";
constexpr const char* kDec = "@24";
constexpr const char* kSignedDec = "@424";
constexpr const char* kGroupBegin = "@800200";
constexpr const char* kGroupEnd = "@1000200";
}  // namespace

WaveformTracer::WaveformTracer(sc_core::sc_module_name name, Network& net, const TraceOptions& opts)
    : sc_core::sc_module(name), net_(net), opts_(opts), clock_("clk", net.period()) {
    std::string base = opts_.vcd_path;
    if (base.size() > 4 && base.substr(base.size() - 4) == ".vcd") base.resize(base.size() - 4);
    tmp_base_ = base + ".partial";
    const auto parent = std::filesystem::path(base).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent);
    tf_ = sc_core::sc_create_vcd_trace_file(tmp_base_.c_str());
    if (!tf_) throw std::runtime_error(fmt::format("{}: cannot create the VCD file", opts_.vcd_path));
    tf_->set_time_unit(1, sc_core::SC_PS);

    const std::string top = net.name();
    sc_core::sc_trace(tf_, clock_, top + ".clk");
    ++traced_;
    gtkw_lines_.push_back(kBit);
    gtkw_lines_.push_back(top + ".clk");

    auto trace_channel = [&](StreamChannel& ch, const std::string& owner, const Precision& p) {
        auto& st = ch.trace_state();
        const size_t n = opts_.max_elements ? std::min(opts_.max_elements, ch.width()) : ch.width();
        st.raw.assign(n, 0);
        st.real.assign(n, 0.0);
        const std::string prefix = top + "." + ch.basename();
        sc_core::sc_trace(tf_, st.valid, prefix + ".valid");
        sc_core::sc_trace(tf_, st.ready, prefix + ".ready");
        sc_core::sc_trace(tf_, st.occupancy, prefix + ".occupancy", 16);
        gtkw_lines_.push_back(kBit);
        gtkw_lines_.push_back(prefix + ".valid");
        gtkw_lines_.push_back(prefix + ".ready");
        gtkw_lines_.push_back(kDec);
        gtkw_lines_.push_back(prefix + ".occupancy");
        traced_ += 3;
        for (size_t i = 0; i < n; ++i) {
            const std::string raw_name = fmt::format("{}.raw_{}", prefix, i);
            const std::string real_name = fmt::format("{}.real_{}", prefix, i);
            sc_core::sc_trace(tf_, st.raw[i], raw_name, p.width);
            sc_core::sc_trace(tf_, st.real[i], real_name);
            gtkw_lines_.push_back(p.is_signed ? kSignedDec : kDec);
            gtkw_lines_.push_back(fmt::format("{}[{}:0]", raw_name, p.width - 1));
            gtkw_lines_.push_back(kDec);
            gtkw_lines_.push_back(real_name);
            traced_ += 2;
        }
        (void)owner;
    };

    const auto& channels = net.channels();
    const auto& modules = net.modules();
    channel_on_.assign(channels.size(), false);
    if (selected(channels[0]->basename())) {
        channel_on_[0] = true;
        gtkw_lines_.push_back(kGroupBegin);
        gtkw_lines_.push_back(std::string("-") + channels[0]->basename());
        trace_channel(*channels[0], "input", net.model().input_precision);
        gtkw_lines_.push_back(kGroupEnd);
        gtkw_lines_.push_back(std::string("-") + channels[0]->basename());
    }
    for (size_t i = 0; i < modules.size(); ++i) {
        LayerModule& m = *modules[i];
        const std::string lname = m.layer().name();
        const bool layer_on = selected(lname);
        const bool ch_on = layer_on || selected(channels[i + 1]->basename());
        if (!layer_on && !ch_on) continue;
        gtkw_lines_.push_back(kGroupBegin);
        gtkw_lines_.push_back("-" + lname);
        if (layer_on) {
            sc_core::sc_trace(tf_, m.trace_busy, top + "." + lname + ".busy");
            sc_core::sc_trace(tf_, m.trace_stall, top + "." + lname + ".stall");
            gtkw_lines_.push_back(kBit);
            gtkw_lines_.push_back(top + "." + lname + ".busy");
            gtkw_lines_.push_back(top + "." + lname + ".stall");
            traced_ += 2;
        }
        if (ch_on) {
            channel_on_[i + 1] = true;
            trace_channel(*channels[i + 1], lname, m.layer().output_precision());
        }
        gtkw_lines_.push_back(kGroupEnd);
        gtkw_lines_.push_back("-" + lname);
    }

    SC_METHOD(sample);
    sensitive << clock_.posedge_event();
    dont_initialize();
}

WaveformTracer::~WaveformTracer() {
    if (!finished_ && tf_) {
        sc_core::sc_close_vcd_trace_file(tf_);
        std::remove((tmp_base_ + ".vcd").c_str());
    }
}

bool WaveformTracer::selected(const std::string& name) const {
    if (opts_.filter.empty()) return true;
    for (const auto& pat : split_patterns(opts_.filter))
        if (fnmatch(pat.c_str(), name.c_str(), 0) == 0) return true;
    return false;
}

void WaveformTracer::sample() {
    const uint64_t cycle = cycle_of(sc_core::sc_time_stamp(), net_.period());
    const auto& channels = net_.channels();
    for (size_t i = 0; i < channels.size(); ++i) {
        if (!channel_on_[i]) continue;
        const Precision& p = i == 0 ? net_.model().input_precision : net_.model().layers[i - 1]->output_precision();
        channels[i]->refresh_trace(cycle, p.frac());
    }
    for (const auto& m : net_.modules()) m->refresh_trace(cycle);
}

std::string WaveformTracer::gtkw_path() const {
    std::string base = opts_.vcd_path;
    if (base.size() > 4 && base.substr(base.size() - 4) == ".vcd") base.resize(base.size() - 4);
    return base + ".gtkw";
}

void WaveformTracer::finish() {
    if (finished_) return;
    finished_ = true;
    sc_core::sc_close_vcd_trace_file(tf_);
    tf_ = nullptr;
    std::filesystem::rename(tmp_base_ + ".vcd", opts_.vcd_path);
    std::string g;
    g += fmt::format("[dumpfile] \"{}\"\n", std::filesystem::absolute(opts_.vcd_path).string());
    g += "[timestart] 0\n";
    g += fmt::format("[size] 1400 800\n[signals_width] 320\n[sst_expanded] 1\n");
    for (const auto& l : gtkw_lines_) g += l + "\n";
    write_file_atomically(gtkw_path(), g);
}

}  // namespace tlm4ml
