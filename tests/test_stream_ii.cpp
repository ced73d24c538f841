// `tlm4ml run --check-ii` for io_stream networks (testbenches/ii_harness.h): every stream layer runs on a
// private bench fed back-to-back, and its isolated II must equal the expected II, per the module kind's
// meaning of II (line buffers and element-wise layers: per input word; zero padding: per output word;
// Dense and global pooling: per tensor, the words read one per cycle, then the kernel's latency before the
// next tensor is read, as hls4ml's dense / global_pooling2d_cl run their loops). Through the tlm4ml
// program: the shipped SVHN CNN and small models built here (Conv2D with reuse factors 2 and 3, max /
// average / global pooling, zero padding, BatchNorm, Dense with R above and below its word count); one
// sample leaves the per-tensor layers unmeasured and fails the check, naming them; and the comparison
// itself fails on a measured II that differs from the expected one.
// Branching networks: every merge (Add; Multiply / Maximum at R 2 and 3; Concatenate on the last axis, paired
// reads, and on other axes, block reads) has its own bench with one source per input, and its isolated II
// equals stream_layer_cost's, also where the network never feeds it back-to-back; the check built from those
// measurements fails against a different expected II. Clones are rows of the report (class Clone, II 1,
// latency 0, one FIFO per consumer) right after their producer, with an isolated bench of their own.
#include <algorithm>
#include <cmath>
#include <iostream>
#include <map>
#include <optional>
#include <stdexcept>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "models/model.h"
#include "rtl_models/cost_model.h"
#include "testbenches/report/report.h"
#include "tests/support/model_json.h"
#include "tests/support/test_support.h"

namespace {

using nlohmann::json;
using namespace tlm4ml;
using namespace tlm4ml_test;

// 10x10x2 -> conv1 3x3x4 (R rf1) -> pool1 max 2x2 -> pad 1 -> conv2 3x3x2 (R rf2) -> relu -> pool2 average 2x2
// -> Flatten -> fc Dense 6 (R rf_fc, 4 words of 2 values) -> fc2 Dense 4 (R 3, one word) -> softmax.
json conv_model(int rf1, int rf2, int rf_fc) {
    return {{"name", "stream_ii_conv"},
            {"io_type", "io_stream"},
            {"input", {{"shape", {10, 10, 2}}}},
            {"layers",
             {conv2d_layer("conv1", 3, 2, 4, rf1, 1),
              {{"name", "pool1"}, {"class", "MaxPooling2D"}, {"pool_size", 2}},
              {{"name", "pad"}, {"class", "ZeroPadding2D"}, {"padding", 1}},
              conv2d_layer("conv2", 3, 4, 2, rf2, 200),
              {{"name", "relu"}, {"class", "Activation"}, {"activation", "relu"}},
              {{"name", "pool2"}, {"class", "AveragePooling2D"}, {"pool_size", 2}},
              {{"name", "flat"}, {"class", "Flatten"}},
              dense_layer("fc", 8, 6, rf_fc, 400),
              dense_layer("fc2", 6, 4, 3, 500),
              {{"name", "softmax"}, {"class", "Activation"}, {"activation", "softmax"}}}}};
}

// 4x4x3 -> BatchNormalization -> GlobalMaxPooling2D (16 words of 3) -> Dense 4 (R 3, one word).
json global_pool_model() {
    return {{"name", "stream_ii_global"},
            {"io_type", "io_stream"},
            {"input", {{"shape", {4, 4, 3}}}},
            {"layers",
             {{{"name", "bn"}, {"class", "BatchNormalization"}, {"scale", {0.5, -1.25, 2.0}}, {"bias", {0.125, 0.0, -0.5}}},
              {{"name", "gpool"}, {"class", "GlobalMaxPooling2D"}},
              dense_layer("fc", 3, 4, 3, 700)}}};
}

// 4x4x2 input x -> a = relu(x), b = hard_tanh(x) -> merge(a, b) of class `cls` (R rf, `axis` for
// Concatenate). With b_rf > 0, b is a BatchNormalization at that reuse factor instead (one word per b_rf
// cycles into the merge's second input). x has two readers: clone_x.
json merge_model(const std::string& cls, int rf, int axis, int b_rf = 0) {
    json merge = {{"name", "merge"}, {"class", cls}, {"inputs", {"a", "b"}}, {"reuse_factor", rf}};
    if (cls == "Concatenate") merge["axis"] = axis;
    json b = {{"name", "b"}, {"class", "Activation"}, {"activation", "hard_tanh"}, {"inputs", {"x"}}};
    if (b_rf > 0)
        b = {{"name", "b"},         {"class", "BatchNormalization"}, {"scale", {0.75, -1.5}},
             {"bias", {0.25, -0.125}}, {"reuse_factor", b_rf},        {"inputs", {"x"}}};
    return {{"name", "stream_ii_merge"},
            {"io_type", "io_stream"},
            {"input", {{"name", "x"}, {"shape", {4, 4, 2}}}},
            {"layers", {{{"name", "a"}, {"class", "Activation"}, {"activation", "relu"}}, b, merge}}};
}

class StreamIi : public TempDirTest {
protected:
    StreamIi() : TempDirTest("tlm4ml_stream_ii_") {}
    fs::path write_model(const std::string& name, const json& m) { return write_file(name, m.dump(1)); }

    // `run MODEL --check-ii` on `samples` seeded random samples; the JSON report, or null when it failed.
    json check_ii(const fs::path& model, size_t samples, unsigned seed, RunResult& r) {
        std::cout << "random inputs: " << samples << " samples, seed " << seed << "\n";
        const fs::path rep = dir_ / "report.json";
        fs::remove(rep);
        r = tlm4ml("run " + shell_quote(model.string()) + " --samples " + std::to_string(samples) + " --seed " +
                   std::to_string(seed) + " --check-ii --report " + shell_quote(rep.string()));
        return fs::exists(rep) ? json::parse(read_text(rep)) : json();
    }
};

// name -> the layer's report entry.
std::map<std::string, json> by_name(const json& report) {
    std::map<std::string, json> m;
    for (const auto& l : report["layers"]) m[l["name"].get<std::string>()] = l;
    return m;
}

// Every layer: an isolated II that equals the expected one, and the check passes.
void expect_all_isolated_equal_expected(const json& rep, const RunResult& r) {
    ASSERT_EQ(r.code, 0) << r.out << r.err;
    EXPECT_EQ(r.err.find("warning"), std::string::npos) << r.err;
    const size_t n = rep["layers"].size();
    EXPECT_NE(r.out.find("check-ii     all " + std::to_string(n) + " layers: measured II equals expected II"),
              std::string::npos)
        << r.out;
    EXPECT_EQ(rep["checks"]["reference_mismatches"], 0);
    for (const auto& l : rep["layers"]) {
        SCOPED_TRACE(l["name"].get<std::string>());
        ASSERT_TRUE(l["isolated_ii"].is_number()) << l.dump();
        EXPECT_EQ(l["isolated_ii"], l["expected_ii"]);
        EXPECT_TRUE(l["isolated_note"].is_null()) << l["isolated_note"];
        EXPECT_EQ(l["ii_check"], "pass");
    }
}

TEST_F(StreamIi, ShippedSvhnCnnEveryLayerMeasuredInIsolation) {
    const fs::path model = fs::path(TLM4ML_SOURCE_DIR) / "testbenches/models/svhn_cnn.json";
    RunResult r;
    const json rep = check_ii(model, 3, 1, r);
    expect_all_isolated_equal_expected(rep, r);
    ASSERT_EQ(rep["layers"].size(), 21u);
    auto l = by_name(rep);
    // Per pixel word: padding, convs (R 1), BatchNorm, ReLU, pooling.
    for (const char* name : {"pad1", "conv1", "bn1", "relu1", "pool1", "pad2", "conv2", "bn2", "relu2", "pool2",
                             "pad3", "conv3", "bn3", "relu3", "pool3"})
        EXPECT_EQ(l[name]["isolated_ii"], 1) << name;
    // fc1 reads pool3's 4x4 pixels of 24 values one word per cycle, computes (3 cycles), writes, and only then
    // reads the next tensor: one every 16 + 3 cycles although R is 1.
    EXPECT_EQ(l["fc1"]["reuse_factor"], 1);
    EXPECT_EQ(l["fc1"]["expected_latency"], 3);
    EXPECT_EQ(l["fc1"]["expected_ii"], 19);
    EXPECT_EQ(l["fc1"]["isolated_ii"], 19);
    // After it every tensor is one word: fc2 and output read it, compute (2 cycles) and write: II 1 + 2; the
    // ReLUs and the softmax (R 1) are pipelined at II 1.
    for (const char* name : {"fc2", "output"}) {
        EXPECT_EQ(l[name]["expected_latency"], 2) << name;
        EXPECT_EQ(l[name]["isolated_ii"], 3) << name;
    }
    for (const char* name : {"fc1_relu", "fc2_relu", "softmax"}) EXPECT_EQ(l[name]["isolated_ii"], 1) << name;
    for (const char* name : {"fc1_relu", "fc2", "fc2_relu", "output", "softmax"}) {
        // The network feeds them one tensor per image, never back-to-back: only the bench measures them.
        EXPECT_TRUE(l[name]["measured_ii"].is_null()) << name;
    }
    // The table shows the isolated column filled for every layer.
    const size_t header = r.out.find("II iso");
    ASSERT_NE(header, std::string::npos) << r.out;
    const std::string table = r.out.substr(header, r.out.find("\n\n", header) - header);
    size_t rows = 0, pos = table.find('\n');
    while (pos != std::string::npos && pos + 1 < table.size()) {
        const size_t end = table.find('\n', pos + 1);
        const std::string row = table.substr(pos + 1, end == std::string::npos ? std::string::npos : end - pos - 1);
        // Columns: layer class R "II exp" "II net" "II iso" ...; the isolated one is the sixth.
        std::istringstream cols(row);
        std::string c[6];
        for (auto& x : c) cols >> x;
        EXPECT_NE(c[5], "n/m") << row;
        EXPECT_EQ(c[5].find('!'), std::string::npos) << row;
        ++rows;
        pos = end;
    }
    EXPECT_EQ(rows, 21u);
}

TEST_F(StreamIi, ConvPoolingAndDenseWithReuseFactors) {
    struct Case {
        int rf1, rf2, rf_fc;
    };
    // fc reads 4 words and computes in 2 cycles: R 8 is above that (8 cycles per tensor), R 2 below (4 + 2).
    for (const Case c : {Case{2, 3, 8}, Case{3, 2, 2}}) {
        SCOPED_TRACE(fmt::format("conv1 R {}, conv2 R {}, fc R {}", c.rf1, c.rf2, c.rf_fc));
        const json mj = conv_model(c.rf1, c.rf2, c.rf_fc);
        RunResult r;
        const json rep = check_ii(write_model("conv.json", mj), 3, 5, r);
        expect_all_isolated_equal_expected(rep, r);
        auto l = by_name(rep);
        ASSERT_EQ(l.size(), 9u);  // Flatten has no module

        // The expected figures are the cost model's (per word; Dense per tensor).
        const Model m = load_model_json(mj, "conv.json", ".");
        const DeviceProfile p = DeviceProfile::vitis_default();
        const std::map<std::string, size_t> word = {{"conv1", 2}, {"pool1", 4}, {"pad", 4}, {"conv2", 4},
                                                    {"relu", 2},  {"pool2", 2}, {"fc", 2},  {"fc2", 6},
                                                    {"softmax", 4}};
        for (const auto& layer : m.layers) {
            SCOPED_TRACE(layer->name());
            const int cost = stream_layer_cost(layer->cost_inputs(), word.at(layer->name()), p, 5.0).ii;
            EXPECT_EQ(l[layer->name()]["expected_ii"], cost);
        }
        EXPECT_EQ(l["conv1"]["isolated_ii"], c.rf1);
        EXPECT_EQ(l["conv2"]["isolated_ii"], c.rf2);
        for (const char* name : {"pool1", "pad", "relu", "pool2", "softmax"}) EXPECT_EQ(l[name]["isolated_ii"], 1) << name;
        EXPECT_EQ(l["fc"]["expected_latency"], 2);
        EXPECT_EQ(l["fc"]["isolated_ii"], std::max(c.rf_fc, 4 + 2));
        EXPECT_EQ(l["fc2"]["isolated_ii"], 3);
        // The network never feeds its Dense layers two tensors back-to-back: only the bench measures them.
        EXPECT_TRUE(l["fc"]["measured_ii"].is_null());
        EXPECT_TRUE(l["fc2"]["measured_ii"].is_null());
    }
}

TEST_F(StreamIi, GlobalPoolingAndBatchNorm) {
    RunResult r;
    const json rep = check_ii(write_model("global.json", global_pool_model()), 4, 9, r);
    expect_all_isolated_equal_expected(rep, r);
    auto l = by_name(rep);
    EXPECT_EQ(l["bn"]["isolated_ii"], 1);
    // 4x4 pixel words read one per cycle, then the result written a cycle after the last: 16 + 1.
    EXPECT_EQ(l["gpool"]["expected_latency"], 1);
    EXPECT_EQ(l["gpool"]["isolated_ii"], 17);
    EXPECT_EQ(l["fc"]["isolated_ii"], 3);  // one word, R 3 (1 + its latency 2 is no more)
}

// A one-pixel-wide image: zero padding writes its left and right pad pixels between every two input
// pixels, so its input words are three cycles apart by design; its II (one output word per cycle) is
// measured on its output words in the network as on its bench.
TEST_F(StreamIi, ZeroPaddingOfAOnePixelWideImageStreamsAtOneWordPerCycle) {
    const json mj = {{"name", "narrow"},
                     {"io_type", "io_stream"},
                     {"input", {{"shape", {6, 1, 2}}}},
                     {"layers",
                      {{{"name", "pad"}, {"class", "ZeroPadding2D"}, {"padding", 1}}, conv2d_layer("conv", 3, 2, 2, 1, 900)}}};
    RunResult r;
    const json rep = check_ii(write_model("narrow.json", mj), 3, 11, r);
    expect_all_isolated_equal_expected(rep, r);
    auto l = by_name(rep);
    EXPECT_EQ(l["pad"]["measured_ii"], 1);
    EXPECT_EQ(l["pad"]["isolated_ii"], 1);
    EXPECT_EQ(l["conv"]["measured_ii"], 1);
}

TEST_F(StreamIi, OneSampleLeavesPerTensorLayersUnmeasuredAndFails) {
    // One sample: a Dense (or a layer on whole-vector words) sees one tensor, so it has no gap to measure;
    // --check-ii fails naming every such layer instead of passing them.
    RunResult r;
    const json rep = check_ii(write_model("conv.json", conv_model(2, 3, 8)), 1, 3, r);
    EXPECT_EQ(r.code, 3) << r.out << r.err;
    EXPECT_NE(r.err.find("--check-ii failed:"), std::string::npos) << r.err;
    EXPECT_EQ(r.out.find("check-ii     all"), std::string::npos) << r.out;
    for (const char* name : {"fc", "fc2", "softmax"}) {
        EXPECT_NE(r.err.find(std::string(" ") + name + " (not measured: fewer than two"), std::string::npos)
            << name << " not named in: " << r.err;
    }
    // The per-pixel layers are still measured (one image has many words) and are not named.
    ASSERT_FALSE(rep.is_null());
    auto l = by_name(rep);
    for (const char* name : {"conv1", "pool1", "pad", "conv2", "relu", "pool2"}) {
        EXPECT_EQ(l[name]["isolated_ii"], l[name]["expected_ii"]) << name;
        EXPECT_EQ(r.err.find(std::string(" ") + name + " ("), std::string::npos) << name << ": " << r.err;
    }
    EXPECT_EQ(l["fc"]["ii_check"], "not measured");
    EXPECT_NE(l["fc"]["isolated_note"].get<std::string>().find("1 sample fed"), std::string::npos);
}

// The report's rows as ii_check_failures() takes them (the measured values of a real run).
std::vector<LayerReport> rows_of(const json& rep) {
    std::vector<LayerReport> v;
    auto opt = [](const json& x) { return x.is_number() ? std::optional<int>(x.get<int>()) : std::nullopt; };
    for (const auto& l : rep["layers"]) {
        LayerReport r;
        r.name = l["name"].get<std::string>();
        r.expected_ii = l["expected_ii"].get<int>();
        r.measured_ii = opt(l["measured_ii"]);
        r.isolated_ii = opt(l["isolated_ii"]);
        r.isolated_note = l["isolated_note"].is_string() ? l["isolated_note"].get<std::string>() : "";
        v.push_back(r);
    }
    return v;
}

LayerReport& row(std::vector<LayerReport>& rows, const std::string& name) {
    for (auto& r : rows)
        if (r.name == name) return r;
    throw std::runtime_error("no row " + name);
}

TEST_F(StreamIi, EveryMergeHasAnIsolatedBenchAtTheCostModelsIi) {
    struct Case {
        const char* cls;
        int rf;
        int axis;  // Concatenate: -1 the last axis (paired reads), 1 / 2 height / width (block reads)
        int ii;    // what stream_layer_cost must say: Add / Concatenate 1, Multiply / Maximum R
    };
    const std::vector<Case> cases = {{"Add", 1, 0, 1},          {"Multiply", 2, 0, 2},     {"Multiply", 3, 0, 3},
                                     {"Maximum", 2, 0, 2},      {"Maximum", 3, 0, 3},      {"Concatenate", 1, -1, 1},
                                     {"Concatenate", 1, 1, 1},  {"Concatenate", 1, 2, 1},  {"Concatenate", 3, 2, 1}};
    const DeviceProfile p = DeviceProfile::vitis_default();
    for (const Case& c : cases) {
        SCOPED_TRACE(fmt::format("{} R {} axis {}", c.cls, c.rf, c.axis));
        const json mj = merge_model(c.cls, c.rf, c.axis);
        const Model m = load_model_json(mj, "merge.json", ".");
        ASSERT_EQ(m.layers.size(), 3u);
        // Both inputs arrive in pixel words of 2 values.
        const int cost = stream_layer_cost(m.layers[2]->cost_inputs(), 2, p, 5.0).ii;
        EXPECT_EQ(cost, c.ii);
        RunResult r;
        const json rep = check_ii(write_model("merge.json", mj), 3, 11, r);
        expect_all_isolated_equal_expected(rep, r);
        auto l = by_name(rep);
        ASSERT_EQ(l.size(), 4u);  // clone_x, a, b, merge
        EXPECT_EQ(l["merge"]["class"], c.cls);
        EXPECT_EQ(l["merge"]["expected_ii"], cost);
        EXPECT_EQ(l["merge"]["isolated_ii"], cost);
        EXPECT_EQ(l["clone_x"]["isolated_ii"], 1);
        // The table's isolated column is filled for the merge.
        std::istringstream table(r.out);
        std::string line;
        bool seen = false;
        while (std::getline(table, line)) {
            if (line.rfind("resources per layer", 0) == 0) break;  // the resource table's rows follow
            std::istringstream cols(line);
            std::string c0, c1, c2, c3, c4, c5;
            cols >> c0 >> c1 >> c2 >> c3 >> c4 >> c5;
            if (c0 != "merge") continue;
            seen = true;
            EXPECT_EQ(c5, std::to_string(cost)) << line;
        }
        EXPECT_TRUE(seen) << r.out;
    }
}

TEST_F(StreamIi, MergeTheNetworkCannotMeasureIsMeasuredInIsolation) {
    // b is a BatchNormalization at R 2: the Add's second input gets a word every other cycle in the network,
    // so the network never sees two back-to-back reads; the isolated bench does, at the Add's II 1.
    RunResult r;
    const json rep = check_ii(write_model("bn_add.json", merge_model("Add", 1, 0, 2)), 2, 4, r);
    expect_all_isolated_equal_expected(rep, r);
    auto l = by_name(rep);
    EXPECT_EQ(l["b"]["expected_ii"], 2);
    EXPECT_EQ(l["b"]["isolated_ii"], 2);
    EXPECT_TRUE(l["merge"]["measured_ii"].is_null()) << l["merge"].dump();
    EXPECT_EQ(l["merge"]["isolated_ii"], 1);

    // The check on these measurements: it passes as they are, and fails when the expected II differs from
    // what was measured (here only the isolated bench measured the Add).
    std::vector<LayerReport> rows = rows_of(rep);
    EXPECT_EQ(ii_check_failures(rows), "");
    row(rows, "merge").expected_ii = 2;
    EXPECT_EQ(ii_check_failures(rows), " merge (FAIL: expected 2, in network n/m, isolated 1)");
    // Without the isolated bench's figure the Add would not be measured at all.
    row(rows, "merge").expected_ii = 1;
    row(rows, "merge").isolated_ii.reset();
    EXPECT_EQ(ii_check_failures(rows), " merge (not measured)");
}

TEST_F(StreamIi, MergeAtReuseFactorThreeFailsAgainstAnotherExpectedIi) {
    RunResult r;
    const json rep = check_ii(write_model("mul.json", merge_model("Multiply", 3, 0)), 3, 6, r);
    expect_all_isolated_equal_expected(rep, r);
    std::vector<LayerReport> rows = rows_of(rep);
    ASSERT_EQ(*row(rows, "merge").isolated_ii, 3);
    // Had the bench measured per input FIFO, or the cost model said 1 (an Add's II), the check would fail.
    row(rows, "merge").expected_ii = 1;
    const std::string net = row(rows, "merge").measured_ii ? std::to_string(*row(rows, "merge").measured_ii) : "n/m";
    EXPECT_EQ(ii_check_failures(rows), " merge (FAIL: expected 1, in network " + net + ", isolated 3)");
}

TEST_F(StreamIi, ClonesAreRowsAfterTheirProducerWithTheirOwnBench) {
    // a is read by b, the Add and the Concatenate: clone_a has three outputs, a_cpy1..3, in file order.
    const json mj = {{"name", "stream_ii_clone3"},
                     {"io_type", "io_stream"},
                     {"input", {{"name", "x"}, {"shape", {3, 5, 2}}}},
                     {"layers",
                      {{{"name", "a"}, {"class", "Activation"}, {"activation", "relu"}},
                       {{"name", "b"}, {"class", "Activation"}, {"activation", "hard_tanh"}},
                       {{"name", "add"}, {"class", "Add"}, {"inputs", {"a", "b"}}},
                       {{"name", "cat"}, {"class", "Concatenate"}, {"inputs", {"add", "a"}}}}}};
    RunResult r;
    const json rep = check_ii(write_model("clone3.json", mj), 2, 8, r);
    expect_all_isolated_equal_expected(rep, r);
    std::vector<std::string> order;
    for (const auto& l : rep["layers"]) order.push_back(l["name"].get<std::string>());
    EXPECT_EQ(order, (std::vector<std::string>{"a", "clone_a", "b", "add", "cat"}));
    auto l = by_name(rep);
    const json& c = l["clone_a"];
    EXPECT_EQ(c["class"], "Clone");
    EXPECT_TRUE(c["reuse_factor"].is_null());
    EXPECT_EQ(c["expected_ii"], 1);
    EXPECT_EQ(c["isolated_ii"], 1);
    EXPECT_EQ(c["expected_latency"], 0);
    EXPECT_EQ(c["latency_min"], 0);
    EXPECT_EQ(c["latency_max"], 0);
    EXPECT_EQ(c["inferences"], 2 * 15);  // every pixel word of both samples
    EXPECT_EQ(c["resources"]["multipliers"], 0);
    EXPECT_EQ(c["resources"]["lut"], 0);
    EXPECT_TRUE(c["output_fifo"].is_null());
    ASSERT_EQ(c["output_fifos"].size(), 3u);
    for (size_t k = 0; k < 3; ++k) {
        const json& f = c["output_fifos"][k];
        EXPECT_EQ(f["name"], "a_cpy" + std::to_string(k + 1));
        EXPECT_EQ(f["depth"], 15);  // one slot per word of a's tensor
        // Every reader (II 1, latency 0) takes a word in the cycle the clone writes it: nothing is held
        // across an edge.
        EXPECT_EQ(f["max_occupancy"], 0);
        EXPECT_EQ(f["cycles_full"], 0);
    }
    // Ordinary rows keep their single FIFO in both forms.
    EXPECT_EQ(l["add"]["output_fifo"]["name"], "add_out");
    EXPECT_EQ(l["add"]["output_fifos"][0], l["add"]["output_fifo"]);
}

TEST_F(StreamIi, ResnetBlockTableHasTheCloneAndTheAddMeasuredInIsolation) {
    const fs::path model = fs::path(TLM4ML_SOURCE_DIR) / "testbenches/models/resnet_block.json";
    const fs::path inputs = fs::path(TLM4ML_SOURCE_DIR) / "testbenches/models/resnet_block_inputs.dat";
    const fs::path rep_path = dir_ / "report.json";
    const RunResult r = tlm4ml("run " + shell_quote(model.string()) + " --check-ii --inputs " +
                               shell_quote(inputs.string()) + " --report " + shell_quote(rep_path.string()));
    const json rep = json::parse(read_text(rep_path));
    expect_all_isolated_equal_expected(rep, r);
    // 10 layers and the input's clone, which comes first (its producer is the input).
    ASSERT_EQ(rep["layers"].size(), 11u);
    EXPECT_NE(r.out.find("check-ii     all 11 layers: measured II equals expected II"), std::string::npos) << r.out;
    const json& c = rep["layers"][0];
    EXPECT_EQ(c["name"], "clone_input_1");
    EXPECT_EQ(c["class"], "Clone");
    EXPECT_EQ(rep["layers"][1]["name"], "pad1");
    EXPECT_EQ(c["expected_ii"], 1);
    EXPECT_EQ(c["measured_ii"], 1);  // the splitter feeds it a word per cycle
    EXPECT_EQ(c["isolated_ii"], 1);
    EXPECT_EQ(c["latency_min"], 0);
    EXPECT_EQ(c["inferences"], 10 * 64);
    ASSERT_EQ(c["output_fifos"].size(), 2u);
    const json& cpy1 = c["output_fifos"][0];
    const json& cpy2 = c["output_fifos"][1];
    EXPECT_EQ(cpy1["name"], "input_1_cpy1");
    EXPECT_EQ(cpy2["name"], "input_1_cpy2");
    EXPECT_EQ(cpy1["depth"], 64);
    EXPECT_EQ(cpy2["depth"], 64);
    // The skip FIFO would need 256 words with inputs every cycle (README): at the default 64 it fills.
    EXPECT_EQ(cpy2["max_occupancy"], 64);
    EXPECT_GT(cpy2["cycles_full"].get<int>(), 0);
    EXPECT_GE(cpy1["max_occupancy"].get<int>(), 1);
    EXPECT_LE(cpy1["max_occupancy"].get<int>(), 64);
    auto l = by_name(rep);
    EXPECT_EQ(l["add"]["isolated_ii"], 1);
    EXPECT_TRUE(l["add"]["isolated_note"].is_null());

    // The table row: class Clone, no R, II 1 expected / in the network / isolated, latency 0, both FIFOs.
    const size_t at = r.out.find("\nclone_input_1 ");
    ASSERT_NE(at, std::string::npos) << r.out;
    const std::string line = r.out.substr(at + 1, r.out.find('\n', at + 1) - at - 1);
    std::istringstream cols(line);
    std::vector<std::string> c_;
    for (std::string x; cols >> x;) c_.push_back(x);
    ASSERT_GE(c_.size(), 11u) << line;
    EXPECT_EQ(std::vector<std::string>(c_.begin() + 1, c_.begin() + 8),
              (std::vector<std::string>{"Clone", "-", "1", "1", "1", "0", "0"}))
        << line;
    EXPECT_EQ(c_[8], fmt::format("{}/64", cpy1["max_occupancy"].get<int>())) << line;
    EXPECT_EQ(c_[9], "64/64") << line;
    EXPECT_EQ(c_[10], "0") << line;  // multipliers
    // The next row is pad1's, the clone's first consumer.
    EXPECT_EQ(r.out.substr(r.out.find('\n', at + 1) + 1, 5), "pad1 ");

    // io_parallel: the fan-out is wiring, no clone row.
    json pj = json::parse(read_text(model));
    pj["io_type"] = "io_parallel";
    RunResult rp;
    const json prep = check_ii(write_model("resnet_parallel.json", pj), 2, 3, rp);
    ASSERT_EQ(rp.code, 0) << rp.err;
    EXPECT_EQ(prep["layers"].size(), 10u);
    for (const auto& x : prep["layers"]) EXPECT_NE(x["class"], "Clone");
}

LayerReport layer(const std::string& name, int expected, std::optional<int> net, std::optional<int> iso,
                  const std::string& note = "") {
    LayerReport l;
    l.name = name;
    l.expected_ii = expected;
    l.measured_ii = net;
    l.isolated_ii = iso;
    l.isolated_note = note;
    return l;
}

TEST(StreamIiCheck, MeasuredValuesThatDifferFail) {
    // All equal: nothing to report.
    EXPECT_EQ(ii_check_failures({layer("a", 1, 1, 1), layer("b", 3, std::nullopt, 3), layer("c", 16, 16, std::nullopt)}),
              "");
    // An isolated II that differs from the expected one fails, whatever the network measured.
    EXPECT_EQ(ii_check_failures({layer("a", 1, 1, 1), layer("conv", 2, std::nullopt, 3)}),
              " conv (FAIL: expected 2, in network n/m, isolated 3)");
    EXPECT_EQ(ii_check_failures({layer("conv", 2, 2, 1)}), " conv (FAIL: expected 2, in network 2, isolated 1)");
    // So does a network measurement that differs, even with an isolated one that agrees.
    EXPECT_EQ(ii_check_failures({layer("pad", 1, 3, 1)}), " pad (FAIL: expected 1, in network 3, isolated 1)");
    // No measurement at all never passes: the layer is named, with the harness's reason.
    EXPECT_EQ(ii_check_failures({layer("fc", 4, std::nullopt, std::nullopt, "why"), layer("x", 1, 1, 1),
                                 layer("y", 1, std::nullopt, std::nullopt)}),
              " fc (not measured: why) y (not measured)");
}

}  // namespace
