// What a user reads: the latency split into the pipeline's own (input accepted -> output) and the wait at the
// source, the achieved throughput beside the design's 1/II, a per-layer table within 120 columns with its
// legend, unbounded FIFOs under --fifo-depths auto shown as such with their sized depth, and the JSON report's
// schema and tool versions and one boolean per check.
#include <map>
#include <set>
#include <sstream>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/test_support.h"
#include "testbenches/report/resource_report.h"

using namespace tlm4ml_test;
using nlohmann::json;

namespace {

const fs::path kModels = fs::path(TLM4ML_SOURCE_DIR) / "testbenches" / "models";
const std::string kJetInputs = shell_quote((kModels / "jet_tagger_inputs.dat").string());

class CliReport : public TempDirTest {
protected:
    CliReport() : TempDirTest("tlm4ml_cli_report_") {}
    // Runs `args` with a JSON report; returns it (and the run's result in `last_`).
    json report(const std::string& args, int code = 0) {
        last_ = tlm4ml(args + " --report " + at("r.json"));
        EXPECT_EQ(last_.code, code) << args << "\n" << last_.err;
        return json::parse(read_text(dir_ / "r.json"));
    }
    std::string model(const std::string& name) const { return shell_quote((kModels / name).string()); }
    RunResult last_;
};

// The jet tagger at reuse factor 2 (II 2) with an input offered every cycle: sample k is offered at cycle k,
// outputs leave every 2 cycles from cycle 13 (13 + 2k), so offer -> output averages 13 + 49.5 = 62.5 cycles.
// That time splits into the wait at the source and the pipeline's own latency (input accepted -> output),
// which stays close to 13 instead of growing with k.
TEST_F(CliReport, SourceWaitIsSeparateFromThePipelineLatency) {
    json m = json::parse(read_text(kModels / "jet_tagger.json"));
    for (auto& l : m["layers"]) l["reuse_factor"] = 2;
    write_file("r2.json", m.dump());
    const json r = report("run " + at("r2.json") + " --inputs " + kJetInputs + " --quiet");
    ASSERT_EQ(r["total_cycles"], 212);  // the last output at 13 + 2 * 99
    const json& lat = r["latency"];
    EXPECT_EQ(lat["measured_from"], "input accepted");
    EXPECT_EQ(lat["min_cycles"], 13);
    EXPECT_LE(lat["max_cycles"].get<int>(), 16);
    EXPECT_EQ(lat["source_wait"]["min_cycles"], 0);
    EXPECT_GE(lat["source_wait"]["max_cycles"].get<int>(), 90);
    EXPECT_NEAR(lat["mean_cycles"].get<double>() + lat["source_wait"]["mean_cycles"].get<double>(), 62.5, 1e-9);
    EXPECT_NE(last_.out.find(fmt::format("source wait  offered -> accepted: mean {:.1f} cycles, min 0, max {}\n",
                                         lat["source_wait"]["mean_cycles"].get<double>(),
                                         lat["source_wait"]["max_cycles"].get<int>())),
              std::string::npos)
        << last_.out;
    EXPECT_NE(last_.out.find("latency      input accepted -> output: first 13 cycles = 65 ns (expected 13); min 13,"),
              std::string::npos)
        << last_.out;
    EXPECT_DOUBLE_EQ(r["throughput"]["achieved_per_s"].get<double>(), 100.0 / (212 * 5e-9));
    EXPECT_DOUBLE_EQ(r["throughput"]["design_per_s"].get<double>(), 1e9 / (2 * 5.0));
}

TEST_F(CliReport, BackpressureLowersTheAchievedThroughputNotTheDesigns) {
    const json free = report("run " + model("jet_tagger.json") + " --inputs " + kJetInputs + " --quiet");
    const json slow = report("run " + model("jet_tagger.json") + " --inputs " + kJetInputs + " --quiet --backpressure 0.5");
    EXPECT_DOUBLE_EQ(free["throughput"]["design_per_s"].get<double>(), 2e8);
    EXPECT_DOUBLE_EQ(slow["throughput"]["design_per_s"].get<double>(), 2e8);
    const uint64_t cycles = slow["total_cycles"].get<uint64_t>();
    EXPECT_GT(cycles, 114u);
    EXPECT_DOUBLE_EQ(slow["throughput"]["achieved_per_s"].get<double>(), 100.0 / (static_cast<double>(cycles) * 5e-9));
    EXPECT_LT(slow["throughput"]["achieved_per_s"].get<double>(), 0.9 * free["throughput"]["achieved_per_s"].get<double>());
    EXPECT_GT(slow["latency"]["source_wait"]["max_cycles"].get<uint64_t>(), 0u);
    EXPECT_NE(last_.out.find(fmt::format("throughput   achieved {:.4g} inferences/s (100 in {} cycles); the design's "
                                         "1/II 2e+08/s at 200 MHz\n",
                                         100.0 / (static_cast<double>(cycles) * 5e-9), cycles)),
              std::string::npos)
        << last_.out;
}

TEST_F(CliReport, TableFitsOneHundredTwentyColumnsWithALegend) {
    for (const std::string name : {"jet_tagger.json", "jet_tagger_binary.json", "svhn_cnn.json", "resnet_block.json",
                                    "mnist_binary.json"}) {
        const RunResult r = tlm4ml("run " + model(name) + " --samples 3 --check-ii");
        EXPECT_EQ(r.code, 0) << name << r.err;
        std::istringstream lines(r.out);
        for (std::string line; std::getline(lines, line);) {
            // The deadlock and the first-mismatch details are single long lines by design; none here.
            EXPECT_LE(line.size(), 120u) << name << ": " << line;
        }
        EXPECT_NE(r.out.find("  R reuse factor. II exp, lat exp: the cost model's II and latency in cycles."),
                  std::string::npos)
            << r.out;
        for (const char* term : {"II net:", "II iso:", "n/m: not measured", "fifo max: the most items"})
            EXPECT_NE(r.out.find(term), std::string::npos) << name << ": " << term;
    }
}

TEST_F(CliReport, UnboundedFifosShowTheirSizedDepth) {
    const json r = report("run " + model("svhn_cnn.json") + " --inputs " + model("svhn_cnn_inputs.dat") +
                          " --fifo-depths auto --fifo-depths-out " + at("d.json"));
    const json depths = json::parse(read_text(dir_ / "d.json"));
    EXPECT_EQ(last_.out.find("1099511627776"), std::string::npos) << last_.out;
    for (const auto& l : r["layers"]) {
        const json& f = l["output_fifo"];
        SCOPED_TRACE(l["name"].get<std::string>());
        EXPECT_TRUE(f["depth"].is_null());
        EXPECT_EQ(f["unbounded"], true);
        EXPECT_EQ(f["sized_depth"], depths[l["name"].get<std::string>()]);
        // The row: "<max>/unbounded(<sized>)".
        const size_t at = last_.out.find("\n" + l["name"].get<std::string>() + " ");
        ASSERT_NE(at, std::string::npos);
        const std::string row = last_.out.substr(at + 1, last_.out.find('\n', at + 1) - at - 1);
        EXPECT_NE(row.find(fmt::format("{}/unbounded({})", f["max_occupancy"].get<int>(), f["sized_depth"].get<int>())),
                  std::string::npos)
            << row;
    }
    EXPECT_NE(last_.out.find("(unbounded(N): unbounded while --fifo-depths auto measured it"), std::string::npos);
    EXPECT_EQ(r["checks"]["fifo_sizing_held"], true);
}

TEST_F(CliReport, JsonCarriesVersionsAndOneBooleanPerCheck) {
    json r = report("run " + model("jet_tagger.json") + " --inputs " + kJetInputs + " --quiet");
    EXPECT_EQ(r["schema_version"], 1);
    EXPECT_EQ(r["tool_version"], TLM4ML_VERSION);
    EXPECT_EQ(r["checks"]["passed"], true);
    EXPECT_EQ(r["checks"]["reference_match"], true);
    EXPECT_TRUE(r["checks"]["expected_match"].is_null());   // no --expected
    EXPECT_TRUE(r["checks"]["check_ii_passed"].is_null());  // no --check-ii
    EXPECT_TRUE(r["checks"]["fifo_sizing_held"].is_null()); // no --fifo-depths auto

    r = report("run " + model("jet_tagger.json") + " --inputs " + kJetInputs + " --quiet --check-ii");
    EXPECT_EQ(r["checks"]["check_ii_passed"], true);
    // One sample at rate 2: nothing measured, --check-ii fails (exit 3), the report says so.
    r = report("run " + model("jet_tagger.json") + " --inputs " + kJetInputs + " --samples 1 --rate 2 --quiet --check-ii", 3);
    EXPECT_EQ(r["checks"]["check_ii_passed"], false);
    EXPECT_EQ(r["checks"]["passed"], false);

    // Expected outputs: predict's exact outputs match; one changed value does not.
    const RunResult p = tlm4ml("predict " + model("jet_tagger.json") + " --inputs " + kJetInputs + " --outputs " +
                               at("exp.dat"));
    ASSERT_EQ(p.code, 0);
    r = report("run " + model("jet_tagger.json") + " --inputs " + kJetInputs + " --quiet --expected " + at("exp.dat"));
    EXPECT_EQ(r["checks"]["expected_match"], true);
    std::string text = read_text(dir_ / "exp.dat");
    text.replace(0, text.find(' '), "7");
    write_file("exp.dat", text);
    r = report("run " + model("jet_tagger.json") + " --inputs " + kJetInputs + " --quiet --expected " + at("exp.dat"), 3);
    EXPECT_EQ(r["checks"]["expected_match"], false);
    EXPECT_EQ(r["checks"]["passed"], false);
    EXPECT_EQ(r["checks"]["reference_match"], true);
}

}  // namespace

namespace {

// The resources as % of the FPGA part: --part (or the configuration's Part) names a device of the part table
// (rtl_models/fpga_parts.h); the percentages are the totals over the device's capacity, in the text and the
// JSON. An unknown part is refused naming it.
// The text summary carries the per-layer resource table: one line per layer with the JSON report's figures,
// the total, and (with a part) the total as % of the part, within 120 columns.
TEST_F(CliReport, PerLayerResourceTableInTheTextSummary) {
    const json r = report("run " + model("jet_tagger.json") + " --inputs " + kJetInputs + " --part xcvu9p-flga2577-2-e");
    const json& d = r["resources"]["detail"];
    ASSERT_EQ(d["layers"].size(), 8u) << d.dump();
    const std::string& out = last_.out;
    const size_t at = out.find("resources per layer");
    ASSERT_NE(at, std::string::npos) << out;
    const std::string table = out.substr(at);
    size_t w = 9;  // the name column: the longest layer name, at least "+- csynth"
    for (const auto& l : d["layers"]) w = std::max(w, l["name"].get<std::string>().size());
    auto row = [&](const std::string& name, const json& v) {
        return fmt::format("{:<{}} {:>8} {:>12} {:>12} {:>8}\n", name, w, v["dsp"].get<size_t>(), v["lut"].get<size_t>(),
                           v["ff"].get<size_t>(), v["bram18"].get<size_t>());
    };
    for (const auto& l : d["layers"]) EXPECT_NE(table.find(row(l["name"], l)), std::string::npos) << row(l["name"], l) << table;
    const std::string total = row("total", d["total"]);
    EXPECT_NE(table.find(total.substr(0, total.size() - 1) + "   (post-synthesis estimate)"), std::string::npos) << table;
    // The HLS C-synthesis count beside it: same DSP and BRAM18, its own LUT and FF (JSON: resources.detail.csynth).
    const std::string csynth = fmt::format("{:<{}} {:>8} {:>12} {:>12} {:>8}   (HLS C-synthesis count)", "csynth", w,
                                           d["total"]["dsp"].get<size_t>(), d["csynth"]["total"]["lut"].get<size_t>(),
                                           d["csynth"]["total"]["ff"].get<size_t>(), d["total"]["bram18"].get<size_t>());
    EXPECT_NE(table.find(csynth), std::string::npos) << csynth << "\n" << table;
    EXPECT_GT(d["csynth"]["total"]["lut"].get<size_t>(), 0u);
    EXPECT_NE(table.find(fmt::format("{:<{}} {:>7.1f}% {:>11.1f}%", "% part", w, d["part"]["percent"]["dsp"].get<double>(),
                                     d["part"]["percent"]["lut"].get<double>())),
              std::string::npos)
        << table;
    EXPECT_NE(table.find("of xcvu9p"), std::string::npos) << table;
    // --quiet prints the summary lines alone.
    report("run " + model("jet_tagger.json") + " --inputs " + kJetInputs + " --quiet");
    EXPECT_EQ(last_.out.find("resources per layer"), std::string::npos) << last_.out;

    // Long layer names are cut so every line stays within 120 columns.
    const std::vector<tlm4ml::LayerResources> rows = {{std::string(90, 'x'), {1, 2, 3, 4, 5, 6}},
                                                       {"fc", {5, 6, 7, 8, 9, 10}}};
    std::istringstream lines(tlm4ml::format_resource_table(rows, &tlm4ml::find_fpga_part("xcvu9p")));
    size_t n = 0;
    for (std::string line; std::getline(lines, line); ++n) EXPECT_LE(line.size(), 120u) << line;
    EXPECT_EQ(n, 8u);  // header, 2 layers, total, csynth, % part, +-, +- csynth
}

TEST_F(CliReport, ResourcesAsShareOfThePart) {
    const json r = report("run " + model("jet_tagger.json") + " --inputs " + kJetInputs + " --quiet --part xcvu9p-flga2577-2-e");
    const json& d = r["resources"]["detail"];
    ASSERT_TRUE(d.contains("part")) << d.dump();
    EXPECT_EQ(d["part"]["device"], "xcvu9p");
    const double dsp = r["resources"]["dsp"].get<double>(), cap = d["part"]["capacity"]["dsp"].get<double>();
    EXPECT_EQ(cap, 6840);  // VU9P data sheet: 6,840 DSP slices
    EXPECT_NEAR(d["part"]["percent"]["dsp"].get<double>(), 100.0 * dsp / cap, 1e-9);
    EXPECT_EQ(d["total"]["dsp"], r["resources"]["dsp"]);
    EXPECT_NE(last_.out.find(fmt::format("part         xcvu9p: {:.1f}% of its DSP", 100.0 * dsp / cap)), std::string::npos)
        << last_.out;

    const RunResult bad = tlm4ml("run " + model("jet_tagger.json") + " --samples 2 --quiet --part xc9z999");
    EXPECT_EQ(bad.code, 1);
    EXPECT_NE(bad.err.find("--part"), std::string::npos) << bad.err;
    EXPECT_NE(bad.err.find("xc9z999"), std::string::npos) << bad.err;
}

}  // namespace

namespace {

// Per-layer overflow counts in the report (issue 11 item 3): fc1's accumulator and result narrowed to
// ap_fixed<8,2> wrap on the jet inputs (sums reach several units), so the report counts overflowed values
// for fc1_relu and names the layer in the text; the unmodified fc2 keeps its count at zero. The profile is
// opt-in (--overflow-profile: a second, widened pass); without it the report says it was not taken.
TEST_F(CliReport, OverflowCountsPerLayer) {
    json m = json::parse(read_text(kModels / "jet_tagger.json"));
    m["layers"][0]["precision"]["accum"] = "ap_fixed<8,2>";
    m["layers"][0]["precision"]["result"] = "ap_fixed<8,2>";
    write_file("narrow.json", m.dump());
    const json plain = report("run " + at("narrow.json") + " --inputs " + kJetInputs + " --quiet");
    EXPECT_TRUE(plain["overflow"].is_null()) << plain["overflow"].dump();
    EXPECT_EQ(last_.out.find("overflow "), std::string::npos) << last_.out;
    const json r = report("run " + at("narrow.json") + " --inputs " + kJetInputs + " --quiet --overflow-profile");
    ASSERT_TRUE(r["overflow"].is_array()) << r.dump().substr(0, 300);
    std::map<std::string, json> by_layer;
    for (const auto& l : r["overflow"]) by_layer[l["layer"].get<std::string>()] = l;
    ASSERT_TRUE(by_layer.count("fc1_relu"));
    EXPECT_TRUE(by_layer["fc1_relu"]["measured"].get<bool>());
    EXPECT_EQ(by_layer["fc1_relu"]["values"], 100 * 64);  // 100 samples, 64 outputs
    EXPECT_GT(by_layer["fc1_relu"]["overflowed"].get<uint64_t>(), 0u);
    ASSERT_TRUE(by_layer.count("fc2_relu"));
    EXPECT_EQ(by_layer["fc2_relu"]["overflowed"], 0);
    EXPECT_NE(last_.out.find("overflow     fc1_relu "), std::string::npos) << last_.out;
}

}  // namespace
