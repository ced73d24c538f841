// Nothing half-written: every file of one command appears together at the end or none does; "-" is
// standard output; a destination that is not a regular file (a FIFO, a device node) is written into and
// never replaced; SIGINT / SIGTERM remove every temporary (the --fifo-depths auto re-run's too) and exit with
// 128 + the signal's number after one line saying what was interrupted.
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <set>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/test_support.h"

using namespace tlm4ml_test;

namespace {

const fs::path kModels = fs::path(TLM4ML_SOURCE_DIR) / "testbenches" / "models";
const std::string kJet = shell_quote((kModels / "jet_tagger.json").string());
const std::string kJetInputs = shell_quote((kModels / "jet_tagger_inputs.dat").string());

class CliOutputFiles : public TempDirTest {
protected:
    CliOutputFiles() : TempDirTest("tlm4ml_cli_out_") {}

    // Every name in the folder (recursively, relative), hidden temporaries included.
    std::set<std::string> listing() const {
        std::set<std::string> names;
        for (const auto& e : fs::recursive_directory_iterator(dir_)) names.insert(fs::relative(e.path(), dir_).string());
        return names;
    }

    // Starts tlm4ml in the folder with TMPDIR inside it, stdout / stderr to files; returns its pid.
    pid_t start(const std::vector<std::string>& args) const {
        fs::create_directories(dir_ / "tmp");
        const pid_t pid = fork();
        if (pid == 0) {
            if (chdir(dir_.c_str()) != 0) _exit(127);
            setenv("TMPDIR", (dir_ / "tmp").c_str(), 1);
            if (!freopen("stdout.txt", "w", stdout) || !freopen("stderr.txt", "w", stderr)) _exit(127);
            std::vector<char*> argv = {const_cast<char*>(TLM4ML_BINARY)};
            for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
            argv.push_back(nullptr);
            execv(TLM4ML_BINARY, argv.data());
            _exit(127);
        }
        return pid;
    }
    static int wait_exit_code(pid_t pid) {
        int status = 0;
        waitpid(pid, &status, 0);
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    // Waits (up to 60 s) until `found` holds; false on timeout.
    template <typename F>
    static bool wait_until(F found) {
        for (int i = 0; i < 10000; ++i) {  // up to 200 s: sanitizer builds run the first pass slowly
            if (found()) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return false;
    }
    bool has_file_starting(const std::string& prefix) const {
        for (const auto& name : listing())
            if (fs::path(name).filename().string().rfind(prefix, 0) == 0) return true;
        return false;
    }
};

TEST_F(CliOutputFiles, FailingReportLeavesNoOutputs) {
    const auto before = listing();
    const RunResult r = tlm4ml("run " + kJet + " --inputs " + kJetInputs + " --outputs " + at("out.dat") +
                               " --vcd " + at("w/x.vcd") + " --report " + at("no_such_folder/r.json"));
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_NE(r.err.find("no_such_folder/r.json: the folder"), std::string::npos) << r.err;
    auto after = listing();
    after.erase("stdout.txt");
    after.erase("stderr.txt");
    EXPECT_EQ(after, before);
}

TEST_F(CliOutputFiles, AllFilesOfARunAppearTogether) {
    const RunResult r = tlm4ml("run " + kJet + " --inputs " + kJetInputs + " --outputs " + at("out.dat") +
                               " --vcd " + at("w/x.vcd") + " --report " + at("r.json"));
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(listing(), (std::set<std::string>{"out.dat", "r.json", "w", "w/x.vcd", "w/x.gtkw", "stdout.txt",
                                                "stderr.txt"}));
    // Permissions as a plain file creation gives (mkstemp's 0600 widened by the umask).
    const mode_t mask = umask(0);
    umask(mask);
    EXPECT_EQ(fs::status(dir_ / "out.dat").permissions(), static_cast<fs::perms>(0666 & ~mask));
}

TEST_F(CliOutputFiles, DashIsStandardOutput) {
    const RunResult p = tlm4ml("predict " + kJet + " --inputs " + kJetInputs + " --outputs -");
    ASSERT_EQ(p.code, 0) << p.err;
    const RunResult plain = tlm4ml("predict " + kJet + " --inputs " + kJetInputs);
    EXPECT_EQ(p.out, plain.out);
    EXPECT_EQ(parse_rows(p.out).size(), 100u);

    const RunResult r = tlm4ml("run " + kJet + " --inputs " + kJetInputs + " --report - --quiet");
    ASSERT_EQ(r.code, 0) << r.err;
    // The JSON report comes first, then the summary lines.
    const size_t end = r.out.find("\n}\n");
    ASSERT_NE(end, std::string::npos) << r.out;
    const auto j = nlohmann::json::parse(r.out.substr(0, end + 3));
    EXPECT_EQ(j["received"], 100);
    EXPECT_NE(r.out.find("reference    0 of 100", end), std::string::npos);
    EXPECT_EQ(listing(), (std::set<std::string>{"stdout.txt", "stderr.txt"}));
}

TEST_F(CliOutputFiles, FifoDestinationIsWrittenIntoNotReplaced) {
    const fs::path fifo = dir_ / "pipe";
    ASSERT_EQ(mkfifo(fifo.c_str(), 0644), 0);
    // A reader drains the FIFO into a file while tlm4ml writes.
    const int reader = run_shell("(cat " + at("pipe") + " > " + at("got.dat") + ") & echo $! > " + at("reader.pid"));
    ASSERT_EQ(reader, 0);
    const RunResult r = tlm4ml("predict " + kJet + " --inputs " + kJetInputs + " --outputs " + at("pipe"));
    ASSERT_EQ(r.code, 0) << r.err;
    ASSERT_TRUE(wait_until([&] { return run_shell("kill -0 $(cat " + at("reader.pid") + ") 2>/dev/null") != 0; }));
    EXPECT_TRUE(fs::is_fifo(fifo));
    const RunResult plain = tlm4ml("predict " + kJet + " --inputs " + kJetInputs);
    EXPECT_EQ(read_text(dir_ / "got.dat"), plain.out);
    for (const auto& name : listing()) EXPECT_NE(name[0], '.') << "temporary left: " << name;
}

TEST_F(CliOutputFiles, DeviceNodeIsWrittenIntoNotReplaced) {
    // A private null device (major 1, minor 3) in the test folder: the system's /dev/null is never touched.
    const fs::path null_node = dir_ / "null";
    if (mknod(null_node.c_str(), S_IFCHR | 0666, makedev(1, 3)) != 0)
        GTEST_SKIP() << "cannot make a device node here (not root, or no CAP_MKNOD)";
    const RunResult p = tlm4ml("predict " + kJet + " --inputs " + kJetInputs + " --outputs " + at("null"));
    EXPECT_EQ(p.code, 0) << p.err;
    const RunResult r = tlm4ml("run " + kJet + " --inputs " + kJetInputs + " --outputs " + at("null") + " --report " +
                               at("null") + " --quiet");
    EXPECT_EQ(r.code, 0) << r.err;
    struct stat st;
    ASSERT_EQ(stat(null_node.c_str(), &st), 0);
    EXPECT_TRUE(S_ISCHR(st.st_mode)) << "the device node was replaced";
    EXPECT_EQ(st.st_rdev, makedev(1, 3));
    EXPECT_EQ(listing(), (std::set<std::string>{"null", "stdout.txt", "stderr.txt"}));
}

TEST_F(CliOutputFiles, FolderAsOutputIsRefused) {
    fs::create_directories(dir_ / "d");
    const RunResult r = tlm4ml("predict " + kJet + " --inputs " + kJetInputs + " --outputs " + at("d"));
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("/d: is a folder, expected a file name"), std::string::npos) << r.err;
}

// Long runs interrupted once their temporaries exist: they are removed, nothing appears.
TEST_F(CliOutputFiles, SigintRemovesTemporariesAndExits130) {
    const pid_t pid = start({"run", (kModels / "jet_tagger.json").string(), "--samples", "500000", "--vcd",
                             "w/x.vcd", "--outputs", "o.dat", "--report", "r.json"});
    ASSERT_TRUE(wait_until([&] { return has_file_starting(".x.vcd."); })) << read_text(dir_ / "stderr.txt");
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // inside the simulation by now
    kill(pid, SIGINT);
    EXPECT_EQ(wait_exit_code(pid), 130);
    EXPECT_EQ(listing(), (std::set<std::string>{"stdout.txt", "stderr.txt", "tmp"}));
    const std::string err = read_text(dir_ / "stderr.txt");
    // What it was doing depends on the machine's speed: the line says it, whatever it was.
    EXPECT_NE(err.find("tlm4ml: interrupted by SIGINT while "), std::string::npos) << err;
    EXPECT_NE(err.find("nothing written, 3 temporary files removed\n"), std::string::npos) << err;
}

TEST_F(CliOutputFiles, SigtermRemovesTemporariesAndExits143) {
    const pid_t pid = start({"run", (kModels / "jet_tagger.json").string(), "--samples", "500000", "--vcd", "x.vcd"});
    ASSERT_TRUE(wait_until([&] { return has_file_starting(".x.vcd."); })) << read_text(dir_ / "stderr.txt");
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    kill(pid, SIGTERM);
    EXPECT_EQ(wait_exit_code(pid), 143);
    EXPECT_EQ(listing(), (std::set<std::string>{"stdout.txt", "stderr.txt", "tmp"}));
    EXPECT_NE(read_text(dir_ / "stderr.txt").find("tlm4ml: interrupted by SIGTERM while "), std::string::npos);
}

TEST_F(CliOutputFiles, SigtermReachesTheFifoSizingRerun) {
    const pid_t pid = start({"run", (kModels / "resnet_block.json").string(), "--samples", "8000", "--fifo-depths",
                             "auto", "--fifo-depths-out", "d.json", "--report", "r.json", "--quiet"});
    // The re-run is a child of the command.
    const std::string children = "/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children";
    pid_t child = 0;
    ASSERT_TRUE(wait_until([&] {
        std::istringstream in(read_text(children));
        return static_cast<bool>(in >> child);
    })) << read_text(dir_ / "stderr.txt");
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    kill(pid, SIGTERM);
    EXPECT_EQ(wait_exit_code(pid), 143);
    // The child was passed the signal and reaped before the command exited.
    EXPECT_FALSE(fs::exists("/proc/" + std::to_string(child) + "/status") &&
                 read_text("/proc/" + std::to_string(child) + "/status").find("tlm4ml") != std::string::npos);
    EXPECT_EQ(listing(), (std::set<std::string>{"stdout.txt", "stderr.txt", "tmp"}));  // TMPDIR empty too
    const std::string err = read_text(dir_ / "stderr.txt");
    EXPECT_NE(err.find("tlm4ml: interrupted by SIGTERM while re-running with the sized FIFOs"), std::string::npos) << err;
    size_t lines = 0;
    for (char c : err) lines += c == '\n';
    EXPECT_EQ(lines, 2u) << err;  // the random-samples note and the one interrupt line
}

}  // namespace
