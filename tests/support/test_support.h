// Helpers shared by the test files: files and the shell (for tests that drive the tlm4ml program), and the
// mapping of tlm4ml's modes onto SystemC's, for the sc_fixed oracles.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <systemc>

#include "rtl_models/precision.h"

namespace tlm4ml_test {

namespace fs = std::filesystem;

inline std::string read_text(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}

inline void write_text(const fs::path& p, const std::string& text) {
    std::ofstream f(p, std::ios::binary | std::ios::trunc);
    f << text;
}

// The numbers of a sample file (one sample per line, separated by spaces), blank lines skipped.
inline std::vector<std::vector<double>> parse_rows(const std::string& text) {
    std::vector<std::vector<double>> rows;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        std::istringstream ls(line);
        std::vector<double> r;
        double v;
        while (ls >> v) r.push_back(v);
        rows.push_back(std::move(r));
    }
    return rows;
}

// Single-quotes a word for /bin/sh.
inline std::string shell_quote(const std::string& s) {
    std::string out = "'";
    for (char ch : s) {
        if (ch == '\'') out += "'\\''";
        else out.push_back(ch);
    }
    return out + "'";
}

// Exit code of a shell command, -1 when it did not exit normally.
inline int run_shell(const std::string& cmd) {
    const int status = std::system(cmd.c_str());
    if (status == -1 || !WIFEXITED(status)) return -1;
    return WEXITSTATUS(status);
}

struct RunResult {
    int code = -1;
    std::string out, err;
};

// Runs `program args` (args already shell-quoted where needed), capturing stdout and stderr in `dir`.
inline RunResult run_program(const std::string& program, const std::string& args, const fs::path& dir) {
    const fs::path out = dir / "stdout.txt", err = dir / "stderr.txt";
    RunResult r;
    r.code = run_shell(shell_quote(program) + " " + args + " >" + shell_quote(out.string()) + " 2>" +
                       shell_quote(err.string()));
    r.out = read_text(out);
    r.err = read_text(err);
    return r;
}

#ifdef TLM4ML_BINARY
// A test working in a temporary folder of its own (prefix + test name + process id), removed afterwards,
// that writes files there and runs the tlm4ml program (run_program does not change folder: use at()).
class TempDirTest : public ::testing::Test {
protected:
    explicit TempDirTest(std::string prefix) : prefix_(std::move(prefix)) {}
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               (prefix_ + ::testing::UnitTest::GetInstance()->current_test_info()->name() + "_" +
                std::to_string(::getpid()));
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    RunResult tlm4ml(const std::string& args) const { return run_program(TLM4ML_BINARY, args, dir_); }
    // A file of the folder, quoted for the shell.
    std::string at(const std::string& name) const { return shell_quote((dir_ / name).string()); }
    fs::path write_file(const std::string& name, const std::string& text) const {
        write_text(dir_ / name, text);
        return dir_ / name;
    }

    fs::path dir_;

private:
    std::string prefix_;
};
#endif

#ifdef SC_INCLUDE_FX
inline sc_dt::sc_q_mode sc_q(tlm4ml::QuantMode q) {
    using tlm4ml::QuantMode;
    switch (q) {
        case QuantMode::TRN: return sc_dt::SC_TRN;
        case QuantMode::TRN_ZERO: return sc_dt::SC_TRN_ZERO;
        case QuantMode::RND: return sc_dt::SC_RND;
        case QuantMode::RND_ZERO: return sc_dt::SC_RND_ZERO;
        case QuantMode::RND_INF: return sc_dt::SC_RND_INF;
        case QuantMode::RND_MIN_INF: return sc_dt::SC_RND_MIN_INF;
        case QuantMode::RND_CONV: return sc_dt::SC_RND_CONV;
    }
    return sc_dt::SC_TRN;
}

inline sc_dt::sc_o_mode sc_o(tlm4ml::OverflowMode o) {
    using tlm4ml::OverflowMode;
    switch (o) {
        case OverflowMode::WRAP: return sc_dt::SC_WRAP;
        case OverflowMode::SAT: return sc_dt::SC_SAT;
        case OverflowMode::SAT_ZERO: return sc_dt::SC_SAT_ZERO;
        case OverflowMode::SAT_SYM: return sc_dt::SC_SAT_SYM;
        case OverflowMode::WRAP_SM: return sc_dt::SC_WRAP_SM;
    }
    return sc_dt::SC_WRAP;
}
#endif

}  // namespace tlm4ml_test
