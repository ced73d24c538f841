#include "testbenches/sweep/sweep_slurm.h"

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <stdexcept>

#include <fmt/format.h>

namespace tlm4ml {

namespace {

std::string shell_quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

}  // namespace

std::string slurm_batch_script(const std::string& tlm4ml_binary, const std::string& work_dir, size_t tasks,
                               unsigned cpus_per_task) {
    const std::string log = (std::filesystem::path(work_dir) / "slurm" / "task_%a.log").string();
    return fmt::format(
        "#!/bin/sh\n"
        "# Written by tlm4ml sweep --slurm: one array task per chunk of points (DIR/sweep.json).\n"
        "# Resubmit some tasks alone with: sbatch --array=3,5 {}\n"
        "#SBATCH --job-name=tlm4ml-sweep\n"
        "#SBATCH --array=0-{}\n"
        "#SBATCH --cpus-per-task={}\n"
        "#SBATCH --output={}\n"
        "exec {} sweep --task-dir {} --task-id \"$SLURM_ARRAY_TASK_ID\"\n",
        (std::filesystem::path(work_dir) / "slurm" / "sweep.sbatch").string(), tasks - 1, cpus_per_task, log,
        shell_quote(tlm4ml_binary), shell_quote(work_dir));
}

std::string submit_batch(const std::string& script, const std::vector<std::string>& extra_args,
                         const std::string& array_override) {
    std::string cmd = "sbatch --parsable";
    for (const auto& a : extra_args) cmd += " " + shell_quote(a);
    if (!array_override.empty()) cmd += " --array=" + array_override;
    cmd += " " + shell_quote(script) + " 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) throw std::runtime_error("cannot run sbatch");
    std::string out;
    std::array<char, 256> buf{};
    while (fgets(buf.data(), static_cast<int>(buf.size()), p)) out += buf.data();
    const int status = pclose(p);
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    if (status != 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        throw std::runtime_error(fmt::format("sbatch failed ({}): {}", cmd, out.empty() ? "no output" : out));
    // --parsable prints "jobid" or "jobid;cluster".
    return out.substr(0, out.find(';'));
}

std::string array_list(const std::vector<size_t>& tasks) {
    std::string s;
    for (size_t t : tasks) s += (s.empty() ? "" : ",") + std::to_string(t);
    return s;
}

std::string self_executable() {
    std::error_code ec;
    const auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) throw std::runtime_error("cannot find the tlm4ml program (/proc/self/exe)");
    return p.string();
}

}  // namespace tlm4ml
