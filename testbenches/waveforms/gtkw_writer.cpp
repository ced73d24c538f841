#include "testbenches/waveforms/gtkw_writer.h"

#include <cmath>
#include <filesystem>

#include <fmt/format.h>

namespace tlm4ml {

namespace {
// GTKWave's trace flags, in hex in a .gtkw (gtkwave's analyzer.h TR_*).
constexpr unsigned kRightJustify = 0x20, kBinary = 0x8, kDecimal = 0x4, kSigned = 0x400, kBlank = 0x200,
                   kCollapsed = 0x1000, kAnalogStep = 0x8000, kAnalogBlankStretch = 0x20000, kClosed = 0x400000,
                   kGroupBegin = 0x800000, kGroupEnd = 0x1000000;

unsigned flags_of(GtkwTrace::Style s) {
    switch (s) {
        case GtkwTrace::Style::Bits: return kRightJustify | kBinary;
        case GtkwTrace::Style::Analog: return kAnalogStep | kRightJustify | kDecimal;
        case GtkwTrace::Style::Number: return kRightJustify | kDecimal;
        case GtkwTrace::Style::SignedNumber: return kRightJustify | kDecimal | kSigned;
        case GtkwTrace::Style::Real: return kRightJustify | kDecimal | kSigned;
    }
    return kRightJustify | kBinary;
}

void put_trace(std::string& g, const GtkwTrace& t) {
    g += fmt::format("@{:x}\n", flags_of(t.style));
    if (t.signals.size() > 1) {
        // Several signals concatenated into one row, named by the alias.
        g += "#{" + (t.alias.empty() ? t.signals.front() : t.alias) + "}";
        for (const auto& s : t.signals) g += " " + s;
        g += "\n";
    } else if (!t.alias.empty()) {
        g += "+{" + t.alias + "} " + t.signals.front() + "\n";
    } else {
        g += t.signals.front() + "\n";
    }
    if (t.style == GtkwTrace::Style::Analog) {
        // One extra row of height, so the steps are visible.
        g += fmt::format("@{:x}\n-\n", kAnalogBlankStretch);
    }
}

std::string relative_to(const std::string& file, const std::string& from_file) {
    namespace fs = std::filesystem;
    const fs::path dir = fs::absolute(fs::path(from_file)).parent_path();
    const fs::path rel = fs::absolute(fs::path(file)).lexically_relative(dir);
    return rel.empty() ? fs::path(file).filename().string() : rel.string();
}
}  // namespace

std::string gtkw_text(const GtkwLayout& l, const std::string& wave_file, const std::string& save_file) {
    std::string g;
    // GTKWave tries [dumpfile] as given, then relative to where the save file now is (found via [savefile]).
    g += fmt::format("[dumpfile] \"{}\"\n", relative_to(wave_file, save_file));
    g += fmt::format("[savefile] \"{}\"\n", std::filesystem::path(save_file).filename().string());
    g += fmt::format("[timestart] {}\n", l.window_start_ps);
    g += "[size] 1600 1000\n[pos] -1 -1\n[signals_width] 330\n[sst_expanded] 0\n[sst_width] 1\n";
    // Zoom: GTKWave shows 2^-zoom / 256 time units per pixel; fit the window into the wave pane.
    const double span = static_cast<double>(std::max<uint64_t>(1, l.window_end_ps - l.window_start_ps));
    const double zoom = -std::log2(span * 256.0 / kGtkwWavePanePixels);
    // "*zoom primary_marker A B ... Z" (-1: no marker).
    g += fmt::format("*{:.6f} {}", zoom,
                     l.first_output_ps ? static_cast<int64_t>(*l.first_output_ps) : int64_t{-1});
    g += fmt::format(" {} {}", l.first_input_ps ? static_cast<int64_t>(*l.first_input_ps) : int64_t{-1},
                     l.first_output_ps ? static_cast<int64_t>(*l.first_output_ps) : int64_t{-1});
    for (int i = 2; i < 26; ++i) g += " -1";
    g += "\n";
    for (const auto& t : l.overview) put_trace(g, t);
    for (const auto& grp : l.groups) {
        // A closed group is one row ("name {}") until opened; its end marker must say so too.
        const unsigned closed = grp.closed ? kClosed : 0;
        g += fmt::format("@{:x}\n-{}\n", kGroupBegin | closed | kBlank, grp.name);
        for (const auto& t : grp.traces) put_trace(g, t);
        g += fmt::format("@{:x}\n-{}\n", kGroupEnd | closed | (grp.closed ? kCollapsed : 0) | kBlank, grp.name);
    }
    return g;
}

}  // namespace tlm4ml
