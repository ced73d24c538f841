// The Keras / hls4ml importer (models/): hls4ml YAML configurations written the way hls4ml users write
// them, pointing at the example models in ../shared/data, must
//   * reproduce hls4ml's own C simulation (../shared/reference) byte for byte, every layer, through
//     `tlm4ml predict CONFIG.yml` (layer names as hls4ml names them);
//   * import and run the other Dense-family models (batch norm, pruned, ternary, binary + relu1, the
//     all-in-one .h5) with every layer's II checked;
//   * refuse broken inputs (missing / truncated .h5, a missing dataset, unknown layer classes, unknown
//     configuration keys, a SeparableConv2D model) with a message naming the culprit, exit 1 and nothing written.
#include <gtest/gtest.h>

#include <hdf5.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "models/model.h"
#include "models/load_model.h"
#include "tests/support/reference_vectors.h"
#include "tests/support/test_support.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const fs::path kShared = TLM4ML_SHARED_DIR;
const fs::path kKeras = kShared / "data" / "example-models" / "keras";
const fs::path kReference = kShared / "reference";

using tlm4ml_test::read_text;
using tlm4ml_test::RunResult;
using tlm4ml_test::run_program;
using tlm4ml_test::shell_quote;
using tlm4ml_test::write_text;

class ImporterTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (!fs::is_directory(kKeras) || !fs::is_directory(kReference))
            GTEST_SKIP() << "needs " << kShared.string() << " (example models and hls4ml reference vectors); absent";
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        tmp_ = fs::temp_directory_path() / (std::string("tlm4ml_importer_") + info->name() + "_" +
                                            std::to_string(::getpid()));
        fs::remove_all(tmp_);
        fs::create_directories(tmp_);
    }
    void TearDown() override {
        if (!tmp_.empty()) fs::remove_all(tmp_);
    }

    // An hls4ml configuration as keras-config.yml writes it. `model_lines` are KerasJson/KerasH5 or
    // KerasModel lines; `extra` is appended (more keys or HLSConfig sections).
    fs::path write_config(const std::string& name, const std::string& model_lines, const std::string& extra = "") {
        const fs::path p = tmp_ / (name + ".yml");
        write_text(p, model_lines +
                          "OutputDir: my-hls-test\n"
                          "ProjectName: myproject\n"
                          "Part: xcku115-flvb2104-2-i\n"
                          "ClockPeriod: 5\n"
                          "Backend: Vivado\n"
                          "IOType: io_parallel\n"
                          "HLSConfig:\n"
                          "  Model:\n"
                          "    Precision: ap_fixed<16,6>\n"
                          "    ReuseFactor: 1\n"
                          "    Strategy: Latency\n" +
                          extra);
        return p;
    }
    // KerasJson + KerasH5 given relative to the configuration's folder, as in hls4ml's examples.
    fs::path config_for(const std::string& name, const fs::path& json_file, const fs::path& h5_file,
                        const std::string& extra = "") {
        return write_config(name,
                            "KerasJson: " + fs::relative(json_file, tmp_).string() + "\nKerasH5: " +
                                fs::relative(h5_file, tmp_).string() + "\n",
                            extra);
    }

    // Runs the tlm4ml program; returns the exit code, stderr in err_.
    int tlm4ml(const std::string& args) {
        const RunResult r = run_program(TLM4ML_BINARY, args, tmp_);
        out_ = r.out;
        err_ = r.err;
        return r.code;
    }

    // `predict` must reproduce outputs.dat and every trace file of a reference folder byte for byte.
    void expect_reference(const fs::path& config, const std::string& ref_name) {
        tlm4ml_test::expect_predict_reproduces(config, kReference / ref_name, tmp_);
    }

    // A refused model: exit 1, the message contains every `needles`, nothing written.
    void expect_refused(const fs::path& config, const std::vector<std::string>& needles) {
        const fs::path outputs = tmp_ / "refused_outputs.dat", trace = tmp_ / "refused_trace";
        const fs::path model = tmp_ / "refused_model.json";
        EXPECT_EQ(tlm4ml("predict " + shell_quote(config.string()) + " --inputs " +
                         shell_quote((kReference / "KERAS_3layer" / "inputs.dat").string()) + " --outputs " +
                         shell_quote(outputs.string()) + " --trace " + shell_quote(trace.string())),
                  1);
        for (const auto& s : needles) EXPECT_NE(err_.find(s), std::string::npos) << "missing \"" << s << "\" in: " << err_;
        EXPECT_FALSE(fs::exists(outputs));
        EXPECT_FALSE(fs::exists(trace));
        EXPECT_EQ(tlm4ml("import " + shell_quote(config.string()) + " -o " + shell_quote(model.string())), 1);
        for (const auto& s : needles) EXPECT_NE(err_.find(s), std::string::npos) << "missing \"" << s << "\" in: " << err_;
        EXPECT_FALSE(fs::exists(model));
        EXPECT_EQ(tlm4ml("run " + shell_quote(config.string()) + " --samples 3"), 1);
    }

    int64_t multipliers(const fs::path& config) {
        const fs::path report = tmp_ / "report.json";
        EXPECT_EQ(tlm4ml("run " + shell_quote(config.string()) + " --samples 10 --quiet --report " +
                         shell_quote(report.string())),
                  0)
            << err_;
        return json::parse(read_text(report)).at("resources").at("multipliers").get<int64_t>();
    }

    fs::path tmp_;
    std::string out_, err_;
};

TEST_F(ImporterTest, Keras3LayerReproducesHls4mlBitForBit) {
    expect_reference(config_for("k3", kKeras / "KERAS_3layer.json", kKeras / "KERAS_3layer_weights.h5"),
                     "KERAS_3layer");
}

TEST_F(ImporterTest, BinarySmallerReproducesHls4mlBitForBit) {
    // BinaryDense + BatchNormalization + binary_tanh: bnbt_ thresholds, XNOR re-typing.
    expect_reference(config_for("bin", kKeras / "KERAS_3layer_binary_smaller.json",
                                kKeras / "KERAS_3layer_binary_smaller_weights.h5"),
                     "KERAS_3layer_binary_smaller");
}

TEST_F(ImporterTest, ImportedModelFileGivesIdenticalPredictions) {
    for (const std::string m : {"KERAS_3layer", "KERAS_3layer_binary_smaller"}) {
        const fs::path cfg = config_for(m, kKeras / (m + ".json"), kKeras / (m + "_weights.h5"));
        const fs::path model = tmp_ / (m + ".json");
        ASSERT_EQ(tlm4ml("import " + shell_quote(cfg.string()) + " -o " + shell_quote(model.string())), 0) << err_;
        const fs::path a = tmp_ / "a.dat", b = tmp_ / "b.dat";
        const std::string inputs = shell_quote((kReference / m / "inputs.dat").string());
        ASSERT_EQ(tlm4ml("predict " + shell_quote(cfg.string()) + " --inputs " + inputs + " --outputs " +
                         shell_quote(a.string())),
                  0)
            << err_;
        ASSERT_EQ(tlm4ml("predict " + shell_quote(model.string()) + " --inputs " + inputs + " --outputs " +
                         shell_quote(b.string())),
                  0)
            << err_;
        EXPECT_TRUE(read_text(a) == read_text(b)) << m;
        EXPECT_TRUE(read_text(b) == read_text(kReference / m / "outputs.dat")) << m;
        // The file is tlm4ml's own format: the in-process loaders agree too.
        const tlm4ml::Model from_yml = tlm4ml::load_model(cfg.string());
        const tlm4ml::Model from_json = tlm4ml::load_model(model.string());
        ASSERT_EQ(from_yml.layers.size(), from_json.layers.size());
        for (size_t i = 0; i < from_yml.layers.size(); ++i)
            EXPECT_EQ(from_yml.layers[i]->name(), from_json.layers[i]->name());
    }
}

TEST_F(ImporterTest, OtherDenseFamilyModelsRunWithCheckedII) {
    const std::vector<std::pair<std::string, std::string>> models = {
        {"KERAS_3layer_batch_norm.json", "KERAS_3layer_batch_norm_weights.h5"},
        {"KERAS_3layer.json", "KERAS_3layer_70pruned_retrained_weights.h5"},
        {"KERAS_3layer.json", "KERAS_3layer_95pruned_retrained_weights.h5"},
        {"KERAS_3layer_ternary_small.json", "KERAS_3layer_ternary_small_weights.h5"},
        {"KERAS_3layer_binarydense_relu_max.json", "KERAS_3layer_binarydense_relu_max_weights.h5"},
        {"keras_bnn.json", "keras_bnn_weights.h5"},
    };
    int i = 0;
    for (const auto& [j, h] : models) {
        const fs::path cfg = config_for("m" + std::to_string(i++), kKeras / j, kKeras / h);
        EXPECT_EQ(tlm4ml("run " + shell_quote(cfg.string()) + " --inputs " +
                         shell_quote((kReference / "KERAS_3layer" / "inputs.dat").string()) + " --check-ii --quiet"),
                  0)
            << h << ": " << err_ << out_;
    }
}

TEST_F(ImporterTest, AllInOneH5WithModelConfig) {
    const fs::path cfg = write_config("allin", "KerasModel: " + (kKeras / "keras_3layer_batch_norm.h5").string() + "\n");
    EXPECT_EQ(tlm4ml("run " + shell_quote(cfg.string()) + " --samples 20 --check-ii --quiet"), 0) << err_;
    const tlm4ml::Model m = tlm4ml::load_model(cfg.string());
    ASSERT_FALSE(m.layers.empty());
    EXPECT_EQ(m.layers.front()->name(), "fc1_relu");
    EXPECT_EQ(m.layers.back()->name(), "softmax");
}

TEST_F(ImporterTest, TernaryAndBinaryChainsAsHls4mlBuildsThem) {
    const tlm4ml::Model t = tlm4ml::load_model(
        config_for("t", kKeras / "KERAS_3layer_ternary_small.json", kKeras / "KERAS_3layer_ternary_small_weights.h5")
            .string());
    std::vector<std::string> names;
    for (const auto& l : t.layers) names.push_back(l->name());
    EXPECT_EQ(names, (std::vector<std::string>{"fc1", "bnbt_bn1", "fc2", "bnbt_bn2", "fc3", "bnbt_bn3", "output", "bn"}));
    // fc2 after a ternary tanh accumulates in ap_int<ceil(log2 64)+2> = ap_int<8>.
    EXPECT_EQ(t.layers[2]->output_precision().str(), "ap_int<8>");
    EXPECT_EQ(t.layers[4]->output_precision().str(), "ap_int<7>");
    EXPECT_EQ(t.layers[0]->output_precision().str(), "ap_fixed<16,6>");
}

TEST_F(ImporterTest, PrunedWeightsNeedFewerMultipliers) {
    const int64_t full = multipliers(config_for("full", kKeras / "KERAS_3layer.json", kKeras / "KERAS_3layer_weights.h5"));
    const int64_t p70 = multipliers(
        config_for("p70", kKeras / "KERAS_3layer.json", kKeras / "KERAS_3layer_70pruned_retrained_weights.h5"));
    const int64_t p95 = multipliers(
        config_for("p95", kKeras / "KERAS_3layer.json", kKeras / "KERAS_3layer_95pruned_retrained_weights.h5"));
    EXPECT_LT(p70, full * 4 / 10);  // 70 % pruned
    EXPECT_LT(p95, full / 10);      // 95 % pruned
    EXPECT_LT(p95, p70);
    EXPECT_GT(p95, 0);
}

TEST_F(ImporterTest, LayerNameAndTypeOverrides) {
    const fs::path cfg = config_for("ovr", kKeras / "KERAS_3layer.json", kKeras / "KERAS_3layer_weights.h5",
                                    "  LayerName:\n"
                                    "    fc1_relu:\n"
                                    "      Precision:\n"
                                    "        weight: ap_fixed<8,3>\n"
                                    "        result: ap_fixed<18,8>\n"
                                    "      ReuseFactor: 4\n"
                                    "  LayerType:\n"
                                    "    Activation:\n"
                                    "      Precision: ap_fixed<12,4>\n");
    const tlm4ml::Model m = tlm4ml::load_model(cfg.string());
    ASSERT_EQ(m.layers.size(), 8u);
    EXPECT_EQ(m.layers[0]->output_precision().str(), "ap_fixed<18,8>");
    EXPECT_NE(m.layers[0]->precision_summary().find("ap_fixed<8,3>"), std::string::npos)
        << m.layers[0]->precision_summary();
    EXPECT_EQ(m.layers[1]->output_precision().str(), "ap_fixed<12,4>");  // fc1_relu_relu: LayerType Activation
    EXPECT_EQ(m.layers[2]->output_precision().str(), "ap_fixed<16,6>");  // fc2_relu: the model default
    // The softmax is hls4ml class Softmax, which LayerType.Activation does not configure: the model default.
    EXPECT_EQ(m.layers[7]->output_precision().str(), "ap_fixed<16,6>");
}

TEST_F(ImporterTest, MissingH5IsRefused) {
    expect_refused(config_for("noh5", kKeras / "KERAS_3layer.json", tmp_ / "nothere_weights.h5"),
                   {"nothere_weights.h5", "missing"});
}

TEST_F(ImporterTest, TruncatedH5IsRefused) {
    const fs::path copy = tmp_ / "truncated_weights.h5";
    fs::copy_file(kKeras / "KERAS_3layer_weights.h5", copy);
    fs::resize_file(copy, fs::file_size(copy) / 2);
    expect_refused(config_for("trunc", kKeras / "KERAS_3layer.json", copy), {"truncated_weights.h5"});
    // Not HDF5 at all.
    const fs::path junk = tmp_ / "junk_weights.h5";
    write_text(junk, "this is not an HDF5 file\n");
    expect_refused(config_for("junk", kKeras / "KERAS_3layer.json", junk), {"junk_weights.h5", "HDF5"});
}

TEST_F(ImporterTest, MissingDatasetIsRefused) {
    const fs::path copy = tmp_ / "nobias_weights.h5";
    fs::copy_file(kKeras / "KERAS_3layer_weights.h5", copy);
    const hid_t f = H5Fopen(copy.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    ASSERT_GE(f, 0);
    ASSERT_GE(H5Ldelete(f, "/fc2_relu/fc2_relu/bias:0", H5P_DEFAULT), 0);
    H5Fclose(f);
    expect_refused(config_for("nobias", kKeras / "KERAS_3layer.json", copy), {"fc2_relu", "bias:0", "missing"});
}

TEST_F(ImporterTest, WeightShapesMustMatchTheArchitecture) {
    // The architecture says fc2_relu has 16 units; the weights file holds a 64 x 32 kernel.
    json arch = json::parse(read_text(kKeras / "KERAS_3layer.json"));
    bool changed = false;
    for (auto& l : arch["config"]["layers"])
        if (l["config"].value("name", "") == "fc2_relu") {
            l["config"]["units"] = 16;
            changed = true;
        }
    ASSERT_TRUE(changed);
    const fs::path json_path = tmp_ / "units16.json";
    write_text(json_path, arch.dump());
    expect_refused(config_for("units16", json_path, kKeras / "KERAS_3layer_weights.h5"),
                   {"fc2_relu", "has shape [64, 32], expected [64, 16]"});
}

TEST_F(ImporterTest, UnknownLayerClassIsRefusedByName) {
    json arch = json::parse(read_text(kKeras / "KERAS_3layer.json"));
    arch["config"]["layers"][2]["class_name"] = "FancyDense";
    const fs::path j = tmp_ / "fancy.json";
    write_text(j, arch.dump());
    expect_refused(config_for("fancy", j, kKeras / "KERAS_3layer_weights.h5"), {"fc2_relu", "FancyDense"});
}

// Conv2D is supported now (tests/test_importer_conv.cpp); a class the importer still cannot model is
// refused by name and class.
TEST_F(ImporterTest, UnsupportedConvClassIsRefusedByName) {
    json arch = json::parse(read_text(kKeras / "KERAS_conv2d_model.json"));
    json& layers = arch["config"].is_array() ? arch["config"] : arch["config"]["layers"];
    layers[0]["class_name"] = "SeparableConv2D";
    const fs::path j = tmp_ / "sepconv.json";
    write_text(j, arch.dump());
    expect_refused(config_for("conv", j, kKeras / "KERAS_conv2d_model_weights.h5"),
                   {"conv2d_1", "SeparableConv2D", "not supported"});
}

TEST_F(ImporterTest, UnknownConfigKeysAreRefused) {
    expect_refused(config_for("key1", kKeras / "KERAS_3layer.json", kKeras / "KERAS_3layer_weights.h5", "ReuzeFactor: 2\n"),
                   {"ReuzeFactor", "unknown key"});
    expect_refused(config_for("key2", kKeras / "KERAS_3layer.json", kKeras / "KERAS_3layer_weights.h5",
                              "  LayerName:\n    fc1_relu:\n      Precison: ap_fixed<8,3>\n"),
                   {"HLSConfig.LayerName.fc1_relu.Precison", "unknown key"});
    expect_refused(config_for("key3", kKeras / "KERAS_3layer.json", kKeras / "KERAS_3layer_weights.h5",
                              "  LayerName:\n    fc1_relu:\n      Precision:\n        wieght: ap_fixed<8,3>\n"),
                   {"wieght", "unknown key"});
    expect_refused(config_for("badprec", kKeras / "KERAS_3layer.json", kKeras / "KERAS_3layer_weights.h5",
                              "  LayerName:\n    fc1_relu:\n      Precision:\n        weight: ap_fixd<8,3>\n"),
                   {"fc1_relu", "ap_fixd<8,3>"});
}

TEST_F(ImporterTest, MissingArchitectureAndMalformedYamlAreRefused) {
    expect_refused(config_for("nojson", tmp_ / "none.json", kKeras / "KERAS_3layer_weights.h5"), {"none.json"});
    const fs::path bad = tmp_ / "bad.yml";
    write_text(bad, "KerasJson: [unclosed\n");
    expect_refused(bad, {"bad.yml"});
}

}  // namespace
