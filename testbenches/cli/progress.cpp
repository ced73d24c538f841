#include "testbenches/cli/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <fmt/format.h>

#include "testbenches/cli/interrupt.h"

namespace tlm4ml {

namespace {
std::string clock_text(double s) {
    if (!std::isfinite(s) || s < 0) return "?";
    const auto t = static_cast<unsigned long long>(s + 0.5);
    if (t >= 3600) return fmt::format("{}:{:02}:{:02}", t / 3600, t / 60 % 60, t % 60);
    return fmt::format("{}:{:02}", t / 60, t % 60);
}
}  // namespace

ProgressBar::ProgressBar(std::string label, size_t total, std::string unit)
    : label_(std::move(label)), unit_(std::move(unit)), total_(total), tty_(isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()), last_draw_(start_ - std::chrono::seconds(1)) {
    set_activity(label_);
    set_activity_progress(0, total_);
}

ProgressBar::~ProgressBar() { finish(); }

std::string ProgressBar::render(const std::string& label, size_t done, size_t total, double seconds,
                                const std::string& unit) {
    constexpr size_t kWidth = 30;
    const size_t filled = total ? kWidth * std::min(done, total) / total : 0;
    const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0.0;
    const std::string left =
        done == 0 || rate <= 0 ? "?" : clock_text(static_cast<double>(total - std::min(done, total)) / rate);
    return fmt::format("{} [{}{}] {}/{} {}, {:.3g} {}/s, {} left", label, std::string(filled, '#'),
                       std::string(kWidth - filled, '.'), done, total, unit, rate, unit, left);
}

void ProgressBar::update(size_t done) {
    set_activity_progress(done, total_);
    if (!tty_) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    const double s = std::chrono::duration<double>(now - start_).count();
    // \033[K clears what a longer previous line left.
    std::fprintf(stderr, "\r%s\033[K", render(label_, done, total_, s, unit_).c_str());
    std::fflush(stderr);
    drawn_ = true;
}

void ProgressBar::finish() {
    if (drawn_) {
        std::fputs("\r\033[K", stderr);
        std::fflush(stderr);
        drawn_ = false;
    }
    set_activity_progress(0, 0);
}

}  // namespace tlm4ml
