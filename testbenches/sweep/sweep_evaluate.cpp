#include "testbenches/sweep/sweep_evaluate.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <numeric>

#include <fmt/format.h>

#include "layers/arithmetic/conv.h"
#include "layers/arithmetic/dense.h"
#include "layers/network.h"
#include "rtl_models/clock_domain.h"
#include "rtl_models/fpga_parts.h"
#include "testbenches/report/report.h"
#include "testbenches/sample_timing.h"
#include "testbenches/stimulus.h"
#include "layers/arithmetic/reference.h"
#include "models/hls4ml/backend_profile.h"
#include "models/load_model.h"
#include "testbenches/data/mnist_idx.h"
#include "rtl_models/quantize.h"
#include "testbenches/data/sample_io.h"

namespace tlm4ml {

namespace fs = std::filesystem;

namespace {

Model load_derived(const std::string& config, const SweepPoint& point, bool all_precisions, const fs::path& file) {
    fs::create_directories(file.parent_path());
    const std::string text = derived_config_yaml(config, point, all_precisions);
    // Slurm tasks start together and share reference.yml: only a changed file is rewritten, so they never race
    // on its temporary name.
    std::ifstream old(file, std::ios::binary);
    const std::string existing((std::istreambuf_iterator<char>(old)), std::istreambuf_iterator<char>());
    if (!old || existing != text) write_file_atomically(file.string(), text);
    return load_model(file.string());
}

// The weights prune_by_magnitude may zero: a zero code exists and means a zero product.
bool prunable(const Precision& weight_t, bool exponential) { return !is_xnor_type(weight_t) && !exponential; }

// Indices of the `sparsity` fraction of smallest |w| (ties: lower index first).
std::vector<size_t> smallest(const std::vector<int64_t>& w, double sparsity) {
    std::vector<size_t> order(w.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        return std::llabs(w[a]) < std::llabs(w[b]);
    });
    order.resize(static_cast<size_t>(std::floor(sparsity * static_cast<double>(w.size()))));
    return order;
}

const Layer* find_layer(const Model& m, const std::string& name) {
    for (const auto& l : m.layers)
        if (l->name() == name) return l.get();
    return nullptr;
}

// `logits`: the class from the input of a final Softmax (softmax is monotonic). The reference model uses it:
// hls4ml's table-based softmax indexes its tables with a fixed slice of the input's bits, which at a wide
// reference precision gives nonsense, while the ideal model's class is the largest logit.
std::vector<int> predict(const Model& m, const std::vector<float>& inputs, size_t width, bool logits) {
    const size_t n = width ? inputs.size() / width : 0;
    const size_t layers = m.layers.size();
    const bool before_softmax = logits && layers >= 2 && m.layers.back()->class_name() == "Softmax" &&
                                m.inputs_of(layers - 1) == std::vector<size_t>{layers - 2};
    std::vector<int> classes(n);
    std::vector<int64_t> x(width);
    std::vector<std::vector<int64_t>> trace;
    for (size_t k = 0; k < n; ++k) {
        for (size_t i = 0; i < width; ++i) x[i] = quantize_double(inputs[k * width + i], m.input_precision);
        const auto out = forward(m, x, before_softmax ? &trace : nullptr);
        classes[k] = static_cast<int>(argmax_raw(before_softmax ? trace[layers - 2] : out));
    }
    return classes;
}

// The part a point is measured against: --part, else the point's configuration's Part; nullptr without one.
const FpgaPart* point_part(const std::string& option, const Model& m, const std::string& config) {
    const std::string part = option.empty() ? m.part : option;
    if (part.empty()) return nullptr;
    try {
        return &find_fpga_part(part);
    } catch (const UnknownPartError& e) {
        throw std::runtime_error(fmt::format("{}: {}", option.empty() ? config + ": Part" : std::string("--part"), e.what()));
    }
}

// --simulate: the point's clocked network on the first `n` samples, offered back-to-back (every cycle), with
// `tlm4ml run`'s measurements (make_report). The worker is a fresh forked process, so SystemC elaborates
// this network alone.
void simulate_point(Network& net, const std::vector<float>& inputs, size_t width, size_t n, PointResult& r) {
    const Model& m = net.model();
    std::vector<std::vector<int64_t>> samples;
    for (size_t k = 0; k < n && (k + 1) * width <= inputs.size(); ++k) {
        std::vector<int64_t> x(width);
        for (size_t i = 0; i < width; ++i) x[i] = quantize_double(inputs[k * width + i], m.input_precision);
        samples.push_back(std::move(x));
    }
    ClockDomain clock("sweep_clock", net.period());
    clock.set_run_ahead(kStandaloneRunAhead);
    Source source("sweep_source", net.input(), samples, SourceSchedule{});
    Sink sink("sweep_sink", net.output(), samples.size(), 0.0, 1);
    clock.add(source);
    net.attach(clock);
    clock.add(sink);
    constexpr uint64_t kStallCycles = 100000;  // run's --deadlock-cycles default
    clock.set_stall_limit(kStallCycles, [&] {
        uint64_t progress = sink.received();
        for (const auto& ch : net.channels()) progress += ch->stats().transfers;
        return progress;
    });
    sc_core::sc_start();
    const uint64_t end_cycle = clock.last_cycle() + 1;
    if (!sink.done())
        throw std::runtime_error(fmt::format("point {}: --simulate: the clocked network stopped after {} of {} outputs: {}",
                                             r.point.index, sink.received(), samples.size(), net.describe_stall(end_cycle)));
    for (const auto& ch : net.channels()) ch->finish(end_cycle);
    SampleTiming timing(samples.size());
    for (size_t k = 0; k < sink.received(); ++k) {
        const uint64_t s = sink.sample_of(k);
        timing.record(source.offer_cycles()[s], source.push_cycles()[s], sink.pop_cycles()[k]);
    }
    const RunReport rep = make_report(net, timing, true, "");
    r.sim_samples = samples.size();
    // The first sample's latency: the pipeline's own, before any queueing behind earlier samples (run's "first").
    if (rep.first_output_latency) r.sim_latency_cycles = *rep.first_output_latency;
    if (rep.steady_state_ii) r.sim_ii = *rep.steady_state_ii;
    for (size_t k = 0; k < sink.received(); ++k)
        if (sink.result(k) != forward(m, samples[sink.sample_of(k)])) ++r.sim_mismatches;
}

}  // namespace

size_t argmax_raw(const std::vector<int64_t>& v) {
    return static_cast<size_t>(std::max_element(v.begin(), v.end()) - v.begin());
}

nlohmann::json SweepSetup::to_json() const {
    return {{"config", config},   {"mnist", mnist}, {"mnist_scale", mnist_scale},
            {"inputs", inputs},   {"labels", labels}, {"samples", samples},
            {"reference_precision", reference_precision}, {"profile", profile},
            {"part", part}, {"simulate", simulate}};
}

SweepSetup SweepSetup::from_json(const nlohmann::json& j, const std::string& where) {
    SweepSetup s;
    try {
        s.config = j.at("config").get<std::string>();
        s.mnist = j.at("mnist").get<std::string>();
        s.mnist_scale = j.at("mnist_scale").get<double>();
        s.inputs = j.at("inputs").get<std::string>();
        s.labels = j.at("labels").get<std::string>();
        s.samples = j.at("samples").get<size_t>();
        s.reference_precision = j.at("reference_precision").get<std::string>();
        s.profile = j.at("profile").get<std::string>();
        // Sweep folders written before --part and --simulate existed: neither.
        s.part = j.value("part", std::string());
        s.simulate = j.value("simulate", size_t{0});
    } catch (const nlohmann::json::exception& e) {
        throw std::runtime_error(fmt::format("{}: setup: {}", where, e.what()));
    }
    return s;
}

void prune_by_magnitude(Model& model, const Model& reference, double sparsity) {
    if (sparsity <= 0.0) return;
    for (auto& layer : model.layers) {
        const Layer* ref = find_layer(reference, layer->name());
        if (auto* d = dynamic_cast<const DenseLayer*>(layer.get())) {
            const auto* rd = dynamic_cast<const DenseLayer*>(ref);
            DenseConfig cfg = d->config();
            if (!rd || !prunable(cfg.weight_t, cfg.weight_exponential) || rd->config().weights.size() != cfg.weights.size())
                continue;
            for (size_t k : smallest(rd->config().weights, sparsity)) cfg.weights[k] = 0;
            layer = std::make_unique<DenseLayer>(layer->name(), std::move(cfg));
        } else if (auto* c = dynamic_cast<const ConvLayer*>(layer.get())) {
            const auto* rc = dynamic_cast<const ConvLayer*>(ref);
            ConvConfig cfg = c->config();
            if (!rc || !prunable(cfg.weight_t, false) || rc->config().weights.size() != cfg.weights.size()) continue;
            for (size_t k : smallest(rc->config().weights, sparsity)) cfg.weights[k] = 0;
            layer = std::make_unique<ConvLayer>(layer->name(), std::move(cfg));
        }
    }
}

SweepContext::SweepContext(const SweepSetup& setup, const std::string& work_dir) : setup_(setup), work_dir_(work_dir) {
    SweepPoint wide;
    wide.precision = setup.reference_precision;
    reference_ = load_derived(setup.config, wide, true, fs::path(work_dir) / "reference.yml");
    width_ = reference_.input_size();
    point_part(setup.part, reference_, setup.config);  // an unknown part fails here, before any worker starts

    if (!setup.mnist.empty()) {
        const IdxImages im = read_idx_images(mnist_file(setup.mnist, "t10k-images-idx3-ubyte"), setup.samples);
        const std::vector<uint8_t> lab = read_idx_labels(mnist_file(setup.mnist, "t10k-labels-idx1-ubyte"), setup.samples);
        if (lab.size() != im.count)
            throw std::runtime_error(fmt::format("{}: {} images but {} labels", setup.mnist, im.count, lab.size()));
        if (im.rows * im.cols != width_)
            throw std::runtime_error(fmt::format("{}: images have {} pixels, the model takes {} inputs", setup.mnist,
                                                 im.rows * im.cols, width_));
        inputs_.resize(im.pixels.size());
        for (size_t i = 0; i < im.pixels.size(); ++i)
            inputs_[i] = static_cast<float>(im.pixels[i] / setup.mnist_scale);
        labels_.assign(lab.begin(), lab.end());
    } else {
        // Text -> float -> input type, as hls4ml's testbench (and read_samples) convert.
        for (const auto& row : read_real_rows(setup.inputs, width_, setup.samples))
            for (double v : row) inputs_.push_back(static_cast<float>(v));
        const size_t n = width_ ? inputs_.size() / width_ : 0;
        if (!setup.labels.empty()) {
            std::vector<std::vector<double>> rows;
            try {
                rows = read_real_rows(setup.labels, 1, n);
            } catch (const SampleFileError&) {
                rows = read_real_rows(setup.labels, reference_.output_size(), n);
            }
            if (rows.size() != n)
                throw std::runtime_error(fmt::format("{}: {} labels for {} samples in {}", setup.labels, rows.size(), n, setup.inputs));
            for (const auto& r : rows) {
                const double c = r.size() == 1 ? r[0] : static_cast<double>(std::max_element(r.begin(), r.end()) - r.begin());
                if (c < 0 || c >= static_cast<double>(reference_.output_size()) || c != std::floor(c))
                    throw std::runtime_error(fmt::format("{}: label {} is not a class of the model's {} outputs",
                                                         setup.labels, c, reference_.output_size()));
                labels_.push_back(static_cast<int>(c));
            }
        }
    }

    // The reference predictions cost as much as a point: computed once per sweep folder.
    const fs::path cache = fs::path(work_dir) / "reference_predictions.json";
    const nlohmann::json key = setup.to_json();
    if (fs::exists(cache)) {
        std::ifstream f(cache);
        const nlohmann::json j = nlohmann::json::parse(f, nullptr, false);
        if (j.is_object() && j.value("setup", nlohmann::json()) == key && j.contains("predictions"))
            predictions_ = j["predictions"].get<std::vector<int>>();
    }
    const size_t n = width_ ? inputs_.size() / width_ : 0;
    if (predictions_.size() != n) {
        predictions_ = predict(reference_, inputs_, width_, true);
        write_file_atomically(cache.string(), nlohmann::json{{"setup", key}, {"predictions", predictions_}}.dump() + "\n");
    }
}

PointResult SweepContext::evaluate(const SweepPoint& point) const {
    Model m = load_derived(setup_.config, point, false,
                           fs::path(work_dir_) / "points" / fmt::format("point_{:04}.yml", point.index));
    if (m.input_size() != width_)
        throw std::runtime_error(fmt::format("point {}: the model takes {} inputs, the reference {}", point.index,
                                             m.input_size(), width_));
    // hls4ml ignores LayerName entries that match no layer; a sweep over one would measure nothing.
    if (point.precision_at.rfind("LayerName.", 0) == 0) {
        const std::string want = point.precision_at.substr(10);
        std::string names;
        bool found = false;
        for (const auto& l : m.layers) {
            std::string a = l->name(), b = want;
            std::transform(a.begin(), a.end(), a.begin(), ::tolower);
            std::transform(b.begin(), b.end(), b.begin(), ::tolower);
            found = found || a == b;
            names += (names.empty() ? "" : ", ") + l->name();
        }
        if (!found)
            throw std::runtime_error(fmt::format("--precision-at {}: no layer of that name (the layers: {})",
                                                 point.precision_at, names));
    }
    prune_by_magnitude(m, reference_, point.sparsity);

    PointResult r;
    r.point = point;
    r.precision = m.default_precision.str();
    r.reuse_factor = m.default_reuse_factor;
    r.strategy = to_string(m.strategy);
    r.io_type = m.io_type == IoType::Stream ? "io_stream" : "io_parallel";

    const std::vector<int> classes = predict(m, inputs_, width_, false);
    r.samples = classes.size();
    size_t agree = 0, right = 0;
    for (size_t k = 0; k < classes.size(); ++k) {
        agree += classes[k] == predictions_[k] ? 1 : 0;
        if (!labels_.empty()) right += classes[k] == labels_[k] ? 1 : 0;
    }
    const double n = static_cast<double>(std::max<size_t>(classes.size(), 1));
    r.agreement = static_cast<double>(agree) / n;
    if (!labels_.empty()) r.accuracy = static_cast<double>(right) / n;

    // As `run` chooses it: --profile, else the point's Backend (models/hls4ml/backend_profile.h).
    const DeviceProfile profile = choose_device_profile(setup_.profile, m).profile;
    for (const auto& l : m.layers) {
        if (auto* d = dynamic_cast<const DenseLayer*>(l.get())) {
            r.zero_weights += d->zero_weights();
            r.weights += d->config().weights.size();
        } else if (auto* c = dynamic_cast<const ConvLayer*>(l.get())) {
            r.zero_weights += c->cost_inputs().n_zero_weights;
            r.weights += c->config().weights.size();
        }
    }
    Network net("sweep_point", m, profile);
    // Resources as `run` reports them: each module's cost (io_stream: with its FIFO and line buffers).
    for (const Clocked* part : net.parts()) {
        const LayerTiming* t = nullptr;
        if (auto* lm = dynamic_cast<const LayerModule*>(part)) t = &lm->timing();
        else if (auto* sm = dynamic_cast<const StreamModule*>(part)) t = &sm->timing();
        if (!t) continue;
        r.dsp += t->dsp;
        r.lut += t->lut;
        r.ff += t->ff;
        r.bram18 += t->bram18;
    }
    r.latency_cycles = net.expected_latency();
    r.ii = net.expected_ii();
    r.latency_ns = r.latency_cycles * m.clock_period_ns;

    if (const FpgaPart* part = point_part(setup_.part, m, setup_.config)) {
        auto pct = [](size_t used, size_t capacity) { return 100.0 * static_cast<double>(used) / static_cast<double>(capacity); };
        r.part = part->device;
        r.dsp_percent = pct(r.dsp, part->dsp);
        r.lut_percent = pct(r.lut, part->lut);
        r.ff_percent = pct(r.ff, part->ff);
        r.bram18_percent = pct(r.bram18, part->bram18);
        r.fits = r.dsp <= part->dsp && r.lut <= part->lut && r.ff <= part->ff && r.bram18 <= part->bram18;
    }
    if (setup_.simulate > 0) simulate_point(net, inputs_, width_, setup_.simulate, r);
    return r;
}

}  // namespace tlm4ml
