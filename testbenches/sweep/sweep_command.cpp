#include "testbenches/sweep/sweep_command.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "testbenches/data/sample_io.h"
#include "testbenches/sweep/sweep_evaluate.h"
#include "testbenches/sweep/sweep_runner.h"
#include "testbenches/sweep/sweep_slurm.h"

namespace tlm4ml {

namespace fs = std::filesystem;

namespace {

// A command-line mistake: exit code 2.
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct Manifest {
    SweepSetup setup;
    std::vector<SweepPoint> points;
    size_t chunk = 0;  // Slurm: points per task (0: a local sweep)
};

std::string manifest_path(const std::string& dir) { return (fs::path(dir) / "sweep.json").string(); }

void write_manifest(const std::string& dir, const Manifest& m) {
    nlohmann::json pts = nlohmann::json::array();
    for (const auto& p : m.points) pts.push_back(p.to_json());
    write_file_atomically(manifest_path(dir),
                          nlohmann::json{{"setup", m.setup.to_json()}, {"points", pts}, {"chunk", m.chunk}}.dump(1) + "\n");
}

Manifest read_manifest(const std::string& dir) {
    const std::string path = manifest_path(dir);
    std::ifstream f(path);
    if (!f) throw std::runtime_error(fmt::format("{}: cannot open (is {} a sweep folder?)", path, dir));
    const nlohmann::json j = nlohmann::json::parse(f, nullptr, false);
    if (!j.is_object() || !j.contains("setup") || !j.contains("points") || !j["points"].is_array())
        throw std::runtime_error(fmt::format("{}: expected setup, points and chunk", path));
    Manifest m;
    m.setup = SweepSetup::from_json(j["setup"], path);
    for (const auto& p : j["points"]) m.points.push_back(SweepPoint::from_json(p, path));
    m.chunk = j.value("chunk", size_t{0});
    return m;
}

// A folder holding another sweep's results is never mixed with this one's.
void check_same_setup(const std::string& dir, const SweepSetup& setup) {
    if (!fs::exists(manifest_path(dir))) return;
    const Manifest old = read_manifest(dir);
    const nlohmann::json a = old.setup.to_json(), b = setup.to_json();
    for (const auto& [k, v] : a.items())
        if (b.at(k) != v)
            throw std::runtime_error(fmt::format("{}: setup.{}: this folder holds a sweep with {} = {}, not {}; choose "
                                                 "another --out or remove the folder",
                                                 manifest_path(dir), k, k, v.dump(), b.at(k).dump()));
}

void write_results(const std::string& dir, std::vector<PointResult> results) {
    mark_pareto(results);
    write_files_atomically({{(fs::path(dir) / "results.json").string(), results_json(results)},
                            {(fs::path(dir) / "results.csv").string(), results_csv(results)}});
}

std::string percent(std::optional<double> v) { return v ? fmt::format("{:.2f}%", 100.0 * *v) : "-"; }

// One line per point. With --simulate, latency and II are the simulated ones ("sim"); with a part, the
// largest share of it any resource takes, and "no" where the point does not fit.
void print_table(const std::vector<PointResult>& rs) {
    const bool simulated = std::any_of(rs.begin(), rs.end(), [](const PointResult& r) { return r.sim_samples > 0; });
    const bool part = std::any_of(rs.begin(), rs.end(), [](const PointResult& r) { return r.fits.has_value(); });
    std::cout << fmt::format("{:>4} {:<22} {:>4} {:<9} {:<11} {:>6} {:>9} {:>9} {:>8} {:>5} {:>6} {:>8}{}  {}\n", "#",
                             "precision", "RF", "strategy", "io_type", "sparse", "accuracy", "agreement",
                             simulated ? "sim lat" : "latency", simulated ? "simII" : "II", "DSP", "LUT",
                             part ? fmt::format(" {:>7} {:>4}", "%part", "fits") : std::string(), "Pareto");
    for (auto r : rs) {
        std::string front;
        if (r.pareto_dsp) front += "DSP ";
        if (r.pareto_lut) front += "LUT ";
        if (r.pareto_latency) front += "latency";
        const std::string lat = r.sim_latency_cycles ? std::to_string(*r.sim_latency_cycles) : std::to_string(r.latency_cycles);
        const std::string ii = r.sim_samples ? (r.sim_ii ? fmt::format("{}", *r.sim_ii) : std::string("n/m")) : std::to_string(r.ii);
        std::string share;
        if (part) {
            const double most = std::max({r.dsp_percent.value_or(0), r.lut_percent.value_or(0), r.ff_percent.value_or(0),
                                          r.bram18_percent.value_or(0)});
            share = r.fits ? fmt::format(" {:>6.1f}% {:>4}", most, *r.fits ? "yes" : "no") : fmt::format(" {:>7} {:>4}", "-", "-");
        }
        std::cout << fmt::format("{:>4} {:<22} {:>4} {:<9} {:<11} {:>6} {:>9} {:>9} {:>8} {:>5} {:>6} {:>8}{}  {}\n",
                                 r.point.index, r.precision_label(), r.reuse_factor, r.strategy, r.io_type, r.point.sparsity,
                                 percent(r.accuracy), percent(r.agreement), lat, ii, r.dsp, r.lut, share, front);
    }
}

void finish(const std::string& dir, const std::vector<PointResult>& results, const SweepOptions& o) {
    std::vector<PointResult> marked = results;
    mark_pareto(marked);
    if (!o.quiet) print_table(marked);
    std::cerr << fmt::format("results: {}/results.csv, results.json\n", dir);
    if (!o.no_plots) std::cerr << write_plots(dir, marked) << "\n";
}

SweepSetup setup_from(const SweepOptions& o) {
    if (o.config.empty()) throw UsageError("sweep: give the hls4ml configuration (CONFIG.yml), or --collect DIR");
    if (!fs::exists(o.config)) throw std::runtime_error(fmt::format("{}: no such file", o.config));
    const bool have_inputs = !o.inputs.empty();
    if (!o.mnist.empty() && (have_inputs || !o.labels.empty()))
        throw UsageError("sweep: --mnist gives the inputs and the labels: drop --inputs / --labels");
    if (o.mnist.empty() && !have_inputs) throw UsageError("sweep: give a data set: --mnist DIR, or --inputs FILE [--labels FILE]");
    if (!o.labels.empty() && !have_inputs) throw UsageError("sweep: --labels needs --inputs");
    SweepSetup s;
    s.config = fs::absolute(o.config).lexically_normal().string();
    s.mnist = o.mnist.empty() ? "" : fs::absolute(o.mnist).lexically_normal().string();
    s.mnist_scale = o.mnist_scale;
    s.inputs = o.inputs.empty() ? "" : fs::absolute(o.inputs).lexically_normal().string();
    s.labels = o.labels.empty() ? "" : fs::absolute(o.labels).lexically_normal().string();
    s.samples = o.samples;
    s.reference_precision = Precision::parse(o.reference_precision).str();
    s.profile = o.profile.empty() || o.profile == "vitis" || o.profile == "vivado2019"
                    ? o.profile
                    : fs::absolute(o.profile).lexically_normal().string();
    s.part = o.part;
    s.simulate = o.simulate;
    return s;
}

std::vector<SweepPoint> points_from(const SweepOptions& o) {
    SweepAxes axes;
    try {
        if (!o.axes_file.empty()) {
            if (!o.precisions.empty() || !o.widths.empty() || !o.reuse.empty() || !o.strategies.empty() ||
                !o.io_types.empty() || !o.sparsities.empty())
                throw UsageError("sweep: give the axes either in --axes FILE or on the command line, not both");
            if (!o.precision_at.empty()) throw UsageError("sweep: with --axes FILE, give precision_at in the file");
            axes = read_axes_file(o.axes_file);
        } else {
            axes = parse_axes(o.precisions, o.widths, o.reuse, o.strategies, o.io_types, o.sparsities);
            axes.precision_at = check_precision_target(o.precision_at);
        }
    } catch (const std::invalid_argument& e) {
        throw std::runtime_error(e.what());
    }
    return enumerate_points(axes);
}

std::vector<PointResult> previous_results(const std::string& path) {
    return fs::exists(path) ? read_results_json(path) : std::vector<PointResult>{};
}

int report_outcome(const RunOutcome& r, const std::string& resume_hint) {
    if (r.interrupted) {
        std::cerr << fmt::format("interrupted: {} points done and saved; {} again to resume\n", r.results.size(), resume_hint);
        return 130;
    }
    if (!r.failed.empty()) {
        std::string list;
        for (size_t i : r.failed) list += (list.empty() ? "" : ", ") + std::to_string(i);
        std::cerr << fmt::format("error: points {} failed (messages above); the others are saved\n", list);
        return 1;
    }
    return 0;
}

int run_local(const SweepOptions& o, const std::string& dir) {
    Manifest m;
    m.setup = setup_from(o);
    m.points = points_from(o);
    fs::create_directories(dir);
    check_same_setup(dir, m.setup);
    write_manifest(dir, m);
    const SweepContext ctx(m.setup, dir);
    const std::string results = (fs::path(dir) / "results.json").string();
    const RunOutcome r = run_points(ctx, dir, m.points, previous_results(results), o.jobs ? o.jobs : default_jobs(),
                                    isatty(STDERR_FILENO) && !o.quiet,
                                    [&](const std::vector<PointResult>& so_far) { write_results(dir, so_far); });
    write_results(dir, r.results);
    const int rc = report_outcome(r, "run the same command");
    if (rc == 0) finish(dir, r.results, o);
    return rc;
}

std::string task_file(const std::string& dir, size_t id) {
    return (fs::path(dir) / "slurm" / fmt::format("task_{}.json", id)).string();
}

std::vector<SweepPoint> task_points(const Manifest& m, size_t id) {
    std::vector<SweepPoint> v;
    for (size_t i = id * m.chunk; i < std::min(m.points.size(), (id + 1) * m.chunk); ++i) v.push_back(m.points[i]);
    return v;
}

size_t task_count(const Manifest& m) { return (m.points.size() + m.chunk - 1) / m.chunk; }

int submit_slurm(const SweepOptions& o, const std::string& dir) {
    if (o.chunk == 0) throw UsageError("sweep: --chunk must be at least 1");
    Manifest m;
    m.setup = setup_from(o);
    m.points = points_from(o);
    m.chunk = o.chunk;
    fs::create_directories(fs::path(dir) / "slurm");
    check_same_setup(dir, m.setup);
    write_manifest(dir, m);
    // The reference predictions, once, before the tasks need them.
    { const SweepContext ctx(m.setup, dir); }
    const std::string script = (fs::path(dir) / "slurm" / "sweep.sbatch").string();
    const std::string abs_dir = fs::absolute(dir).lexically_normal().string();
    write_file_atomically(script, slurm_batch_script(self_executable(), abs_dir, task_count(m), o.slurm_cpus));
    const std::string job = submit_batch(script, o.sbatch_args);
    std::cout << fmt::format("submitted job {}: {} tasks of up to {} points ({} points)\n", job, task_count(m), m.chunk,
                             m.points.size());
    std::cerr << fmt::format("when it is done: tlm4ml sweep --collect {}\n", dir);
    return 0;
}

int run_task(const SweepOptions& o) {
    const Manifest m = read_manifest(o.task_dir);
    if (m.chunk == 0) throw std::runtime_error(fmt::format("{}: chunk: not a Slurm sweep", manifest_path(o.task_dir)));
    if (o.task_id < 0 || static_cast<size_t>(o.task_id) >= task_count(m))
        throw UsageError(fmt::format("sweep: --task-id {} is not a task of {} (0..{})", o.task_id, o.task_dir, task_count(m) - 1));
    const size_t id = static_cast<size_t>(o.task_id);
    const SweepContext ctx(m.setup, o.task_dir);
    const std::string file = task_file(o.task_dir, id);
    const RunOutcome r = run_points(ctx, o.task_dir, task_points(m, id), previous_results(file),
                                    o.jobs ? o.jobs : default_jobs(), false,
                                    [&](const std::vector<PointResult>& so_far) { write_file_atomically(file, results_json(so_far)); });
    write_file_atomically(file, results_json(r.results));
    return report_outcome(r, "resubmit the task");
}

int collect(const SweepOptions& o) {
    const std::string dir = o.collect;
    const Manifest m = read_manifest(dir);
    if (m.chunk == 0) throw std::runtime_error(fmt::format("{}: chunk: not a Slurm sweep (results.csv is already there)", manifest_path(dir)));
    std::vector<PointResult> merged;
    std::vector<size_t> unfinished;
    for (size_t id = 0; id < task_count(m); ++id) {
        const auto want = task_points(m, id);
        const std::string file = task_file(dir, id);
        std::vector<PointResult> got = fs::exists(file) ? read_results_json(file) : std::vector<PointResult>{};
        bool complete = got.size() == want.size();
        for (size_t k = 0; complete && k < want.size(); ++k) complete = got[k].point.key() == want[k].key();
        if (!complete) {
            unfinished.push_back(id);
            continue;
        }
        for (size_t k = 0; k < want.size(); ++k) got[k].point.index = want[k].index;
        merged.insert(merged.end(), got.begin(), got.end());
    }
    write_results(dir, merged);
    if (unfinished.empty()) {
        finish(dir, merged, o);
        return 0;
    }
    const std::string list = array_list(unfinished);
    const std::string script = (fs::path(dir) / "slurm" / "sweep.sbatch").string();
    std::cerr << fmt::format("{} of {} tasks did not finish: {} (logs: {}/slurm/task_<id>.log); {} points merged\n",
                             unfinished.size(), task_count(m), list, dir, merged.size());
    if (o.resubmit) {
        const std::string job = submit_batch(script, o.sbatch_args, list);
        std::cout << fmt::format("resubmitted tasks {} as job {}\n", list, job);
    } else {
        std::cerr << fmt::format("resubmit them alone with: tlm4ml sweep --collect {} --resubmit   (or: sbatch --array={} {})\n",
                                 dir, list, script);
    }
    return 3;
}

}  // namespace

CLI::App* add_sweep_command(CLI::App& app, SweepOptions& o) {
    auto* s = app.add_subcommand("sweep", "Design-space exploration: accuracy, latency and resources over precision, "
                                          "reuse factor, strategy, io type and pruning (in parallel, or on Slurm)");
    s->add_option("config", o.config, "hls4ml configuration (.yml) the points derive from");
    s->add_option("-o,--out", o.out, "Sweep folder: results.csv/.json, plots, per-point configurations "
                                     "(default: <config name>_sweep)");
    s->add_option("--precision", o.precisions,
                  "Model precisions, comma-separated (ap_fixed<8,3>,ap_fixed<16,6>); with --widths, W is replaced");
    s->add_option("--precision-at", o.precision_at,
                  "Where --precision goes: Model (default), LayerType.<class> (LayerType.Dense) or LayerName.<layer>");
    s->add_option("--widths", o.widths, "Values of W in --precision: A..B, A..B:STEP or a list (4..16)");
    s->add_option("--reuse", o.reuse, "Reuse factors, comma-separated (1,2,4)");
    s->add_option("--strategy", o.strategies, "Strategies: Latency,Resource");
    s->add_option("--io-type", o.io_types, "IO types: io_parallel,io_stream");
    s->add_option("--sparsity", o.sparsities,
                  "Magnitude pruning: fractions of each Dense/Conv layer's weights set to zero (0,0.5,0.9)");
    s->add_option("--axes", o.axes_file, "Sweep file (YAML or JSON) with the axes: precision, widths, reuse, strategy, "
                                         "io_type, sparsity");
    s->add_option("--mnist", o.mnist, "MNIST folder (t10k images + labels): accuracy over the test images");
    s->add_option("--mnist-scale", o.mnist_scale, "Pixel / scale is the input value (default 256)");
    s->add_option("--inputs", o.inputs, "Input samples: one per line");
    s->add_option("--labels", o.labels, "Labels of --inputs: class indices or one-hot rows");
    s->add_option("--samples", o.samples, "Use only the first K samples")->check(CLI::NonNegativeNumber);
    s->add_option("--reference-precision", o.reference_precision,
                  "Precision of the 'unquantized' model that agreement is measured against (default ap_fixed<32,16>)");
    s->add_option("--profile", o.profile, "Device profile: a JSON file, or 'vitis' or 'vivado2019' (default: the model's Backend, as run chooses)");
    s->add_option("--part", o.part,
                  "FPGA part: each point's resources as % of its capacity and whether it fits, e.g. "
                  "xcvu9p-flga2577-2-e (default: the configuration's Part)");
    s->add_option("--simulate", o.simulate,
                  "Run each point's clocked network on the first N samples, back-to-back: measured latency and II "
                  "(io_stream included) beside the cost model's")
        ->check(CLI::PositiveNumber);
    s->add_option("-j,--jobs", o.jobs, "Parallel workers (default: every core)");
    s->add_flag("--no-plots", o.no_plots, "Do not run gnuplot");
    s->add_flag("-q,--quiet", o.quiet, "No progress bar, no table");
    s->add_flag("--slurm", o.slurm, "Submit a Slurm job array instead of running here");
    s->add_option("--chunk", o.chunk, "Slurm: points per array task (default 4)");
    s->add_option("--slurm-cpus", o.slurm_cpus, "Slurm: CPUs per task (its parallel workers; default 1)");
    s->add_option("--sbatch-arg", o.sbatch_args, "Slurm: an extra sbatch argument (repeatable), e.g. --partition=x");
    s->add_option("--collect", o.collect, "Slurm: merge the tasks' results in this sweep folder");
    s->add_flag("--resubmit", o.resubmit, "With --collect: resubmit the tasks that did not finish");
    s->add_option("--task-dir", o.task_dir, "Internal: the sweep folder of a Slurm task")->group("");
    s->add_option("--task-id", o.task_id, "Internal: the Slurm array task id")->group("");
    return s;
}

int sweep_command(const SweepOptions& o) {
    try {
        if (!o.task_dir.empty()) return run_task(o);
        if (!o.collect.empty()) {
            if (!o.config.empty()) throw UsageError("sweep: --collect DIR takes no configuration");
            return collect(o);
        }
        if (o.resubmit) throw UsageError("sweep: --resubmit goes with --collect DIR");
        std::string dir = o.out;
        if (dir.empty()) dir = fs::path(o.config).stem().string() + "_sweep";
        return o.slurm ? submit_slurm(o, dir) : run_local(o, dir);
    } catch (const UsageError& e) {
        std::cerr << e.what() << "\nRun with --help for more information.\n";
        return 2;
    }
}

}  // namespace tlm4ml
