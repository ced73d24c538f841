#include "testbenches/cli/scoreboard.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include "layers/arithmetic/reference.h"
#include "testbenches/data/sample_io.h"

namespace tlm4ml {

namespace {
size_t argmax(const double* v, size_t n) {
    size_t b = 0;
    for (size_t i = 1; i < n; ++i)
        if (v[i] > v[b]) b = i;
    return b;
}
}  // namespace

std::unique_ptr<RowReader> open_output_predictions(const std::string& path, size_t outputs, size_t samples) {
    // "archive.npz:member" names a member of an archive: the archive is the file that must exist.
    const size_t member = path.find(".npz:");
    const std::string file = member == std::string::npos ? path : path.substr(0, member + 4);
    std::error_code ec;
    if (!std::filesystem::exists(file, ec)) {
        std::cerr << "note: OutputPredictions " << path << " does not exist: no comparison with Keras' predictions\n";
        return nullptr;
    }
    return RowReader::open(path, outputs, samples);
}

std::string KerasAgreement::summary() const {
    if (compared == 0) return fmt::format("keras        {}: no sample compared", file);
    const auto f = figures();
    return fmt::format("keras        {}: same class for {:.4g}% of {} samples, |output - keras| max {:.4g} mean {:.4g} "
                       "(agreement with Keras' float predictions: reported, not a check)",
                       file, 100.0 * f.same_class_share, compared, f.max_abs_diff, f.mean_abs_diff);
}

RunReport::KerasAgreementSummary KerasAgreement::figures() const {
    RunReport::KerasAgreementSummary f;
    f.file = file;
    f.compared = compared;
    f.same_class_share = compared ? static_cast<double>(same_argmax) / static_cast<double>(compared) : 0.0;
    f.max_abs_diff = max_abs_diff;
    f.mean_abs_diff = values ? sum_abs_diff / static_cast<double>(values) : 0.0;
    return f;
}

void KerasAgreement::observe(const std::vector<int64_t>& raw, const Precision& p, const double* keras) {
    double best = 0;
    size_t best_at = 0;
    for (size_t i = 0; i < raw.size(); ++i) {
        const double v = p.to_double(raw[i]), d = std::fabs(v - keras[i]);
        max_abs_diff = std::max(max_abs_diff, d);
        sum_abs_diff += d;
        if (i == 0 || v > best) {
            best = v;
            best_at = i;
        }
    }
    values += raw.size();
    same_argmax += best_at == argmax(keras, raw.size()) ? 1 : 0;
    ++compared;
}

Scoreboard::Scoreboard(const Model& model, const std::string& model_path, Source& source, size_t samples)
    : model_(model), source_(source), timing_(samples), model_path_(model_path), row_(model.output_size()) {}

void Scoreboard::profile_overflows() { overflows_ = std::make_unique<OverflowProfile>(model_path_, model_); }

void Scoreboard::compare_expected(std::unique_ptr<RowReader> expected, double tolerance) {
    expected_ = std::move(expected);
    tolerance_ = tolerance;
}

void Scoreboard::score_labels(std::unique_ptr<RowReader> labels) {
    const size_t n = model_.output_size();
    if (labels->width() != 1 && labels->width() != n)
        throw SampleFileError(fmt::format("{}: neither one class index per line nor rows of {} scores: its rows hold {} "
                                          "values",
                                          labels->path(), n, labels->width()));
    labels_ = std::move(labels);
    have_labels_ = true;
    row_.resize(std::max(row_.size(), labels_->width()));
}

void Scoreboard::score_label_indices(std::vector<size_t> labels) {
    label_indices_ = std::move(labels);
    have_labels_ = true;
}

void Scoreboard::compare_keras(std::unique_ptr<RowReader> predictions) {
    keras_.file = predictions->path();
    keras_reader_ = std::move(predictions);
}

size_t Scoreboard::argmax_output(const std::vector<int64_t>& raw) const {
    const Precision& op = model_.output_precision();
    size_t b = 0;
    for (size_t i = 1; i < raw.size(); ++i)
        if (op.to_double(raw[i]) > op.to_double(raw[b])) b = i;
    return b;
}

void Scoreboard::on_output(const Token& t, uint64_t cycle) {
    const auto start = std::chrono::steady_clock::now();
    check(t, cycle);
    seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void Scoreboard::check(const Token& t, uint64_t cycle) {
    InFlightSample s = source_.retire(t.sample);
    timing_.record(s.offered, s.pushed, cycle);
    const Precision& op = model_.output_precision();

    const auto ref = forward(model_, s.input, overflows_ ? &trace_ : nullptr);
    if (overflows_) overflows_->observe(s.input, trace_);
    if (ref != t.data) {
        if (reference_mismatches_ == 0)
            first_mismatch_ = fmt::format("sample {}: timed [{}] reference [{}]", t.sample, format_sample(t.data, op),
                                          format_sample(ref, op));
        ++reference_mismatches_;
    }
    source_.recycle(std::move(s.input));

    if (expected_ && expected_->rows_read() < expected_->rows()) {
        expected_->next(row_.data());
        for (size_t i = 0; i < t.data.size(); ++i)
            if (std::fabs(op.to_double(t.data[i]) - row_[i]) > tolerance_) {
                ++expected_mismatches_;
                break;
            }
    }
    if (labels_ && labels_->rows_read() < labels_->rows()) {
        labels_->next(row_.data());
        size_t want = 0;
        if (labels_->width() == 1) {
            const double v = row_[0];
            if (!(v >= 0 && v < static_cast<double>(t.data.size()) && v == std::floor(v)))
                throw SampleFileError(fmt::format("{}: label {} is not a class index (an integer in [0, {}))",
                                                  labels_->where(), v, t.data.size()));
            want = static_cast<size_t>(v);
        } else {
            want = argmax(row_.data(), labels_->width());
        }
        right_ += argmax_output(t.data) == want ? 1 : 0;
        ++labelled_;
    } else if (t.sample < label_indices_.size()) {
        right_ += argmax_output(t.data) == label_indices_[t.sample] ? 1 : 0;
        ++labelled_;
    }
    if (keras_reader_ && keras_reader_->rows_read() < keras_reader_->rows()) {
        keras_reader_->next(row_.data());
        keras_.observe(t.data, op, row_.data());
    }
    if (outputs_) outputs_->write(t.data, op);
}

void Scoreboard::finish() {
    if (outputs_) outputs_->close();
}

std::optional<size_t> Scoreboard::expected_mismatches() const {
    return expected_ ? std::optional<size_t>(expected_mismatches_) : std::nullopt;
}

std::optional<double> Scoreboard::accuracy() const {
    if (!have_labels_) return std::nullopt;
    return labelled_ ? static_cast<double>(right_) / static_cast<double>(labelled_) : 0.0;
}

std::optional<KerasAgreement> Scoreboard::keras() const {
    return keras_reader_ ? std::optional<KerasAgreement>(keras_) : std::nullopt;
}

}  // namespace tlm4ml
