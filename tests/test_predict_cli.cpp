// `tlm4ml predict MODEL --inputs F [--outputs F] [--trace DIR] [--samples K]` on a small model whose
// outputs are worked out by hand: the output text format (one line per sample, space-separated exact
// decimals, integers without a point), --outputs / --trace / --samples, comma-separated inputs, and the
// exit codes of the command line (0 ok and --help, 2 usage errors).
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>
#include "tests/support/test_support.h"

namespace fs = std::filesystem;
using nlohmann::json;


using namespace tlm4ml_test;
namespace {

// 4 -> Dense 3 -> relu -> Dense 2, every type ap_fixed<16,6> (AP_TRN, AP_WRAP):
//   fc1 = [x0 + x3, x1 + x3 + 0.5, x2 + x3 - 1],  fc2 = [r0 - 0.5, r1]  (r = relu(fc1))
const char* kModel = R"({
  "name": "hand_checked",
  "default_precision": "ap_fixed<16,6>",
  "input": {"name": "in", "shape": [4], "precision": "ap_fixed<16,6>"},
  "layers": [
    {"name": "fc1", "class": "Dense", "units": 3,
     "kernel": [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 1]], "bias": [0, 0.5, -1]},
    {"name": "relu1", "class": "Activation", "activation": "relu"},
    {"name": "fc2", "class": "Dense", "units": 2, "kernel": [[1, 0], [0, 1], [0, 0]], "bias": [-0.5, 0]}
  ]
})";

const char* kInputs =
    "1 2 3 4\n"
    "0.5 -0.25 0 1\n"
    "-2 -1 0.125 0.0009765625\n"  // relu clears everything
    "0.0009765625 0 0 0\n"        // one LSB survives
    "0.00048828125 0 0 0\n"       // half an LSB: AP_TRN gives 0
    "-0.00048828125 0 0 2\n"      // AP_TRN floors: -0.0009765625
    "31 0 0 31\n";                // 62 wraps to -2 in ap_fixed<16,6> (AP_WRAP)

const char* kOutputs =
    "4.5 6.5\n"
    "1 1.25\n"
    "-0.5 0\n"
    "-0.4990234375 0.5\n"
    "-0.5 0.5\n"
    "1.4990234375 2.5\n"
    "-0.5 31.5\n";

const char* kTraceFc1 =
    "5 6.5 6\n"
    "1.5 1.25 0\n"
    "-1.9990234375 -0.4990234375 -0.8740234375\n"
    "0.0009765625 0.5 -1\n"
    "0 0.5 -1\n"
    "1.9990234375 2.5 1\n"
    "-2 31.5 30\n";

const char* kTraceRelu1 =
    "5 6.5 6\n"
    "1.5 1.25 0\n"
    "0 0 0\n"
    "0.0009765625 0.5 0\n"
    "0 0.5 0\n"
    "1.9990234375 2.5 1\n"
    "0 31.5 30\n";




// The first n lines of text.
std::string first_lines(const std::string& text, size_t n) {
    size_t pos = 0;
    for (size_t i = 0; i < n && pos != std::string::npos; ++i) {
        pos = text.find('\n', pos);
        if (pos != std::string::npos) ++pos;
    }
    return pos == std::string::npos ? text : text.substr(0, pos);
}

class PredictCli : public ::testing::Test {
protected:
    void SetUp() override {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        dir_ = fs::path(::testing::TempDir()) / ("tlm4ml_" + std::string(info->test_suite_name()) + "_" +
                                                 info->name() + "_" + std::to_string(getpid()));
        fs::remove_all(dir_);
        fs::create_directories(dir_);
        model_ = dir_ / "model.json";
        inputs_ = dir_ / "inputs.dat";
        write_text(model_, kModel);
        write_text(inputs_, kInputs);
    }
    void TearDown() override {
        if (!HasFailure()) fs::remove_all(dir_);
    }

    // Runs the program with `args` (already shell-quoted where needed).
    RunResult run(const std::string& args) const {
        const fs::path out = dir_ / "stdout.txt", err = dir_ / "stderr.txt";
        const std::string cmd = shell_quote(TLM4ML_BINARY) + " " + args + " >" + shell_quote(out.string()) + " 2>" +
                                shell_quote(err.string());
        RunResult r;
        const int status = std::system(cmd.c_str());
        r.code = (status != -1 && WIFEXITED(status)) ? WEXITSTATUS(status) : -1;
        r.out = read_text(out);
        r.err = read_text(err);
        return r;
    }
    std::string predict_args(const fs::path& inputs) const {
        return "predict " + shell_quote(model_.string()) + " --inputs " + shell_quote(inputs.string());
    }
    std::string predict_args() const { return predict_args(inputs_); }

    fs::path dir_, model_, inputs_;
};

TEST_F(PredictCli, StdoutHasOneExactLinePerSample) {
    const RunResult r = run(predict_args());
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, kOutputs);
    // The one overflow of the run, hand-checked above (31 + 31 wraps to -2 in fc1), is counted and named.
    EXPECT_EQ(r.err, "warning: layer \"fc1\": 1 of 21 output values (4.8%) were changed by an overflow (saturation or "
                     "wrap) of its accumulator or result type ap_fixed<16,6>\n");
}

TEST_F(PredictCli, OutputsFileGetsTheSameTextAndStdoutStaysEmpty) {
    const fs::path out = dir_ / "sub dir" / "out.dat";
    fs::create_directories(out.parent_path());
    RunResult r = run(predict_args() + " --outputs " + shell_quote(out.string()));
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(read_text(out), kOutputs);
    EXPECT_FALSE(fs::exists(out.string() + ".tmp"));

    // An existing file is replaced, not appended to.
    write_text(out, "stale\nstale\nstale\nstale\nstale\nstale\nstale\nstale\nstale\n");
    r = run(predict_args() + " --outputs " + shell_quote(out.string()));
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(read_text(out), kOutputs);

    // "-" is standard output.
    r = run(predict_args() + " --outputs -");
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, kOutputs);
}

TEST_F(PredictCli, TraceWritesEveryLayer) {
    const fs::path trace = dir_ / "trace" / "nested";  // created as needed
    const RunResult r = run(predict_args() + " --trace " + shell_quote(trace.string()));
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, kOutputs);
    std::set<std::string> files;
    for (const auto& e : fs::directory_iterator(trace)) files.insert(e.path().filename().string());
    EXPECT_EQ(files, (std::set<std::string>{"fc1.dat", "relu1.dat", "fc2.dat"}));
    EXPECT_EQ(read_text(trace / "fc1.dat"), kTraceFc1);
    EXPECT_EQ(read_text(trace / "relu1.dat"), kTraceRelu1);
    EXPECT_EQ(read_text(trace / "fc2.dat"), kOutputs);
}

TEST_F(PredictCli, SamplesLimitsTheRun) {
    RunResult r = run(predict_args() + " --samples 2");
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, first_lines(kOutputs, 2));
    EXPECT_EQ(r.out, "4.5 6.5\n1 1.25\n");

    const fs::path trace = dir_ / "trace";
    r = run(predict_args() + " --samples 1 --trace " + shell_quote(trace.string()));
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, "4.5 6.5\n");
    EXPECT_EQ(read_text(trace / "fc1.dat"), "5 6.5 6\n");

    // More than the file holds: every sample.
    r = run(predict_args() + " --samples 1000");
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, kOutputs);

    // A bad line after the K-th sample is never read.
    const fs::path in = dir_ / "bad_tail.dat";
    write_text(in, std::string(first_lines(kInputs, 3)) + "not numbers at all\n");
    r = run(predict_args(in) + " --samples 3");
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, first_lines(kOutputs, 3));
}

TEST_F(PredictCli, CommaSeparatedAndMixedSeparatorsAccepted) {
    const fs::path in = dir_ / "commas.csv";
    write_text(in,
               "1,2,3,4\n"
               "0.5, -0.25, 0, 1\r\n"  // spaces after commas, Windows line end
               "\n"                     // blank lines are skipped
               "-2\t-1,0.125  0.0009765625\n"
               "0.0009765625,0,0,0\n"
               "0.00048828125 ,0 ,0 ,0\n"
               "-4.8828125e-4,0,0,2\n"  // exponent notation
               "31,0,0,+31");           // no final newline
    const RunResult r = run(predict_args(in));
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, kOutputs);
}

TEST_F(PredictCli, InvalidReuseFactorWarnsOnStderrAndStillRuns) {
    json m = json::parse(kModel);
    m["layers"][0]["reuse_factor"] = 5;  // n_in=4, n_out=3: 12 % 5 != 0; valid 4 and 6 tie -> 4
    write_text(model_, m.dump());
    const RunResult r = run(predict_args());
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, kOutputs);
    EXPECT_EQ(r.err.rfind("warning: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find("layers[0].reuse_factor"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("closest valid one, 4"), std::string::npos) << r.err;
}

TEST_F(PredictCli, HelpExitsZero) {
    RunResult r = run("predict --help");
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("--inputs"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("--outputs"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("--trace"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("--samples"), std::string::npos) << r.out;

    r = run("--help");
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("predict"), std::string::npos) << r.out;

    r = run("-h");
    EXPECT_EQ(r.code, 0) << r.err;
}

TEST_F(PredictCli, UnknownOptionExitsTwo) {
    const fs::path out = dir_ / "out.dat";
    const RunResult r = run(predict_args() + " --outputs " + shell_quote(out.string()) + " --frobnicate 3");
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_NE(r.err.find("frobnicate"), std::string::npos) << r.err;
    EXPECT_EQ(r.out.find("4.5 6.5"), std::string::npos) << "nothing may run on a usage error";
    EXPECT_FALSE(fs::exists(out));
}

TEST_F(PredictCli, MissingRequiredInputsExitsTwo) {
    const RunResult r = run("predict " + shell_quote(model_.string()));
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_NE(r.err.find("--inputs"), std::string::npos) << r.err;
}

TEST_F(PredictCli, OtherUsageErrorsExitTwo) {
    EXPECT_EQ(run("").code, 2) << "no subcommand";
    EXPECT_EQ(run("frobnicate").code, 2) << "unknown subcommand";
    EXPECT_EQ(run("predict --inputs " + shell_quote(inputs_.string())).code, 2) << "no model";
    EXPECT_EQ(run(predict_args() + " --inputs").code, 2) << "option without its value";
}

// ---- Gaps in testbenches/cli/main.cpp found while writing these tests; disabled until fixed. ----

// --samples is a size_t: CLI11 takes "-1" and the run uses every sample instead of refusing.
TEST_F(PredictCli, NegativeSamplesIsRejected) {
    const RunResult r = run(predict_args() + " --samples -1");
    EXPECT_NE(r.code, 0);
    EXPECT_EQ(r.out, "");
}

// The trace files are renamed into place before --outputs is written, so an --outputs that cannot be
// written leaves a complete trace directory behind a failed run (DESIGN.md: no output files on error).
TEST_F(PredictCli, FailedRunLeavesNoTraceFiles) {
    const fs::path trace = dir_ / "trace";
    const RunResult r = run(predict_args() + " --trace " + shell_quote(trace.string()) + " --outputs " +
                            shell_quote((dir_ / "no_such_dir" / "out.dat").string()));
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_FALSE(fs::exists(trace / "fc1.dat"));
}

}  // namespace
