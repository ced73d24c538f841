// ParallelPipeline (layers/modules/parallel_pipeline.h): an io_parallel network attached as one clock-domain
// part must act in exactly the cycles its layer modules act in as parts of their own. Each test runs the
// same network, stimulus and back-pressure twice, once through Network::attach (the pipeline) and once with
// every module added to the domain separately, and compares everything the engine reports: the sink's results
// and cycles, the evaluated cycles, every module's statistics and every channel's statistics.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
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
};

// One run of `model_file`; as_pipeline: Network::attach, else every part added on its own.
json run(const std::string& model_file, const Stimulus& st, bool as_pipeline) {
    constexpr unsigned kSeed = 2026;
    std::printf("seed %u, %zu samples, poisson mean %g, back-pressure %g\n", kSeed, st.samples, st.poisson_mean,
                st.backpressure);
    const Model model = load_model_file(model_file);
    const auto inputs = tlm4ml_test::random_samples(model, st.samples, kSeed);
    Network net("net", model, DeviceProfile::vitis_default());
    ClockDomain clock("clock", net.period());
    SourceSchedule schedule;
    schedule.poisson_mean = st.poisson_mean;
    schedule.seed = kSeed;
    Source source("source", net.input(), inputs, schedule);
    Sink sink("sink", net.output(), inputs.size(), st.backpressure, kSeed + 1);
    clock.add(source);
    if (as_pipeline) {
        net.attach(clock);
    } else {
        for (Clocked* p : net.parts()) clock.add(*p);
    }
    clock.add(sink);
    clock.set_stall_limit(1000, [&] { return net.transfers(); });
    sc_core::sc_start();

    json r = tlm4ml_test::network_observations(model, inputs, net, clock, sink);
    r["ii"] = net.expected_ii();
    return r;
}

void expect_same_as_separate_parts(const std::string& path, const Stimulus& st) {
    const json pipeline = tlm4ml_test::in_child([&] { return run(path, st, true); });
    const json separate = tlm4ml_test::in_child([&] { return run(path, st, false); });
    ASSERT_TRUE(pipeline.is_object());
    ASSERT_TRUE(separate.is_object());
    EXPECT_EQ(pipeline["done"], true);
    EXPECT_EQ(pipeline["results_match_forward"], true);
    EXPECT_EQ(pipeline["pops"].size(), st.samples);
    if (st.backpressure > 0) {
        EXPECT_GT(pipeline["refused"].get<uint64_t>(), 0u);
    }
    for (const char* key : {"done", "stalled", "evaluated", "last_cycle", "refused", "pops", "modules", "channels",
                            "transfers", "ii"})
        EXPECT_EQ(pipeline[key], separate[key]) << key;
}

}  // namespace

const std::string kJet = (kModels / "jet_tagger.json").string();

TEST(ParallelPipeline, BusyPipelineActsAsItsModules) {
    // One sample per cycle, no back-pressure: every layer busy in every cycle (the benchmarked case).
    expect_same_as_separate_parts(kJet, {300, 0.0, 0.0});
}

TEST(ParallelPipeline, IdleCyclesAndBackPressureActAsItsModules) {
    // Sparse arrivals (skipped idle cycles) and a sink refusing 40% of the cycles (stalls back up the chain).
    expect_same_as_separate_parts(kJet, {300, 2.5, 0.4});
}

TEST(ParallelPipeline, ReuseFactorAboveOneActsAsItsModules) {
    // The jet tagger with reuse factor 4 (II > 1): inputs wait on the II, the top-level input is read every
    // II cycles.
    std::ifstream in(kJet);
    std::stringstream text;
    text << in.rdbuf();
    std::string json_text = text.str();
    const std::string rf1 = "\"default_reuse_factor\": 1";
    const size_t at = json_text.find(rf1);
    ASSERT_NE(at, std::string::npos);
    json_text.replace(at, rf1.size(), "\"default_reuse_factor\": 4");
    const std::filesystem::path path =
        std::filesystem::temp_directory_path() / ("tlm4ml_pipeline_rf4_" + std::to_string(getpid()) + ".json");
    std::ofstream(path) << json_text;
    const json probe = tlm4ml_test::in_child([&] {
        return json(Network("net", load_model_file(path.string()), DeviceProfile::vitis_default()).expected_ii());
    });
    EXPECT_GT(probe.get<int>(), 1);
    expect_same_as_separate_parts(path.string(), {200, 1.0, 0.3});
    std::filesystem::remove(path);
}
