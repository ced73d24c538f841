#include "testbenches/cli/run_command.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <fstream>
#include <functional>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <memory>
#include <limits>
#include <random>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <systemc>

#include "layers/network.h"
#include "layers/arithmetic/reference.h"
#include "models/load_model.h"
#include "models/hls4ml/backend_profile.h"
#include "layers/arithmetic/overflow_profile.h"
#include "testbenches/data/mnist_idx.h"
#include "rtl_models/quantize.h"
#include "testbenches/ii_harness.h"
#include "testbenches/cli/interrupt.h"
#include "testbenches/cli/option_checks.h"
#include "testbenches/cli/output_files.h"
#include "testbenches/cli/progress.h"
#include "testbenches/cli/scoreboard.h"
#include "testbenches/cli/simulation_loop.h"
#include "rtl_models/fpga_parts.h"
#include "testbenches/report/report.h"
#include "testbenches/data/sample_io.h"
#include "testbenches/data/sample_reader.h"
#include "testbenches/data/sample_stream.h"
#include "testbenches/data/sample_writer.h"
#include "testbenches/stimulus.h"
#include "testbenches/waveforms/waveform.h"

namespace tlm4ml {

CLI::App* add_run_command(CLI::App& app, RunOptions& o) {
    auto* run = app.add_subcommand("run", "Simulate the clocked network: latency, II per layer, FIFO occupancy");
    run->add_option("model", o.model, "Model file (tlm4ml JSON) or hls4ml configuration (.yml)")->required();
    run->add_option("--inputs", o.inputs,
                    "Input samples, one per line (default: --samples seeded random samples in [-4, 4))");
    run->add_option("--outputs", o.outputs, "Write the timed network's outputs here (predict's format)");
    run->add_option("--expected", o.expected, "Expected outputs, one line per sample; compared exactly or within --tolerance");
    run->add_option("--tolerance", o.tolerance, "Absolute tolerance for --expected (default 0: exact)")
        ->check(finite_in(0, std::numeric_limits<double>::max()));
    run->add_option("--labels", o.labels,
                    "Labels: one class index per line, or one-hot / score rows (argmax); reports accuracy");
    run->add_option("--mnist", o.mnist,
                    "MNIST folder: feed the t10k test images (idx3/idx1, gzip'ed), report accuracy against their "
                    "labels (with --samples K: the first K)");
    run->add_option("--mnist-scale", o.mnist_scale,
                    "MNIST input = pixel / this (default 256, as QKeras' MNIST examples train)")
        ->check(finite_in(1e-300, std::numeric_limits<double>::max()));
    run->add_option("--report", o.report, "Write the report as JSON ('-': standard output)");
    auto* vcd = run->add_option("--vcd", o.vcd, "Write a waveform: VCD, or FST when the name ends in .fst (and a "
                                                ".gtkw save file next to it)");
    run->add_option("--trace-filter", o.trace_filter,
                    "Comma-separated glob patterns of layer / channel names to trace (default: all)")
        ->needs(vcd);
    run->add_option("--trace-elements", o.trace_elements,
                    "Trace the real values of at most N elements per channel (default 4; 0: every element)")
        ->check(kNonNegativeInteger)
        ->needs(vcd);
    run->add_flag("--trace-raw", o.trace_raw, "Also trace each traced element's raw integer")->needs(vcd);
    run->add_option("--profile", o.profile,
                    "Device profile: a JSON file, or 'vitis' (Vitis HLS 2024.1) or 'vivado2019' (default: the model's "
                    "Backend, Vivado -> vivado2019, Vitis -> vitis; vitis when it names none)");
    run->add_option("--part", o.part,
                    "FPGA part for the resources as % of its capacity, e.g. xcvu9p-flga2577-2-e (default: the "
                    "configuration's Part)");
    run->add_flag("--overflow-profile", o.overflow_profile,
                  "Count, per layer, the values a saturating or wrapping cast changed (runs a widened copy of the "
                  "model beside the reference check, about doubling its cost)");
    run->add_flag("--check-ii", o.check_ii,
                  "Fail (exit 3) unless every layer's measured II equals its expected II");
    auto* rate = run->add_option("--rate", o.rate, "Offer a new input every N cycles (default 1)")
                     ->check(kNonNegativeInteger)
                     ->check(CLI::Range(1, 1 << 30));
    run->add_option("--poisson", o.poisson_mean, "Offer inputs at random times: exponential gaps of this mean (cycles)")
        ->check(finite_in(0, 1e12))
        ->excludes(rate);
    run->add_option("--backpressure", o.backpressure, "Probability that the sink refuses an output in a cycle")
        ->check(finite_in(0.0, 0.99));
    run->add_option("--seed", o.seed, "Seed for random inputs, arrivals and back-pressure (default 1)")
        ->check(kNonNegativeInteger)
        ->check(CLI::Range(0.0, 4294967295.0));
    run->add_option("--samples", o.samples, "Use only the first K samples (random inputs: how many, default 100)")
        ->check(kNonNegativeInteger);
    run->add_option("--deadlock-cycles", o.deadlock_cycles,
                    "Stop and report after this many evaluated cycles without any transfer (default 100000)")
        ->check(kNonNegativeInteger);
    run->add_flag("--quiet", o.quiet, "Print only the summary lines, not the per-layer table");
    run->add_option("--fifo-depths", o.fifo_depths,
                    "io_stream FIFO depths: a JSON file {\"layer\": depth} (the input FIFO is named after the input), "
                    "or 'auto': simulate with unbounded FIFOs, write the depths each needed to --fifo-depths-out, "
                    "re-run with them and report whether latency and II are unchanged");
    run->add_option("--fifo-depths-out", o.fifo_depths_out, "Where --fifo-depths auto writes the depths (default "
                                                            "fifo_depths.json)");
    // The re-run of --fifo-depths auto: no warnings a second time, its own label on the progress bar.
    run->add_flag("--sized-rerun", o.sized_rerun)->group("");
    return run;
}

namespace {

// MNIST's images, each quantized as the source pushes it: pixel / scale -> input type.
class MnistSamples : public SampleStream {
public:
    MnistSamples(const IdxImages& images, double scale, const Precision& p) : im_(images), scale_(scale), p_(p) {}
    size_t size() const override { return im_.count; }
    void read(std::vector<int64_t>& out) override {
        const size_t px = im_.rows * im_.cols;
        out.resize(px);
        for (size_t i = 0; i < px; ++i) out[i] = quantize_double(im_.pixels[next_ * px + i] / scale_, p_);
        ++next_;
    }

private:
    const IdxImages& im_;
    double scale_;
    Precision p_;
    size_t next_ = 0;
};

// A depths file: {"fifo name": depth, ...}, depths >= 1.
std::map<std::string, size_t> read_fifo_depths(const std::string& path) {
    std::ifstream f(path);
    if (!f) throw std::runtime_error(fmt::format("{}: cannot open the FIFO depths file", path));
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(f);
    } catch (const nlohmann::json::exception& e) {
        throw std::runtime_error(fmt::format("{}: malformed JSON: {}", path, e.what()));
    }
    if (!j.is_object()) throw std::runtime_error(fmt::format("{}: expected an object {{\"fifo\": depth}}", path));
    std::map<std::string, size_t> out;
    for (auto it = j.begin(); it != j.end(); ++it) {
        if (!it->is_number_integer() || it->get<int64_t>() < 1)
            throw std::runtime_error(fmt::format("{}: {}: expected a depth >= 1, got {}", path, it.key(), it->dump()));
        out[it.key()] = static_cast<size_t>(it->get<int64_t>());
    }
    return out;
}

// Runs this program again with the same arguments but --fifo-depths FILE (and a report to compare), since
// SystemC elaborates a design only once per process. Its standard error is ours (its progress bar and its
// errors); SIGINT / SIGTERM reach it through interrupt.h. Returns the re-run's report, or null on failure.
nlohmann::json rerun_with_depths(const RunOptions& o, const std::string& depths_file) {
    std::vector<std::string> args = {std::filesystem::read_symlink("/proc/self/exe").string()};
    for (size_t i = 1; i < o.argv.size(); ++i) {
        const std::string& a = o.argv[i];
        // Drop what the re-run must not repeat: the auto sizing, outputs, waveforms and the report.
        if (a == "--fifo-depths" || a == "--fifo-depths-out" || a == "--outputs" || a == "--report" || a == "--vcd" ||
            a == "--trace-filter" || a == "--trace-elements") {
            ++i;
            continue;
        }
        bool drop = false;
        for (const char* p : {"--fifo-depths=", "--outputs=", "--report=", "--vcd=", "--fifo-depths-out=",
                              "--trace-filter=", "--trace-elements="})
            drop = drop || a.rfind(p, 0) == 0;
        if (!drop) args.push_back(a);
    }
    // The re-run's report: a temporary of ours (removed on interrupt), which the child replaces.
    const char* tmpdir = std::getenv("TMPDIR");
    std::string pattern = std::string(tmpdir && *tmpdir ? tmpdir : "/tmp") + "/tlm4ml-rerun-XXXXXX";
    std::vector<char> name(pattern.begin(), pattern.end());
    name.push_back('\0');
    const int fd = mkstemp(name.data());
    if (fd < 0) throw std::runtime_error(fmt::format("--fifo-depths auto: cannot create a temporary in {}", pattern));
    close(fd);
    const std::string report(name.data());
    const size_t handle = register_temporary(report);
    for (const char* a : {"--fifo-depths", depths_file.c_str(), "--report", report.c_str(), "--quiet", "--sized-rerun"})
        args.emplace_back(a);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none, block, old;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
    // No signal between the spawn and the handler learning the child's id.
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigprocmask(SIG_BLOCK, &block, &old);
    pid_t pid = 0;
    const int err = posix_spawn(&pid, argv[0], &actions, &attr, argv.data(), environ);
    if (err == 0) set_child_process(pid);
    sigprocmask(SIG_SETMASK, &old, nullptr);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    nlohmann::json r;
    if (err == 0) {
        int status = 0;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        set_child_process(0);
        std::ifstream f(report);
        if (f) r = nlohmann::json::parse(f, nullptr, false);
    }
    std::remove(report.c_str());
    forget_temporary(handle);
    return r.is_discarded() ? nlohmann::json() : r;
}

}  // namespace

int run_command(const RunOptions& o) {
    if (o.sized_rerun) set_interrupt_silent(true);
    const bool auto_fifos = o.fifo_depths == "auto";
    if (!o.fifo_depths_out.empty() && !auto_fifos)
        throw UsageError("--fifo-depths-out is where --fifo-depths auto writes the depths: give --fifo-depths auto");
    if (!o.mnist.empty() && (!o.inputs.empty() || !o.labels.empty()))
        throw UsageError("--mnist gives the inputs and the labels: drop --inputs / --labels");
    set_activity("loading " + o.model);
    Model model = load_model(o.model);
    if (!o.sized_rerun)
        for (const auto& w : model.warnings) std::cerr << "warning: " << w << "\n";
    // The part the resources are measured against: --part, else the configuration's Part.
    const FpgaPart* fpga_part = nullptr;
    if (const std::string part = o.part.empty() ? model.part : o.part; !part.empty()) {
        try {
            fpga_part = &find_fpga_part(part);
        } catch (const UnknownPartError& e) {
            throw std::runtime_error(fmt::format("{}: {}", o.part.empty() ? o.model + ": Part" : std::string("--part"), e.what()));
        }
    }
    if (!o.fifo_depths.empty()) {
        if (model.io_type != IoType::Stream)
            throw std::runtime_error(fmt::format("--fifo-depths: {} is io_parallel; FIFO depths apply to io_stream", o.model));
        if (auto_fifos) {
            // Unbounded FIFOs: every one holds whatever the schedule puts in it.
            model.fifo_depths.clear();
            model.default_fifo_depth = size_t{1} << 40;
        } else {
            const std::vector<std::string> known = fifo_names(model);  // layers', the input's, clone outputs'
            for (const auto& [name, depth] : read_fifo_depths(o.fifo_depths)) {
                if (std::find(known.begin(), known.end(), name) == known.end()) {
                    std::string list;
                    for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
                    throw std::runtime_error(
                        fmt::format("{}: {}: no FIFO of that name in {} (the FIFOs: {})", o.fifo_depths, name, o.model, list));
                }
                model.fifo_depths[name] = depth;
            }
        }
    }

    // --profile, else the model's Backend (models/hls4ml/backend_profile.h); ClockUncertainty on top.
    const ProfileChoice profile_choice = choose_device_profile(o.profile, model);
    const DeviceProfile& profile = profile_choice.profile;
    for (const auto& n : profile_choice.notes) std::cerr << "note: " << n << "\n";

    // The inputs are pulled one sample at a time as the source pushes them (flat memory over any number of
    // samples); the --check-ii benches get the first few from a second stream over the same inputs.
    IdxImages mnist_images;
    std::vector<size_t> mnist_labels;
    std::function<std::unique_ptr<SampleStream>(size_t)> open_samples;  // at most n samples (0: all)
    // hls4ml's OutputPredictions go with its InputData: compared only when the inputs are InputData's.
    bool inputs_from_yaml = false;
    set_activity("reading the samples");
    if (!o.mnist.empty()) {
        const IdxImages im = read_idx_images(mnist_file(o.mnist, "t10k-images-idx3-ubyte"), o.samples);
        const std::vector<uint8_t> lab = read_idx_labels(mnist_file(o.mnist, "t10k-labels-idx1-ubyte"), o.samples);
        if (lab.size() != im.count)
            throw std::runtime_error(fmt::format("{}: {} images but {} labels", o.mnist, im.count, lab.size()));
        const size_t px = im.rows * im.cols;
        if (px != model.input_size())
            throw std::runtime_error(fmt::format("{}: images have {} pixels, the model takes {} inputs", o.mnist, px,
                                                 model.input_size()));
        mnist_images = std::move(im);
        mnist_labels.assign(lab.begin(), lab.end());
        open_samples = [&](size_t) -> std::unique_ptr<SampleStream> {
            return std::make_unique<MnistSamples>(mnist_images, o.mnist_scale, model.input_precision);
        };
    } else if (o.inputs.empty() && model.input_data_path.empty()) {
        const size_t count = o.samples ? o.samples : 100;
        open_samples = [&, count](size_t n) -> std::unique_ptr<SampleStream> {
            return std::make_unique<RandomSamples>(n ? std::min(n, count) : count, model.input_size(),
                                                   model.input_precision, o.seed);
        };
        if (!o.sized_rerun)
            std::cerr << fmt::format("note: no --inputs: {} random samples in [-4, 4), seed {}\n", count, o.seed);
    } else {
        // Without --inputs, the YAML's InputData (hls4ml's testbench input file).
        inputs_from_yaml = o.inputs.empty();
        const std::string path = inputs_from_yaml ? model.input_data_path : o.inputs;
        open_samples = [&, path](size_t n) -> std::unique_ptr<SampleStream> {
            const size_t cap = n && o.samples ? std::min(n, o.samples) : std::max(n, o.samples);
            return std::make_unique<FileSamples>(path, model.input_size(), model.input_precision, cap);
        };
    }
    std::unique_ptr<SampleStream> samples = open_samples(0);
    const size_t sample_count = samples->size();
    // Read alongside the outputs; opened (and their headers checked) before the simulation.
    std::unique_ptr<RowReader> expected, labels, keras_predictions;
    if (!o.expected.empty()) expected = RowReader::open(o.expected, model.output_size(), sample_count);
    if (!o.labels.empty()) labels = RowReader::open(o.labels, 0, sample_count);
    if (o.expected.empty() && inputs_from_yaml && !model.output_predictions_path.empty())
        keras_predictions = open_output_predictions(model.output_predictions_path, model.output_size(), sample_count);
    // Every file of the command appears at the end, all together, or none does.
    OutputFiles files;
    if (o.vcd == "-") throw UsageError("--vcd -: the waveform needs a file (standard output carries the report)");
    const std::string vcd_temporary = o.vcd.empty() ? "" : files.stage(o.vcd, true);
    const std::string outputs_temporary = o.outputs.empty() ? "" : files.stage(o.outputs);
    const std::string report_temporary = o.report.empty() ? "" : files.stage(o.report);
    // A waveform written into a device or a pipe gets no save file beside it.
    std::error_code no_throw;
    const bool gtkw = !o.vcd.empty() && (!std::filesystem::exists(o.vcd, no_throw) ||
                                         std::filesystem::is_regular_file(o.vcd, no_throw));

    set_activity("building the network");
    // Elaboration: one clock domain evaluates the source, the layers in network order and the sink.
    Network net("tlm4ml", model, profile);
    ClockDomain clock("clock", net.period());
    clock.set_run_ahead(kStandaloneRunAhead);  // nothing but this network runs in the simulation
    SourceSchedule sched;
    sched.every_n_cycles = o.rate;
    sched.poisson_mean = o.poisson_mean;
    sched.seed = o.seed;
    Source source("source", net.input(), *samples, sched);
    Scoreboard scoreboard(model, o.model, source, sample_count);
    if (expected) scoreboard.compare_expected(std::move(expected), o.tolerance);
    if (labels) scoreboard.score_labels(std::move(labels));
    if (!mnist_labels.empty()) scoreboard.score_label_indices(std::move(mnist_labels));
    if (o.overflow_profile) scoreboard.profile_overflows();
    if (keras_predictions) scoreboard.compare_keras(std::move(keras_predictions));
    if (!o.outputs.empty())
        scoreboard.write_outputs(std::make_unique<RowWriter>(outputs_temporary, o.outputs, model.output_size()));
    Sink sink("sink", net.output(), sample_count, o.backpressure, o.seed,
              [&](const Token& t, uint64_t cycle) { scoreboard.on_output(t, cycle); });
    // SystemC's time is 64-bit picoseconds (about 213 days); a schedule beyond it would wrap.
    if (sample_count > 0) {
        const double last_offer_s = static_cast<double>(source.last_offer_cycle()) * net.period().to_seconds();
        if (last_offer_s >= 0.5 * sc_core::sc_max_time().to_seconds())
            throw std::runtime_error(fmt::format(
                "{}: the last sample would be offered at {:.3g} s of simulated time (cycle {} at {} ns), beyond what "
                "SystemC represents (2^64 ps, about 213 days): use a smaller --rate / --poisson or fewer --samples",
                o.poisson_mean > 0 ? "--poisson" : "--rate", last_offer_s, source.last_offer_cycle(),
                model.clock_period_ns));
    }
    clock.add(source);
    net.attach(clock);
    clock.add(sink);
    // --check-ii: every layer also runs on a private bench, fed back-to-back (testbenches/ii_harness.h).
    std::unique_ptr<IsolatedIiHarness> ii_harness;
    if (o.check_ii) {
        const size_t n = net.streaming() ? IsolatedIiHarness::kStreamSamples : IsolatedIiHarness::kParallelSamples;
        const std::unique_ptr<SampleStream> first = open_samples(n);
        std::vector<std::vector<int64_t>> head(std::min(n, first->size()));
        for (auto& s : head) first->read(s);
        ii_harness = std::make_unique<IsolatedIiHarness>(net, head);
        ii_harness->attach(clock);
    }
    std::unique_ptr<WaveformTracer> tracer;
    if (!o.vcd.empty()) {
        TraceOptions to;
        to.vcd_path = o.vcd;
        to.write_path = vcd_temporary;
        to.filter = o.trace_filter;
        to.max_elements = o.trace_elements;
        to.raw = o.trace_raw;
        tracer = std::make_unique<WaveformTracer>(net, clock, to);
        if (!o.trace_filter.empty() && !tracer->traces_anything()) {
            std::string names;
            for (const auto& n : tracer->traceable_names()) names += (names.empty() ? "" : ", ") + n;
            throw std::runtime_error(fmt::format("--trace-filter {}: matches no layer or channel of {} (the names: {})",
                                         o.trace_filter, o.model, names));
        }
    }
    // A network that keeps evaluating cycles without a single transfer is stopped, not waited on.
    clock.set_stall_limit(o.deadlock_cycles, [&] {
        return sink.received() + net.transfers() + (ii_harness ? ii_harness->progress() : 0);
    });

    // The simulation ends when no part has anything left to do: finished, or stuck.
    const auto wall_start = std::chrono::steady_clock::now();
    {
        ProgressBar bar(o.sized_rerun ? "re-running with the sized FIFOs" : "simulating " + model.name,
                        sample_count);
        simulate_until_idle(net.period(), [&] { return sink.received(); }, bar);
    }
    // The simulation's own time: the scoreboard's checks, made as outputs leave, are not the simulator's.
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count() -
                        scoreboard.seconds();
    // A bench of the II harness that stops leaves its layer unmeasured (which fails --check-ii), not the
    // network deadlocked.
    const bool deadlock = !sink.done();
    const uint64_t end_cycle = clock.last_cycle() + 1;
    for (const auto& ch : net.channels()) ch->finish(end_cycle);

    scoreboard.finish();
    RunReport report = make_report(net, scoreboard.timing(),
                                   o.rate == 1 && o.poisson_mean == 0 && o.backpressure == 0, profile.name);
    report.part = fpga_part;
    report.profile_source = profile_choice.source;
    report.clock_uncertainty = profile_choice.uncertainty_source;
    report.total_cycles = scoreboard.timing().last_pop() ? *scoreboard.timing().last_pop() + 1 : end_cycle;
    report.evaluated_cycles = clock.evaluated_cycles();
    report.sim_wall_seconds = wall;
    if (ii_harness) {
        const std::vector<IsolatedIi> iso = ii_harness->results();
        for (size_t i = 0; i < report.layers.size(); ++i) {
            LayerReport& l = report.layers[i];
            if (i >= iso.size() || iso[i].layer != l.name)
                throw std::logic_error("--check-ii: the isolated benches are out of step with the report's layers");
            l.isolated_ii = iso[i].ii;
            l.isolated_note = iso[i].note;
        }
    }
    if (deadlock) {
        report.deadlock = true;
        report.deadlock_detail = net.describe_stall(end_cycle);
    }

    if (auto_fifos) {
        // Each FIFO needs as many slots as it held right after a push (its producer acts before its consumer).
        nlohmann::json depths = nlohmann::json::object();
        std::map<std::string, size_t> sized;  // by channel name, for the report's rows
        for (const auto& ch : net.channels()) {
            if (!net.is_fifo(*ch)) continue;
            const size_t depth = std::max<size_t>(1, ch->stats().peak_occupancy);
            depths[net.fifo_owner(*ch)] = depth;
            sized[ch->name()] = depth;
        }
        for (auto& row : report.layers)
            for (auto& f : row.outputs)
                if (auto it = sized.find(f.name); it != sized.end()) {
                    f.unbounded = true;
                    f.sized_depth = it->second;
                }
        report.fifo_sizing_run = true;
        // The re-run reads the depths from their temporary; they appear under their name with the rest.
        const std::string depths_out = o.fifo_depths_out.empty() ? "fifo_depths.json" : o.fifo_depths_out;
        const std::string depths_file = files.stage(depths_out);
        {
            std::ofstream f(depths_file, std::ios::trunc);
            f << depths.dump(2) << "\n";
            if (!f.flush()) throw std::runtime_error(fmt::format("{}: write failed", depths_out));
        }
        set_activity("re-running with the sized FIFOs");
        const nlohmann::json again = rerun_with_depths(o, depths_file);
        report.fifo_sizing = fmt::format("depths written to {}", depths_out);
        if (again.is_null()) {
            report.fifo_sizing += "; the re-run with them failed";
            report.fifo_sizing_ok = false;
        } else {
            const auto lat = again["latency"]["first_output_cycles"], ii = again["ii"]["steady_state"];
            const bool same_lat = report.first_output_latency && lat.is_number() && lat.get<uint64_t>() == *report.first_output_latency;
            const bool same_ii = (!report.steady_state_ii && ii.is_null()) ||
                                 (report.steady_state_ii && ii.is_number() && ii.get<double>() == *report.steady_state_ii);
            const bool same_total = again["total_cycles"].is_number() && again["total_cycles"].get<uint64_t>() == report.total_cycles;
            report.fifo_sizing_ok = same_lat && same_ii && same_total;
            report.fifo_sizing += report.fifo_sizing_ok
                                      ? "; re-run with them: latency, II and total cycles unchanged"
                                      : fmt::format("; re-run with them CHANGED: first-output latency {} -> {}, total cycles {} -> {}",
                                                    report.first_output_latency ? *report.first_output_latency : 0,
                                                    lat.dump(), report.total_cycles, again["total_cycles"].dump());
        }
    }

    // The scoreboard checked every output as it left (against the untimed reference, the expected file, the
    // labels): its counts go into the report.
    report.reference_mismatches = scoreboard.reference_mismatches();
    report.first_mismatch = scoreboard.first_mismatch();
    report.expected_mismatches = scoreboard.expected_mismatches();
    // In the summary's `overflow` line and the JSON (predict warns instead, having no summary).
    if (scoreboard.overflows()) report.overflows = scoreboard.overflows()->layers();
    if (const auto accuracy = scoreboard.accuracy()) {
        report.labelled = scoreboard.labelled();
        report.accuracy = *accuracy;
    }
    if (const auto keras = scoreboard.keras()) report.keras = keras->figures();

    std::string ii_failures;
    if (o.check_ii) {
        ii_failures = ii_check_failures(report.layers);
        report.check_ii_passed = ii_failures.empty();
    }

    set_activity("writing the output files");
    if (tracer) {
        const std::string gtkw_text = tracer->finish();
        if (gtkw) files.stage_text(tracer->gtkw_path(), gtkw_text, true);
    }
    if (!o.report.empty()) OutputFiles::write_text(report_temporary, report.to_json().dump(2) + "\n", o.report);
    files.commit();

    const std::string table = report.to_table(o.quiet);
    std::cout << table;
    if (const auto keras = scoreboard.keras()) std::cout << keras->summary() << "\n";
    if (tracer)
        std::cout << fmt::format("waveform     {}{} ({} signals)\n", o.vcd, gtkw ? " and " + tracer->gtkw_path() : "",
                                 tracer->traced_signals());

    int rc = 0;
    if (report.reference_mismatches) {
        std::cerr << "error: the timed network disagrees with the untimed reference: " << report.first_mismatch << "\n";
        rc = 3;
    }
    if (report.expected_mismatches && *report.expected_mismatches) {
        std::cerr << fmt::format("error: {} outputs differ from {}\n", *report.expected_mismatches, o.expected);
        rc = 3;
    }
    if (deadlock) {
        std::cerr << "error: deadlock: " << report.deadlock_detail << "\n";
        rc = 3;
    }
    if (auto_fifos && !report.fifo_sizing_ok) {
        std::cerr << "error: --fifo-depths auto: " << report.fifo_sizing << "\n";
        rc = 3;
    }
    if (o.check_ii) {
        const std::string& bad = ii_failures;
        if (!bad.empty()) {
            std::cerr << "error: --check-ii failed:" << bad << "\n";
            rc = 3;
        } else {
            std::cout << fmt::format("check-ii     all {} layers: measured II equals expected II\n",
                                     report.layers.size());
        }
    }
    return rc;
}

}  // namespace tlm4ml
