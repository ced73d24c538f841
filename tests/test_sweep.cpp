// tlm4ml sweep: the axes and their points, magnitude pruning, Pareto fronts, and the command end to end on the
// shipped jet tagger (its numbers checked against `tlm4ml predict`, resuming, bad input).
#include <algorithm>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "layers/arithmetic/dense.h"
#include "models/model.h"
#include "tests/support/test_support.h"
#include "testbenches/sweep/sweep_evaluate.h"
#include "testbenches/sweep/sweep_results.h"
#include "testbenches/sweep/sweep_space.h"

namespace {

using namespace tlm4ml;
using namespace tlm4ml_test;

const fs::path kShared = TLM4ML_SHARED_DIR;
const fs::path kSource = TLM4ML_SOURCE_DIR;
const fs::path kJetConfig = kSource / "testbenches/models/configs/KERAS_3layer.yml";
const fs::path kJetInputs = kSource / "testbenches/models/jet_tagger_inputs.dat";

TEST(SweepAxes, WidthsReplaceWAndCommasInsideTypesStayInTheType) {
    const SweepAxes a = parse_axes("ap_fixed<W,6>", "4..16:4", "1,2,4", "Latency,resource", "io_parallel", "0,0.5");
    EXPECT_EQ(a.precisions, (std::vector<std::string>{"ap_fixed<4,6>", "ap_fixed<8,6>", "ap_fixed<12,6>", "ap_fixed<16,6>"}));
    EXPECT_EQ(a.reuse_factors, (std::vector<int>{1, 2, 4}));
    EXPECT_EQ(a.strategies, (std::vector<std::string>{"Latency", "Resource"}));
    EXPECT_EQ(a.sparsities, (std::vector<double>{0.0, 0.5}));
    const SweepAxes b = parse_axes("ap_fixed<8,3>, ap_fixed<16,6,AP_RND,AP_SAT>", "", "", "", "", "");
    EXPECT_EQ(b.precisions, (std::vector<std::string>{"ap_fixed<8,3>", "ap_fixed<16,6,AP_RND,AP_SAT,0>"}));
}

TEST(SweepAxes, BadValuesNameTheOption) {
    auto message = [](auto f) {
        try {
            f();
        } catch (const std::invalid_argument& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    EXPECT_NE(message([] { parse_axes("ap_fixd<8,3>", "", "", "", "", ""); }).find("--precision"), std::string::npos);
    EXPECT_NE(message([] { parse_axes("", "", "1,x", "", "", ""); }).find("--reuse: 'x' is not an integer"), std::string::npos);
    EXPECT_NE(message([] { parse_axes("", "", "", "Fast", "", ""); }).find("--strategy: 'Fast'"), std::string::npos);
    EXPECT_NE(message([] { parse_axes("", "", "", "", "", "1.0"); }).find("--sparsity: '1.0' is not a fraction"), std::string::npos);
    EXPECT_NE(message([] { parse_axes("ap_fixed<8,3>", "4..8", "", "", "", ""); }).find("has no W"), std::string::npos);
    EXPECT_NE(message([] { parse_axes("ap_fixed<W,3>", "9..8", "", "", "", ""); }).find("--widths"), std::string::npos);
}

TEST(SweepAxes, SweepFileTakesListsOrCommaStringsAndRefusesUnknownKeys) {
    const fs::path dir = fs::temp_directory_path() / ("tlm4ml_sweep_axes_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    write_text(dir / "axes.yml", "precision: ap_fixed<W,6>\nprecision_at: LayerType.Dense\nwidths: 8..12:4\nreuse: [1, 2]\n"
                                 "io_type: io_parallel,io_stream\n");
    const SweepAxes a = read_axes_file((dir / "axes.yml").string());
    EXPECT_EQ(a.precision_at, "LayerType.Dense");
    EXPECT_EQ(a.precisions, (std::vector<std::string>{"ap_fixed<8,6>", "ap_fixed<12,6>"}));
    EXPECT_EQ(a.reuse_factors, (std::vector<int>{1, 2}));
    EXPECT_EQ(a.io_types, (std::vector<std::string>{"io_parallel", "io_stream"}));
    write_text(dir / "bad.json", "{\"precison\": [\"ap_fixed<8,3>\"]}");
    try {
        read_axes_file((dir / "bad.json").string());
        ADD_FAILURE() << "no error";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("bad.json: precison: unknown key"), std::string::npos) << e.what();
    }
    write_text(dir / "bad2.yml", "reuse: [1, 0]\n");
    try {
        read_axes_file((dir / "bad2.yml").string());
        ADD_FAILURE() << "no error";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("bad2.yml: reuse: 0 is not a reuse factor"), std::string::npos) << e.what();
    }
    fs::remove_all(dir);
}

TEST(SweepPoints, CartesianProductInAFixedOrderWithIndices) {
    const auto pts = enumerate_points(parse_axes("ap_fixed<8,3>,ap_fixed<16,6>", "", "1,4", "", "", "0,0.5,0.9"));
    ASSERT_EQ(pts.size(), 12u);
    for (size_t i = 0; i < pts.size(); ++i) EXPECT_EQ(pts[i].index, i);
    EXPECT_EQ(pts[0].key(), "precision=ap_fixed<8,3>;reuse=1;strategy=;io_type=;sparsity=0");
    EXPECT_EQ(pts[5].key(), "precision=ap_fixed<8,3>;reuse=4;strategy=;io_type=;sparsity=0.9");
    EXPECT_EQ(pts[6].precision, "ap_fixed<16,6>");
    EXPECT_EQ(enumerate_points(SweepAxes{}).size(), 1u);  // no axis: the configuration itself
}

TEST(SweepPruning, ZeroesTheSmallestMagnitudesOfEachLayerAndKeepsTheRest) {
    const Model reference = load_model_file((kSource / "testbenches/models/jet_tagger.json").string());
    for (double sparsity : {0.3, 0.75}) {
        Model m = load_model_file((kSource / "testbenches/models/jet_tagger.json").string());
        prune_by_magnitude(m, reference, sparsity);
        size_t dense_layers = 0;
        for (size_t l = 0; l < m.layers.size(); ++l) {
            const auto* d = dynamic_cast<const DenseLayer*>(m.layers[l].get());
            if (!d) continue;
            ++dense_layers;
            const auto& before = dynamic_cast<const DenseLayer&>(*reference.layers[l]).config().weights;
            const auto& after = d->config().weights;
            ASSERT_EQ(before.size(), after.size());
            const size_t want = static_cast<size_t>(std::floor(sparsity * static_cast<double>(before.size())));
            size_t zeroed = 0, zeros_before = 0;
            int64_t largest_zeroed = 0, smallest_kept = INT64_MAX;
            for (size_t k = 0; k < before.size(); ++k) {
                zeros_before += before[k] == 0;
                if (after[k] == 0) {
                    ++zeroed;
                    largest_zeroed = std::max<int64_t>(largest_zeroed, std::llabs(before[k]));
                } else {
                    EXPECT_EQ(after[k], before[k]) << d->name() << " weight " << k;
                    smallest_kept = std::min<int64_t>(smallest_kept, std::llabs(before[k]));
                }
            }
            EXPECT_EQ(zeroed, std::max(want, zeros_before)) << d->name() << " sparsity " << sparsity;
            EXPECT_LE(largest_zeroed, smallest_kept) << d->name();
            EXPECT_EQ(d->zero_weights(), zeroed);
        }
        EXPECT_EQ(dense_layers, 4u);
    }
}

PointResult result(size_t index, double accuracy, size_t dsp, size_t lut, int latency) {
    PointResult r;
    r.point.index = index;
    r.accuracy = accuracy;
    r.dsp = dsp;
    r.lut = lut;
    r.latency_cycles = latency;
    return r;
}

TEST(SweepPareto, MarksThePointsNoOtherBeats) {
    std::vector<PointResult> rs{result(0, 0.90, 100, 5000, 10), result(1, 0.80, 50, 6000, 10),
                                result(2, 0.80, 60, 4000, 12), result(3, 0.95, 400, 9000, 9),
                                result(4, 0.90, 100, 5000, 11)};
    mark_pareto(rs);
    // Point 4 ties point 0 on DSP and LUT (both stay on those fronts); point 3 is faster than 0 and 4.
    const std::vector<bool> dsp{true, true, false, true, true}, lut{true, false, true, true, true},
        latency{false, false, false, true, false};
    for (size_t i = 0; i < rs.size(); ++i) {
        EXPECT_EQ(rs[i].pareto_dsp, dsp[i]) << i;
        EXPECT_EQ(rs[i].pareto_lut, lut[i]) << i;
        EXPECT_EQ(rs[i].pareto_latency, latency[i]) << i;
    }
}

TEST(SweepResults, JsonRoundTripsEveryField) {
    PointResult r = result(3, 0.9375, 12, 3456, 7);
    r.point.precision = "ap_fixed<8,3>";
    r.point.sparsity = 0.5;
    r.precision = "ap_fixed<8,3>";
    r.strategy = "Latency";
    r.io_type = "io_parallel";
    r.agreement = 0.96875;
    r.ii = 2;
    r.latency_ns = 35;
    r.samples = 32;
    const auto back = PointResult::from_json(r.to_json(), "test");
    EXPECT_EQ(back.to_json(), r.to_json());
    // The part and --simulate fields too; results written before they existed read as without them.
    r.part = "xcvu9p";
    r.dsp_percent = 12.5;
    r.lut_percent = 0.25;
    r.ff_percent = 0.125;
    r.bram18_percent = 0.0;
    r.fits = true;
    r.sim_samples = 8;
    r.sim_latency_cycles = 13;
    r.sim_ii = 4;
    r.sim_mismatches = 1;
    const auto back2 = PointResult::from_json(r.to_json(), "test");
    EXPECT_EQ(back2.to_json(), r.to_json());
    nlohmann::json old = result(3, 0.9375, 12, 3456, 7).to_json();
    for (const char* k : {"part", "dsp_percent", "lut_percent", "ff_percent", "bram18_percent", "fits", "sim_samples",
                          "sim_latency_cycles", "sim_ii", "sim_mismatches"})
        old.erase(k);
    const auto before = PointResult::from_json(old, "old");
    EXPECT_FALSE(before.fits.has_value());
    EXPECT_FALSE(before.sim_latency_cycles.has_value());
    EXPECT_EQ(before.part, "");
}

class SweepCommand : public TempDirTest {
protected:
    SweepCommand() : TempDirTest("tlm4ml_sweep_") {}
    void SetUp() override {
        TempDirTest::SetUp();
        if (!fs::exists(kShared / "data/example-models/keras/KERAS_3layer.json"))
            GTEST_SKIP() << "needs " << kShared.string() << " (the jet tagger's Keras files); absent";
    }
    std::string jet(const std::string& axes, const std::string& out) const {
        return shell_quote(kJetConfig.string()) + " --inputs " + shell_quote(kJetInputs.string()) + " " + axes +
               " -o " + at(out) + " -j 2 --no-plots -q";
    }
    nlohmann::json results(const std::string& out) const {
        return nlohmann::json::parse(read_text(dir_ / out / "results.json"))["points"];
    }
};

// The class of every output row (first largest value).
std::vector<size_t> classes(const std::vector<std::vector<double>>& rows) {
    std::vector<size_t> c;
    for (const auto& r : rows) c.push_back(static_cast<size_t>(std::max_element(r.begin(), r.end()) - r.begin()));
    return c;
}

TEST_F(SweepCommand, AgreementAndCostMatchPredictAndTheReferenceLogits) {
    const auto r = tlm4ml("sweep " + jet("--precision 'ap_fixed<16,6>,ap_fixed<8,4>' --reuse 1,4", "s"));
    ASSERT_EQ(r.code, 0) << r.err;
    const auto pts = results("s");
    ASSERT_EQ(pts.size(), 4u);
    // The reference's classes: the logits (output_softmax, the Dense before the Softmax) of the wide model, through `predict --trace`.
    ASSERT_EQ(tlm4ml("predict " + at("s/reference.yml") + " --inputs " + shell_quote(kJetInputs.string()) +
                     " --outputs " + at("ref.dat") + " --trace " + at("trace")).code, 0);
    const auto ref = classes(parse_rows(read_text(dir_ / "trace/output_softmax.dat")));
    ASSERT_EQ(ref.size(), 100u);
    for (size_t i = 0; i < pts.size(); ++i) {
        const auto yml = "s/points/" + fmt::format("point_{:04}.yml", i);
        ASSERT_EQ(tlm4ml("predict " + at(yml) + " --inputs " + shell_quote(kJetInputs.string()) + " --outputs " +
                         at("p.dat")).code, 0);
        const auto got = classes(parse_rows(read_text(dir_ / "p.dat")));
        size_t agree = 0;
        for (size_t k = 0; k < got.size(); ++k) agree += got[k] == ref[k];
        EXPECT_DOUBLE_EQ(pts[i]["agreement"].get<double>(), static_cast<double>(agree) / 100.0) << i;
        EXPECT_TRUE(pts[i]["accuracy"].is_null());  // no labels
        EXPECT_EQ(pts[i]["samples"], 100);
        // The same point through `tlm4ml run --report`: the cost model's latency, II and resources.
        ASSERT_EQ(tlm4ml("run " + at(yml) + " --inputs " + shell_quote(kJetInputs.string()) + " --samples 4 --quiet --report " +
                         at("rep.json")).code, 0);
        const auto rep = nlohmann::json::parse(read_text(dir_ / "rep.json"));
        EXPECT_EQ(pts[i]["latency_cycles"], rep["latency"]["expected_cycles"]) << i;
        EXPECT_EQ(pts[i]["ii"], rep["ii"]["expected"]) << i;
        for (const char* k : {"dsp", "lut", "ff", "bram18"}) EXPECT_EQ(pts[i][k], rep["resources"][k]) << i << " " << k;
    }
    EXPECT_EQ(pts[0]["model_precision"], "ap_fixed<16,6>");
    EXPECT_EQ(pts[1]["model_reuse_factor"], 4);
    // Reuse divides the multipliers: fewer DSPs at RF 4 than at RF 1 for the same precision.
    EXPECT_LT(pts[1]["dsp"].get<int>(), pts[0]["dsp"].get<int>());
    const std::string csv = read_text(dir_ / "s/results.csv");
    EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 5);
    EXPECT_EQ(csv.rfind("index,precision,precision_at,reuse_factor,strategy,io_type,sparsity,", 0), 0u);
}

TEST_F(SweepCommand, PrecisionAtALayerOverridesOnlyThatLayer) {
    auto r = tlm4ml("sweep " + jet("--precision 'ap_fixed<6,3>,ap_fixed<16,6>' --precision-at LayerName.fc1_relu", "s"));
    ASSERT_EQ(r.code, 0) << r.err;
    const YAML::Node y = YAML::LoadFile((dir_ / "s/points/point_0000.yml").string());
    EXPECT_EQ(y["HLSConfig"]["LayerName"]["fc1_relu"]["Precision"].as<std::string>(), "ap_fixed<6,3>");
    EXPECT_EQ(y["HLSConfig"]["Model"]["Precision"].as<std::string>(), "ap_fixed<16,6>");  // the configuration's
    ASSERT_EQ(tlm4ml("sweep " + jet("--precision 'ap_fixed<16,6>'", "whole")).code, 0);
    const auto layer = results("s"), whole = results("whole");
    EXPECT_EQ(layer[0]["precision_at"], "LayerName.fc1_relu");
    EXPECT_EQ(layer[0]["model_precision"], "ap_fixed<16,6>");
    // fc1_relu (the first Dense) at ap_fixed<16,6> is the configuration itself; at 6 bits its products are
    // narrower than a DSP's minimum operand (profile dsp_min_operand_bits 10): fewer DSPs. (Its LUTs move either
    // way with the quantized weights' digits; each point's figures equal run's report, tested above.)
    for (const char* k : {"agreement", "dsp", "lut", "latency_cycles"}) EXPECT_EQ(layer[1][k], whole[0][k]) << k;
    EXPECT_LT(layer[0]["dsp"].get<int>(), whole[0]["dsp"].get<int>());
    EXPECT_NE(layer[0]["lut"].get<int>(), whole[0]["lut"].get<int>());
    r = tlm4ml("sweep " + jet("--precision 'ap_fixed<6,3>' --precision-at LayerName.fc9", "bad"));
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("--precision-at LayerName.fc9: no layer of that name (the layers: fc1_relu, "), std::string::npos) << r.err;
    r = tlm4ml("sweep " + jet("--precision 'ap_fixed<6,3>' --precision-at Layer.fc1", "bad"));
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("--precision-at: 'Layer.fc1'"), std::string::npos) << r.err;
}

TEST_F(SweepCommand, ResumesSkippingThePointsAlreadyInTheResults) {
    ASSERT_EQ(tlm4ml("sweep " + jet("--precision 'ap_fixed<12,6>' --reuse 1,2", "s")).code, 0);
    // Mark a done point: a recomputed point would lose the mark.
    auto j = nlohmann::json::parse(read_text(dir_ / "s/results.json"));
    j["points"][1]["lut"] = 123456789;
    write_text(dir_ / "s/results.json", j.dump());
    const auto r = tlm4ml("sweep " + jet("--precision 'ap_fixed<12,6>,ap_fixed<10,6>' --reuse 1,2", "s"));
    ASSERT_EQ(r.code, 0) << r.err;
    const auto pts = results("s");
    ASSERT_EQ(pts.size(), 4u);
    EXPECT_EQ(pts[1]["lut"], 123456789);
    EXPECT_EQ(pts[1]["model_precision"], "ap_fixed<12,6>");
    EXPECT_EQ(pts[3]["model_precision"], "ap_fixed<10,6>");
    EXPECT_NE(pts[3]["lut"], 123456789);
}

TEST_F(SweepCommand, CtrlCLeavesConsistentResultsAndTheRerunCompletesThem) {
    const fs::path mnist = kShared / "data/mnist";
    if (!fs::exists(mnist / "t10k-labels-idx1-ubyte.gz")) GTEST_SKIP() << "needs " << mnist.string() << "; absent";
    const std::string sweep = std::string(TLM4ML_BINARY) + " sweep " +
                              shell_quote((kSource / "testbenches/models/configs/qkeras_mnist_dense.yml").string()) +
                              " --mnist " + shell_quote(mnist.string()) +
                              " --samples 3000 --precision 'ap_fixed<W,6>' --widths 6..16:2 --reuse 1,2 -j 1 --no-plots -q";
    // SIGINT to the sweep (not its workers) once the first point is saved.
    const std::string script = sweep + " -o " + at("s") + " 2>" + at("err.txt") + " & pid=$!; i=0; until [ -f " +
                                at("s/results.json") + " ] || [ $i -gt 3000 ]; do sleep 0.01; i=$((i+1)); done; kill -INT $pid; wait $pid";
    EXPECT_EQ(run_shell(script), 130) << read_text(dir_ / "err.txt");
    EXPECT_NE(read_text(dir_ / "err.txt").find("again to resume"), std::string::npos) << read_text(dir_ / "err.txt");
    const auto partial = results("s");
    EXPECT_GE(partial.size(), 1u);
    EXPECT_LT(partial.size(), 12u);
    ASSERT_EQ(run_shell(sweep + " -o " + at("s") + " 2>/dev/null"), 0);
    ASSERT_EQ(run_shell(sweep + " -o " + at("fresh") + " 2>/dev/null"), 0);
    EXPECT_EQ(read_text(dir_ / "s/results.csv"), read_text(dir_ / "fresh/results.csv"));
    ASSERT_EQ(results("s").size(), 12u);
    // The saved points are kept as they were (the Pareto marks move with the new points).
    auto without_marks = [](nlohmann::json j) {
        for (const char* k : {"pareto_dsp", "pareto_lut", "pareto_latency"}) j.erase(k);
        return j;
    };
    for (size_t i = 0; i < partial.size(); ++i) EXPECT_EQ(without_marks(results("s")[i]), without_marks(partial[i])) << i;
}

// With a part, every point carries its resources as % of the part's capacity and whether it fits; a point
// that does not fit is on no Pareto front. xc7z020 has 220 DSP and 53,200 LUT (DS190): the 16-bit jet
// tagger's thousands of DSPs do not fit, the 8-bit points (products of < 10 bits: LUTs) do.
TEST_F(SweepCommand, PartShareAndFitsPerPointAndOnlyPointsThatFitOnTheFronts) {
    // The Vitis profile, where R 4 is a cycle shorter than R 1 (under vivado2019, the configuration's default
    // backend, each Dense grows with R and the 8-bit R 1 point would push the R 4 one off the latency front).
    std::string cmd = jet("--precision 'ap_fixed<16,6>,ap_fixed<8,4>' --reuse 1,4 --part xc7z020clg400-1 --profile vitis", "s");
    cmd.erase(cmd.rfind(" -q"), 3);  // the table too
    const auto r = tlm4ml("sweep " + cmd);
    ASSERT_EQ(r.code, 0) << r.err;
    const auto pts = results("s");
    ASSERT_EQ(pts.size(), 4u);
    for (const auto& p : pts) {
        SCOPED_TRACE(p.dump());
        EXPECT_EQ(p["part"], "xc7z020");
        EXPECT_DOUBLE_EQ(p["dsp_percent"].get<double>(), 100.0 * p["dsp"].get<double>() / 220);
        EXPECT_DOUBLE_EQ(p["lut_percent"].get<double>(), 100.0 * p["lut"].get<double>() / 53200);
        EXPECT_DOUBLE_EQ(p["ff_percent"].get<double>(), 100.0 * p["ff"].get<double>() / 106400);
        EXPECT_DOUBLE_EQ(p["bram18_percent"].get<double>(), 100.0 * p["bram18"].get<double>() / 280);
        const bool fits = p["dsp"] <= 220 && p["lut"] <= 53200 && p["ff"] <= 106400 && p["bram18"] <= 280;
        EXPECT_EQ(p["fits"], fits);
        if (!fits) {
            for (const char* k : {"pareto_dsp", "pareto_lut", "pareto_latency"}) EXPECT_EQ(p[k], false) << k;
        }
    }
    EXPECT_EQ(pts[0]["fits"], false);  // 16-bit, R 1: 3,423 DSP
    EXPECT_EQ(pts[1]["fits"], false);  // 16-bit, R 4: 1,068 DSP
    EXPECT_EQ(pts[2]["fits"], true);   // 8-bit: no DSP
    // The 8-bit R 4 point (13 cycles) is on the latency front: the 16-bit R 4 point, as fast and more accurate,
    // would push it off, but does not fit.
    EXPECT_EQ(pts[3]["fits"], true);
    EXPECT_EQ(pts[3]["latency_cycles"], pts[1]["latency_cycles"]);
    EXPECT_GT(pts[1]["agreement"].get<double>(), pts[3]["agreement"].get<double>());
    EXPECT_EQ(pts[3]["pareto_latency"], true);
    const std::string csv = read_text(dir_ / "s/results.csv");
    EXPECT_NE(csv.find(",part,dsp_percent,lut_percent,ff_percent,bram18_percent,fits,"), std::string::npos) << csv;
    EXPECT_NE(r.out.find("%part fits"), std::string::npos) << r.out;

    // Without --part, the configuration's Part (KERAS_3layer.yml: xcku115-flvb2104-2-i).
    ASSERT_EQ(tlm4ml("sweep " + jet("--reuse 4", "cfg")).code, 0);
    EXPECT_EQ(results("cfg")[0]["part"], "xcku115");
    EXPECT_DOUBLE_EQ(results("cfg")[0]["dsp_percent"].get<double>(), 100.0 * results("cfg")[0]["dsp"].get<double>() / 5520);

    const auto bad = tlm4ml("sweep " + jet("--reuse 4 --part xc9z999", "bad"));
    EXPECT_EQ(bad.code, 1);
    EXPECT_NE(bad.err.find("--part: unknown FPGA part 'xc9z999'"), std::string::npos) << bad.err;
    EXPECT_FALSE(fs::exists(dir_ / "bad/results.json"));
}

// --simulate N: every point's clocked network runs the first N samples back-to-back, io_stream included; its
// latency and II are what `tlm4ml run` measures on the point's configuration (an independent path through
// the CLI), its outputs equal the untimed forward pass. In io_parallel the measured latency is the cost
// model's (14 cycles at R 1, 13 at R 4 under the Vitis profile: "How tlm4ml counts cycles"; the configs name
// no Backend, which is hls4ml's Vivado, so both commands are given --profile vitis).
TEST_F(SweepCommand, SimulateMeasuresEveryPointAsRunDoes) {
    std::string cmd = jet("--precision 'ap_fixed<16,6>' --reuse 1,4 --io-type io_parallel,io_stream --simulate 8 "
                          "--profile vitis",
                          "s");
    cmd.erase(cmd.rfind(" -q"), 3);  // the table too
    const auto r = tlm4ml("sweep " + cmd);
    ASSERT_EQ(r.code, 0) << r.err;
    const auto pts = results("s");
    ASSERT_EQ(pts.size(), 4u);
    for (size_t i = 0; i < pts.size(); ++i) {
        SCOPED_TRACE(pts[i].dump());
        EXPECT_EQ(pts[i]["sim_samples"], 8);
        EXPECT_EQ(pts[i]["sim_mismatches"], 0);
        ASSERT_EQ(tlm4ml(fmt::format("run {} --profile vitis --inputs {} --samples 8 --quiet --report {}",
                                     at(fmt::format("s/points/point_{:04}.yml", i)), shell_quote(kJetInputs.string()),
                                     at("rep.json"))).code, 0);
        const auto rep = nlohmann::json::parse(read_text(dir_ / "rep.json"));
        EXPECT_EQ(pts[i]["sim_latency_cycles"], rep["latency"]["first_output_cycles"]);
        EXPECT_EQ(pts[i]["sim_ii"], rep["ii"]["steady_state"]);
        EXPECT_EQ(pts[i]["model_io_type"], i < 2 ? "io_parallel" : "io_stream");
    }
    EXPECT_EQ(pts[0]["sim_latency_cycles"], 14);
    EXPECT_EQ(pts[0]["sim_ii"], 1);
    EXPECT_EQ(pts[1]["sim_latency_cycles"], 13);
    EXPECT_EQ(pts[1]["sim_ii"], 4);
    // io_stream: the jet tagger's flat tensors are one word each; the Dense layers read, compute, then write:
    // the steady state is not one cycle (the cost model's network II is the largest layer II).
    EXPECT_GT(pts[2]["sim_ii"].get<double>(), 1.0);
    EXPECT_NE(r.out.find("sim lat simII"), std::string::npos) << r.out;
    const std::string csv = read_text(dir_ / "s/results.csv");
    EXPECT_NE(csv.find(",sim_samples,sim_latency_cycles,sim_ii,sim_mismatches\n"), std::string::npos) << csv;
    // Without --simulate the columns are empty / null.
    ASSERT_EQ(tlm4ml("sweep " + jet("--reuse 4", "plain")).code, 0);
    EXPECT_TRUE(results("plain")[0]["sim_latency_cycles"].is_null());
    EXPECT_EQ(results("plain")[0]["sim_samples"], 0);
}

TEST_F(SweepCommand, BadInputAndUsageErrors) {
    auto r = tlm4ml("sweep " + jet("--precision 'ap_fixd<8,3>'", "s"));
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("--precision"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir_ / "s/results.json"));
    r = tlm4ml("sweep " + shell_quote(kJetConfig.string()) + " --reuse 2");
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("give a data set"), std::string::npos) << r.err;
    // A folder of another sweep (other samples) is refused, naming the file and the field.
    ASSERT_EQ(tlm4ml("sweep " + jet("--reuse 1", "s")).code, 0);
    r = tlm4ml("sweep " + jet("--reuse 1 --samples 10", "s"));
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("sweep.json: setup.samples"), std::string::npos) << r.err;
    r = tlm4ml("sweep --collect " + at("s"));
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("not a Slurm sweep"), std::string::npos) << r.err;
}

}  // namespace
