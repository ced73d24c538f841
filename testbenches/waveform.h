// Opt-in waveforms of a network run: the clock, every (filtered) channel's valid / ready / occupancy /
// data (raw integer and real value per element) and every layer's busy and stall state, plus a GTKWave
// save file (.gtkw) grouping the signals per layer in network order. The clock domain hands every
// evaluated cycle to sample(); cycles it skipped (nothing happened) appear as clock edges only, and a gap longer
// than kMaxIdleEdges as its first edge (the clock then rests low until the next evaluated cycle).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <systemc>

#include "layers/network.h"
#include "testbenches/vcd_writer.h"

namespace tlm4ml {

struct TraceOptions {
    std::string vcd_path;        // e.g. traces/run.vcd: the name the .gtkw file gives
    std::string write_path;      // where the VCD is written meanwhile (output_files.h's temporary)
    std::string filter;          // comma-separated glob patterns over layer / channel names; empty = all
    size_t max_elements = 0;     // per channel; 0 = every element
};

class WaveformTracer {
public:
    // Idle gaps up to this many cycles show every clock edge; a longer one shows its first edge only.
    static constexpr uint64_t kMaxIdleEdges = 64;

    // Registers itself as the domain's observer.
    WaveformTracer(Network& net, ClockDomain& domain, const TraceOptions& opts);
    ~WaveformTracer();
    WaveformTracer(const WaveformTracer&) = delete;
    WaveformTracer& operator=(const WaveformTracer&) = delete;

    // Closes the VCD (complete at write_path) and returns the .gtkw save file's text.
    std::string finish();
    std::string gtkw_path() const;
    // The names the filter can match: the input channel, every layer and clone, every channel.
    std::vector<std::string> traceable_names() const { return names_; }
    size_t traced_signals() const { return signals_; }

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
    void add_channel(const StreamChannel& ch, const Precision& p, const std::string& top);

    Network& net_;
    TraceOptions opts_;
    std::vector<std::string> names_;
    std::unique_ptr<VcdWriter> vcd_;
    size_t clk_id_ = 0;
    std::vector<ChannelVars> channels_;
    std::vector<LayerVars> layers_;
    std::vector<std::string> gtkw_lines_;
    size_t signals_ = 0;
    bool finished_ = false;
    uint64_t next_unsampled_ = 0;  // first cycle not yet written
};

}  // namespace tlm4ml
