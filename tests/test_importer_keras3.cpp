// Keras 3 `.keras` archives (config.json + model.weights.h5 in a zip). The same small model — Dense, ReLU,
// BatchNormalization, Dense, Dense — is written once as a Keras 2 pair (JSON + weights .h5) and once as a
// Keras 3 archive, where the weights sit in groups named after the layer classes ("dense", "dense_1",
// "dense_2", "batch_normalization") rather than the layer names; `tlm4ml predict` must give identical outputs
// from both. Two Dense layers of different shapes make a wrong group mapping fail loudly. Broken archives are
// refused naming the file and the member. With ../shared, hls4ml's QKeras example saved by Keras 3 imports
// and runs with every II checked.
#include <unistd.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "models/keras/keras_archive.h"
#include "tests/support/keras_files.h"
#include "tests/support/test_support.h"

namespace {

using nlohmann::json;
using namespace tlm4ml_test;

const fs::path kShared = TLM4ML_SHARED_DIR;

TEST(Keras3Names, SnakeCaseOfClassNames) {
    EXPECT_EQ(tlm4ml::keras3_snake_case("Dense"), "dense");
    EXPECT_EQ(tlm4ml::keras3_snake_case("QDense"), "q_dense");
    EXPECT_EQ(tlm4ml::keras3_snake_case("QActivation"), "q_activation");
    EXPECT_EQ(tlm4ml::keras3_snake_case("Conv2D"), "conv2d");
    EXPECT_EQ(tlm4ml::keras3_snake_case("QConv2D"), "q_conv2d");
    EXPECT_EQ(tlm4ml::keras3_snake_case("BatchNormalization"), "batch_normalization");
    EXPECT_EQ(tlm4ml::keras3_snake_case("QBatchNormalization"), "q_batch_normalization");
    EXPECT_EQ(tlm4ml::keras3_snake_case("MaxPooling2D"), "max_pooling2d");
    EXPECT_EQ(tlm4ml::keras3_snake_case("GlobalAveragePooling1D"), "global_average_pooling1d");
    EXPECT_EQ(tlm4ml::keras3_snake_case("ReLU"), "re_lu");
}

json layer(const std::string& cls, const std::string& name, json config) {
    config["name"] = name;
    return {{"module", "keras.layers"}, {"class_name", cls}, {"config", config}, {"registered_name", nullptr}};
}

// Sequential 5 -> Dense 4 (relu) -> BatchNormalization -> Dense 3 -> Dense 2, in Keras 3's JSON dialect
// (batch_shape, dtype policies, module names); `keras2` gives Keras 2's spelling of the same model.
json architecture(bool keras2) {
    json input = {{"dtype", "float32"}};
    input[keras2 ? "batch_input_shape" : "batch_shape"] = json::array({nullptr, 5});
    json layers = json::array();
    layers.push_back(layer("InputLayer", "in", input));
    layers.push_back(layer("Dense", "first", {{"units", 4}, {"activation", "relu"}, {"use_bias", true}}));
    layers.push_back(layer("BatchNormalization", "norm",
                           {{"axis", -1}, {"epsilon", 0.001}, {"center", true}, {"scale", true}}));
    layers.push_back(layer("Dense", "second", {{"units", 3}, {"activation", "linear"}, {"use_bias", true}}));
    layers.push_back(layer("Dense", "last", {{"units", 2}, {"activation", "linear"}, {"use_bias", false}}));
    return {{"module", "keras"}, {"class_name", "Sequential"}, {"config", {{"name", "seq"}, {"layers", layers}}}};
}

std::vector<float> ramp(size_t n, int mul, int mod, int off, float scale) {
    std::vector<float> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = static_cast<float>(static_cast<int>((i * mul + 1) % mod) - off) * scale;
    return v;
}

struct Weights {
    std::vector<Var> first = {{"kernel", {5, 4}, ramp(20, 7, 17, 8, 1.0f / 16)}, {"bias", {4}, ramp(4, 3, 5, 2, 1.0f / 8)}};
    std::vector<Var> norm = {{"gamma", {4}, {1.5f, 0.75f, 1.25f, 2.0f}},
                             {"beta", {4}, {0.125f, -0.25f, 0.0f, 0.5f}},
                             {"moving_mean", {4}, {0.5f, 0.25f, -0.125f, 1.0f}},
                             {"moving_variance", {4}, {1.0f, 4.0f, 0.25f, 2.25f}}};
    std::vector<Var> second = {{"kernel", {4, 3}, ramp(12, 5, 11, 5, 1.0f / 8)}, {"bias", {3}, ramp(3, 2, 3, 1, 1.0f / 4)}};
    std::vector<Var> last = {{"kernel", {3, 2}, ramp(6, 4, 7, 3, 1.0f / 4)}};
};

const char* kHlsConfig =
    "IOType: io_parallel\nHLSConfig:\n  Model:\n    Precision: ap_fixed<16,6>\n    ReuseFactor: 1\n"
    "    Strategy: Latency\n";

class Keras3Import : public TempDirTest {
protected:
    Keras3Import() : TempDirTest("tlm4ml_k3_") {}
    void SetUp() override {
        TempDirTest::SetUp();
        write_text(dir_ / "inputs.dat", "0.5 -1 2 0.25 -0.75\n1.5 0 -2 3 0.125\n-0.5 1 1 -1 2.5\n");
    }

    fs::path keras2_config() {
        const Weights w;
        write_text(dir_ / "model.json", architecture(true).dump(1));
        write_keras2_weights(dir_ / "weights.h5", {{"first", w.first}, {"norm", w.norm}, {"second", w.second}, {"last", w.last}});
        write_text(dir_ / "k2.yml", std::string("KerasJson: model.json\nKerasH5: weights.h5\n") + kHlsConfig);
        return dir_ / "k2.yml";
    }
    // The archive with `groups` as model.weights.h5 (default: what Keras 3 writes for this model).
    fs::path keras3_config(const LayerVars* groups = nullptr, bool with_weights = true) {
        const Weights w;
        const LayerVars def = {{"dense", w.first}, {"batch_normalization", w.norm}, {"dense_1", w.second},
                               {"dense_2", w.last}};
        write_text(dir_ / "config.json", architecture(false).dump());
        write_text(dir_ / "metadata.json", R"({"keras_version": "3.0.0"})");
        write_keras3_weights(dir_ / "model.weights.h5", groups ? *groups : def);
        std::vector<std::pair<std::string, fs::path>> members = {{"metadata.json", dir_ / "metadata.json"},
                                                                 {"config.json", dir_ / "config.json"}};
        if (with_weights) members.push_back({"model.weights.h5", dir_ / "model.weights.h5"});
        write_zip(dir_ / "model.keras", members);
        write_text(dir_ / "k3.yml", std::string("KerasModel: model.keras\n") + kHlsConfig);
        return dir_ / "k3.yml";
    }
};

TEST_F(Keras3Import, PredictsExactlyAsTheKeras2FilesOfTheSameModel) {
    const fs::path k2 = keras2_config(), k3 = keras3_config();
    const RunResult a = tlm4ml("predict " + shell_quote(k2.string()) + " --inputs " + at("inputs.dat") + " --outputs " + at("out2.dat"));
    ASSERT_EQ(a.code, 0) << a.err;
    const RunResult b = tlm4ml("predict " + shell_quote(k3.string()) + " --inputs " + at("inputs.dat") + " --outputs " + at("out3.dat"));
    ASSERT_EQ(b.code, 0) << b.err;
    const std::string out2 = read_text(dir_ / "out2.dat"), out3 = read_text(dir_ / "out3.dat");
    EXPECT_FALSE(out2.empty());
    EXPECT_EQ(out3, out2);
    // The imported model files agree too (layer names from config.json, weights from the numbered groups).
    ASSERT_EQ(tlm4ml("import " + shell_quote(k2.string()) + " -o " + at("m2.json")).code, 0);
    ASSERT_EQ(tlm4ml("import " + shell_quote(k3.string()) + " -o " + at("m3.json")).code, 0);
    json m2 = json::parse(read_text(dir_ / "m2.json")), m3 = json::parse(read_text(dir_ / "m3.json"));
    ASSERT_EQ(m3["layers"].size(), m2["layers"].size());
    for (size_t i = 0; i < m2["layers"].size(); ++i) {
        SCOPED_TRACE(m2["layers"][i].value("name", ""));
        EXPECT_EQ(m3["layers"][i], m2["layers"][i]);
    }
}

TEST_F(Keras3Import, RunsClockedWithEveryIiChecked) {
    const RunResult r = tlm4ml("run " + shell_quote(keras3_config().string()) + " --inputs " + at("inputs.dat") + " --check-ii");
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("0 of 3 outputs differ"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("measured II equals expected II"), std::string::npos) << r.out;
}

TEST_F(Keras3Import, SwappedGroupsAreRefusedByShape) {
    const Weights w;
    const LayerVars swapped = {{"dense", w.first}, {"batch_normalization", w.norm}, {"dense_1", w.last},
                               {"dense_2", w.second}};
    const RunResult r = tlm4ml("predict " + shell_quote(keras3_config(&swapped).string()) + " --inputs " + at("inputs.dat"));
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.err.find("model.weights.h5"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("second"), std::string::npos) << r.err;
}

TEST_F(Keras3Import, WrongVariableCountIsNamed) {
    Weights w;
    w.last.push_back({"bias", {2}, {0.5f, -0.5f}});  // the config says use_bias false
    const LayerVars groups = {{"dense", w.first}, {"batch_normalization", w.norm}, {"dense_1", w.second},
                              {"dense_2", w.last}};
    const RunResult r = tlm4ml("predict " + shell_quote(keras3_config(&groups).string()) + " --inputs " + at("inputs.dat"));
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.err.find("/layers/dense_2/vars holds 2 variables, expected 1"), std::string::npos) << r.err;
}

TEST_F(Keras3Import, BrokenArchivesAreRefusedByName) {
    keras3_config(nullptr, /*with_weights=*/false);
    RunResult r = tlm4ml("import " + at("k3.yml") + " -o " + at("out.json"));
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.err.find("model.keras: no model.weights.h5 in the archive"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir_ / "out.json"));

    write_text(dir_ / "model.keras", "PK\x03\x04 this is not really a zip archive");
    r = tlm4ml("import " + at("k3.yml") + " -o " + at("out.json"));
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.err.find("model.keras: not a readable .keras (zip) archive"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir_ / "out.json"));

    fs::remove(dir_ / "model.keras");
    r = tlm4ml("import " + at("k3.yml") + " -o " + at("out.json"));
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.err.find("model.keras: cannot open the Keras archive"), std::string::npos) << r.err;
}

TEST(Keras3Example, QKerasThreeLayerSavedByKeras3) {
    const fs::path archive = kShared / "data" / "example-models" / "keras" / "qkeras-v3_3layer.keras";
    if (!fs::exists(archive)) GTEST_SKIP() << "needs " << archive.string() << " (../shared); absent";
    const fs::path dir = fs::temp_directory_path() / ("tlm4ml_k3_example_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    write_text(dir / "cfg.yml", "KerasModel: " + archive.string() + "\n" + kHlsConfig);
    const RunResult r = run_program(TLM4ML_BINARY, "run " + shell_quote((dir / "cfg.yml").string()) + " --samples 50 --check-ii", dir);
    const RunResult imp = run_program(TLM4ML_BINARY, "import " + shell_quote((dir / "cfg.yml").string()) + " -o " + shell_quote((dir / "m.json").string()), dir);
    const std::string model = read_text(dir / "m.json");
    fs::remove_all(dir);
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("0 of 50 outputs differ"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("all 8 layers: measured II equals expected II"), std::string::npos) << r.out;
    ASSERT_EQ(imp.code, 0) << imp.err;
    // quantized_bits(6,0,alpha=1) weights: ap_fixed<6,1>; the layers keep their config.json names.
    const json m = json::parse(model);
    std::vector<std::string> names;
    for (const auto& l : m["layers"]) names.push_back(l["name"]);
    EXPECT_EQ(names, (std::vector<std::string>{"fc1", "relu1", "fc2", "relu2", "fc3", "relu3", "output", "softmax"}));
    EXPECT_EQ(m["layers"][0]["precision"]["weight"], "ap_fixed<6,1>");
    EXPECT_EQ(m["layers"][0]["precision"]["bias"], "ap_fixed<6,1>");
}

// The archive holds the same weights as hls4ml's Keras 2 files qkeras_3layer.json / _weights.h5: with the
// example's own hls4ml configuration (per-layer precisions) both routes predict the same numbers.
TEST(Keras3Example, PredictsAsTheKeras2FilesWithTheExampleConfig) {
    const fs::path models = kShared / "data" / "example-models";
    const fs::path archive = models / "keras" / "qkeras-v3_3layer.keras";
    if (!fs::exists(archive)) GTEST_SKIP() << "needs " << archive.string() << " (../shared); absent";
    const fs::path dir = fs::temp_directory_path() / ("tlm4ml_k3_vs_k2_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    std::string cfg = read_text(models / "qkeras_3layer_config.yml");
    const std::string k2 = "KerasJson: " + (models / "keras" / "qkeras_3layer.json").string() + "\nKerasH5: " +
                           (models / "keras" / "qkeras_3layer_weights.h5").string() + "\n";
    const std::string k3 = "KerasModel: " + archive.string() + "\n";
    std::string rest;
    for (std::istringstream in(cfg); std::getline(in, cfg);)
        if (cfg.rfind("KerasJson:", 0) != 0 && cfg.rfind("KerasH5:", 0) != 0) rest += cfg + "\n";
    write_text(dir / "k2.yml", k2 + rest);
    write_text(dir / "k3.yml", k3 + rest);
    std::string inputs;
    for (int s = 0; s < 40; ++s) {
        for (int i = 0; i < 16; ++i) inputs += std::to_string(((s * 37 + i * 11) % 97) / 16.0 - 3.0) + " ";
        inputs += "\n";
    }
    write_text(dir / "in.dat", inputs);
    auto q = [&](const char* n) { return shell_quote((dir / n).string()); };
    const RunResult a = run_program(TLM4ML_BINARY, "predict " + q("k2.yml") + " --inputs " + q("in.dat") + " --outputs " + q("o2.dat"), dir);
    const RunResult b = run_program(TLM4ML_BINARY, "predict " + q("k3.yml") + " --inputs " + q("in.dat") + " --outputs " + q("o3.dat"), dir);
    const std::string o2 = read_text(dir / "o2.dat"), o3 = read_text(dir / "o3.dat");
    fs::remove_all(dir);
    ASSERT_EQ(a.code, 0) << a.err;
    ASSERT_EQ(b.code, 0) << b.err;
    EXPECT_EQ(std::count(o2.begin(), o2.end(), '\n'), 40);
    EXPECT_EQ(o3, o2);
}

}  // namespace
