// `run`'s scoreboard: each output of the clocked network, as it leaves (in sample order), is checked against
// the untimed reference, compared with the expected file, scored against its label, compared with hls4ml's
// OutputPredictions (agreement, not pass/fail) and written to --outputs; its timing goes into running
// statistics. Nothing is kept per sample, so memory stays flat over any number of samples.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "layers/arithmetic/overflow_profile.h"
#include "models/model.h"
#include "rtl_models/stream_channel.h"
#include "testbenches/data/sample_reader.h"
#include "testbenches/data/sample_writer.h"
#include "testbenches/report/report.h"
#include "testbenches/sample_timing.h"
#include "testbenches/stimulus.h"

namespace tlm4ml {

// How the timed outputs compare with Keras' float predictions (hls4ml's OutputPredictions).
struct KerasAgreement {
    std::string file;
    size_t compared = 0;
    size_t same_argmax = 0;
    double max_abs_diff = 0;
    double sum_abs_diff = 0;  // over every value compared
    size_t values = 0;
    // One sample: the outputs (raw, of type `p`) and Keras' predictions for it.
    void observe(const std::vector<int64_t>& raw, const Precision& p, const double* keras);
    // "keras        OutputPredictions F: same class for 98.5% of 1000 samples, |diff| max 0.031 mean 0.002"
    std::string summary() const;
    RunReport::KerasAgreementSummary figures() const;
};

// The YAML's OutputPredictions, read beside InputData's samples. hls4ml's own testbench goes on without them when
// the file is missing (it compares nothing), so a missing file is a note here, not an error; null then.
std::unique_ptr<RowReader> open_output_predictions(const std::string& path, size_t outputs, size_t samples);

class Scoreboard {
public:
    Scoreboard(const Model& model, const std::string& model_path, Source& source, size_t samples);

    // Optional checks, each read alongside the outputs (row k with output k).
    void compare_expected(std::unique_ptr<RowReader> expected, double tolerance);
    // One class index per row (width 1: integers in [0, outputs)) or one score row per sample (argmax).
    void score_labels(std::unique_ptr<RowReader> labels);
    void score_label_indices(std::vector<size_t> labels);  // in memory (MNIST)
    void compare_keras(std::unique_ptr<RowReader> predictions);
    void write_outputs(std::unique_ptr<RowWriter> outputs) { outputs_ = std::move(outputs); }

    // Sink's handler: one output leaving at `cycle`.
    void on_output(const Token& t, uint64_t cycle);
    // Flushes and closes --outputs.
    void finish();

    const SampleTiming& timing() const { return timing_; }
    // Wall time spent in on_output (inside the simulation, but not the simulation's own work).
    double seconds() const { return seconds_; }
    size_t reference_mismatches() const { return reference_mismatches_; }
    const std::string& first_mismatch() const { return first_mismatch_; }
    std::optional<size_t> expected_mismatches() const;
    size_t labelled() const { return labelled_; }
    std::optional<double> accuracy() const;
    std::optional<KerasAgreement> keras() const;
    // --overflow-profile: count, per layer, the values a saturating or wrapping cast changed (a second, widened
    // forward pass per output: opt-in, it doubles the check's cost). Null unless enabled.
    void profile_overflows();
    const OverflowProfile* overflows() const { return overflows_.get(); }

private:
    void check(const Token& t, uint64_t cycle);
    size_t argmax_output(const std::vector<int64_t>& raw) const;

    const Model& model_;
    Source& source_;
    SampleTiming timing_;
    std::string model_path_;
    std::unique_ptr<OverflowProfile> overflows_;
    std::vector<std::vector<int64_t>> trace_;
    size_t reference_mismatches_ = 0;
    std::string first_mismatch_;

    std::unique_ptr<RowReader> expected_;
    double tolerance_ = 0;
    size_t expected_mismatches_ = 0;
    std::unique_ptr<RowReader> labels_;
    std::vector<size_t> label_indices_;
    bool have_labels_ = false;
    size_t labelled_ = 0, right_ = 0;
    std::unique_ptr<RowReader> keras_reader_;
    KerasAgreement keras_;
    std::unique_ptr<RowWriter> outputs_;
    std::vector<double> row_;
    double seconds_ = 0;
};

}  // namespace tlm4ml
