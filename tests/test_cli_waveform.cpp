// The waveform's size follows what happens, not simulated time: idle gaps of up to 64 cycles keep every clock
// edge, a longer gap is one pulse of `idle` and the clock rests low until the next evaluated cycle.
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/test_support.h"

using namespace tlm4ml_test;

namespace {

const fs::path kModels = fs::path(TLM4ML_SOURCE_DIR) / "testbenches" / "models";

class CliWaveform : public TempDirTest {
protected:
    CliWaveform() : TempDirTest("tlm4ml_cli_wave_") {}
    // Runs the jet tagger on `samples` random samples at `rate` with a waveform; returns the report.
    nlohmann::json run(int samples, uint64_t rate) {
        const RunResult r = tlm4ml("run " + shell_quote((kModels / "jet_tagger.json").string()) + " --samples " +
                                   std::to_string(samples) + " --rate " + std::to_string(rate) + " --quiet --vcd " +
                                   at("w.vcd") + " --report " + at("r.json"));
        EXPECT_EQ(r.code, 0) << r.err;
        return nlohmann::json::parse(read_text(dir_ / "r.json"));
    }
    // Rising edges of the clock (code of tlm4ml.clk) and the last timestamp.
    void clock_of(size_t& rising, uint64_t& last_time) const {
        const std::string text = read_text(dir_ / "w.vcd");
        std::string clk;
        const size_t decl = text.find(" clk $end");
        ASSERT_NE(decl, std::string::npos);
        const size_t start = text.rfind(' ', decl - 1) + 1;  // "$var wire 1 <code> clk $end"
        clk = text.substr(start, decl - start);
        rising = 0;
        last_time = 0;
        std::istringstream in(text.substr(text.find("$enddefinitions")));
        for (std::string line; std::getline(in, line);) {
            if (line == "1" + clk) ++rising;
            if (!line.empty() && line[0] == '#') last_time = std::stoull(line.substr(1));
        }
    }
};

TEST_F(CliWaveform, ShortGapsKeepEveryClockEdge) {
    const auto r = run(5, 40);  // gaps of 39 cycles: below the limit
    size_t rising = 0;
    uint64_t last = 0;
    clock_of(rising, last);
    const uint64_t total = r["total_cycles"].get<uint64_t>();
    EXPECT_EQ(total, 4 * 40 + 14 + 1);
    EXPECT_GE(rising + 2, total);
    EXPECT_LE(rising, total + 2);
}

TEST_F(CliWaveform, LongGapsAreOneEdge) {
    const auto r = run(3, 1073741824);  // 2^30 cycles between samples
    const uint64_t total = r["total_cycles"].get<uint64_t>();
    EXPECT_EQ(total, 2 * 1073741824ull + 14 + 1);
    size_t rising = 0;
    uint64_t last = 0;
    clock_of(rising, last);
    // Each sample: about 15 evaluated cycles, plus one edge per gap.
    EXPECT_LE(rising, 3u * 20);
    EXPECT_GE(rising, 3u * 14);
    EXPECT_LT(fs::file_size(dir_ / "w.vcd"), 2u << 20);
    // The time axis still spans the whole run (ps at 5 ns a cycle).
    EXPECT_GE(last, (total - 2) * 5000);
    EXPECT_EQ(r["checks"]["reference_match"], true);
}

}  // namespace
