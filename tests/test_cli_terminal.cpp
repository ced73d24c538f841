// The program on a terminal: the same runs as in a pipe, under a pseudo-terminal opened by util-linux's
// `script` (stdin, stdout and stderr are the pty), must end the same way — exit 0, every output equal to
// the untimed reference, no deadlock — and draw the progress bar, which never reaches a pipe.
#include <string>

#include <gtest/gtest.h>

#include "tests/support/test_support.h"

using namespace tlm4ml_test;

namespace {

const fs::path kModels = fs::path(TLM4ML_SOURCE_DIR) / "testbenches" / "models";

class CliTerminal : public TempDirTest {
protected:
    CliTerminal() : TempDirTest("tlm4ml_cli_tty_") {}
    void SetUp() override {
        TempDirTest::SetUp();
        if (run_shell("script --version >/dev/null 2>&1") != 0) GTEST_SKIP() << "util-linux's `script` is not installed";
    }
    // Runs tlm4ml with `args` on a pty: the exit code is the program's (script -e), the text is what the
    // terminal received (stdout and stderr together).
    RunResult on_terminal(const std::string& args) const {
        const std::string cmd = shell_quote(TLM4ML_BINARY) + " " + args;
        return run_program("script", "-qec " + shell_quote(cmd) + " /dev/null", dir_);
    }
    static std::string model(const std::string& name) { return shell_quote((kModels / name).string()); }
};

TEST_F(CliTerminal, ReadmeMainJobRunsOnATerminal) {
    const RunResult r = on_terminal("run " + model("jet_tagger.json") + " --inputs " + model("jet_tagger_inputs.dat") +
                                    " --check-ii --vcd " + at("traces/x.vcd"));
    EXPECT_EQ(r.code, 0) << r.out;
    EXPECT_EQ(r.out.find("DEADLOCK"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("deadlock"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("reference    0 of 100 outputs differ"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("check-ii     all 8 layers"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("simulating jet_tagger ["), std::string::npos) << "no progress bar:\n" << r.out;
    EXPECT_TRUE(fs::is_regular_file(dir_ / "traces" / "x.vcd"));
    EXPECT_TRUE(fs::is_regular_file(dir_ / "traces" / "x.gtkw"));
}

TEST_F(CliTerminal, ThousandJetSamplesOnATerminal) {
    const RunResult r = on_terminal("run " + model("jet_tagger.json") + " --samples 1000 --seed 7 --quiet");
    EXPECT_EQ(r.code, 0) << r.out;
    EXPECT_EQ(r.out.find("eadlock"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("DEADLOCK"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("reference    0 of 1000 outputs differ"), std::string::npos) << r.out;
    // The bar counts the samples and is cleared at the end (the summary starts on a clean line).
    EXPECT_NE(r.out.find("/1000 samples"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\r\033[Kprofile      vitis"), std::string::npos) << r.out;  // the summary's first line
}

TEST_F(CliTerminal, StreamNetworkWithFifoSizingOnATerminal) {
    const RunResult r = on_terminal("run " + model("svhn_cnn.json") + " --inputs " + model("svhn_cnn_inputs.dat") +
                                    " --check-ii --fifo-depths auto --fifo-depths-out " + at("depths.json"));
    EXPECT_EQ(r.code, 0) << r.out;
    EXPECT_EQ(r.out.find("eadlock"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("reference    0 of 10 outputs differ"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("latency, II and total cycles unchanged"), std::string::npos) << r.out;
    // The re-run draws its own bar on the same terminal.
    EXPECT_NE(r.out.find("re-running with the sized FIFOs ["), std::string::npos) << r.out;
    EXPECT_TRUE(fs::is_regular_file(dir_ / "depths.json"));
}

TEST_F(CliTerminal, PredictDrawsABarOnlyOnATerminal) {
    const std::string args = "predict " + model("jet_tagger.json") + " --inputs " + model("jet_tagger_inputs.dat");
    const RunResult tty = on_terminal(args);
    EXPECT_EQ(tty.code, 0);
    EXPECT_NE(tty.out.find("predicting jet_tagger ["), std::string::npos) << tty.out;
    const RunResult pipe = tlm4ml(args);
    EXPECT_EQ(pipe.code, 0);
    EXPECT_EQ(pipe.err, "");  // no bar, no escape sequence in a pipe
    EXPECT_EQ(parse_rows(pipe.out).size(), 100u);
}

TEST_F(CliTerminal, PipeRunHasNoEscapeSequences) {
    const RunResult r = tlm4ml("run " + model("jet_tagger.json") + " --inputs " + model("jet_tagger_inputs.dat"));
    EXPECT_EQ(r.code, 0);
    EXPECT_EQ(r.err.find('\033'), std::string::npos) << r.err;
    EXPECT_EQ(r.out.find('\033'), std::string::npos);
}

}  // namespace
