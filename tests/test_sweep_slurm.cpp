// tlm4ml sweep --slurm on a real single-node Slurm: the merged result equals the local run's, point for point;
// a task whose result is missing is listed, resubmitted alone, and then the merge is complete.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/slurm_fixture.h"
#include "tests/support/test_support.h"

namespace {

using namespace tlm4ml_test;

const fs::path kShared = TLM4ML_SHARED_DIR;
const fs::path kSource = TLM4ML_SOURCE_DIR;

class SweepSlurm : public TempDirTest {
protected:
    SweepSlurm() : TempDirTest("tlm4ml_sweep_slurm_") {}
};

TEST_F(SweepSlurm, MergedResultEqualsTheLocalRunAndFailedTasksResubmitAlone) {
    if (!fs::exists(kShared / "data/example-models/keras/KERAS_3layer.json"))
        GTEST_SKIP() << "needs " << kShared.string() << " (the jet tagger's Keras files); absent";
    SlurmCluster slurm;
    if (!slurm.skip_reason().empty()) GTEST_SKIP() << slurm.skip_reason();
    ASSERT_TRUE(slurm.error().empty()) << slurm.error();

    const std::string sweep = "sweep " + shell_quote((kSource / "testbenches/models/configs/KERAS_3layer.yml").string()) +
                              " --inputs " + shell_quote((kSource / "testbenches/models/jet_tagger_inputs.dat").string()) +
                              " --precision 'ap_fixed<W,6>' --widths 8,12 --reuse 1,4 --sparsity 0,0.5 --no-plots -q"
                              // the part's columns and the clocked network per point, the same both ways
                              " --part xc7z020 --simulate 4";
    const auto local = tlm4ml(sweep + " -o " + at("local"));
    ASSERT_EQ(local.code, 0) << local.err;
    // 8 points in tasks of 3: 3 tasks, the last one short.
    const auto sub = tlm4ml(sweep + " -o " + at("cluster_run") + " --slurm --chunk 3 --sbatch-arg=--wait");
    ASSERT_EQ(sub.code, 0) << sub.err;
    EXPECT_NE(sub.out.find("3 tasks of up to 3 points (8 points)"), std::string::npos) << sub.out;
    for (int t = 0; t < 3; ++t) EXPECT_TRUE(fs::exists(dir_ / "cluster_run/slurm" / ("task_" + std::to_string(t) + ".json"))) << t;

    auto collected = tlm4ml("sweep -q --no-plots --collect " + at("cluster_run"));
    ASSERT_EQ(collected.code, 0) << collected.err;
    const auto want = nlohmann::json::parse(read_text(dir_ / "local/results.json"));
    ASSERT_EQ(want["points"].size(), 8u);
    EXPECT_EQ(want["points"][0]["sim_samples"], 4);
    EXPECT_FALSE(want["points"][0]["sim_latency_cycles"].is_null());
    EXPECT_EQ(want["points"][0]["part"], "xc7z020");
    EXPECT_EQ(nlohmann::json::parse(read_text(dir_ / "cluster_run/results.json")), want);
    EXPECT_EQ(read_text(dir_ / "cluster_run/results.csv"), read_text(dir_ / "local/results.csv"));

    // Task 1's result lost: listed, the merge keeps the other tasks' points, and it is resubmitted alone.
    fs::remove(dir_ / "cluster_run/slurm/task_1.json");
    collected = tlm4ml("sweep -q --no-plots --collect " + at("cluster_run"));
    EXPECT_EQ(collected.code, 3);
    EXPECT_NE(collected.err.find("1 of 3 tasks did not finish: 1 "), std::string::npos) << collected.err;
    EXPECT_NE(collected.err.find("sbatch --array=1 "), std::string::npos) << collected.err;
    EXPECT_EQ(nlohmann::json::parse(read_text(dir_ / "cluster_run/results.json"))["points"].size(), 5u);
    const auto resub = tlm4ml("sweep -q --no-plots --collect " + at("cluster_run") + " --resubmit --sbatch-arg=--wait");
    EXPECT_EQ(resub.code, 3);
    EXPECT_NE(resub.out.find("resubmitted tasks 1 as job"), std::string::npos) << resub.out << resub.err;
    collected = tlm4ml("sweep -q --no-plots --collect " + at("cluster_run"));
    ASSERT_EQ(collected.code, 0) << collected.err;
    EXPECT_EQ(nlohmann::json::parse(read_text(dir_ / "cluster_run/results.json")), want);
}

}  // namespace
