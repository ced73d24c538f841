// A real single-node Slurm (slurmctld + slurmd, and munged unless one runs) for the length of a test, through
// slurm_fixture.sh: configuration and state in a short-named temporary folder (slurmstepd's Unix socket paths
// under it must stay within 108 bytes), SLURM_CONF set for the programs the test runs, every daemon it started
// stopped by PID afterwards.
#pragma once

#include <cstdlib>
#include <string>

#include "tests/support/test_support.h"

namespace tlm4ml_test {

class SlurmCluster {
public:
    // Starts the daemons; `skip_reason()` is non-empty when Slurm or munge is not installed (or not root), and
    // `error()` when they would not start.
    SlurmCluster() {
        char name[] = "/tmp/slurm.XXXXXX";
        if (!mkdtemp(name)) {
            error_ = "mkdtemp failed";
            return;
        }
        dir_ = name;
        const RunResult r = run_program(script(), "start " + shell_quote(dir_.string()), dir_);
        if (r.code == 77) {
            skip_ = r.err;
        } else if (r.code != 0) {
            error_ = r.err + r.out;
        } else {
            started_ = true;
            setenv("SLURM_CONF", (dir_ / "slurm.conf").c_str(), 1);
        }
    }
    ~SlurmCluster() {
        if (started_) run_shell(shell_quote(script()) + " stop " + shell_quote(dir_.string()));
        unsetenv("SLURM_CONF");
        if (!dir_.empty()) fs::remove_all(dir_);
    }
    SlurmCluster(const SlurmCluster&) = delete;
    SlurmCluster& operator=(const SlurmCluster&) = delete;

    const std::string& skip_reason() const { return skip_; }
    const std::string& error() const { return error_; }

private:
    static std::string script() { return std::string(TLM4ML_SOURCE_DIR) + "/tests/support/slurm_fixture.sh"; }
    fs::path dir_;
    bool started_ = false;
    std::string skip_, error_;
};

}  // namespace tlm4ml_test
