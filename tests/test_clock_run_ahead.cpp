// ClockDomain::set_run_ahead (rtl_models/clock_domain.h): one activation of the domain's process may evaluate
// several busy cycles when nothing else in the simulation is scheduled before them. Nothing inside the
// simulation may tell the difference. Each test runs the same network, stimulus and back-pressure with run-ahead
// 1 and kStandaloneRunAhead, beside a second SystemC process that wakes at its own times (not on clock edges) and
// records what it sees of the network then, and compares everything: the sink's results and cycles, every cycle
// the waveform observer was called for, every module's and channel's statistics, and the other process's
// observations. The run-ahead run must also have needed far fewer activations of the domain's process.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <systemc>

#include "layers/network.h"
#include "models/model.h"
#include "testbenches/stimulus.h"
#include "tests/support/network_observations.h"
#include "tests/support/sc_child.h"

using namespace tlm4ml;
using nlohmann::json;

namespace {

const std::filesystem::path kModels = std::filesystem::path(TLM4ML_SOURCE_DIR) / "testbenches" / "models";

struct Stimulus {
    size_t samples;
    double poisson_mean;  // 0: one offer per cycle
    double backpressure;  // probability that the sink refuses a cycle
    double watch_ns;      // the other process's period (0: no other process)
};

// A process of its own timing, as a CPU model or a monitor beside the accelerator would be: it wakes every
// `period` (chosen off the clock's edges) and records the simulated time, the sink's count and the last cycle
// the domain evaluated.
struct Watcher : sc_core::sc_module {
    SC_HAS_PROCESS(Watcher);
    Watcher(sc_core::sc_module_name name, const Sink& sink, const ClockDomain& clock, sc_core::sc_time period)
        : sc_core::sc_module(name), sink_(sink), clock_(clock), period_(period) {
        SC_THREAD(watch);
    }
    void watch() {
        while (!sink_.done()) {
            wait(period_);
            seen.push_back({sc_core::sc_time_stamp().value(), sink_.received(), clock_.last_cycle()});
        }
    }
    json seen = json::array();
    const Sink& sink_;
    const ClockDomain& clock_;
    sc_core::sc_time period_;
};

json run(const std::string& model_file, const Stimulus& st, uint64_t run_ahead) {
    constexpr unsigned kSeed = 4242;
    std::printf("seed %u, %zu samples, poisson mean %g, back-pressure %g, watcher every %g ns, run-ahead %llu\n",
                kSeed, st.samples, st.poisson_mean, st.backpressure, st.watch_ns,
                static_cast<unsigned long long>(run_ahead));
    const Model model = load_model_file(model_file);
    const auto inputs = tlm4ml_test::random_samples(model, st.samples, kSeed);

    Network net("net", model, DeviceProfile::vitis_default());
    ClockDomain clock("clock", net.period());
    clock.set_run_ahead(run_ahead);
    SourceSchedule schedule;
    schedule.poisson_mean = st.poisson_mean;
    schedule.seed = kSeed;
    Source source("source", net.input(), inputs, schedule);
    Sink sink("sink", net.output(), inputs.size(), st.backpressure, kSeed + 1);
    clock.add(source);
    net.attach(clock);
    clock.add(sink);
    json observed = json::array();
    clock.set_observer([&](uint64_t c) { observed.push_back({c, sink.received(), net.transfers()}); });
    clock.set_stall_limit(1000, [&] { return net.transfers(); });
    std::optional<Watcher> watcher;
    if (st.watch_ns > 0) watcher.emplace("watcher", sink, clock, sc_core::sc_time(st.watch_ns, sc_core::SC_NS));
    sc_core::sc_start();

    json r = tlm4ml_test::network_observations(model, inputs, net, clock, sink);
    r["activations"] = clock.activations();
    r["observed"] = observed;
    r["watched"] = watcher ? watcher->seen : json::array();
    return r;
}

// Returns the two runs' activation counts (one cycle per activation, run-ahead).
std::pair<uint64_t, uint64_t> expect_same_with_run_ahead(const std::string& path, const Stimulus& st) {
    const json one = tlm4ml_test::in_child([&] { return run(path, st, 1); });
    const json ahead = tlm4ml_test::in_child([&] { return run(path, st, kStandaloneRunAhead); });
    if (!one.is_object() || !ahead.is_object()) {
        ADD_FAILURE() << "a run failed";
        return {0, 0};
    }
    EXPECT_EQ(one["done"], true);
    EXPECT_EQ(one["results_match_forward"], true);
    EXPECT_EQ(one["pops"].size(), st.samples);
    if (st.backpressure > 0) {
        EXPECT_GT(one["refused"].get<uint64_t>(), 0u);
    }
    if (st.watch_ns > 0) {
        EXPECT_GT(one["watched"].size(), 10u);
    }
    for (const char* key : {"done", "evaluated", "last_cycle", "refused", "pops", "results_match_forward", "observed",
                            "modules", "channels", "watched"})
        EXPECT_EQ(one[key], ahead[key]) << key;
    // Without run-ahead the process wakes once per evaluated cycle.
    EXPECT_EQ(one["activations"], one["evaluated"]);
    return {one["activations"].get<uint64_t>(), ahead["activations"].get<uint64_t>()};
}

const std::string kJet = (kModels / "jet_tagger.json").string();

}  // namespace

TEST(ClockRunAhead, BusyNetworkAloneSharesActivations) {
    // One sample per cycle and nothing else in the simulation: 64 cycles per activation but the first ones.
    const auto [one, ahead] = expect_same_with_run_ahead(kJet, {2000, 0.0, 0.0, 0.0});
    EXPECT_LT(ahead * 50, one) << one << " activations without run-ahead, " << ahead << " with";
}

TEST(ClockRunAhead, OtherProcessSeesTheSameNetwork) {
    // A process waking every 7.3 ns (a 5 ns clock) sees the network exactly as it would cycle by cycle: the
    // domain never runs past its wake-ups.
    const auto [one, ahead] = expect_same_with_run_ahead(kJet, {1500, 0.0, 0.0, 7.3});
    EXPECT_LT(ahead, one);
}

TEST(ClockRunAhead, IdleGapsAndBackPressureUnchanged) {
    // Sparse arrivals (cycles skipped), a sink refusing 40% of the cycles, and a process waking every 61 ns.
    expect_same_with_run_ahead(kJet, {1000, 2.5, 0.4, 61.0});
}

TEST(ClockRunAhead, StreamingNetworkUnchanged) {
    // An io_stream CNN: many parts, each evaluated only when due or fed.
    expect_same_with_run_ahead((kModels / "svhn_cnn.json").string(), {8, 0.0, 0.6, 997.0});
}
