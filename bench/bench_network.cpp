// Simulation speed of a model: the untimed reference against the clocked network, VCD off or on, and two
// floors to hold them against. SystemC elaborates once per process, so each configuration is one invocation:
//   bench_network MODEL untimed|predict-compute|timed|timed-vcd|dot [SAMPLES]
//   bench_network clock CYCLES
// predict-compute is `tlm4ml predict`'s work without its files: the forward pass with its trace and the
// overflow profile's pass (bench/README.md, "Files in and out", compares predict's whole run with it).
// `dot` times a plain int16 dot product (int32 sum) as long as the model's multiply-accumulates per inference
// (Dense and Conv layers), once per sample; `clock` runs SystemC's bare clock: an sc_clock and one method
// sensitive to its rising edge, nothing else. bench/run_network_bench.sh and bench/run_perf_bench.sh run them
// and compute the ratios from the same run.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <random>
#include <string>

#include <fmt/format.h>
#include <systemc>

#include "layers/arithmetic/conv.h"
#include "layers/arithmetic/dense.h"
#include "models/model.h"
#include "layers/network.h"
#include "layers/arithmetic/overflow_profile.h"
#include "layers/arithmetic/reference.h"
#include "rtl_models/quantize.h"
#include "testbenches/stimulus.h"
#include "testbenches/waveforms/waveform.h"

using namespace tlm4ml;

namespace {
const bool kQuietBanner = setenv("SC_COPYRIGHT_MESSAGE", "DISABLE", 1) == 0;

// CPU time of the process: on a machine shared with other jobs it moves far less than wall time.
double cpu_seconds() {
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

// Multiply-accumulates per inference: n_in x n_out per Dense, the kernel per output pixel per Conv.
size_t model_macs(const Model& m) {
    size_t macs = 0;
    for (const auto& l : m.layers) {
        if (dynamic_cast<const DenseLayer*>(l.get())) {
            macs += l->n_in() * l->n_out();
        } else if (auto* c = dynamic_cast<const ConvLayer*>(l.get())) {
            const ConvConfig& k = c->config();
            macs += k.filt_height * k.filt_width * k.n_chan * k.n_filt * k.out_height() * k.out_width();
        }
    }
    return macs;
}

// The floor of the arithmetic: `samples` int16 dot products of `macs` terms, summed in int32.
int bench_dot(const std::string& name, size_t macs, size_t samples) {
    std::mt19937 rng(1);
    std::uniform_int_distribution<int> d(-512, 511);
    std::vector<int16_t> x(macs), w(macs);
    for (auto& v : x) v = static_cast<int16_t>(d(rng));
    for (auto& v : w) v = static_cast<int16_t>(d(rng));
    int64_t checksum = 0;
    const double c0 = cpu_seconds();
    const auto t0 = std::chrono::steady_clock::now();
    for (size_t k = 0; k < samples; ++k) {
        x[k % macs] = static_cast<int16_t>(k);  // a new input each time: nothing to hoist out of the loop
        int32_t acc = 0;
        for (size_t i = 0; i < macs; ++i) acc += x[i] * w[i];
        checksum += acc;
    }
    const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double cpu = cpu_seconds() - c0;
    std::printf("%s dot macs=%zu samples=%zu seconds=%.4f cpu_seconds=%.4f inferences_per_s=%.0f checksum=%lld\n",
                name.c_str(), macs, samples, sec, cpu, samples / sec, static_cast<long long>(checksum));
    return 0;
}

struct BareClockCounter : sc_core::sc_module {
    sc_core::sc_in<bool> clk;
    uint64_t cycles = 0;
    uint64_t limit;
    SC_HAS_PROCESS(BareClockCounter);
    BareClockCounter(sc_core::sc_module_name name, uint64_t n) : sc_core::sc_module(name), limit(n) {
        SC_METHOD(edge);
        sensitive << clk.pos();
        dont_initialize();
    }
    void edge() {
        if (++cycles == limit) sc_core::sc_stop();
    }
};

int bench_clock(uint64_t n) {
    sc_core::sc_clock clk("clk", 5, sc_core::SC_NS);
    BareClockCounter counter("counter", n);
    counter.clk(clk);
    sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);  // "stopped by user"
    const double c0 = cpu_seconds();
    const auto t0 = std::chrono::steady_clock::now();
    sc_core::sc_start();
    const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double cpu = cpu_seconds() - c0;
    std::printf("systemc clock cycles=%llu seconds=%.4f cpu_seconds=%.4f cycles_per_s=%.0f\n",
                static_cast<unsigned long long>(counter.cycles), sec, cpu, counter.cycles / sec);
    return 0;
}
}  // namespace

int sc_main(int argc, char* argv[]) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: bench_network MODEL untimed|predict-compute|timed|timed-vcd|dot [SAMPLES]\n"
                             "       bench_network clock CYCLES\n");
        return 2;
    }
    if (std::string(argv[1]) == "clock") return bench_clock(std::stoull(argv[2]));
    const std::string mode = argv[2];
    const size_t n = argc > 3 ? std::stoul(argv[3]) : 20000;
    const Model model = load_model_file(argv[1]);
    if (mode == "dot") return bench_dot(model.name, model_macs(model), n);
    std::mt19937_64 rng(1);
    std::uniform_real_distribution<double> u(-4.0, 4.0);
    std::vector<std::vector<int64_t>> samples(n, std::vector<int64_t>(model.input_size()));
    for (auto& s : samples)
        for (auto& v : s) v = quantize_double(u(rng), model.input_precision);

    using clock = std::chrono::steady_clock;
    if (mode == "untimed") {
        int64_t checksum = 0;
        const double c0 = cpu_seconds();
        const auto t0 = clock::now();
        // The allocation-free forward(): what the scoreboard and predict call per sample.
        std::vector<int64_t> out(model.output_size());
        for (const auto& s : samples) {
            forward(model, s.data(), out.data());
            checksum += out[0];
        }
        const double sec = std::chrono::duration<double>(clock::now() - t0).count();
        const double cpu = cpu_seconds() - c0;
        std::printf("%s untimed samples=%zu seconds=%.4f cpu_seconds=%.4f inferences_per_s=%.0f checksum=%lld "
                    "us_per_inference=%.3f cpu_us_per_inference=%.3f\n",
                    model.name.c_str(), n, sec, cpu, n / sec, static_cast<long long>(checksum), 1e6 * sec / n,
                    1e6 * cpu / n);
        return 0;
    }
    if (mode == "predict-compute") {
        OverflowProfile overflows(argv[1], model);
        std::vector<std::vector<int64_t>> trace;
        int64_t checksum = 0;
        const auto t0 = clock::now();
        for (const auto& s : samples) {
            checksum += forward(model, s, &trace)[0];
            overflows.observe(s, trace);
        }
        const double sec = std::chrono::duration<double>(clock::now() - t0).count();
        std::printf("%s predict-compute samples=%zu seconds=%.4f inferences_per_s=%.0f checksum=%lld\n",
                    model.name.c_str(), n, sec, n / sec, static_cast<long long>(checksum));
        return 0;
    }
    Network net("tlm4ml", model, DeviceProfile::vitis_default());
    ClockDomain domain("clock", net.period());
    domain.set_run_ahead(kStandaloneRunAhead);  // as `tlm4ml run` does
    Source source("source", net.input(), samples, SourceSchedule{});
    Sink sink("sink", net.output(), n, 0.0, 1);
    domain.add(source);
    net.attach(domain);
    domain.add(sink);
    std::unique_ptr<WaveformTracer> tracer;
    if (mode == "timed-vcd") {
        TraceOptions to;
        to.vcd_path = "/tmp/tlm4ml_bench.vcd";
        tracer = std::make_unique<WaveformTracer>(net, domain, to);
    }
    const double c0 = cpu_seconds();
    const auto t0 = clock::now();
    sc_core::sc_start();
    const double sec = std::chrono::duration<double>(clock::now() - t0).count();
    const double cpu = cpu_seconds() - c0;
    const uint64_t cycles = sink.pop_cycles().back() + 1;
    if (tracer) tracer->finish();
    std::printf("%s %s samples=%zu cycles=%llu seconds=%.4f cpu_seconds=%.4f inferences_per_s=%.0f "
                "cycles_per_s=%.0f us_per_inference=%.3f cpu_us_per_inference=%.3f\n",
                model.name.c_str(), mode.c_str(), n, static_cast<unsigned long long>(cycles), sec, cpu, n / sec,
                cycles / sec, 1e6 * sec / n, 1e6 * cpu / n);
    return 0;
}
