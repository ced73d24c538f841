// Opt-in waveforms of a network run (VCD, or FST for a path ending in .fst): the clock, an `idle` marker for
// skipped gaps, every (filtered) channel's valid / ready / occupancy and the real values of its first
// elements (raw integers too with `raw`), every layer's busy and stall state; plus a GTKWave save file (.gtkw,
// testbenches/waveforms/gtkw_writer.h) that opens on the pipeline: one overview row per channel and layer in network
// order, data in collapsed groups, zoomed on the first inference. The clock domain hands every evaluated cycle
// to sample(); cycles it skipped (nothing happened) appear as clock edges only, or, in gaps longer than a few
// cycles, as one pulse of `idle`.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <systemc>

#include "layers/network.h"
#include "testbenches/waveforms/gtkw_writer.h"
#include "testbenches/waveforms/wave_writer.h"

namespace tlm4ml {

struct TraceOptions {
    std::string vcd_path;        // e.g. traces/run.vcd, or traces/run.fst: the name the .gtkw file gives
    std::string write_path;      // where the waveform is written meanwhile (output_files.h's temporary)
    std::string filter;          // comma-separated glob patterns over layer / channel names; empty = all
    // Elements traced per channel (0 = every element). The default keeps a waveform of a long run within a
    // few times the simulation's own cost; the overview rows never depend on it.
    size_t max_elements = kDefaultTraceElements;
    bool raw = false;            // also each element's raw integer (the real value is always traced)
    static constexpr size_t kDefaultTraceElements = 4;
};

class WaveformTracer {
public:
    // Registers itself as the domain's observer.
    WaveformTracer(Network& net, ClockDomain& domain, const TraceOptions& opts);
    ~WaveformTracer();
    WaveformTracer(const WaveformTracer&) = delete;
    WaveformTracer& operator=(const WaveformTracer&) = delete;

    // Closes the waveform (complete at write_path) and returns the .gtkw save file's text.
    std::string finish();
    std::string gtkw_path() const;
    // The names the filter can match: the input channel, every layer and clone, every channel.
    std::vector<std::string> traceable_names() const { return names_; }
    size_t traced_signals() const { return signals_; }
    // Whether the filter selected anything beyond the clock and `idle`.
    bool traces_anything() const { return !channels_.empty() || !layers_.empty(); }

private:
    struct ChannelVars {
        const StreamChannel* channel;
        int frac;
        size_t valid, ready, occupancy;
        std::vector<size_t> raw, real;
    };
    struct LayerVars {
        std::function<bool()> busy_now;
        std::function<bool(uint64_t)> stalled_at;
        size_t busy, stall;
    };

    void sample(uint64_t cycle);
    void clock_edges(uint64_t cycle);  // the rising and falling edge of one cycle
    bool selected(const std::string& name) const;
    // Declares a channel's signals; returns its overview rows (handshake, and occupancy for a FIFO) and adds
    // its data rows to `data`.
    std::vector<GtkwTrace> add_channel(const StreamChannel& ch, const Precision& p, const std::string& top,
                                       const std::string& label, std::vector<GtkwTrace>& data);
    GtkwLayout layout() const;

    Network& net_;
    TraceOptions opts_;
    std::vector<std::string> names_;
    std::unique_ptr<WaveWriter> wave_;
    uint64_t period_ps_ = 0;
    // Skipped cycles up to this many are drawn as clock edges; longer gaps as one pulse of `idle`.
    static constexpr uint64_t kDrawnIdleCycles = 64;
    size_t clk_id_ = 0;
    size_t idle_id_ = 0;  // high while the network had nothing to do (cycles the clock domain skipped)
    std::vector<ChannelVars> channels_;
    std::vector<LayerVars> layers_;
    GtkwLayout layout_;
    std::map<std::string, const StreamChannel*> occupancy_rows_;  // overview alias -> its FIFO
    size_t signals_ = 0;
    bool finished_ = false;
    uint64_t next_unsampled_ = 0;  // first cycle not yet written
    // For the save file's view: the first two accepted inputs and the first output.
    const StreamChannel* input_channel_ = nullptr;
    const StreamChannel* output_channel_ = nullptr;
    std::optional<uint64_t> first_accept_, second_accept_, first_output_;
};

}  // namespace tlm4ml
