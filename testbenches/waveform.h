// Opt-in VCD tracing of a network run: the clock, every (filtered) channel's valid / ready / occupancy /
// data (raw integer and real value per element) and every layer's busy and stall state, plus a GTKWave
// save file (.gtkw) grouping the signals per layer in network order. Mirrors are sampled once per rising
// edge by one process that exists only when tracing is on.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <systemc>

#include "layers/network.h"

namespace tlm4ml {

struct TraceOptions {
    std::string vcd_path;        // e.g. traces/run.vcd
    std::string filter;          // comma-separated glob patterns over layer / channel names; empty = all
    size_t max_elements = 0;     // per channel; 0 = every element
};

class WaveformTracer : public sc_core::sc_module {
public:
    SC_HAS_PROCESS(WaveformTracer);
    WaveformTracer(sc_core::sc_module_name name, Network& net, const TraceOptions& opts);
    ~WaveformTracer() override;

    // Closes the VCD, moves it to its final name and writes the .gtkw next to it.
    void finish();
    std::string gtkw_path() const;
    size_t traced_signals() const { return traced_; }

private:
    void sample();
    bool selected(const std::string& name) const;

    Network& net_;
    TraceOptions opts_;
    std::string tmp_base_;
    sc_core::sc_clock clock_;
    sc_core::sc_trace_file* tf_ = nullptr;
    std::vector<bool> channel_on_;
    std::vector<std::string> gtkw_lines_;
    size_t traced_ = 0;
    bool finished_ = false;
};

}  // namespace tlm4ml
