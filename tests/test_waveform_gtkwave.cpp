// GTKWave itself reads the save files tlm4ml writes: headless (Xvfb through xvfb-run), a Tcl script asks
// GTKWave which signals it displays, which time window it shows and where the markers are, and the tests
// check that the first screen tells the pipeline's story (issue 14): the overview rows first, in network
// order, the window holding the first inference from its input to its output, the pair of files movable,
// and the FST file carrying what the VCD carries.
#include <algorithm>
#include <map>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/test_support.h"

namespace {

using namespace tlm4ml_test;
using nlohmann::json;

const fs::path kModels = fs::path(TLM4ML_SOURCE_DIR) / "testbenches" / "models";

bool have(const std::string& program) { return run_shell("command -v " + program + " >/dev/null 2>&1") == 0; }

struct GtkwaveView {
    std::vector<std::string> signals;
    uint64_t window_start = 0, window_end = 0, max_time = 0;
    int64_t marker = -1, marker_a = -1, marker_b = -1;
    std::string log;
};

class Gtkwave : public TempDirTest {
protected:
    Gtkwave() : TempDirTest("tlm4ml_gtkwave_") {}
    void SetUp() override {
        TempDirTest::SetUp();
        if (!have("gtkwave") || !have("xvfb-run"))
            GTEST_SKIP() << "needs gtkwave and xvfb-run (Debian packages gtkwave, xvfb) to open the save files";
    }

    // Opens `gtkw` in GTKWave from the folder `cwd` and reads back what it shows.
    GtkwaveView open(const fs::path& gtkw, const fs::path& cwd) {
        const fs::path tcl = dir_ / "query.tcl";
        write_text(tcl,
                   "puts \"SIGNALS [gtkwave::getDisplayedSignals]\"\n"
                   "puts \"WINDOW [gtkwave::getWindowStartTime] [gtkwave::getWindowEndTime]\"\n"
                   "puts \"MAXTIME [gtkwave::getMaxTime]\"\n"
                   "puts \"MARKERS [gtkwave::getMarker] [gtkwave::getNamedMarker A] [gtkwave::getNamedMarker B]\"\n"
                   "gtkwave::/File/Quit\n");
        const fs::path out = dir_ / "gtkwave.out";
        const std::string cmd = "cd " + shell_quote(cwd.string()) + " && timeout 120 xvfb-run -a -s '-screen 0 1600x1000x24' gtkwave -S " +
                                shell_quote(tcl.string()) + " " + shell_quote(gtkw.string()) + " >" +
                                shell_quote(out.string()) + " 2>&1";
        run_shell(cmd);
        GtkwaveView v;
        v.log = read_text(out);
        std::istringstream in(v.log);
        std::string line;
        while (std::getline(in, line)) {
            std::istringstream ls(line);
            std::string key;
            ls >> key;
            if (key == "SIGNALS") {
                std::string s;
                while (ls >> s) v.signals.push_back(s);
            } else if (key == "WINDOW") {
                ls >> v.window_start >> v.window_end;
            } else if (key == "MAXTIME") {
                ls >> v.max_time;
            } else if (key == "MARKERS") {
                ls >> v.marker >> v.marker_a >> v.marker_b;
            }
        }
        return v;
    }

    json run(const std::string& model, const std::string& inputs, const std::string& wave, const std::string& extra = "") {
        const RunResult r = tlm4ml("run " + shell_quote((kModels / model).string()) + " --inputs " +
                                   shell_quote((kModels / inputs).string()) + " --vcd " + at(wave) + " --report " +
                                   at("report.json") + " --quiet " + extra);
        EXPECT_EQ(r.code, 0) << r.err;
        return json::parse(read_text(dir_ / "report.json"));
    }
};

// The overview rows GTKWave must show first for an io_parallel chain: clock, idle, then the input channel's
// handshake and, per layer, its busy/stall and its output channel's handshake.
std::vector<std::string> expected_overview(const json& report) {
    std::vector<std::string> rows = {"tlm4ml.clk", "tlm4ml.idle", "tlm4ml.input_1.valid", "tlm4ml.input_1.ready"};
    for (const auto& l : report["layers"]) {
        const std::string n = l["name"];
        for (const char* s : {".busy", ".stall"}) rows.push_back("tlm4ml." + n + s);
        for (const char* s : {"_out.valid", "_out.ready"}) rows.push_back("tlm4ml." + n + s);
    }
    return rows;
}

TEST_F(Gtkwave, MainJobOpensOnThePipelineAndTheFirstInference) {
    const json report = run("jet_tagger.json", "jet_tagger_inputs.dat", "jet_tagger.vcd", "--check-ii");
    const GtkwaveView v = open(dir_ / "jet_tagger.gtkw", dir_);
    ASSERT_FALSE(v.signals.empty()) << v.log;

    const std::vector<std::string> overview = expected_overview(report);
    ASSERT_GE(v.signals.size(), overview.size());
    EXPECT_EQ(std::vector<std::string>(v.signals.begin(), v.signals.begin() + overview.size()), overview);
    // The data groups are closed: GTKWave lists their signals after the overview, none of the raw integers
    // (not traced by default).
    for (const auto& s : v.signals) EXPECT_EQ(s.find("raw_"), std::string::npos) << s;

    // Markers: B (and the primary marker) at the first output, A at the first input accepted; the window
    // holds both, and is the first inference, not the whole run.
    const uint64_t period = 5000;  // ps
    const uint64_t first_output = report["latency"]["first_output_cycles"].get<uint64_t>() * period;
    EXPECT_EQ(v.marker_b, static_cast<int64_t>(first_output));
    EXPECT_EQ(v.marker, v.marker_b);
    ASSERT_GE(v.marker_a, 0);
    EXPECT_LT(v.marker_a, v.marker_b);
    EXPECT_LE(v.window_start, static_cast<uint64_t>(v.marker_a));
    EXPECT_GE(v.window_end, first_output + 2 * period);  // two IIs after the first output
    const uint64_t total = report["total_cycles"].get<uint64_t>() * period;
    EXPECT_LT(v.window_end - v.window_start, total / 3);
    EXPECT_GE(v.max_time, total - period);
}

TEST_F(Gtkwave, TheSaveFileAndTheWaveformMoveTogether) {
    run("jet_tagger.json", "jet_tagger_inputs.dat", "made/here.vcd", "--samples 5");
    const std::string g = read_text(dir_ / "made" / "here.gtkw");
    EXPECT_NE(g.find("[dumpfile] \"here.vcd\""), std::string::npos) << g.substr(0, 200);
    fs::create_directories(dir_ / "moved" / "away");
    fs::rename(dir_ / "made" / "here.vcd", dir_ / "moved" / "away" / "here.vcd");
    fs::rename(dir_ / "made" / "here.gtkw", dir_ / "moved" / "away" / "here.gtkw");
    fs::remove_all(dir_ / "made");
    // Opened from elsewhere (the root folder), by the save file's new path.
    const GtkwaveView v = open(dir_ / "moved" / "away" / "here.gtkw", "/");
    EXPECT_FALSE(v.signals.empty()) << v.log;
    EXPECT_GT(v.max_time, 0u) << v.log;
}

TEST_F(Gtkwave, StreamingCnnOpensOnItsFirstImage) {
    const json report = run("svhn_cnn.json", "svhn_cnn_inputs.dat", "svhn.vcd");
    const GtkwaveView v = open(dir_ / "svhn.gtkw", dir_);
    ASSERT_FALSE(v.signals.empty()) << v.log;
    EXPECT_EQ(v.signals[0], "tlm4ml.clk");
    // Every layer's busy row appears in network order before any data value.
    size_t last = 0;
    const auto first_data = std::find_if(v.signals.begin(), v.signals.end(),
                                         [](const std::string& s) { return s.find(".real_") != std::string::npos; });
    for (const auto& l : report["layers"]) {
        const auto it = std::find(v.signals.begin(), v.signals.end(), "tlm4ml." + l["name"].get<std::string>() + ".busy");
        ASSERT_NE(it, v.signals.end()) << l["name"];
        EXPECT_LT(it, first_data) << l["name"];
        const size_t at = static_cast<size_t>(it - v.signals.begin());
        EXPECT_GT(at, last) << l["name"];
        last = at;
    }
    const uint64_t period = 5000;
    const uint64_t first_output = report["latency"]["first_output_cycles"].get<uint64_t>() * period;
    EXPECT_EQ(v.marker_b, static_cast<int64_t>(first_output));
    EXPECT_LE(v.window_start, static_cast<uint64_t>(v.marker_a));
    EXPECT_GT(v.window_end, first_output);
}

// Parses a VCD into variable paths and, per path, the list of (time, value) changes.
std::map<std::string, std::vector<std::pair<uint64_t, std::string>>> vcd_changes(const std::string& text) {
    std::map<std::string, std::string> path_of;
    std::map<std::string, std::vector<std::pair<uint64_t, std::string>>> out;
    std::vector<std::string> scope;
    std::istringstream in(text);
    std::string line;
    uint64_t t = 0;
    bool defs = true;
    while (std::getline(in, line)) {
        std::istringstream ls(line);
        std::string w;
        if (!(ls >> w)) continue;
        if (defs) {
            if (w == "$scope") {
                std::string kind, name;
                ls >> kind >> name;
                scope.push_back(name);
            } else if (w == "$upscope") {
                scope.pop_back();
            } else if (w == "$var") {
                std::string type, width, code, name;
                ls >> type >> width >> code >> name;
                std::string p;
                for (const auto& s : scope) p += s + ".";
                path_of[code] = p + name;
                out[p + name];
            } else if (w == "$enddefinitions") {
                defs = false;
            }
            continue;
        }
        if (w[0] == '#') {
            t = std::stoull(w.substr(1));
        } else if (w[0] == 'b' || w[0] == 'r') {
            std::string code;
            ls >> code;
            std::string value = w.substr(1);
            if (w[0] == 'r') value = std::to_string(std::stod(value));
            else value = std::to_string(std::stoull(value, nullptr, 2));
            out[path_of[code]].emplace_back(t, value);
        } else if (w[0] == '0' || w[0] == '1') {
            out[path_of[w.substr(1)]].emplace_back(t, w.substr(0, 1));
        }
    }
    return out;
}

TEST_F(Gtkwave, FstCarriesTheSameSignalsAndValuesAsTheVcd) {
    if (!have("fst2vcd")) GTEST_SKIP() << "needs fst2vcd (Debian package gtkwave)";
    run("jet_tagger.json", "jet_tagger_inputs.dat", "w.vcd", "--samples 20 --trace-raw");
    const RunResult r = tlm4ml("run " + shell_quote((kModels / "jet_tagger.json").string()) + " --inputs " +
                               shell_quote((kModels / "jet_tagger_inputs.dat").string()) + " --samples 20 --trace-raw --quiet --vcd " + at("w.fst"));
    ASSERT_EQ(r.code, 0) << r.err;
    ASSERT_TRUE(fs::exists(dir_ / "w.gtkw"));
    const std::string g = read_text(dir_ / "w.gtkw");
    EXPECT_NE(g.find("[dumpfile] \"w.fst\""), std::string::npos);
    ASSERT_EQ(run_shell("fst2vcd " + at("w.fst") + " >" + at("back.vcd") + " 2>/dev/null"), 0);
    const auto a = vcd_changes(read_text(dir_ / "w.vcd")), b = vcd_changes(read_text(dir_ / "back.vcd"));
    ASSERT_EQ(a.size(), b.size());
    size_t compared = 0;
    for (const auto& [path, changes] : a) {
        const auto it = b.find(path);
        ASSERT_NE(it, b.end()) << path;
        EXPECT_EQ(changes, it->second) << path;
        compared += changes.size();
    }
    EXPECT_GT(compared, 1000u);
    // GTKWave opens the FST through the same save file.
    const GtkwaveView v = open(dir_ / "w.gtkw", dir_);
    EXPECT_EQ(v.signals.size() >= 4 ? v.signals[2] : "", "tlm4ml.input_1.valid") << v.log;
}

}  // namespace
