// The example virtual platforms (testbenches/platform/), run as programs: their tables against `tlm4ml run`'s
// latency and the event bookkeeping, and their exit codes on bad input and usage errors.
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/test_support.h"

namespace fs = std::filesystem;
using namespace tlm4ml_test;

namespace {

const fs::path kModels = fs::path(TLM4ML_SOURCE_DIR) / "testbenches" / "models";

struct Output {
    int code = -1;
    std::string out, err;
};

Output run_program(const std::string& program, const std::string& args) {
    const fs::path dir = fs::temp_directory_path() / ("tlm4ml_platform_" + std::to_string(getpid()));
    fs::create_directories(dir);
    const std::string cmd = shell_quote(program) + " " + args + " >" + shell_quote((dir / "out").string()) + " 2>" +
                            shell_quote((dir / "err").string());
    const int status = std::system(cmd.c_str());
    Output o;
    o.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    o.out = read_text(dir / "out");
    o.err = read_text(dir / "err");
    fs::remove_all(dir);
    return o;
}

uint64_t run_first_output_latency(const fs::path& model, const fs::path& inputs) {
    const fs::path report = fs::temp_directory_path() / ("tlm4ml_platform_run_" + std::to_string(getpid()) + ".json");
    const Output o = run_program(TLM4ML_BINARY, "run " + shell_quote(model.string()) + " --inputs " +
                                                    shell_quote(inputs.string()) + " --samples 1 --quiet --report " +
                                                    shell_quote(report.string()));
    EXPECT_EQ(o.code, 0) << o.err;
    std::ifstream f(report);
    const auto r = nlohmann::json::parse(f, nullptr, false);
    fs::remove(report);
    return r.is_discarded() ? 0 : r["latency"]["first_output_cycles"].get<uint64_t>();
}

// The rows of a table whose first column is a number, split on blanks.
std::vector<std::vector<std::string>> numeric_rows(const std::string& text) {
    std::vector<std::vector<std::string>> rows;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream ls(line);
        std::vector<std::string> cells;
        std::string c;
        while (ls >> c) cells.push_back(c);
        if (!cells.empty() && (std::isdigit(static_cast<unsigned char>(cells[0][0])) != 0)) rows.push_back(cells);
    }
    return rows;
}

}  // namespace

TEST(TriggerPlatform, EveryEventIsProcessedOrDroppedAtRunsLatencyAndMatchesPredict) {
    const uint64_t latency = run_first_output_latency(kModels / "jet_tagger.json", kModels / "jet_tagger_inputs.dat");
    const std::string models = shell_quote((kModels / "jet_tagger.json").string()) + " --inputs " +
                               shell_quote((kModels / "jet_tagger_inputs.dat").string());
    const Output o = run_program(TRIGGER_PLATFORM, "--model " + models + " --occupancy 0.01 0.3 --events 500 --seed 7");
    ASSERT_EQ(o.code, 0) << o.out << o.err;
    // occupancy, rate, processed, dropped, dead time %, p50, p90, p99, max, accel cycles, mismatches
    const auto rows = numeric_rows(o.out);
    ASSERT_EQ(rows.size(), 2u) << o.out;
    for (const auto& r : rows) {
        ASSERT_EQ(r.size(), 11u) << o.out;
        EXPECT_EQ(std::stoul(r[2]) + std::stoul(r[3]), 500u) << "processed + dropped, occupancy " << r[0];
        EXPECT_EQ(r[9], std::to_string(latency)) << "the accelerator's latency register, occupancy " << r[0];
        EXPECT_EQ(r[10], "0");
        EXPECT_LE(std::stod(r[5]), std::stod(r[6]));
        EXPECT_LE(std::stod(r[7]), std::stod(r[8]));
    }
    EXPECT_EQ(rows[0][1], "0.40");  // 40 MHz x 0.01
    EXPECT_EQ(rows[0][3], "0");     // one event per 100 crossings never fills a 4-event buffer
    EXPECT_GT(std::stoul(rows[1][3]), 0u) << "12 MHz of events is beyond the path's ~5 MHz";
    EXPECT_GT(std::stod(rows[1][4].substr(0, rows[1][4].size() - 1)), 0.0);
    EXPECT_NE(o.out.find("reference    0 of "), std::string::npos) << o.out;
}

TEST(TriggerPlatform, FastModeReportsTheCostModelsLatency) {
    const Output o = run_program(TRIGGER_PLATFORM,
                                 "--model " + shell_quote((kModels / "jet_tagger.json").string()) + " --inputs " +
                                     shell_quote((kModels / "jet_tagger_inputs.dat").string()) +
                                     " --occupancy 0.05 --events 200 --fast");
    ASSERT_EQ(o.code, 0) << o.out << o.err;
    const auto rows = numeric_rows(o.out);
    ASSERT_EQ(rows.size(), 1u) << o.out;
    EXPECT_EQ(rows[0][9], "14");  // the README's expected latency of the jet tagger
    EXPECT_EQ(rows[0][10], "0");
}

TEST(TriggerPlatform, BadInputExitsOneAndUsageTwo) {
    const Output missing = run_program(TRIGGER_PLATFORM, "--model /nonexistent/model.json");
    EXPECT_EQ(missing.code, 1);
    EXPECT_NE(missing.err.find("/nonexistent/model.json"), std::string::npos) << missing.err;
    const Output bad_inputs = run_program(TRIGGER_PLATFORM, "--model " + shell_quote((kModels / "jet_tagger.json").string()) +
                                                                " --inputs " + shell_quote((kModels / "svhn_cnn_inputs.dat").string()));
    EXPECT_EQ(bad_inputs.code, 1);
    EXPECT_NE(bad_inputs.err.find("svhn_cnn_inputs.dat"), std::string::npos) << bad_inputs.err;
    const Output usage = run_program(TRIGGER_PLATFORM, "--occupancy 2");
    EXPECT_EQ(usage.code, 2);
    EXPECT_NE(usage.err.find("--occupancy"), std::string::npos) << usage.err;
}

TEST(StreamPlatform, FirstImageTakesRunsLatencyAndAllMatchPredict) {
    const uint64_t latency = run_first_output_latency(kModels / "svhn_cnn.json", kModels / "svhn_cnn_inputs.dat");
    const Output o = run_program(STREAM_PLATFORM, "--model " + shell_quote((kModels / "svhn_cnn.json").string()) +
                                                      " --inputs " + shell_quote((kModels / "svhn_cnn_inputs.dat").string()));
    ASSERT_EQ(o.code, 0) << o.out << o.err;
    // image, first pixel ns, scores ns, cycles from first pixel, from last pixel, class, matches
    const auto rows = numeric_rows(o.out);
    ASSERT_EQ(rows.size(), 10u) << o.out;
    EXPECT_EQ(rows[0][3], std::to_string(latency));
    for (const auto& r : rows) EXPECT_EQ(r[6], "yes") << "image " << r[0];
    EXPECT_NE(o.out.find("reference    0 of 10 images"), std::string::npos) << o.out;
}
