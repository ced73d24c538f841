#include "testbenches/sweep/sweep_runner.h"

#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>

#include <fmt/format.h>

#include "testbenches/data/sample_io.h"

namespace tlm4ml {

namespace fs = std::filesystem;

namespace {

volatile std::sig_atomic_t g_stop = 0;
void on_stop_signal(int) { g_stop = 1; }

std::string point_result_file(const std::string& work_dir, size_t index) {
    return (fs::path(work_dir) / "points" / fmt::format("point_{:04}.json", index)).string();
}

std::string clock_text(double seconds) {
    const long s = static_cast<long>(seconds + 0.5);
    return s >= 3600 ? fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60) : fmt::format("{}:{:02}", s / 60, s % 60);
}

void draw_bar(size_t done, size_t total, size_t running, double elapsed, size_t done_here) {
    const size_t width = 30, filled = total ? done * width / total : width;
    std::string left = "--:--";
    if (done_here > 0 && done < total)
        left = clock_text(elapsed / static_cast<double>(done_here) * static_cast<double>(total - done));
    else if (done == total)
        left = "0:00";
    std::cerr << fmt::format("\r[{}{}] {}/{} points, {} left, {} running, ~{} to go ", std::string(filled, '#'),
                             std::string(width - filled, '.'), done, total, total - done, running, left)
              << std::flush;
}

// The worker: evaluates one point and leaves its result file; never returns.
[[noreturn]] void worker(const SweepContext& ctx, const std::string& work_dir, const SweepPoint& p) {
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    int rc = 0;
    try {
        const PointResult r = ctx.evaluate(p);
        write_file_atomically(point_result_file(work_dir, p.index), r.to_json().dump() + "\n");
    } catch (const std::exception& e) {
        std::cerr << fmt::format("\nerror: point {} ({}): {}\n", p.index, p.key(), e.what());
        rc = 1;
    }
    std::cerr.flush();
    std::_Exit(rc);  // no atexit handlers or static destructors: they belong to the parent
}

}  // namespace

unsigned default_jobs() {
    if (const char* c = std::getenv("SLURM_CPUS_PER_TASK"); c && std::atoi(c) > 0) return static_cast<unsigned>(std::atoi(c));
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0) return static_cast<unsigned>(CPU_COUNT(&set));
    const long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? static_cast<unsigned>(n) : 1;
}

RunOutcome run_points(const SweepContext& ctx, const std::string& work_dir, const std::vector<SweepPoint>& points,
                      const std::vector<PointResult>& done, unsigned jobs, bool progress,
                      const std::function<void(const std::vector<PointResult>&)>& on_progress) {
    fs::create_directories(fs::path(work_dir) / "points");
    std::map<std::string, PointResult> by_key;
    for (const auto& r : done) by_key.emplace(r.point.key(), r);

    std::map<size_t, PointResult> results;  // by point index: the output order
    std::vector<const SweepPoint*> todo;
    for (const auto& p : points) {
        if (auto it = by_key.find(p.key()); it != by_key.end()) {
            PointResult r = it->second;
            r.point.index = p.index;
            results.emplace(p.index, r);
        } else {
            todo.push_back(&p);
        }
    }
    auto snapshot = [&] {
        std::vector<PointResult> v;
        for (const auto& [i, r] : results) v.push_back(r);
        return v;
    };

    RunOutcome out;
    g_stop = 0;
    struct sigaction sa {}, old_int {}, old_term {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);  // no SA_RESTART: waitpid returns on a signal
    sigaction(SIGTERM, &sa, &old_term);

    std::map<pid_t, const SweepPoint*> running;
    const auto start = std::chrono::steady_clock::now();
    size_t next = 0, finished_here = 0;
    const size_t total = points.size();
    jobs = std::max(1u, jobs);
    if (progress) draw_bar(results.size(), total, 0, 0.0, 0);
    while (!g_stop && (next < todo.size() || !running.empty())) {
        while (!g_stop && next < todo.size() && running.size() < jobs) {
            const SweepPoint* p = todo[next++];
            std::cerr.flush();
            const pid_t pid = fork();
            if (pid < 0) throw std::runtime_error(fmt::format("fork failed for point {}", p->index));
            if (pid == 0) worker(ctx, work_dir, *p);
            running.emplace(pid, p);
        }
        int status = 0;
        const pid_t pid = waitpid(-1, &status, 0);
        if (pid < 0) continue;  // interrupted by a signal: the loop condition sees g_stop
        const auto it = running.find(pid);
        if (it == running.end()) continue;
        const SweepPoint* p = it->second;
        running.erase(it);
        const std::string file = point_result_file(work_dir, p->index);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
            std::ifstream f(file);
            results.emplace(p->index, PointResult::from_json(nlohmann::json::parse(f), file));
            ++finished_here;
            on_progress(snapshot());
        } else if (!g_stop) {
            out.failed.push_back(p->index);
        }
        if (progress)
            draw_bar(results.size(), total, running.size(),
                     std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), finished_here);
    }
    if (g_stop) {
        out.interrupted = true;
        for (const auto& [pid, p] : running) kill(pid, SIGTERM);
        for (const auto& [pid, p] : running) waitpid(pid, nullptr, 0);
    }
    if (progress) std::cerr << "\n";
    sigaction(SIGINT, &old_int, nullptr);
    sigaction(SIGTERM, &old_term, nullptr);
    std::sort(out.failed.begin(), out.failed.end());
    out.results = snapshot();
    return out;
}

}  // namespace tlm4ml
