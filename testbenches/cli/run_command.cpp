#include "testbenches/cli/run_command.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <fstream>
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
#include "layers/arithmetic/overflow_profile.h"
#include "testbenches/data/mnist_idx.h"
#include "rtl_models/quantize.h"
#include "testbenches/ii_harness.h"
#include "testbenches/cli/interrupt.h"
#include "testbenches/cli/option_checks.h"
#include "testbenches/cli/output_files.h"
#include "testbenches/cli/progress.h"
#include "testbenches/cli/simulation_loop.h"
#include "rtl_models/fpga_parts.h"
#include "testbenches/report/report.h"
#include "testbenches/data/sample_io.h"
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
                    "Device profile: a JSON file, or 'vitis' (Vitis HLS 2024.1, default) or 'vivado2019'");
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

std::vector<std::vector<int64_t>> random_samples(const Model& m, size_t count, unsigned seed) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> u(-4.0, 4.0);
    std::vector<std::vector<int64_t>> out(count, std::vector<int64_t>(m.input_size()));
    for (auto& s : out)
        for (auto& v : s) v = quantize_double(u(rng), m.input_precision);
    return out;
}

size_t argmax(const std::vector<double>& v) {
    size_t b = 0;
    for (size_t i = 1; i < v.size(); ++i)
        if (v[i] > v[b]) b = i;
    return b;
}

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

// --labels: one class index per line must be an integer in [0, n_classes). Names the file, its line and the
// value (blank lines are skipped by the reader, so rows are mapped back to lines here).
void check_label_indices(const std::string& path, const std::vector<std::vector<double>>& labels, size_t n_classes) {
    std::vector<size_t> line_of_row;
    std::ifstream f(path);
    std::string line;
    for (size_t no = 1; std::getline(f, line); ++no)
        if (line.find_first_not_of(" \t\r,") != std::string::npos) line_of_row.push_back(no);
    for (size_t k = 0; k < labels.size(); ++k) {
        const double v = labels[k][0];
        if (v >= 0 && v < static_cast<double>(n_classes) && v == std::floor(v)) continue;
        throw std::runtime_error(fmt::format("{}: line {}: label {} is not a class index (an integer in [0, {}))", path,
                                             k < line_of_row.size() ? line_of_row[k] : k + 1, v, n_classes));
    }
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

    DeviceProfile profile;
    if (o.profile.empty() || o.profile == "vitis") profile = DeviceProfile::vitis_default();
    else if (o.profile == "vivado2019") profile = DeviceProfile::vivado_2019();
    else profile = DeviceProfile::load(o.profile);
    if (model.clock_uncertainty) profile.clock_uncertainty = *model.clock_uncertainty;  // the YAML's ClockUncertainty

    std::vector<std::vector<int64_t>> samples;
    std::vector<std::vector<double>> expected, labels;
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
        samples.assign(im.count, std::vector<int64_t>(px));
        labels.assign(im.count, std::vector<double>(1));
        for (size_t k = 0; k < im.count; ++k) {
            for (size_t i = 0; i < px; ++i)
                samples[k][i] = quantize_double(im.pixels[k * px + i] / o.mnist_scale, model.input_precision);
            labels[k][0] = lab[k];
        }
    } else if (o.inputs.empty() && model.input_data_path.empty()) {
        samples = random_samples(model, o.samples ? o.samples : 100, o.seed);
        if (!o.sized_rerun)
            std::cerr << fmt::format("note: no --inputs: {} random samples in [-4, 4), seed {}\n", samples.size(), o.seed);
    } else {
        // Without --inputs, the YAML's InputData (hls4ml's testbench input file).
        samples = read_samples(o.inputs.empty() ? model.input_data_path : o.inputs, model.input_size(),
                               model.input_precision, o.samples);
    }
    if (!o.expected.empty()) expected = read_real_rows(o.expected, model.output_size(), samples.size());
    if (!o.labels.empty()) {
        // One class index per line, or one row of n_out scores per line.
        try {
            labels = read_real_rows(o.labels, 1, samples.size());
        } catch (const SampleFileError& as_index) {
            try {
                labels = read_real_rows(o.labels, model.output_size(), samples.size());
            } catch (const SampleFileError& as_scores) {
                throw SampleFileError(fmt::format("{}: neither one class index per line ({}) nor rows of {} scores ({})",
                                                  o.labels, as_index.what(), model.output_size(), as_scores.what()));
            }
        }
        if (!labels.empty() && labels.front().size() == 1) check_label_indices(o.labels, labels, model.output_size());
    }
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
    SourceSchedule sched;
    sched.every_n_cycles = o.rate;
    sched.poisson_mean = o.poisson_mean;
    sched.seed = o.seed;
    Source source("source", net.input(), samples, sched);
    Sink sink("sink", net.output(), samples.size(), o.backpressure, o.seed);
    // SystemC's time is 64-bit picoseconds (about 213 days); a schedule beyond it would wrap.
    if (!source.offer_cycles().empty()) {
        const double last_offer_s = static_cast<double>(source.offer_cycles().back()) * net.period().to_seconds();
        if (last_offer_s >= 0.5 * sc_core::sc_max_time().to_seconds())
            throw std::runtime_error(fmt::format(
                "{}: the last sample would be offered at {:.3g} s of simulated time (cycle {} at {} ns), beyond what "
                "SystemC represents (2^64 ps, about 213 days): use a smaller --rate / --poisson or fewer --samples",
                o.poisson_mean > 0 ? "--poisson" : "--rate", last_offer_s, source.offer_cycles().back(),
                model.clock_period_ns));
    }
    clock.add(source);
    net.attach(clock);
    clock.add(sink);
    // --check-ii: every layer also runs on a private bench, fed back-to-back (testbenches/ii_harness.h).
    std::unique_ptr<IsolatedIiHarness> ii_harness;
    if (o.check_ii) {
        ii_harness = std::make_unique<IsolatedIiHarness>(net, samples);
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
                        samples.size());
        simulate_until_idle(net.period(), [&] { return sink.received(); }, bar);
    }
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
    // A bench of the II harness that stops leaves its layer unmeasured (which fails --check-ii), not the
    // network deadlocked.
    const bool deadlock = !sink.done();
    const uint64_t end_cycle = clock.last_cycle() + 1;
    for (const auto& ch : net.channels()) ch->finish(end_cycle);

    RunReport report = make_report(net, source, sink, o.rate == 1 && o.poisson_mean == 0 && o.backpressure == 0,
                                   profile.name);
    report.part = fpga_part;
    report.total_cycles = sink.pop_cycles().empty() ? end_cycle : sink.pop_cycles().back() + 1;
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

    // Scoreboard: every output against the untimed reference (computed once per sample, compared as raw
    // integers); then the expected file and labels.
    const Precision& op = model.output_precision();
    const size_t width = sink.width();
    std::vector<size_t> result_of(samples.size(), SIZE_MAX);  // a sample's result in the sink
    for (size_t k = 0; k < sink.received(); ++k) result_of[sink.sample_of(k)] = k;
    ProgressBar check_bar("checking against the untimed reference", sink.received());
    // --overflow-profile: the same pass counts, per layer, the values a saturating or wrapping cast changed
    // (layers/arithmetic/overflow_profile.h).
    std::unique_ptr<OverflowProfile> overflows;
    if (o.overflow_profile) overflows = std::make_unique<OverflowProfile>(o.model, model);
    std::vector<std::vector<int64_t>> trace;
    for (size_t k = 0; k < sink.received(); ++k) {
        check_bar.update(k);
        const std::vector<int64_t>& input = samples[sink.sample_of(k)];
        const auto ref = forward(model, input, overflows ? &trace : nullptr);
        if (overflows) overflows->observe(input, trace);
        if (ref.size() != width || !std::equal(ref.begin(), ref.end(), sink.values_of(k))) {
            if (report.reference_mismatches == 0)
                report.first_mismatch = fmt::format("sample {}: timed [{}] reference [{}]", sink.sample_of(k),
                                                    format_sample(sink.result(k), op), format_sample(ref, op));
            ++report.reference_mismatches;
        }
    }
    if (!expected.empty()) {
        size_t bad = 0;
        for (size_t k = 0; k < expected.size() && k < result_of.size(); ++k) {
            if (result_of[k] == SIZE_MAX) continue;
            const int64_t* got = sink.values_of(result_of[k]);
            for (size_t i = 0; i < width; ++i)
                if (std::fabs(op.to_double(got[i]) - expected[k][i]) > o.tolerance) {
                    ++bad;
                    break;
                }
        }
        report.expected_mismatches = bad;
    }
    check_bar.finish();
    // In the summary's `overflow` line and the JSON (predict warns instead, having no summary).
    if (overflows) report.overflows = overflows->layers();
    if (!labels.empty()) {
        size_t right = 0, n = 0;
        std::vector<double> v(width);
        for (size_t k = 0; k < labels.size() && k < result_of.size(); ++k) {
            if (result_of[k] == SIZE_MAX) continue;
            const int64_t* got = sink.values_of(result_of[k]);
            for (size_t i = 0; i < width; ++i) v[i] = op.to_double(got[i]);
            const size_t want = labels[k].size() == 1 ? static_cast<size_t>(labels[k][0]) : argmax(labels[k]);
            right += argmax(v) == want ? 1 : 0;
            ++n;
        }
        report.labelled = n;
        report.accuracy = n ? static_cast<double>(right) / static_cast<double>(n) : 0.0;
    }

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
    if (!o.outputs.empty()) {
        std::string text;
        for (size_t r : result_of)
            if (r != SIZE_MAX) text += format_sample(sink.result(r), op);
        OutputFiles::write_text(outputs_temporary, text, o.outputs);
    }
    if (!o.report.empty()) OutputFiles::write_text(report_temporary, report.to_json().dump(2) + "\n", o.report);
    files.commit();

    const std::string table = report.to_table(o.quiet);
    std::cout << table;
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
