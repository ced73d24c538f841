// `tlm4ml run --check-ii` for io_stream networks (testbenches/ii_harness.h): every stream layer runs on a
// private bench fed back-to-back, and its isolated II must equal the expected II, per the module kind's
// meaning of II (line buffers and element-wise layers: per input word; zero padding: per output word;
// Dense and global pooling: per tensor, no fewer cycles than the tensor's words). Through the tlm4ml
// program: the shipped SVHN CNN and small models built here (Conv2D with reuse factors 2 and 3, max /
// average / global pooling, zero padding, BatchNorm, Dense with R above and below its word count); one
// sample leaves the per-tensor layers unmeasured and fails the check, naming them; and the comparison
// itself fails on a measured II that differs from the expected one.
#include <algorithm>
#include <cmath>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "layers/model.h"
#include "rtl_models/cost_model.h"
#include "testbenches/report.h"
#include "tests/support/test_support.h"

namespace {

using nlohmann::json;
using namespace tlm4ml;
using namespace tlm4ml_test;

// Deterministic weights in [-1, 1).
double w(size_t i) { return std::fmod(static_cast<double>(i) * 0.618034, 2.0) - 1.0; }

// A Keras-layout conv kernel [kh][kw][c][f] and a bias, from w() starting at `seed`.
json conv_layer(const std::string& name, size_t k, size_t chans, size_t filters, int rf, size_t seed) {
    json kernel = json::array();
    for (size_t a = 0; a < k; ++a) {
        json row = json::array();
        for (size_t b = 0; b < k; ++b) {
            json c = json::array();
            for (size_t ch = 0; ch < chans; ++ch) {
                json f = json::array();
                for (size_t o = 0; o < filters; ++o) f.push_back(w(seed++) * 0.5);
                c.push_back(f);
            }
            row.push_back(c);
        }
        kernel.push_back(row);
    }
    json bias = json::array();
    for (size_t o = 0; o < filters; ++o) bias.push_back(w(seed++) * 0.25);
    return {{"name", name}, {"class", "Conv2D"}, {"filters", filters}, {"kernel_size", k},
            {"kernel", kernel}, {"bias", bias},  {"reuse_factor", rf}};
}

json dense_layer(const std::string& name, size_t n_in, size_t units, int rf, size_t seed) {
    json kernel = json::array();
    for (size_t i = 0; i < n_in; ++i) {
        json row = json::array();
        for (size_t j = 0; j < units; ++j) row.push_back(w(seed++) * 0.5);
        kernel.push_back(row);
    }
    json bias = json::array();
    for (size_t j = 0; j < units; ++j) bias.push_back(w(seed++) * 0.25);
    return {{"name", name}, {"class", "Dense"}, {"units", units}, {"kernel", kernel}, {"bias", bias},
            {"reuse_factor", rf}};
}

// 10x10x2 -> conv1 3x3x4 (R rf1) -> pool1 max 2x2 -> pad 1 -> conv2 3x3x2 (R rf2) -> relu -> pool2 average 2x2
// -> Flatten -> fc Dense 6 (R rf_fc, 4 words of 2 values) -> fc2 Dense 4 (R 3, one word) -> softmax.
json conv_model(int rf1, int rf2, int rf_fc) {
    return {{"name", "stream_ii_conv"},
            {"io_type", "io_stream"},
            {"input", {{"shape", {10, 10, 2}}}},
            {"layers",
             {conv_layer("conv1", 3, 2, 4, rf1, 1),
              {{"name", "pool1"}, {"class", "MaxPooling2D"}, {"pool_size", 2}},
              {{"name", "pad"}, {"class", "ZeroPadding2D"}, {"padding", 1}},
              conv_layer("conv2", 3, 4, 2, rf2, 200),
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

class StreamIi : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("tlm4ml_stream_ii_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    fs::path write_model(const std::string& name, const json& m) {
        const fs::path p = dir_ / name;
        write_text(p, m.dump(1));
        return p;
    }
    RunResult tlm4ml(const std::string& args) { return run_program(TLM4ML_BINARY, args, dir_); }

    // `run MODEL --check-ii` on `samples` seeded random samples; the JSON report, or null when it failed.
    json check_ii(const fs::path& model, size_t samples, unsigned seed, RunResult& r) {
        std::cout << "random inputs: " << samples << " samples, seed " << seed << "\n";
        const fs::path rep = dir_ / "report.json";
        fs::remove(rep);
        r = tlm4ml("run " + shell_quote(model.string()) + " --samples " + std::to_string(samples) + " --seed " +
                   std::to_string(seed) + " --check-ii --report " + shell_quote(rep.string()));
        return fs::exists(rep) ? json::parse(read_text(rep)) : json();
    }

    fs::path dir_;
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
    // fc1 reads pool3's 4x4 pixels of 24 values one word per cycle: a tensor every 16 cycles although R is 1.
    EXPECT_EQ(l["fc1"]["reuse_factor"], 1);
    EXPECT_EQ(l["fc1"]["expected_ii"], 16);
    EXPECT_EQ(l["fc1"]["isolated_ii"], 16);
    // After it every tensor is one word: the kernels' R (1) between two inferences.
    for (const char* name : {"fc1_relu", "fc2", "fc2_relu", "output", "softmax"}) {
        EXPECT_EQ(l[name]["isolated_ii"], 1) << name;
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
    // fc reads 4 words: R 8 is above that (8 cycles per tensor), R 2 below (the 4 words decide).
    for (const Case c : {Case{2, 3, 8}, Case{3, 2, 2}}) {
        SCOPED_TRACE(fmt::format("conv1 R {}, conv2 R {}, fc R {}", c.rf1, c.rf2, c.rf_fc));
        const json mj = conv_model(c.rf1, c.rf2, c.rf_fc);
        RunResult r;
        const json rep = check_ii(write_model("conv.json", mj), 3, 5, r);
        expect_all_isolated_equal_expected(rep, r);
        auto l = by_name(rep);
        ASSERT_EQ(l.size(), 9u);  // Flatten has no module

        // The expected figures are the cost model's (per word), a whole tensor's words bounding the Dense.
        const Model m = load_model_json(mj, "conv.json", ".");
        const DeviceProfile p = DeviceProfile::vitis_default();
        const std::map<std::string, size_t> word = {{"conv1", 2}, {"pool1", 4}, {"pad", 4}, {"conv2", 4},
                                                    {"relu", 2},  {"pool2", 2}, {"fc", 2},  {"fc2", 6},
                                                    {"softmax", 4}};
        for (const auto& layer : m.layers) {
            SCOPED_TRACE(layer->name());
            const int cost = stream_layer_cost(layer->cost_inputs(), word.at(layer->name()), p, 5.0).ii;
            const bool whole = layer->name() == "fc" || layer->name() == "fc2";
            const int words = static_cast<int>(layer->n_in() / word.at(layer->name()));
            EXPECT_EQ(l[layer->name()]["expected_ii"], whole ? std::max(cost, words) : cost);
        }
        EXPECT_EQ(l["conv1"]["isolated_ii"], c.rf1);
        EXPECT_EQ(l["conv2"]["isolated_ii"], c.rf2);
        for (const char* name : {"pool1", "pad", "relu", "pool2", "softmax"}) EXPECT_EQ(l[name]["isolated_ii"], 1) << name;
        EXPECT_EQ(l["fc"]["isolated_ii"], std::max(c.rf_fc, 4));
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
    EXPECT_EQ(l["gpool"]["isolated_ii"], 16);  // 4x4 pixel words, read one per cycle
    EXPECT_EQ(l["fc"]["isolated_ii"], 3);      // one word, R 3
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
