// The model file's validation: one test per rule. Each writes a small bad model (a mutation of a valid
// 4 -> Dense 3 -> relu -> Dense 2 -> softmax network) and checks that load_model_file throws ModelError
// naming the file, the JSON path and what was expected. Then the same through `tlm4ml predict`: exit code
// 1, "error: ..." on stderr, and no output file.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "layers/arithmetic/dense.h"
#include "models/model.h"
#include "layers/arithmetic/reference.h"
#include "tests/support/test_support.h"

namespace fs = std::filesystem;
using nlohmann::json;
using tlm4ml::Model;
using tlm4ml::ModelError;


using namespace tlm4ml_test;
namespace {

// 4 -> Dense 3 -> relu -> Dense 2 -> softmax. layers[0] spells out every precision, layers[2] takes the defaults.
json small_model() {
    return json::parse(R"({
      "name": "small",
      "input": {"name": "in", "shape": [4], "precision": "ap_fixed<16,6>"},
      "layers": [
        {"name": "fc1", "class": "Dense", "units": 3,
         "precision": {"weight": "ap_fixed<16,6>", "bias": "ap_fixed<16,6>",
                       "accum": "ap_fixed<16,6>", "result": "ap_fixed<16,6>"},
         "kernel": [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 1]], "bias": [0, 0.5, -1]},
        {"name": "relu1", "class": "Activation", "activation": "relu"},
        {"name": "fc2", "class": "Dense", "units": 2, "kernel": [[1, 0.25], [0, 1], [-0.5, 0]], "bias": [-0.5, 0]},
        {"name": "softmax", "class": "Softmax"}
      ]
    })");
}

// numpy's .npy format 1.0: magic, version, little-endian header length, a dict padded with spaces and ended
// by '\n' so that the data starts at a multiple of 64 bytes, then the C-ordered little-endian data.
std::string npy_bytes(const std::vector<size_t>& shape, const std::vector<double>& values, bool float32) {
    std::string dims;
    for (size_t i = 0; i < shape.size(); ++i) dims += (i ? ", " : "") + std::to_string(shape[i]);
    if (shape.size() == 1) dims += ",";
    std::string header = std::string("{'descr': '") + (float32 ? "<f4" : "<f8") +
                         "', 'fortran_order': False, 'shape': (" + dims + "), }";
    while ((10 + header.size() + 1) % 64 != 0) header.push_back(' ');
    header.push_back('\n');
    std::string out = "\x93NUMPY";
    out.push_back('\x01');
    out.push_back('\x00');
    out.push_back(static_cast<char>(header.size() & 0xff));
    out.push_back(static_cast<char>(header.size() >> 8));
    out += header;
    for (double v : values) {
        char bytes[8];
        if (float32) {
            const float f = static_cast<float>(v);
            std::memcpy(bytes, &f, 4);
            out.append(bytes, 4);  // x86 / ARM hosts are little-endian, as '<' says
        } else {
            std::memcpy(bytes, &v, 8);
            out.append(bytes, 8);
        }
    }
    return out;
}

// The hls4ml rule (Vivado backend _validate_reuse_factor), written independently of the loader.
bool hls4ml_valid_rf(size_t n_in, size_t n_out, size_t rf) {
    const size_t mf = std::min(n_in, rf);
    const size_t ml = static_cast<size_t>(std::ceil(static_cast<double>(n_in * n_out) / static_cast<double>(mf)));
    bool ok = (ml % n_out == 0) || rf >= n_in;
    ok = ok && ((rf % n_in == 0) || rf < n_in);
    ok = ok && ((n_in * n_out) % rf == 0);
    return ok;
}

// hls4ml's get_closest_reuse_factor: bisect over the sorted valid list, ties to the smaller one.
int hls4ml_closest_rf(size_t n_in, size_t n_out, int chosen) {
    std::vector<int> valid;
    for (size_t rf = 1; rf <= n_in * n_out; ++rf)
        if (hls4ml_valid_rf(n_in, n_out, rf)) valid.push_back(static_cast<int>(rf));
    const auto pos = std::lower_bound(valid.begin(), valid.end(), chosen);
    if (pos == valid.begin()) return valid.front();
    if (pos == valid.end()) return valid.back();
    const int before = *(pos - 1), after = *pos;
    return after - chosen < chosen - before ? after : before;
}

class TempDirTest : public ::testing::Test {
protected:
    void SetUp() override {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        std::string leaf = "tlm4ml_" + std::string(info->test_suite_name()) + "_" + info->name() + "_" +
                           std::to_string(getpid());
        for (char& ch : leaf)
            if (ch == '/') ch = '_';
        dir_ = fs::path(::testing::TempDir()) / leaf;
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override {
        if (!HasFailure()) fs::remove_all(dir_);
    }

    fs::path write_model(const json& model, const std::string& name = "model.json") {
        const fs::path p = dir_ / name;
        write_text(p, model.dump(2));
        return p;
    }
    fs::path write_raw(const std::string& text, const std::string& name = "model.json") {
        const fs::path p = dir_ / name;
        write_text(p, text);
        return p;
    }

    // Loads `path`; expects a ModelError naming the file and holding every needle. Returns the message.
    std::string expect_error(const fs::path& path, std::initializer_list<std::string> needles) {
        std::string msg;
        try {
            tlm4ml::load_model_file(path.string());
            ADD_FAILURE() << "the model loaded without error:\n" << read_text(path);
            return "";
        } catch (const ModelError& e) {
            msg = e.what();
        } catch (const std::exception& e) {
            ADD_FAILURE() << "threw an exception that is not a ModelError: " << e.what();
            return e.what();
        }
        EXPECT_NE(msg.find(path.string()), std::string::npos) << "the message does not name the file: " << msg;
        for (const auto& needle : needles)
            EXPECT_NE(msg.find(needle), std::string::npos) << "the message lacks \"" << needle << "\": " << msg;
        return msg;
    }
    std::string expect_error(const json& model, std::initializer_list<std::string> needles) {
        return expect_error(write_model(model), needles);
    }

    Model load_ok(const json& model) {
        const fs::path p = write_model(model);
        try {
            return tlm4ml::load_model_file(p.string());
        } catch (const std::exception& e) {
            ADD_FAILURE() << "the model should load: " << e.what();
            return Model{};
        }
    }

    fs::path dir_;
};

// SCOPED_TRACE names the calling line when a check inside the helper fails.
#define EXPECT_MODEL_ERROR(model, ...)        \
    do {                                      \
        SCOPED_TRACE("EXPECT_MODEL_ERROR");   \
        expect_error((model), {__VA_ARGS__}); \
    } while (0)

using ModelErrors = TempDirTest;
using ModelErrorsCli = TempDirTest;

TEST_F(ModelErrors, BaseModelIsValid) {
    const Model m = load_ok(small_model());
    ASSERT_EQ(m.layers.size(), 4u);
    EXPECT_EQ(m.layers[0]->name(), "fc1");
    EXPECT_EQ(m.layers[1]->name(), "relu1");
    EXPECT_EQ(m.layers[2]->name(), "fc2");
    EXPECT_EQ(m.layers[3]->name(), "softmax");
    EXPECT_EQ(m.input_size(), 4u);
    EXPECT_EQ(m.output_size(), 2u);
    EXPECT_TRUE(m.warnings.empty());
}

TEST_F(ModelErrors, MalformedJson) {
    EXPECT_MODEL_ERROR(write_raw("{\"input\": {\"shape\": [4]},\n \"layers\": [ }"), "malformed JSON", "line 2");
    EXPECT_MODEL_ERROR(write_raw(""), "malformed JSON");
    // JSON has no NaN literal.
    EXPECT_MODEL_ERROR(write_raw("{\"input\": {\"shape\": [4]}, \"layers\": [NaN]}"), "malformed JSON");
}

TEST_F(ModelErrors, MissingFile) {
    const fs::path missing = dir_ / "does_not_exist.json";
    EXPECT_MODEL_ERROR(missing, "cannot open");
}

TEST_F(ModelErrors, TopLevelNotAnObject) {
    EXPECT_MODEL_ERROR(write_raw("[1, 2, 3]"), "(top level)", "expected a JSON object");
    EXPECT_MODEL_ERROR(write_raw("\"model\""), "(top level)", "expected a JSON object");
}

TEST_F(ModelErrors, UnknownTopLevelKey) {
    json m = small_model();
    m["layerz"] = json::array();
    EXPECT_MODEL_ERROR(m, "layerz", "unknown key", "expected one of", "layers");
}

TEST_F(ModelErrors, MissingInputOrLayers) {
    json m = small_model();
    m.erase("input");
    EXPECT_MODEL_ERROR(m, "input: missing");
    m = small_model();
    m.erase("layers");
    EXPECT_MODEL_ERROR(m, "layers: missing");
    m = small_model();
    m["input"] = 4;
    EXPECT_MODEL_ERROR(m, "input: expected an object");
    m = small_model();
    m["input"].erase("shape");
    EXPECT_MODEL_ERROR(m, "input.shape: missing");
}

TEST_F(ModelErrors, BadInputShape) {
    const std::vector<std::pair<json, std::vector<std::string>>> cases = {
        {json::array(), {"input.shape", "non-empty array"}},
        {"4", {"input.shape", "non-empty array"}},
        {json::array({4, 0}), {"input.shape[1]", "expected an integer between 1 and"}},
        {json::array({-4}), {"input.shape[0]", "expected an integer between 1 and"}},
        {json::array({2.5}), {"input.shape[0]", "expected an integer"}},
        {json::array({"4"}), {"input.shape[0]", "expected an integer"}},
    };
    for (const auto& [shape, needles] : cases) {
        SCOPED_TRACE("shape " + shape.dump());
        json m = small_model();
        m["input"]["shape"] = shape;
        const std::string msg = expect_error(write_model(m), {});
        for (const auto& n : needles) EXPECT_NE(msg.find(n), std::string::npos) << "lacks \"" << n << "\": " << msg;
    }
}

TEST_F(ModelErrors, BadPrecisionStringIsQuoted) {
    json m = small_model();
    m["layers"][0]["precision"]["accum"] = "ap_fixed<16>";
    EXPECT_MODEL_ERROR(m, "layers[0].precision.accum", "\"ap_fixed<16>\"", "expected ap_fixed<W,I");

    m = small_model();
    m["layers"][0]["precision"]["weight"] = "ap_fixed<16,6,AP_ROUND>";
    EXPECT_MODEL_ERROR(m, "layers[0].precision.weight", "\"ap_fixed<16,6,AP_ROUND>\"");

    m = small_model();
    m["layers"][2]["precision"] = "float";  // one string for every type of the layer
    EXPECT_MODEL_ERROR(m, "layers[2].precision", "\"float\"");

    m = small_model();
    m["layers"][0]["precision"]["accum"] = 16;
    EXPECT_MODEL_ERROR(m, "layers[0].precision.accum", "expected a string");

    m = small_model();
    m["layers"][0]["precision"]["acum"] = "ap_fixed<16,6>";  // misspelled role
    EXPECT_MODEL_ERROR(m, "layers[0].precision.acum", "unknown key", "accum");

    m = small_model();
    m["input"]["precision"] = "ap_fixed<0,0>";
    EXPECT_MODEL_ERROR(m, "input.precision", "\"ap_fixed<0,0>\"");

    m = small_model();
    m["default_precision"] = "ap_fixed<65,6>";
    EXPECT_MODEL_ERROR(m, "default_precision", "\"ap_fixed<65,6>\"", "W <= 64");
}

TEST_F(ModelErrors, UnknownLayerClass) {
    json m = small_model();
    m["layers"][1]["class"] = "Conv3D";
    EXPECT_MODEL_ERROR(m, "layers[1].class", "\"Conv3D\"", "supported: Dense");
    m = small_model();
    m["layers"][1].erase("class");
    EXPECT_MODEL_ERROR(m, "layers[1].class: missing");
}

TEST_F(ModelErrors, UnknownActivation) {
    json m = small_model();
    m["layers"][1]["activation"] = "swish";
    EXPECT_MODEL_ERROR(m, "layers[1].activation", "\"swish\"", "expected linear, relu");
    m = small_model();
    m["layers"][0]["activation"] = "swish";  // fused into a Dense layer
    EXPECT_MODEL_ERROR(m, "layers[0].activation", "\"swish\"");
    m = small_model();
    m["layers"][1].erase("activation");
    EXPECT_MODEL_ERROR(m, "layers[1].activation: missing");
}

TEST_F(ModelErrors, MissingKernel) {
    json m = small_model();
    m["layers"][0].erase("kernel");
    EXPECT_MODEL_ERROR(m, "layers[0].kernel: missing");
}

TEST_F(ModelErrors, KernelOfWrongShape) {
    json m = small_model();
    m["layers"][0]["kernel"] = json::array({{1, 0, 0}, {0, 1, 0}, {0, 0, 1}});  // 3 rows, n_in is 4
    EXPECT_MODEL_ERROR(m, "layers[0].kernel", "expected shape [4, 3]", "got [3, 3]");

    m = small_model();  // transposed: [units][n_in]
    m["layers"][0]["kernel"] = json::array({{1, 0, 0, 1}, {0, 1, 0, 1}, {0, 0, 1, 1}});
    EXPECT_MODEL_ERROR(m, "layers[0].kernel", "expected shape [4, 3]", "got [3, 4]");

    m = small_model();  // "units" disagrees with the kernel
    m["layers"][0]["units"] = 4;
    EXPECT_MODEL_ERROR(m, "layers[0].kernel", "expected shape [4, 4]");

    m = small_model();
    m["layers"][0]["kernel"] = 1.5;
    EXPECT_MODEL_ERROR(m, "layers[0].kernel", "expected an array of numbers");
}

TEST_F(ModelErrors, RaggedKernel) {
    json m = small_model();
    m["layers"][0]["kernel"] = json::array({{1, 0, 0}, {0, 1}, {0, 0, 1}, {1, 1, 1}});
    EXPECT_MODEL_ERROR(m, "layers[0].kernel[1]", "ragged array", "expected 3 elements");

    m = small_model();
    m["layers"][0]["kernel"] = json::array({{1, 0, 0}, 0, {0, 0, 1}, {1, 1, 1}});
    EXPECT_MODEL_ERROR(m, "layers[0].kernel[1]", "ragged array");

    m = small_model();
    m["layers"][0]["kernel"] = json::array({{1, 0, 0}, {0, {1}, 0}, {0, 0, 1}, {1, 1, 1}});
    EXPECT_MODEL_ERROR(m, "layers[0].kernel", "ragged array");
}

TEST_F(ModelErrors, NullOrNaNInKernel) {
    json m = small_model();
    m["layers"][0]["kernel"][1][2] = nullptr;
    EXPECT_MODEL_ERROR(m, "layers[0].kernel[1][2]", "expected a finite number, got null");

    // nlohmann::json writes NaN and infinities as null: a model written from C++ or Python with NaN weights.
    m = small_model();
    m["layers"][0]["kernel"][3][0] = std::numeric_limits<double>::quiet_NaN();
    EXPECT_MODEL_ERROR(m, "layers[0].kernel[3][0]", "finite number");

    m = small_model();
    m["layers"][0]["kernel"][0][0] = "NaN";
    EXPECT_MODEL_ERROR(m, "layers[0].kernel[0][0]", "expected a number, got string");
}

TEST_F(ModelErrors, NonNumberInBias) {
    json m = small_model();
    m["layers"][0]["bias"][1] = "0.5";
    EXPECT_MODEL_ERROR(m, "layers[0].bias[1]", "expected a number, got string");
    m = small_model();
    m["layers"][0]["bias"][2] = true;
    EXPECT_MODEL_ERROR(m, "layers[0].bias[2]", "expected a number, got boolean");
    m = small_model();
    m["layers"][0]["bias"] = "zeros";
    EXPECT_MODEL_ERROR(m, "layers[0].bias", "expected an array of numbers");
}

TEST_F(ModelErrors, BiasOfWrongSize) {
    json m = small_model();
    m["layers"][0]["bias"] = json::array({0, 0});
    EXPECT_MODEL_ERROR(m, "layers[0].bias", "expected 3 values", "[2]");
    m = small_model();
    m["layers"][0].erase("bias");
    EXPECT_MODEL_ERROR(m, "layers[0].bias", "missing", "use_bias");
    // "use_bias": false needs no bias.
    m["layers"][0]["use_bias"] = false;
    const Model ok = load_ok(m);
    EXPECT_EQ(ok.layers.size(), 4u);
}

TEST_F(ModelErrors, BinaryKernelMustBePlusMinusOne) {
    json m = small_model();
    m["layers"][0]["precision"]["weight"] = "ap_uint<1>";
    m["layers"][0]["kernel"] = json::array({{1, -1, 1}, {-1, 1, 1}, {1, 1, -1}, {-1, -1, -1}});
    ASSERT_EQ(load_ok(m).layers.size(), 4u);

    m["layers"][0]["kernel"][1][1] = 0;  // the stored bit, not the value it encodes
    EXPECT_MODEL_ERROR(m, "layers[0].kernel", "element 4 is 0", "binary values must be -1 or +1");
    m["layers"][0]["kernel"][1][1] = 0.5;
    EXPECT_MODEL_ERROR(m, "layers[0].kernel", "binary values must be -1 or +1");
    m["layers"][0]["precision"]["weight"] = "uint<1>";  // hls4ml's spelling
    EXPECT_MODEL_ERROR(m, "layers[0].kernel", "binary values must be -1 or +1");
}

TEST_F(ModelErrors, Po2WeightEncodingIsChecked) {
    json m = small_model();
    m["layers"][0]["weight_encoding"] = "po2";
    m["layers"][0]["precision"]["weight"] = "ap_int<4>";
    m["layers"][0]["kernel"] = json::array({{1, -0.5, 2}, {-1, 0.25, 4}, {0.125, -2, 1}, {-4, 1, -0.0625}});
    ASSERT_EQ(load_ok(m).layers.size(), 4u);

    json bad = m;
    bad["layers"][0]["weight_encoding"] = "log2";
    EXPECT_MODEL_ERROR(bad, "layers[0].weight_encoding", "\"log2\"", "expected \"fixed\" or \"po2\"");
    bad = m;
    bad["layers"][0]["kernel"][1][1] = 0.3;
    EXPECT_MODEL_ERROR(bad, "layers[0].kernel", "element 4 is 0.3", "po2 weights must be +-2^e");
    bad["layers"][0]["kernel"][1][1] = 0;
    EXPECT_MODEL_ERROR(bad, "layers[0].kernel", "po2 weights must be +-2^e");
    bad = m;
    bad["layers"][0]["kernel"][0][2] = 1024;  // exponent 10 does not fit ap_int<4> (-8..7)
    EXPECT_MODEL_ERROR(bad, "layers[0].kernel", "exponent 10 does not fit");
    bad = m;
    bad["layers"][0]["precision"]["weight"] = "ap_fixed<8,3>";
    EXPECT_MODEL_ERROR(bad, "layers[0].precision", "needs an ap_int<W> weight type");
    bad["layers"][0]["precision"]["weight"] = "ap_uint<4>";
    EXPECT_MODEL_ERROR(bad, "layers[0].precision", "needs an ap_int<W> weight type");
}

TEST_F(ModelErrors, TernaryKernelAcceptsOnlyMinusOneZeroPlusOne) {
    json m = small_model();
    m["layers"][0]["precision"]["weight"] = "ap_int<2>";
    m["layers"][0]["kernel"] = json::array({{1, -1, 0}, {-1, 0, 1}, {0, 1, -1}, {-1, 0, 0}});
    ASSERT_EQ(load_ok(m).layers.size(), 4u);

    m["layers"][0]["kernel"][2][0] = 0.5;
    EXPECT_MODEL_ERROR(m, "layers[0].kernel", "ternary values must be -1, 0 or +1", "0.5");
    m["layers"][0]["kernel"][2][0] = -2;
    EXPECT_MODEL_ERROR(m, "layers[0].kernel", "ternary values must be -1, 0 or +1");
}

TEST_F(ModelErrors, DenseNeedsFlatInput) {
    json m = small_model();
    m["input"]["shape"] = json::array({2, 2});
    EXPECT_MODEL_ERROR(m, "layers[0]", "flat input", "[2, 2]", "Flatten");

    m["layers"].insert(m["layers"].begin(), json{{"name", "flatten"}, {"class", "Flatten"}});
    const Model ok = load_ok(m);
    EXPECT_EQ(ok.layers.size(), 4u);
    EXPECT_EQ(ok.input_size(), 4u);
}

TEST_F(ModelErrors, DuplicateLayerName) {
    json m = small_model();
    m["layers"][2]["name"] = "fc1";
    EXPECT_MODEL_ERROR(m, "layers[2].name", "duplicate layer name \"fc1\"");
    m = small_model();
    m["layers"][3]["name"] = "relu1";
    EXPECT_MODEL_ERROR(m, "layers[3].name", "duplicate layer name \"relu1\"");
    m = small_model();
    m["layers"][1].erase("name");
    EXPECT_MODEL_ERROR(m, "layers[1].name: missing");
}

TEST_F(ModelErrors, BadIoType) {
    json m = small_model();
    m["io_type"] = "io_serial";
    EXPECT_MODEL_ERROR(m, "io_type", "\"io_serial\"", "expected io_parallel or io_stream");
    m["io_type"] = "io_stream";
    EXPECT_EQ(load_ok(m).io_type, tlm4ml::IoType::Stream);
}

TEST_F(ModelErrors, BadStrategy) {
    json m = small_model();
    m["strategy"] = "Fast";
    EXPECT_MODEL_ERROR(m, "strategy", "\"Fast\"", "expected Latency or Resource");
    m = small_model();
    m["layers"][2]["strategy"] = "Distributed";
    EXPECT_MODEL_ERROR(m, "layers[2].strategy", "\"Distributed\"", "expected Latency or Resource");
    m = small_model();
    m["strategy"] = "resource";  // hls4ml accepts either case
    EXPECT_EQ(load_ok(m).strategy, tlm4ml::Strategy::Resource);
}

TEST_F(ModelErrors, NonPositiveClockPeriod) {
    json m = small_model();
    m["clock_period_ns"] = -5;
    EXPECT_MODEL_ERROR(m, "clock_period_ns", "positive");
    m["clock_period_ns"] = 0;
    EXPECT_MODEL_ERROR(m, "clock_period_ns", "positive");
    m["clock_period_ns"] = "5ns";
    EXPECT_MODEL_ERROR(m, "clock_period_ns", "expected a number");
    m["clock_period_ns"] = 2.5;
    EXPECT_DOUBLE_EQ(load_ok(m).clock_period_ns, 2.5);
}

TEST_F(ModelErrors, ReuseFactorMustBePositiveInteger) {
    json m = small_model();
    m["layers"][0]["reuse_factor"] = 0;
    EXPECT_MODEL_ERROR(m, "layers[0].reuse_factor", "expected an integer between 1 and", "got 0");
    m["layers"][0]["reuse_factor"] = -2;
    EXPECT_MODEL_ERROR(m, "layers[0].reuse_factor", "expected an integer between 1 and");
    m["layers"][0]["reuse_factor"] = 1.5;
    EXPECT_MODEL_ERROR(m, "layers[0].reuse_factor", "expected an integer");
    m = small_model();
    m["default_reuse_factor"] = 0;
    EXPECT_MODEL_ERROR(m, "default_reuse_factor", "expected an integer between 1 and");
}

TEST_F(ModelErrors, InvalidReuseFactorReplacedByClosestValidWithWarning) {
    // n_in=16, n_out=64: 1024 % 3 != 0, so RF 3 is invalid; 2 and 4 are equally close, the smaller wins.
    json m = small_model();
    m["input"]["shape"] = json::array({16});
    json kernel = json::array();
    for (int i = 0; i < 16; ++i) kernel.push_back(std::vector<double>(64, 0.125));
    m["layers"][0]["units"] = 64;
    m["layers"][0]["kernel"] = kernel;
    m["layers"][0]["bias"] = std::vector<double>(64, 0.0);
    m["layers"][0]["reuse_factor"] = 3;
    m["layers"][2]["kernel"] = json::array();
    for (int i = 0; i < 64; ++i) m["layers"][2]["kernel"].push_back({0.5, -0.5});
    const fs::path p = write_model(m);
    Model model;
    ASSERT_NO_THROW(model = tlm4ml::load_model_file(p.string()));
    EXPECT_EQ(model.layers[0]->reuse_factor(), 2);
    ASSERT_EQ(model.warnings.size(), 1u);
    const std::string& w = model.warnings[0];
    for (const std::string& needle : {p.string(), std::string("layers[0].reuse_factor"), std::string("3"),
                                     std::string("closest valid one, 2")})
        EXPECT_NE(w.find(needle), std::string::npos) << "the warning lacks \"" << needle << "\": " << w;

    // A valid one passes untouched and silently.
    m["layers"][0]["reuse_factor"] = 4;
    const Model ok = load_ok(m);
    EXPECT_EQ(ok.layers[0]->reuse_factor(), 4);
    EXPECT_TRUE(ok.warnings.empty());

    // Larger than n_in*n_out: the largest valid one.
    m["layers"][0]["reuse_factor"] = 5000;
    const Model big = load_ok(m);
    EXPECT_EQ(big.layers[0]->reuse_factor(), 1024);
    EXPECT_EQ(big.warnings.size(), 1u);

    // The model's default reuse factor is checked per layer too.
    m["layers"][0].erase("reuse_factor");
    m["default_reuse_factor"] = 3;
    const Model dflt = load_ok(m);
    EXPECT_EQ(dflt.layers[0]->reuse_factor(), 2);
    EXPECT_FALSE(dflt.warnings.empty());
}

TEST_F(ModelErrors, ReuseFactorRuleMatchesHls4ml) {
    EXPECT_TRUE(tlm4ml::is_valid_reuse_factor(16, 64, 1));
    EXPECT_TRUE(tlm4ml::is_valid_reuse_factor(16, 64, 2));
    EXPECT_FALSE(tlm4ml::is_valid_reuse_factor(16, 64, 3));
    EXPECT_TRUE(tlm4ml::is_valid_reuse_factor(16, 64, 16));
    EXPECT_FALSE(tlm4ml::is_valid_reuse_factor(16, 64, 24));  // >= n_in and not a multiple of it
    EXPECT_TRUE(tlm4ml::is_valid_reuse_factor(16, 64, 1024));
    EXPECT_FALSE(tlm4ml::is_valid_reuse_factor(16, 64, 0));
    EXPECT_EQ(tlm4ml::closest_valid_reuse_factor(16, 64, 3), 2);
    for (size_t n_in : {1, 2, 3, 5, 7, 12, 16, 30}) {
        for (size_t n_out : {1, 2, 3, 5, 10, 16, 64}) {
            const int max_rf = static_cast<int>(n_in * n_out);
            for (int rf = 1; rf <= max_rf + 3; ++rf) {
                SCOPED_TRACE("n_in=" + std::to_string(n_in) + " n_out=" + std::to_string(n_out) +
                             " rf=" + std::to_string(rf));
                ASSERT_EQ(tlm4ml::is_valid_reuse_factor(n_in, n_out, rf),
                          hls4ml_valid_rf(n_in, n_out, static_cast<size_t>(rf)));
                ASSERT_EQ(tlm4ml::closest_valid_reuse_factor(n_in, n_out, rf), hls4ml_closest_rf(n_in, n_out, rf));
            }
        }
    }
}

TEST_F(ModelErrors, SoftmaxTableSizeNotPowerOfTwo) {
    json m = small_model();
    m["layers"][3]["table_size"] = 1000;
    EXPECT_MODEL_ERROR(m, "layers[3].table_size", "1000 is not a power of two");
    m = small_model();
    m["layers"][3]["exp_table_size"] = 96;
    EXPECT_MODEL_ERROR(m, "layers[3].exp_table_size", "not a power of two");
    m = small_model();
    m["layers"][3]["inv_table_size"] = 0;
    EXPECT_MODEL_ERROR(m, "layers[3].inv_table_size", "expected an integer between");
    m = small_model();
    m["layers"][3]["table_size"] = 512;
    EXPECT_EQ(load_ok(m).layers.size(), 4u);
}

TEST_F(ModelErrors, ReluMaxValueNotInteger) {
    json m = small_model();
    m["layers"][1]["max_value"] = 2.5;
    EXPECT_MODEL_ERROR(m, "layers[1].max_value", "positive integer");
    m["layers"][1]["max_value"] = -1;
    EXPECT_MODEL_ERROR(m, "layers[1].max_value", "positive integer");
    m["layers"][1]["max_value"] = "6";
    EXPECT_MODEL_ERROR(m, "layers[1].max_value", "expected a number");
    m["layers"][1]["max_value"] = 6;
    EXPECT_EQ(load_ok(m).layers.size(), 4u);
    m["layers"][1]["max_value"] = nullptr;  // Keras writes null for "no maximum"
    EXPECT_EQ(load_ok(m).layers.size(), 4u);
}

TEST_F(ModelErrors, ReshapeWithWrongElementCount) {
    json m = small_model();
    m["layers"].insert(m["layers"].begin(), json{{"name", "reshape"}, {"class", "Reshape"}, {"target_shape", {3, 2}}});
    EXPECT_MODEL_ERROR(m, "layers[0].target_shape", "[3, 2] has 6 elements", "[4] has 4");
    m["layers"][0]["target_shape"] = json::array();
    EXPECT_MODEL_ERROR(m, "layers[0].target_shape", "non-empty array");
    m["layers"][0]["target_shape"] = {2, 0};
    EXPECT_MODEL_ERROR(m, "layers[0].target_shape[1]", "expected an integer between 1 and");
    // Reshape to [2, 2] then Flatten back: valid.
    m["layers"][0]["target_shape"] = {2, 2};
    m["layers"].insert(m["layers"].begin() + 1, json{{"name", "flatten"}, {"class", "Flatten"}});
    EXPECT_EQ(load_ok(m).layers.size(), 4u);
}

TEST_F(ModelErrors, NpySideFileMissing) {
    json m = small_model();
    m["layers"][0]["kernel"] = {{"file", "k.npy"}};
    EXPECT_MODEL_ERROR(m, "layers[0].kernel.file", "k.npy", "cannot open");
    m["layers"][0]["kernel"] = {{"path", "k.npy"}};
    EXPECT_MODEL_ERROR(m, "layers[0].kernel.path", "unknown key", "file");
}

TEST_F(ModelErrors, NpySideFileCorrupt) {
    json m = small_model();
    m["layers"][0]["kernel"] = {{"file", "k.npy"}};
    write_text(dir_ / "k.npy", "this is not a numpy file");
    EXPECT_MODEL_ERROR(m, "layers[0].kernel.file", "k.npy", "not a readable .npy array", "magic");

    // A valid header announcing 12 doubles, followed by only 5.
    const std::vector<double> twelve(12, 0.25);
    const std::string full = npy_bytes({4, 3}, twelve, false);
    write_text(dir_ / "k.npy", full.substr(0, full.size() - 7 * 8));
    EXPECT_MODEL_ERROR(m, "layers[0].kernel.file", "k.npy", "truncated");

    // Fortran order and unsupported dtypes are refused rather than misread.
    std::string fortran = full;
    fortran.replace(fortran.find("False"), 5, "True ");
    write_text(dir_ / "k.npy", fortran);
    EXPECT_MODEL_ERROR(m, "layers[0].kernel.file", "fortran_order");
    std::string complex = full;
    complex.replace(complex.find("<f8"), 3, "<c8");
    write_text(dir_ / "k.npy", complex);
    EXPECT_MODEL_ERROR(m, "layers[0].kernel.file", "unsupported dtype");

    // NaN inside an otherwise valid file.
    std::vector<double> with_nan = twelve;
    with_nan[7] = std::numeric_limits<double>::quiet_NaN();
    write_text(dir_ / "k.npy", npy_bytes({4, 3}, with_nan, false));
    EXPECT_MODEL_ERROR(m, "layers[0].kernel.file", "element 7 is not finite");
}

TEST_F(ModelErrors, NpySideFileWrongShape) {
    json m = small_model();
    m["layers"][0]["kernel"] = {{"file", "k.npy"}};
    write_text(dir_ / "k.npy", npy_bytes({3, 4}, std::vector<double>(12, 0.5), true));
    EXPECT_MODEL_ERROR(m, "layers[0].kernel", "expected shape [4, 3]", "[3, 4]");
    write_text(dir_ / "k.npy", npy_bytes({4, 2}, std::vector<double>(8, 0.5), true));
    EXPECT_MODEL_ERROR(m, "layers[0].kernel", "expected shape [4, 3]", "[4, 2]");
    // The bias from a side file: wrong length.
    m = small_model();
    m["layers"][0]["bias"] = {{"file", "b.npy"}};
    write_text(dir_ / "b.npy", npy_bytes({4}, {0, 0, 0, 0}, false));
    EXPECT_MODEL_ERROR(m, "layers[0].bias", "expected 3 values", "[4]");
}

TEST_F(ModelErrors, NpySideFileLoadsLikeInlineKernel) {
    // Values exact in float32, with fractional bits below the weight type's LSB (quantized on load).
    const std::vector<std::vector<double>> k = {
        {0.75, -0.5, 1.25}, {-1.0009765625, 0.0625, 2.0}, {0.000244140625, -3.5, 0.125}, {1.5, -0.25, -0.001953125}};
    const std::vector<double> bias = {0.125, -0.0625, 0.5};
    json inline_model = small_model();
    inline_model["layers"][0]["kernel"] = k;
    inline_model["layers"][0]["bias"] = bias;
    const Model ref = load_ok(inline_model);
    ASSERT_EQ(ref.layers.size(), 4u);
    const auto* ref_dense = dynamic_cast<const tlm4ml::DenseLayer*>(ref.layers[0].get());
    ASSERT_NE(ref_dense, nullptr);

    std::vector<double> flat;
    for (const auto& row : k) flat.insert(flat.end(), row.begin(), row.end());
    for (const bool f4 : {true, false}) {
        SCOPED_TRACE(f4 ? "<f4" : "<f8");
        fs::create_directories(dir_ / "weights");
        write_text(dir_ / "weights" / "k.npy", npy_bytes({4, 3}, flat, f4));
        write_text(dir_ / "weights" / "b.npy", npy_bytes({3}, bias, f4));
        json m = small_model();
        m["layers"][0]["kernel"] = {{"file", "weights/k.npy"}};  // relative to the model file's folder
        m["layers"][0]["bias"] = {{"file", "weights/b.npy"}};
        const Model side = load_ok(m);
        ASSERT_EQ(side.layers.size(), 4u);
        const auto* dense = dynamic_cast<const tlm4ml::DenseLayer*>(side.layers[0].get());
        ASSERT_NE(dense, nullptr);
        EXPECT_EQ(dense->config().weights, ref_dense->config().weights);
        EXPECT_EQ(dense->config().biases, ref_dense->config().biases);
        for (const std::vector<int64_t>& x : {std::vector<int64_t>{1024, -2048, 512, 3},
                                             std::vector<int64_t>{-7, 4000, -1, 1024}})
            EXPECT_EQ(tlm4ml::forward(side, x), tlm4ml::forward(ref, x));
    }
}

// ---- Gaps in models/model_file/ found while writing these tests. Each is disabled until the loader is
// fixed (run with --gtest_also_run_disabled_tests to see them fail); then drop the DISABLED_ prefix. ----

// nlohmann throws out_of_range (not parse_error) for a number too large for a double; load_model_file
// only catches parse_error, so the message names neither the file nor the place.
TEST_F(ModelErrors, NumberOverflowInJsonIsAModelError) {
    std::string text = small_model().dump();
    text.replace(text.find("0.5,-1"), 3, "1e400");
    EXPECT_MODEL_ERROR(write_raw(text), "1e400");
}

// A directory where the model file should be: std::ios_base::failure escapes instead of a ModelError.
TEST_F(ModelErrors, DirectoryAsModelFileIsAModelError) {
    fs::create_directories(dir_ / "model_dir.json");
    EXPECT_MODEL_ERROR(dir_ / "model_dir.json", "cannot open");
}

// flatten() grows the shape whenever it meets a deeper array, even after numbers were taken at the
// shallower depth, so a kernel whose last element is an array passes as shape [4, 3, 1].
TEST_F(ModelErrors, KernelWithLastElementDeeperIsRagged) {
    json m = small_model();
    m["layers"][0]["kernel"] = json::parse("[[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, [1]]]");
    EXPECT_MODEL_ERROR(m, "layers[0].kernel", "ragged array");
}

// The Dense kernel check accepts any shape with n_in*n_out elements unless it is 2-D.
TEST_F(ModelErrors, KernelMustBeTwoDimensional) {
    json m = small_model();
    m["layers"][0]["kernel"] = json::parse("[[[1, 0, 0], [0, 1, 0]], [[0, 0, 1], [1, 1, 1]]]");
    EXPECT_MODEL_ERROR(m, "layers[0].kernel", "expected shape [4, 3]", "[2, 2, 3]");
    m["layers"][0]["kernel"] = json::parse("[1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1]");
    EXPECT_MODEL_ERROR(m, "layers[0].kernel", "expected shape [4, 3]", "[12]");
}

TEST_F(ModelErrors, BiasMustBeOneDimensional) {
    json m = small_model();
    m["layers"][0]["bias"] = json::parse("[[0, 0.5, -1]]");
    EXPECT_MODEL_ERROR(m, "layers[0].bias", "expected 3 values", "[1, 3]");
}

// A Dense layer with a fused "activation" adds a layer named <name>_<activation> without reserving the
// name, so a later layer of that name is not reported and `predict --trace` writes both to one file.
TEST_F(ModelErrors, FusedActivationNameIsReserved) {
    json m = small_model();
    m["layers"][0]["activation"] = "relu";
    m["layers"][1]["name"] = "fc1_relu";
    EXPECT_MODEL_ERROR(m, "layers[1].name", "duplicate layer name \"fc1_relu\"");
}

// Layer names become trace file names (DIR/<name>.dat): an empty name or one with a path separator
// writes ".dat" or outside DIR.
TEST_F(ModelErrors, LayerNameMustBeUsableAsFileName) {
    for (const std::string& bad : std::vector<std::string>{"", "../escape", "a/b", "a\\b"}) {
        SCOPED_TRACE("name \"" + bad + "\"");
        json m = small_model();
        m["layers"][1]["name"] = bad;
        EXPECT_MODEL_ERROR(m, "layers[1].name");
    }
}

// ---- the same errors through `tlm4ml predict` ----

class PredictRunner {
public:
    explicit PredictRunner(fs::path dir) : dir_(std::move(dir)) {}
    RunResult operator()(const std::string& args) const {
        const fs::path out = dir_ / "stdout.txt", err = dir_ / "stderr.txt";
        const std::string cmd = std::string("'") + TLM4ML_BINARY + "' " + args + " >" + shell_quote(out.string()) +
                                " 2>" + shell_quote(err.string());
        RunResult r;
        r.code = run_shell(cmd);
        r.out = read_text(out);
        r.err = read_text(err);
        return r;
    }

private:
    fs::path dir_;
};

TEST_F(ModelErrorsCli, BadModelExitsOneNamingFileAndPathAndWritesNoOutputs) {
    json m = small_model();
    m["layers"][2]["precision"] = {{"accum", "ap_fixed<16,6,BOGUS>"}};
    const fs::path model = write_model(m, "bad model.json");  // a space in the path, quoted by the shell
    write_text(dir_ / "in.dat", "1 2 3 4\n");
    const fs::path out = dir_ / "out.dat", trace = dir_ / "trace";
    const RunResult r = PredictRunner(dir_)("predict " + shell_quote(model.string()) + " --inputs " +
                                            shell_quote((dir_ / "in.dat").string()) + " --outputs " +
                                            shell_quote(out.string()) + " --trace " + shell_quote(trace.string()));
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_EQ(r.err.rfind("error: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find(model.string()), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("layers[2].precision.accum"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("\"ap_fixed<16,6,BOGUS>\""), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_FALSE(fs::exists(out));
    EXPECT_FALSE(fs::exists(dir_ / "out.dat.tmp"));
    EXPECT_FALSE(fs::exists(trace));
}

TEST_F(ModelErrorsCli, MissingModelFileExitsOne) {
    write_text(dir_ / "in.dat", "1 2 3 4\n");
    const fs::path model = dir_ / "nope.json";
    const RunResult r = PredictRunner(dir_)("predict " + shell_quote(model.string()) + " --inputs " +
                                            shell_quote((dir_ / "in.dat").string()));
    EXPECT_EQ(r.code, 1);
    EXPECT_EQ(r.err.rfind("error: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find(model.string()), std::string::npos) << r.err;
}

TEST_F(ModelErrorsCli, InputsLineWithWrongNumberOfValues) {
    const fs::path model = write_model(small_model());
    const fs::path in = dir_ / "in.dat", out = dir_ / "out.dat";
    write_text(in, "1 2 3 4\n0.5 0.25 0 1\n1 2 3\n");
    const RunResult r = PredictRunner(dir_)("predict " + shell_quote(model.string()) + " --inputs " +
                                            shell_quote(in.string()) + " --outputs " + shell_quote(out.string()));
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_EQ(r.err.rfind("error: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find(in.string() + ":3"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("expected 4 values, found 3"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(out));

    write_text(in, "1 2 3 4 5\n");
    const RunResult r2 = PredictRunner(dir_)("predict " + shell_quote(model.string()) + " --inputs " +
                                             shell_quote(in.string()) + " --outputs " + shell_quote(out.string()));
    EXPECT_EQ(r2.code, 1) << r2.err;
    EXPECT_NE(r2.err.find(in.string() + ":1"), std::string::npos) << r2.err;
    EXPECT_NE(r2.err.find("found 5"), std::string::npos) << r2.err;
    EXPECT_FALSE(fs::exists(out));
}

TEST_F(ModelErrorsCli, InputsWithNonNumber) {
    const fs::path model = write_model(small_model());
    const fs::path in = dir_ / "in.dat", out = dir_ / "out.dat";
    for (const std::string& bad : std::vector<std::string>{"abc", "nan", "inf", "1.5x", "1e999"}) {
        SCOPED_TRACE("value \"" + bad + "\"");
        write_text(in, "1 2 3 4\n\n1 " + bad + " 3 4\n");  // blank line 2 is skipped, line numbers still count it
        const RunResult r = PredictRunner(dir_)("predict " + shell_quote(model.string()) + " --inputs " +
                                                shell_quote(in.string()) + " --outputs " + shell_quote(out.string()));
        EXPECT_EQ(r.code, 1) << r.err;
        EXPECT_EQ(r.err.rfind("error: ", 0), 0u) << r.err;
        EXPECT_NE(r.err.find(in.string() + ":3"), std::string::npos) << r.err;
        EXPECT_NE(r.err.find("\"" + bad + "\""), std::string::npos) << r.err;
        EXPECT_NE(r.err.find("not a finite number"), std::string::npos) << r.err;
        EXPECT_FALSE(fs::exists(out));
    }
}

TEST_F(ModelErrorsCli, EmptyOrMissingInputsFile) {
    const fs::path model = write_model(small_model());
    const fs::path in = dir_ / "in.dat";
    write_text(in, "\n\n");
    RunResult r =
        PredictRunner(dir_)("predict " + shell_quote(model.string()) + " --inputs " + shell_quote(in.string()));
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_NE(r.err.find(in.string()), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("no samples"), std::string::npos) << r.err;
    r = PredictRunner(dir_)("predict " + shell_quote(model.string()) + " --inputs " +
                            shell_quote((dir_ / "absent.dat").string()));
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_NE(r.err.find("absent.dat"), std::string::npos) << r.err;
}

}  // namespace
