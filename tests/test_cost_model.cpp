// The cost model (rtl_models/cost_model.cpp) checked formula by formula, the device-profile reader, and the
// calibration against the published HLS reports of the jet tagger 16x64x32x32x5 (README, "How tlm4ml counts
// cycles"). No SystemC elaboration here: layer_cost and DeviceProfile are plain functions.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "models/model.h"
#include "rtl_models/cost_model.h"

namespace fs = std::filesystem;
using namespace tlm4ml;
using Kind = LayerCostInputs::Kind;

namespace {

constexpr double kPeriod = 5.0;  // ns, the jet tagger's clock

LayerCostInputs dense(size_t n_in, size_t n_out, int rf = 1, Strategy s = Strategy::Latency, size_t zeros = 0) {
    LayerCostInputs c;
    c.kind = Kind::Dense;
    c.n_in = n_in;
    c.n_out = n_out;
    c.reuse_factor = rf;
    c.strategy = s;
    c.n_zero_weights = zeros;
    return c;
}

LayerCostInputs elementwise(Kind k, size_t n, int rf = 1) {
    LayerCostInputs c;
    c.kind = k;
    c.n_in = n;
    c.n_out = n;
    c.reuse_factor = rf;
    return c;
}

// The jet tagger as the cost model sees it: Dense+ReLU x3, Dense 5, softmax; everything ap_fixed<16,6>.
std::vector<LayerCostInputs> jet_tagger(int rf) {
    return {dense(16, 64, rf),  elementwise(Kind::Activation, 64, rf), dense(64, 32, rf),
            elementwise(Kind::Activation, 32, rf), dense(32, 32, rf),  elementwise(Kind::Activation, 32, rf),
            dense(32, 5, rf),   elementwise(Kind::Softmax, 5, rf)};
}

// input register (only when the network's II is 1) + layer latencies + output register: Network::expected_latency.
struct NetFigures {
    int ii = 1;
    int latency = 0;
};
NetFigures net_figures(const std::vector<LayerCostInputs>& layers, const DeviceProfile& p) {
    NetFigures f;
    std::vector<LayerTiming> t;
    for (const auto& l : layers) t.push_back(layer_cost(l, p, kPeriod));
    for (const auto& x : t) f.ii = std::max(f.ii, x.ii);
    f.latency = (f.ii == 1 ? p.input_register_cycles : 0) + p.output_register_cycles;
    for (const auto& x : t) f.latency += x.latency;
    return f;
}

class TempDir {
public:
    TempDir() {
        std::string tmpl = (fs::temp_directory_path() / "tlm4ml_cost_XXXXXX").string();
        if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
        path_ = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    fs::path file(const std::string& name, const std::string& text) const {
        const fs::path p = path_ / name;
        std::ofstream(p) << text;
        return p;
    }
    const fs::path& path() const { return path_; }

private:
    fs::path path_;
};

// The message of the exception DeviceProfile::load throws ("" when it does not throw).
std::string load_error(const fs::path& p) {
    try {
        DeviceProfile::load(p.string());
    } catch (const std::exception& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST(CostModel, CeilLog2) {
    EXPECT_EQ(ceil_log2(1), 0);
    EXPECT_EQ(ceil_log2(2), 1);
    EXPECT_EQ(ceil_log2(3), 2);
    EXPECT_EQ(ceil_log2(4), 2);
    EXPECT_EQ(ceil_log2(5), 3);
    EXPECT_EQ(ceil_log2(17), 5);
    EXPECT_EQ(ceil_log2(64), 6);
    EXPECT_EQ(ceil_log2(65), 7);
}

TEST(CostModel, DenseIiEqualsReuseFactorInBothStrategies) {
    const DeviceProfile p;
    for (Strategy s : {Strategy::Latency, Strategy::Resource})
        for (int rf : {1, 2, 3, 4, 8, 16, 64, 1024}) {
            SCOPED_TRACE(std::string(to_string(s)) + " R=" + std::to_string(rf));
            EXPECT_EQ(layer_cost(dense(16, 64, rf, s), p, kPeriod).ii, rf);
        }
    // A reuse factor below 1 counts as 1.
    EXPECT_EQ(layer_cost(dense(16, 64, 0), p, kPeriod).ii, 1);
}

TEST(CostModel, DenseLatencyFormulas) {
    // Latency: max(1, ceil((t_mult + ceil(log2(n_in+1)) t_add) / P)) + (R-1) step + output register,
    // P = 5 ns * (1 - 0.27) = 3.65 ns.
    DeviceProfile p;
    EXPECT_EQ(layer_cost(dense(16, 64), p, kPeriod).latency, 2);   // 1 + 5*0.35 = 2.75 ns: 1 stage + 1
    EXPECT_EQ(layer_cost(dense(64, 32), p, kPeriod).latency, 2);   // 1 + 7*0.35 = 3.45 ns
    EXPECT_EQ(layer_cost(dense(256, 8), p, kPeriod).latency, 3);   // 1 + 9*0.35 = 4.15 ns: 2 stages + 1
    EXPECT_EQ(layer_cost(dense(16, 64, 4), p, kPeriod).latency, 2);  // dense_reuse_step_cycles 0
    p.dense_reuse_step_cycles = 1;
    EXPECT_EQ(layer_cost(dense(16, 64, 4), p, kPeriod).latency, 2 + 3);
    // Resource: R + max(1, ceil((t_mult + t_add) / P)) + output register.
    const DeviceProfile v;
    EXPECT_EQ(layer_cost(dense(16, 64, 4, Strategy::Resource), v, kPeriod).latency, 4 + 1 + 1);
    EXPECT_EQ(layer_cost(dense(16, 64, 1, Strategy::Resource), v, kPeriod).latency, 1 + 1 + 1);
    // Binary / ternary products cost an adder level instead of t_mult: a 2.4 ns tree (7 levels) with a
    // 1 ns multiplier does not fit in 3.65 ns with a long clock uncertainty, with an adder it does.
    DeviceProfile slow;
    slow.t_mult_ns = 2.0;
    LayerCostInputs b = dense(64, 32);
    EXPECT_EQ(layer_cost(b, slow, kPeriod).latency, 2 + 1);  // 2 + 2.45 = 4.45 ns: 2 stages
    b.no_dsp = true;
    EXPECT_EQ(layer_cost(b, slow, kPeriod).latency, 1 + 1);  // 0.35 + 2.45 = 2.8 ns: 1 stage
}

TEST(CostModel, MultipliersAreCeilProductsOverRMinusZerosOverR) {
    const DeviceProfile p;
    struct Case {
        size_t n_in, n_out, zeros;
        int rf;
        size_t expected;
    };
    const Case cases[] = {
        {16, 64, 0, 1, 1024},  {16, 64, 0, 2, 512},   {16, 64, 10, 4, 256 - 2}, {16, 64, 3, 4, 256 - 0},
        {5, 2, 0, 3, 4},       {5, 2, 5, 3, 4 - 1},   {64, 32, 9, 1, 2048 - 9}, {32, 5, 0, 7, 23},
        {32, 5, 160, 160, 0},  {32, 5, 159, 160, 1},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(testing::Message() << c.n_in << "x" << c.n_out << " R=" << c.rf << " zeros=" << c.zeros);
        for (Strategy s : {Strategy::Latency, Strategy::Resource}) {
            const LayerTiming t = layer_cost(dense(c.n_in, c.n_out, c.rf, s, c.zeros), p, kPeriod);
            EXPECT_EQ(t.multipliers, c.expected);
            EXPECT_EQ(t.dsp, c.expected);  // 16 x 16 bits: every multiplier is a DSP
        }
    }
}

TEST(CostModel, XnorAndBinaryProductsUseNoDsp) {
    const DeviceProfile p;
    LayerCostInputs x = dense(64, 32);
    x.xnor = true;
    x.data_width = 1;
    x.weight_width = 1;
    LayerTiming t = layer_cost(x, p, kPeriod);
    EXPECT_EQ(t.multipliers, 64u * 32u);
    EXPECT_EQ(t.dsp, 0u);
    EXPECT_GT(t.lut, 0u);

    LayerCostInputs b = dense(16, 64);  // ap_fixed<16,6> data, +-1 / ternary weights
    b.no_dsp = true;
    b.weight_width = 2;
    t = layer_cost(b, p, kPeriod);
    EXPECT_EQ(t.multipliers, 16u * 64u);
    EXPECT_EQ(t.dsp, 0u);
    // Even wide binary weights (no_dsp set by the layer) stay out of DSPs.
    b.weight_width = 16;
    EXPECT_EQ(layer_cost(b, p, kPeriod).dsp, 0u);

    // Narrow products (below dsp_min_operand_bits) go to LUTs; at the threshold they go to DSPs.
    LayerCostInputs n = dense(16, 8);
    n.weight_width = p.dsp_min_operand_bits - 1;
    EXPECT_EQ(layer_cost(n, p, kPeriod).dsp, 0u);
    n.weight_width = p.dsp_min_operand_bits;
    EXPECT_EQ(layer_cost(n, p, kPeriod).dsp, 16u * 8u);
}

TEST(CostModel, ElementwiseAndSoftmaxLatencies) {
    const DeviceProfile vitis;
    const DeviceProfile vivado = DeviceProfile::vivado_2019();
    EXPECT_EQ(layer_cost(elementwise(Kind::Activation, 64), vitis, kPeriod).latency, 0);
    EXPECT_EQ(layer_cost(elementwise(Kind::Threshold, 64), vitis, kPeriod).latency, 0);
    EXPECT_EQ(layer_cost(elementwise(Kind::Activation, 64), vivado, kPeriod).latency, 0);
    EXPECT_EQ(layer_cost(elementwise(Kind::TableActivation, 64), vitis, kPeriod).latency, vitis.rom_read_cycles);
    EXPECT_EQ(layer_cost(elementwise(Kind::Activation, 64, 3), vitis, kPeriod).ii, 3);
    // Softmax over 5: 2 ROM reads + max tree (4 adds = 1.4 ns: 1) + sum tree and product (2.05 ns: 1) + register.
    EXPECT_EQ(layer_cost(elementwise(Kind::Softmax, 5), vitis, kPeriod).latency, 5);
    EXPECT_EQ(layer_cost(elementwise(Kind::Softmax, 5), vivado, kPeriod).latency, 4);
    // BatchNorm: one product and one add (1.35 ns: 1 stage) + register.
    EXPECT_EQ(layer_cost(elementwise(Kind::BatchNorm, 32), vitis, kPeriod).latency, 2);
    EXPECT_EQ(layer_cost(elementwise(Kind::BatchNorm, 32), vivado, kPeriod).latency, 1);
}

TEST(CostModel, JetTaggerPerLayerLatencies) {
    const DeviceProfile vitis;
    const auto layers = jet_tagger(1);
    std::vector<int> lat;
    for (const auto& l : layers) lat.push_back(layer_cost(l, vitis, kPeriod).latency);
    // Each Dense: 1 compute cycle + 1 output register; ReLU 0; softmax 5.
    EXPECT_EQ(lat, (std::vector<int>{2, 0, 2, 0, 2, 0, 2, 5}));

    const DeviceProfile vivado = DeviceProfile::vivado_2019();
    lat.clear();
    for (const auto& l : layers) lat.push_back(layer_cost(l, vivado, kPeriod).latency);
    EXPECT_EQ(lat, (std::vector<int>{1, 0, 1, 0, 1, 0, 1, 4}));
}

TEST(CostModel, JetTaggerCalibration) {
    // Vitis HLS 2024.1: 14 cycles at R=1 (II 1), 13 at R=2 (II 2); Vivado HLS 2019.2: 10 at R=1.
    const NetFigures v1 = net_figures(jet_tagger(1), DeviceProfile::vitis_default());
    EXPECT_EQ(v1.ii, 1);
    EXPECT_EQ(v1.latency, 14);
    const NetFigures v2 = net_figures(jet_tagger(2), DeviceProfile::vitis_default());
    EXPECT_EQ(v2.ii, 2);
    EXPECT_EQ(v2.latency, 13);  // no input register at II 2
    const NetFigures o1 = net_figures(jet_tagger(1), DeviceProfile::vivado_2019());
    EXPECT_EQ(o1.ii, 1);
    EXPECT_EQ(o1.latency, 10);
    // R 4: no published Vitis report; the R 2 report's Dense instances take 1 cycle as at R 1, so tlm4ml keeps
    // them at 1 and R 4 is 13 cycles too, one fewer than R 1 (README, "A larger reuse factor can be a cycle
    // shorter"; the hls4ml tutorial's part2_advanced_config.ipynb at commit c6b63d37 has the R 1 and R 2 reports).
    const NetFigures v4 = net_figures(jet_tagger(4), DeviceProfile::vitis_default());
    EXPECT_EQ(v4.ii, 4);
    EXPECT_EQ(v4.latency, 13);
}

TEST(CostModel, Vivado2019DenseGrowsWithTheReuseFactor) {
    // Vivado HLS 2019.2, hls4ml tutorial part2_advanced_config.ipynb at hls4ml-tutorial commit 6f263996 (xcu250,
    // 5 ns, the jet tagger at ap_fixed<16,6>): every dense_latency instance takes 1 cycle at R = 1 (II 1, 9
    // cycles in all) and 2 cycles at R = 2 (II 2, 15 cycles in all).
    const DeviceProfile vivado = DeviceProfile::vivado_2019();
    for (int rf : {1, 2}) {
        SCOPED_TRACE(rf);
        for (const auto& l : jet_tagger(rf)) {
            if (l.kind == Kind::Dense) {
                EXPECT_EQ(layer_cost(l, vivado, kPeriod).latency, rf);
            }
        }
    }
    // The network: 10 at R = 1 (the profile's fit, README), 13 at R = 2: the four Dense layers add a cycle each,
    // the input register goes (II 2). The report's 15 leaves two cycles outside the Dense instances unmodelled.
    EXPECT_EQ(net_figures(jet_tagger(1), vivado).latency, 10);
    const NetFigures o2 = net_figures(jet_tagger(2), vivado);
    EXPECT_EQ(o2.ii, 2);
    EXPECT_EQ(o2.latency, 13);
}

TEST(CostModel, JetTaggerCalibrationFromTheExampleModelFile) {
    // The same sums with the cost inputs the model file's layers produce (shapes, widths, kinds).
    const fs::path src = fs::path(TLM4ML_SOURCE_DIR) / "testbenches/models/jet_tagger.json";
    const Model m = load_model_file(src.string());
    ASSERT_EQ(m.layers.size(), 8u);
    std::vector<LayerCostInputs> in;
    for (const auto& l : m.layers) in.push_back(l->cost_inputs());
    const auto hand = jet_tagger(1);
    for (size_t i = 0; i < in.size(); ++i) {
        SCOPED_TRACE(m.layers[i]->name());
        EXPECT_EQ(static_cast<int>(in[i].kind), static_cast<int>(hand[i].kind));
        EXPECT_EQ(in[i].n_in, hand[i].n_in);
        EXPECT_EQ(in[i].n_out, hand[i].n_out);
    }
    EXPECT_EQ(net_figures(in, DeviceProfile::vitis_default()).latency, 14);
    EXPECT_EQ(net_figures(in, DeviceProfile::vivado_2019()).latency, 10);

    // default_reuse_factor 2 (valid for every Dense of the tagger): 13 cycles, II 2.
    nlohmann::json j;
    std::ifstream(src) >> j;
    j["default_reuse_factor"] = 2;
    TempDir dir;
    const Model m2 = load_model_file(dir.file("jet_tagger_r2.json", j.dump()).string());
    EXPECT_TRUE(m2.warnings.empty());
    std::vector<LayerCostInputs> in2;
    for (const auto& l : m2.layers) in2.push_back(l->cost_inputs());
    const NetFigures f = net_figures(in2, DeviceProfile::vitis_default());
    EXPECT_EQ(f.ii, 2);
    EXPECT_EQ(f.latency, 13);
}

TEST(DeviceProfileFile, LoadsEveryKey) {
    TempDir dir;
    const auto p = DeviceProfile::load(dir.file("good.json", R"({
        "name": "my-device", "clock_uncertainty": 0.125, "t_mult_ns": 2.5, "t_add_ns": 0.5,
        "rom_read_cycles": 2, "input_register_cycles": 0, "layer_output_register_cycles": 3,
        "output_register_cycles": 1, "dense_reuse_step_cycles": 1, "dsp_min_operand_bits": 12})").string());
    EXPECT_EQ(p.name, "my-device");
    EXPECT_DOUBLE_EQ(p.clock_uncertainty, 0.125);
    EXPECT_DOUBLE_EQ(p.t_mult_ns, 2.5);
    EXPECT_DOUBLE_EQ(p.t_add_ns, 0.5);
    EXPECT_EQ(p.rom_read_cycles, 2);
    EXPECT_EQ(p.input_register_cycles, 0);
    EXPECT_EQ(p.layer_output_register_cycles, 3);
    EXPECT_EQ(p.output_register_cycles, 1);
    EXPECT_EQ(p.dense_reuse_step_cycles, 1);
    EXPECT_EQ(p.dsp_min_operand_bits, 12);
}

TEST(DeviceProfileFile, RemovedBramBitsKeyIsAnErrorSayingSo) {
    // bram_bits fed the old capacity formula of block RAM; the structural model counts 18 Kb blocks by aspect
    // ratio, so a profile that still sets it is told the key is gone rather than having it silently ignored.
    TempDir dir;
    const auto f = dir.file("old.json", R"({"t_add_ns": 0.4, "bram_bits": 18432})");
    const std::string e = load_error(f);
    EXPECT_NE(e.find(f.string()), std::string::npos) << e;
    EXPECT_NE(e.find("bram_bits: no longer a profile key"), std::string::npos) << e;
}

TEST(DeviceProfileFile, MissingKeysKeepTheVitisDefaults) {
    TempDir dir;
    const auto p = DeviceProfile::load(dir.file("partial.json", R"({"t_add_ns": 0.4})").string());
    const DeviceProfile d;
    EXPECT_DOUBLE_EQ(p.t_add_ns, 0.4);
    EXPECT_EQ(p.name, d.name);
    EXPECT_DOUBLE_EQ(p.clock_uncertainty, d.clock_uncertainty);
    EXPECT_EQ(p.layer_output_register_cycles, d.layer_output_register_cycles);
}

TEST(DeviceProfileFile, ToJsonRoundTrips) {
    TempDir dir;
    const DeviceProfile v = DeviceProfile::vivado_2019();
    const auto p = DeviceProfile::load(dir.file("rt.json", v.to_json()).string());
    EXPECT_EQ(p.to_json(), v.to_json());
    EXPECT_EQ(net_figures(jet_tagger(1), p).latency, 10);
}

TEST(DeviceProfileFile, UnknownKeyIsAnErrorNamingFileAndKey) {
    TempDir dir;
    const auto f = dir.file("unknown.json", R"({"t_mult_ns": 1.0, "t_mul_ns": 1.0})");
    const std::string e = load_error(f);
    ASSERT_FALSE(e.empty());
    EXPECT_NE(e.find(f.string()), std::string::npos) << e;
    EXPECT_NE(e.find("t_mul_ns"), std::string::npos) << e;
    EXPECT_NE(e.find("unknown"), std::string::npos) << e;
}

TEST(DeviceProfileFile, BadValuesAreErrorsNamingTheKey) {
    TempDir dir;
    struct Case {
        const char* json;
        const char* key;
    };
    const Case cases[] = {
        {R"({"clock_uncertainty": 0.95})", "clock_uncertainty"},
        {R"({"clock_uncertainty": -0.1})", "clock_uncertainty"},
        {R"({"t_mult_ns": -1})", "t_mult_ns"},
        {R"({"t_add_ns": "fast"})", "t_add_ns"},
        {R"({"rom_read_cycles": 17})", "rom_read_cycles"},
        {R"({"rom_read_cycles": -1})", "rom_read_cycles"},
        {R"({"input_register_cycles": 1.5})", "input_register_cycles"},
        {R"({"layer_output_register_cycles": 100})", "layer_output_register_cycles"},
        {R"({"output_register_cycles": true})", "output_register_cycles"},
        {R"({"dense_reuse_step_cycles": null})", "dense_reuse_step_cycles"},
        {R"({"dsp_min_operand_bits": 0})", "dsp_min_operand_bits"},
        {R"({"name": 7})", "name"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.json);
        const auto f = dir.file("bad.json", c.json);
        const std::string e = load_error(f);
        ASSERT_FALSE(e.empty());
        EXPECT_NE(e.find(f.string()), std::string::npos) << e;
        EXPECT_NE(e.find(c.key), std::string::npos) << e;
    }
}

TEST(DeviceProfileFile, IntegersBeyondIntRangeAreRejectedNotTruncated) {
    // 2^32 + 1 truncated to int is 1, and 2^32 + 10 is 10, both in range: they must be rejected as out of
    // range instead.
    TempDir dir;
    for (const char* text : {R"({"rom_read_cycles": 4294967297})", R"({"dsp_min_operand_bits": 4294967306})"}) {
        SCOPED_TRACE(text);
        const std::string e = load_error(dir.file("big.json", text));
        EXPECT_FALSE(e.empty()) << "accepted an out-of-range integer";
    }
}

TEST(DeviceProfileFile, MalformedOrMissingFilesAreErrors) {
    TempDir dir;
    EXPECT_FALSE(load_error(dir.file("bad.json", "{\"t_add_ns\": ")).empty());
    EXPECT_FALSE(load_error(dir.file("array.json", "[1, 2]")).empty());
    const std::string e = load_error(dir.path() / "absent.json");
    EXPECT_NE(e.find("absent.json"), std::string::npos) << e;
}

namespace {

// The cost inputs of a shipped example model, with every layer's reuse factor set to `rf`.
std::vector<LayerCostInputs> model_layers(const std::string& file, int rf, std::vector<std::string>* names = nullptr) {
    const fs::path src = fs::path(TLM4ML_SOURCE_DIR) / "testbenches/models" / file;
    nlohmann::json j;
    std::ifstream(src) >> j;
    j["default_reuse_factor"] = rf;
    for (auto& l : j["layers"]) {
        l.erase("reuse_factor");
        // Kernel files (mnist_binary/...) are relative to the model's folder: made absolute for the copy.
        for (auto& [key, value] : l.items())
            if (value.is_object() && value.contains("file"))
                value["file"] = (src.parent_path() / value["file"].get<std::string>()).string();
    }
    TempDir dir;
    const Model m = load_model_file(dir.file(file, j.dump()).string());
    std::vector<LayerCostInputs> in;
    for (const auto& l : m.layers) {
        in.push_back(l->cost_inputs());
        if (names) names->push_back(l->name());
    }
    return in;
}

std::vector<int> latencies(const std::vector<LayerCostInputs>& in, const DeviceProfile& p, double period) {
    std::vector<int> v;
    for (const auto& l : in) v.push_back(layer_cost(l, p, period).latency);
    return v;
}
std::vector<int> iis(const std::vector<LayerCostInputs>& in, const DeviceProfile& p) {
    std::vector<int> v;
    for (const auto& l : in) v.push_back(layer_cost(l, p, kPeriod).ii);
    return v;
}

}  // namespace

// Binary / ternary layers as hls4ml's templates schedule them (cost_model.cpp names the template lines):
// Dense of every product kind II R (dense_latency's PIPELINE II=reuse_factor), the product one LUT level
// (XNOR, or a select of 0 / x / -x: t_add) instead of a multiplier; BatchNormalizationQuantizedTanh and
// binary / ternary tanh "#pragma HLS PIPELINE" without an II: II 1 whatever R, latency 0 like a relu.
TEST(CostModel, BinaryAndTernaryLayersFollowTheirTemplates) {
    const DeviceProfile vitis;
    std::vector<std::string> names;
    // KERAS_3layer_binary_smaller: fc1 16->64 (ternary weights on 16-bit inputs), bnbt_bn1, fc2 64->32 and
    // fc3 32->32 (XNOR), bnbt, output 32->5 (XNOR), bn (BatchNormalization 5). At 5 ns (P = 3.65 ns):
    // fc1 0.35 + 5 x 0.35 = 2.1 ns, fc2 0.35 + 7 x 0.35 = 2.8 ns, fc3 / output 2.45 ns: one stage + the output
    // register each; bn 1 + 0.35 ns: 1 + 1.
    const auto binary = model_layers("jet_tagger_binary.json", 1, &names);
    ASSERT_EQ(names, (std::vector<std::string>{"fc1", "bnbt_bn1", "fc2", "bnbt_bn2", "fc3", "bnbt_bn3", "output", "bn"}));
    EXPECT_EQ(latencies(binary, vitis, kPeriod), (std::vector<int>{2, 0, 2, 0, 2, 0, 2, 2}));
    EXPECT_EQ(iis(binary, vitis), (std::vector<int>{1, 1, 1, 1, 1, 1, 1, 1}));
    EXPECT_EQ(binary[2].xnor, true);
    EXPECT_EQ(binary[0].xnor, false);
    EXPECT_EQ(binary[0].no_dsp, true);
    // At R 4 every Dense and the BatchNormalization take 4 cycles per input, the thresholds still 1.
    const auto binary_r4 = model_layers("jet_tagger_binary.json", 4);
    EXPECT_EQ(iis(binary_r4, vitis), (std::vector<int>{4, 1, 4, 1, 4, 1, 4, 4}));
    EXPECT_EQ(latencies(binary_r4, vitis, kPeriod), (std::vector<int>{2, 0, 2, 0, 2, 0, 2, 2}));
    // At 4 ns (P = 2.92 ns) the XNOR 64->32's 2.8 ns still fit one stage; the same layer with 16-bit
    // products (1 + 7 x 0.35 = 3.45 ns) needs two.
    EXPECT_EQ(layer_cost(binary[2], vitis, 4.0).latency, 1 + 1);
    EXPECT_EQ(layer_cost(dense(64, 32), vitis, 4.0).latency, 2 + 1);

    // KERAS_3layer_ternary_small: the same schedule (ternary selects cost what an XNOR costs).
    const auto ternary = model_layers("jet_tagger_ternary.json", 4);
    EXPECT_EQ(iis(ternary, vitis), (std::vector<int>{4, 1, 4, 1, 4, 1, 4, 4}));
    EXPECT_EQ(latencies(ternary, vitis, kPeriod), (std::vector<int>{2, 0, 2, 0, 2, 0, 2, 2}));

    // The binary MNIST MLP 784-128-128-128-10: fc1 0.35 + 10 x 0.35 = 3.85 ns > 3.65: two stages + 1;
    // the XNOR 128-input layers 0.35 + 8 x 0.35 = 3.15 ns: one + 1.
    const auto mnist = model_layers("mnist_binary.json", 1);
    ASSERT_EQ(mnist.size(), 9u);
    EXPECT_EQ(latencies(mnist, vitis, kPeriod), (std::vector<int>{3, 0, 2, 0, 2, 0, 2, 2, 5}));

    // Resource strategy: the ReuseLoop's drain is the product and one add; a select is one LUT level where
    // a slow multiplier (4 ns here) needs two stages.
    DeviceProfile slow;
    slow.t_mult_ns = 4.0;
    LayerCostInputs r = dense(64, 32, 4, Strategy::Resource);
    EXPECT_EQ(layer_cost(r, slow, kPeriod).latency, 4 + 2 + 1);
    r.xnor = r.no_dsp = true;
    EXPECT_EQ(layer_cost(r, slow, kPeriod).latency, 4 + 1 + 1);
    // The thresholds' II does not follow R in io_parallel either.
    EXPECT_EQ(layer_cost(elementwise(Kind::Threshold, 64, 8), vitis, kPeriod).ii, 1);
    EXPECT_EQ(layer_cost(elementwise(Kind::Threshold, 64, 8), vitis, kPeriod).latency, 0);
}
