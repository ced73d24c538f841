// Option values and combinations: every refusal has its exit code (2 when the command line alone is wrong,
// 1 when the files show it), a message naming the option (or the file, line and value) and leaves the folder
// as it was; --version and `help`.
#include <set>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/test_support.h"

using namespace tlm4ml_test;

namespace {

const fs::path kModels = fs::path(TLM4ML_SOURCE_DIR) / "testbenches" / "models";
const std::string kJetRun = "run " + shell_quote((kModels / "jet_tagger.json").string()) + " --inputs " +
                            shell_quote((kModels / "jet_tagger_inputs.dat").string()) + " --quiet";

class CliOptions : public TempDirTest {
protected:
    CliOptions() : TempDirTest("tlm4ml_cli_opt_") {}
    std::set<std::string> listing() const {
        std::set<std::string> names;
        for (const auto& e : fs::recursive_directory_iterator(dir_)) names.insert(fs::relative(e.path(), dir_).string());
        names.erase("stdout.txt");
        names.erase("stderr.txt");
        return names;
    }
    // Runs the jet tagger with `extra` (and an --outputs file, to see nothing is written); expects `code` and
    // `message` on stderr.
    void expect_refused(const std::string& extra, int code, const std::string& message) {
        const auto before = listing();
        const RunResult r = tlm4ml(kJetRun + " --outputs " + at("out.dat") + " " + extra);
        EXPECT_EQ(r.code, code) << extra << "\n" << r.err;
        EXPECT_NE(r.err.find(message), std::string::npos) << extra << "\nstderr: " << r.err;
        EXPECT_EQ(listing(), before) << extra;
        EXPECT_EQ(r.err.find("terminate"), std::string::npos) << r.err;
    }
    // A labels file: 99 valid labels and `bad` on line 51 (after a blank line 50).
    std::string labels_with(const std::string& bad) {
        std::string text;
        for (int i = 0; i < 49; ++i) text += std::to_string(i % 5) + "\n";
        text += "\n" + bad + "\n";
        for (int i = 0; i < 50; ++i) text += std::to_string(i % 5) + "\n";
        write_file("labels.txt", text);
        return at("labels.txt");
    }
};

TEST_F(CliOptions, NonFiniteValuesAreUsageErrors) {
    expect_refused("--expected " + shell_quote((kModels / "jet_tagger_inputs.dat").string()) + " --tolerance nan", 2,
                   "--tolerance: must be a finite number, got nan");
    expect_refused("--poisson nan", 2, "--poisson: must be a finite number, got nan");
    expect_refused("--poisson inf", 2, "--poisson: must be a finite number, got inf");
    expect_refused("--backpressure nan", 2, "--backpressure: must be a finite number, got nan");
    expect_refused("--backpressure 1", 2, "--backpressure: must be in [0, 0.99], got 1");
    expect_refused("--tolerance -0.5", 2, "--tolerance: must be in [0,");
}

TEST_F(CliOptions, NegativeCountsDoNotWrap) {
    expect_refused("--deadlock-cycles -1", 2, "--deadlock-cycles: must be a non-negative integer, got -1");
    expect_refused("--vcd " + at("x.vcd") + " --trace-elements -1", 2,
                   "--trace-elements: must be a non-negative integer, got -1");
    expect_refused("--samples -1", 2, "--samples: must be a non-negative integer, got -1");
    expect_refused("--seed -1", 2, "--seed: must be a non-negative integer, got -1");
    expect_refused("--deadlock-cycles 18446744073709551616", 2, "--deadlock-cycles: must be at most 2^64 - 1");
    expect_refused("--samples 1e3", 2, "--samples: must be a non-negative integer, got 1e3");
}

TEST_F(CliOptions, ConflictingAndDanglingOptionsAreUsageErrors) {
    expect_refused("--rate 2 --poisson 3", 2, "--rate excludes --poisson");
    expect_refused("--trace-filter 'fc1*'", 2, "--trace-filter requires --vcd");
    expect_refused("--trace-elements 2", 2, "--trace-elements requires --vcd");
    expect_refused("--fifo-depths-out " + at("d.json"), 2,
                   "--fifo-depths-out is where --fifo-depths auto writes the depths: give --fifo-depths auto");
    expect_refused("--vcd -", 2, "--vcd -: the waveform needs a file");
}

TEST_F(CliOptions, TraceFilterMatchingNothingIsRefusedWithTheNames) {
    expect_refused("--vcd " + at("w.vcd") + " --trace-filter 'conv*'", 1,
                   "--trace-filter conv*: matches no layer or channel of ");
    const RunResult r = tlm4ml(kJetRun + " --vcd " + at("w.vcd") + " --trace-filter 'nothing'");
    EXPECT_NE(r.err.find("(the names: input_1, fc1_relu, fc1_relu_out, fc1_relu_relu,"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir_ / "w.vcd"));
}

TEST_F(CliOptions, LabelsMustBeClassIndices) {
    expect_refused("--labels " + labels_with("-1"), 1, "labels.txt: line 51: label -1 is not a class index (an integer in [0, 5))");
    expect_refused("--labels " + labels_with("0.5"), 1, "labels.txt: line 51: label 0.5 is not a class index");
    expect_refused("--labels " + labels_with("7"), 1, "labels.txt: line 51: label 7 is not a class index");
    expect_refused("--labels " + labels_with("5"), 1, "labels.txt: line 51: label 5 is not a class index");
    expect_refused("--labels " + labels_with("1e300"), 1, "labels.txt: line 51: label 1e+300 is not a class index");
    expect_refused("--labels " + labels_with("nan"), 1, "labels.txt:51: value 1 \"nan\" is not a finite number");
    // The same file with a valid label there is scored.
    const RunResult ok = tlm4ml(kJetRun + " --labels " + labels_with("4"));
    EXPECT_EQ(ok.code, 0) << ok.err;
    EXPECT_NE(ok.out.find("over 100 labelled samples"), std::string::npos) << ok.out;
}

TEST_F(CliOptions, SimulatedTimeBeyondSystemCIsRefused) {
    // A 1 ms clock: 100 samples 2^30 cycles apart end after 10^8 s, past SystemC's 2^64 ps (1.8e7 s).
    auto model = nlohmann::json::parse(read_text(kModels / "jet_tagger.json"));
    model["clock_period_ns"] = 1e6;
    write_file("slow.json", model.dump());
    const auto before = listing();
    const RunResult r = tlm4ml("run " + at("slow.json") + " --inputs " +
                               shell_quote((kModels / "jet_tagger_inputs.dat").string()) + " --rate 1073741824 --outputs " +
                               at("out.dat"));
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_NE(r.err.find("--rate: the last sample would be offered at 1.06e+08 s of simulated time (cycle 106300440576 at "
                         "1000000 ns), beyond what SystemC represents (2^64 ps"),
              std::string::npos)
        << r.err;
    EXPECT_EQ(listing(), before);
    // With a rate that fits, the same model runs (no false deadlock).
    const RunResult ok = tlm4ml("run " + at("slow.json") + " --inputs " +
                                shell_quote((kModels / "jet_tagger_inputs.dat").string()) + " --rate 1000 --quiet");
    EXPECT_EQ(ok.code, 0) << ok.err;
}

TEST_F(CliOptions, VersionAndHelp) {
    RunResult r = tlm4ml("--version");
    EXPECT_EQ(r.code, 0);
    EXPECT_EQ(r.out, std::string("tlm4ml ") + TLM4ML_VERSION + "\n");
    r = tlm4ml("help");
    EXPECT_EQ(r.code, 0);
    EXPECT_EQ(r.out.rfind("tlm4ml: clocked SystemC simulation", 0), 0u) << r.out;
    for (const char* sub : {"\n  predict ", "\n  run ", "\n  import ", "\n  help "})
        EXPECT_NE(r.out.find(sub), std::string::npos) << sub << " missing from:\n" << r.out;
    EXPECT_NE(r.out.find("Exit codes: 0 success; 1 bad input"), std::string::npos) << r.out;
    r = tlm4ml("help run");
    EXPECT_EQ(r.code, 0);
    EXPECT_NE(r.out.find("--fifo-depths-out"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("130 / 143 interrupted"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("--sized-rerun"), std::string::npos) << "the internal flag is hidden";
    r = tlm4ml("help nonsense");
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("help nonsense: no such subcommand"), std::string::npos) << r.err;
}

}  // namespace
