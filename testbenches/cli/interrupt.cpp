#include "testbenches/cli/interrupt.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>

namespace tlm4ml {

namespace {

// A list the handler walks without locks: nodes are only ever added at the head (published once complete)
// and marked dead, never freed, so a pointer the handler holds stays valid.
struct TempNode {
    char path[4096];
    std::atomic<bool> live{true};
    TempNode* next = nullptr;
};
std::atomic<TempNode*> g_temps{nullptr};

// Two buffers: the main thread writes the one the handler does not read, then flips the index.
char g_activity[2][512] = {{0}, {0}};
std::atomic<int> g_activity_index{0};
std::atomic<size_t> g_done{0}, g_total{0};
std::atomic<pid_t> g_child{0};
std::atomic<bool> g_silent{false};
std::atomic<bool> g_written{false};

void put(const char* s) {
    size_t n = std::strlen(s);
    while (n > 0) {
        const ssize_t w = ::write(STDERR_FILENO, s, n);
        if (w <= 0) {
            if (w < 0 && errno == EINTR) continue;
            return;
        }
        s += w;
        n -= static_cast<size_t>(w);
    }
}

void put_number(size_t v) {
    char digits[24];
    size_t n = 0;
    do {
        digits[n++] = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v);
    char out[24];
    for (size_t i = 0; i < n; ++i) out[i] = digits[n - 1 - i];
    out[n] = 0;
    put(out);
}

void on_signal(int sig) {
    const pid_t child = g_child.load();
    if (child > 0) {
        ::kill(child, sig);
        int status;
        while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
        }
    }
    size_t removed = 0;
    for (TempNode* n = g_temps.load(); n; n = n->next)
        if (n->live.load() && ::unlink(n->path) == 0) ++removed;
    if (g_silent.load()) ::_exit(128 + sig);
    // Clear a progress bar line first.
    if (::isatty(STDERR_FILENO)) put("\r\033[K");
    put("tlm4ml: interrupted by ");
    put(sig == SIGINT ? "SIGINT" : "SIGTERM");
    const char* what = g_activity[g_activity_index.load()];
    if (*what) {
        put(" while ");
        put(what);
    }
    if (g_total.load()) {
        put(" (");
        put_number(g_done.load());
        put(" of ");
        put_number(g_total.load());
        put(" samples)");
    }
    put(g_written.load() ? "; the files renamed into place are complete" : "; nothing written");
    if (removed) {
        put(", ");
        put_number(removed);
        put(removed == 1 ? " temporary file removed" : " temporary files removed");
    }
    put("\n");
    ::_exit(128 + sig);
}

}  // namespace

void install_interrupt_handlers() {
    struct sigaction sa;
    std::memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    // One handler at a time: the other signal waits until this one has exited.
    sigaddset(&sa.sa_mask, SIGINT);
    sigaddset(&sa.sa_mask, SIGTERM);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
}

void set_activity(const std::string& what) {
    const int next = 1 - g_activity_index.load();
    const size_t n = std::min(what.size(), sizeof g_activity[0] - 1);
    std::memcpy(g_activity[next], what.data(), n);
    g_activity[next][n] = 0;
    g_activity_index.store(next);
    g_done.store(0);
    g_total.store(0);
}

void set_activity_progress(size_t done, size_t total) {
    g_done.store(done);
    g_total.store(total);
}

size_t register_temporary(const std::string& path) {
    auto* n = new TempNode;  // never freed: the handler may be reading it
    const size_t len = std::min(path.size(), sizeof n->path - 1);
    std::memcpy(n->path, path.data(), len);
    n->path[len] = 0;
    n->next = g_temps.load();
    g_temps.store(n);
    return reinterpret_cast<size_t>(n);
}

void forget_temporary(size_t handle) {
    if (handle) reinterpret_cast<TempNode*>(handle)->live.store(false);
}

void set_child_process(pid_t pid) { g_child.store(pid); }

void set_interrupt_silent(bool silent) { g_silent.store(silent); }

void set_outputs_written() { g_written.store(true); }

InterruptsHeld::InterruptsHeld() {
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigprocmask(SIG_BLOCK, &block, &old_);
}

InterruptsHeld::~InterruptsHeld() { sigprocmask(SIG_SETMASK, &old_, nullptr); }

}  // namespace tlm4ml
