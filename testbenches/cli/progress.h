// A progress bar on standard error for the long jobs (simulation, predict's samples, the FIFO-sizing re-run):
// drawn only when stderr is a terminal, at most ten times a second, with the rate and the time left; the
// line is cleared when the job ends. It also tells the interrupt handler how far the job got.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace tlm4ml {

class ProgressBar {
public:
    // label: what runs ("simulating jet_tagger"); unit: what is counted ("samples").
    ProgressBar(std::string label, size_t total, std::string unit = "samples");
    ~ProgressBar();
    ProgressBar(const ProgressBar&) = delete;
    ProgressBar& operator=(const ProgressBar&) = delete;

    void update(size_t done);
    // Clears the line (also done by the destructor).
    void finish();
    bool drawing() const { return tty_; }

    // The bar's text for `done` of `total` after `seconds` (exposed for tests).
    static std::string render(const std::string& label, size_t done, size_t total, double seconds,
                              const std::string& unit);

private:
    std::string label_, unit_;
    size_t total_;
    bool tty_;
    bool drawn_ = false;
    std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace tlm4ml
