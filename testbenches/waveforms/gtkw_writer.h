// The GTKWave save file (.gtkw) that opens a run's waveform on the story of the pipeline: the clock, then one
// overview row per channel and per layer in network order, then one collapsed group of data per layer, the
// view zoomed on the first inference with markers at its first input and first output. The waveform file is
// named relative to the save file, so the pair can be moved or shared.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tlm4ml {

struct GtkwTrace {
    // Bits: one bit, or several signals shown as one vector ("11" = valid and ready); Analog: a number drawn
    // as a step plot (FIFO occupancy); Number / SignedNumber: decimal; Real: a real variable.
    enum class Style { Bits, Analog, Number, SignedNumber, Real };
    Style style = Style::Bits;
    std::string alias;                 // the row's label; empty: the signal's own name
    std::vector<std::string> signals;  // display names; several are concatenated into one row
};

struct GtkwGroup {
    std::string name;
    bool closed = true;
    std::vector<GtkwTrace> traces;
};

struct GtkwLayout {
    std::vector<GtkwTrace> overview;
    std::vector<GtkwGroup> groups;
    uint64_t window_start_ps = 0;
    uint64_t window_end_ps = 0;
    std::optional<uint64_t> first_input_ps;   // named marker A
    std::optional<uint64_t> first_output_ps;  // named marker B and the primary marker
};

// The width in pixels of GTKWave's wave pane for the [size] / [signals_width] the save file writes: about 1290
// with GTKWave 3.3.118 under Xvfb; a little less is assumed so the window holds the whole span
// (tests/test_waveform_gtkwave.cpp checks the window GTKWave opens on).
constexpr int kGtkwWavePanePixels = 1230;

// `wave_file` and `save_file` are the final paths; the save file names the waveform relative to itself.
std::string gtkw_text(const GtkwLayout& layout, const std::string& wave_file, const std::string& save_file);

}  // namespace tlm4ml
