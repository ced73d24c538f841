// SystemC elaborates once per process, so a test that simulates runs its bench in a forked child that
// elaborates, simulates and sends its observations (JSON) back through a pipe. The parent never calls
// sc_start and may fork as often as it likes.
#pragma once

#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <functional>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace tlm4ml_test {

// Runs `bench` in a forked child and returns the JSON it produced. A child that crashes, throws, hangs
// (killed after `timeout_s`) or exits otherwise fails the test and yields null.
inline nlohmann::json in_child(const std::function<nlohmann::json()>& bench, unsigned timeout_s = 60) {
    using nlohmann::json;
    int fd[2];
    if (pipe(fd) != 0) {
        ADD_FAILURE() << "pipe failed";
        return nullptr;
    }
    std::fflush(stdout);
    std::fflush(stderr);
    const pid_t pid = fork();
    if (pid < 0) {
        ADD_FAILURE() << "fork failed";
        return nullptr;
    }
    if (pid == 0) {
        close(fd[0]);
        alarm(timeout_s);
        std::string out;
        try {
            out = bench().dump();
        } catch (const std::exception& e) {
            out = json{{"exception", e.what()}}.dump();
        }
        size_t done = 0;
        while (done < out.size()) {
            const ssize_t n = write(fd[1], out.data() + done, out.size() - done);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) _exit(2);
            done += static_cast<size_t>(n);
        }
        close(fd[1]);
        std::fflush(stdout);
        _exit(0);
    }
    close(fd[1]);
    std::string text;
    char buf[4096];
    while (true) {
        const ssize_t n = read(fd[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        text.append(buf, static_cast<size_t>(n));
    }
    close(fd[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << "the SystemC child did not exit cleanly (status " << status << ")";
    if (text.empty()) {
        ADD_FAILURE() << "the SystemC child sent nothing";
        return nullptr;
    }
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded()) {
        ADD_FAILURE() << "the SystemC child sent malformed JSON: " << text;
        return nullptr;
    }
    if (j.is_object() && j.contains("exception")) {
        ADD_FAILURE() << "exception in the child: " << j["exception"];
        return nullptr;
    }
    return j;
}

}  // namespace tlm4ml_test
