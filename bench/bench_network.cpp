// Simulation speed of a model: the untimed reference against the clocked network, VCD off or on.
// SystemC elaborates once per process, so each configuration is one invocation:
//   bench_network MODEL untimed|timed|timed-vcd [SAMPLES]
// bench/run_network_bench.sh runs them all and computes the ratios from the same run.
#include <chrono>
#include <cstdio>
#include <ctime>
#include <cstdlib>
#include <random>
#include <string>

#include <fmt/format.h>
#include <systemc>

#include "models/model.h"
#include "layers/network.h"
#include "layers/arithmetic/reference.h"
#include "rtl_models/quantize.h"
#include "testbenches/stimulus.h"
#include "testbenches/waveforms/waveform.h"

using namespace tlm4ml;

namespace {
const bool kQuietBanner = setenv("SC_COPYRIGHT_MESSAGE", "DISABLE", 1) == 0;

// CPU time of this process: on a shared machine it moves less than the wall clock with the other jobs.
double cpu_seconds() {
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}
}  // namespace

int sc_main(int argc, char* argv[]) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: bench_network MODEL untimed|timed|timed-vcd [SAMPLES]\n");
        return 2;
    }
    const std::string mode = argv[2];
    const size_t n = argc > 3 ? std::stoul(argv[3]) : 20000;
    const Model model = load_model_file(argv[1]);
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
        for (const auto& s : samples) checksum += forward(model, s)[0];
        const double sec = std::chrono::duration<double>(clock::now() - t0).count();
        const double cpu = cpu_seconds() - c0;
        std::printf("%s untimed samples=%zu seconds=%.4f cpu_seconds=%.4f inferences_per_s=%.0f checksum=%lld\n",
                    model.name.c_str(), n, sec, cpu, n / sec, static_cast<long long>(checksum));
        return 0;
    }
    Network net("tlm4ml", model, DeviceProfile::vitis_default());
    ClockDomain domain("clock", net.period());
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
                "cycles_per_s=%.0f\n",
                model.name.c_str(), mode.c_str(), n, static_cast<unsigned long long>(cycles), sec, cpu, n / sec,
                cycles / sec);
    return 0;
}
