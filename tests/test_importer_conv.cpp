// The Keras / hls4ml importer on convolutional models (../shared/data/example-models): Conv1D, Conv2D
// ('same' padding, strides, BatchNormalization on images, Dropout, Flatten), QConv2D + MaxPooling2D
// (QKeras MNIST CNN). Each imports and runs clocked (`tlm4ml run --check-ii`) with every layer's II as
// the cost model says and 0 mismatches against the untimed reference; the MNIST CNN classifies the first
// 500 test images well above chance. Tests skip with a message when ../shared is absent.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <string>

#include "models/model.h"
#include "models/keras/keras_importer.h"
#include "tests/support/numbers_in_text.h"
#include "tests/support/test_support.h"

namespace fs = std::filesystem;
using namespace tlm4ml;
using namespace tlm4ml_test;

namespace {

const fs::path kShared = TLM4ML_SHARED_DIR;
const fs::path kModels = kShared / "data" / "example-models";
const fs::path kKeras = kModels / "keras";
const fs::path kMnist = kShared / "data" / "mnist";

class ImporterConv : public ::testing::Test {
protected:
    void SetUp() override {
        if (!fs::is_directory(kKeras))
            GTEST_SKIP() << "needs " << kShared.string() << "/data/example-models (Keras conv models); absent";
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        tmp_ = fs::temp_directory_path() /
               (std::string("tlm4ml_conv_") + info->name() + "_" + std::to_string(::getpid()));
        fs::remove_all(tmp_);
        fs::create_directories(tmp_);
    }
    void TearDown() override {
        if (!tmp_.empty()) fs::remove_all(tmp_);
    }

    fs::path config(const std::string& model, const std::string& extra = "") {
        const fs::path p = tmp_ / (model + ".yml");
        write_text(p, "KerasJson: " + (kKeras / (model + ".json")).string() + "\nKerasH5: " +
                          (kKeras / (model + "_weights.h5")).string() +
                          "\nOutputDir: x\nProjectName: myproject\nClockPeriod: 5\nBackend: Vivado\n"
                          "IOType: io_parallel\nHLSConfig:\n  Model:\n    Precision: ap_fixed<16,6>\n"
                          "    ReuseFactor: 1\n    Strategy: Latency\n" +
                          extra);
        return p;
    }

    RunResult run(const fs::path& cfg, const std::string& args = "") {
        return run_program(TLM4ML_BINARY, "run " + shell_quote(cfg.string()) + " --check-ii --quiet --samples 20 " + args,
                           tmp_);
    }

    // exit 0, every layer's II checked, the timed network equal to the untimed reference.
    void expect_runs(const fs::path& cfg) {
        const RunResult r = run(cfg);
        EXPECT_EQ(r.code, 0) << r.err << r.out;
        EXPECT_NE(r.out.find("0 of 20 outputs differ from the untimed reference"), std::string::npos) << r.out;
        EXPECT_NE(r.out.find("measured II equals expected II"), std::string::npos) << r.out;
    }

    fs::path tmp_;
};

std::vector<std::string> classes(const nlohmann::json& m) {
    std::vector<std::string> out;
    for (const auto& l : m["layers"]) out.push_back(l["class"].get<std::string>());
    return out;
}

TEST_F(ImporterConv, Conv1DSmallSamePadding) {
    const fs::path cfg = config("KERAS_conv1d_small");
    const ImportedModel im = import_hls4ml_config(cfg.string());
    EXPECT_EQ(classes(im.model), (std::vector<std::string>{"Conv1D", "Activation", "Conv1D", "Activation", "Conv1D",
                                                           "Activation", "Flatten", "Dense", "Activation", "Dense",
                                                           "Softmax"}));
    EXPECT_EQ(im.model["layers"][0]["padding"], "same");
    EXPECT_EQ(im.model["layers"][1]["name"], "conv1_relu_relu");
    const Model m = load_model_json(im.model, cfg.string(), tmp_.string());
    EXPECT_EQ(m.layers[0]->n_in(), 40u);
    EXPECT_EQ(m.layers[0]->n_out(), 30u);  // 10 x 3, 'same'
    expect_runs(cfg);
}

TEST_F(ImporterConv, Conv2DModel) {
    const fs::path cfg = config("KERAS_conv2d_model");
    const Model m = load_model_json(import_hls4ml_config(cfg.string()).model, cfg.string(), tmp_.string());
    EXPECT_EQ(m.layers[0]->class_name(), "Conv2D");
    EXPECT_EQ(m.layers[0]->n_out(), 8u * 8u * 2u);
    expect_runs(cfg);
}

TEST_F(ImporterConv, JetTaggerConv2DWithBatchNorm) {
    const fs::path cfg = config("jetTagger_Conv2D_Small");
    const Model m = load_model_json(import_hls4ml_config(cfg.string()).model, cfg.string(), tmp_.string());
    // BN on [25,25,1], conv 3x3 stride 3 'same' -> [9,9,5], BN, conv 5x5 stride 2 'same' -> [5,5,2].
    EXPECT_EQ(m.layers[0]->class_name(), "BatchNormalization");
    EXPECT_EQ(m.layers[1]->n_out(), 9u * 9u * 5u);
    EXPECT_EQ(m.layers[4]->n_out(), 5u * 5u * 2u);
    expect_runs(cfg);
}

TEST_F(ImporterConv, JetTaggerConv2DNoBatchNorm) { expect_runs(config("jetTagger_Conv2D_Small_NoBatchNorm")); }

TEST_F(ImporterConv, ReuseAndParallelizationFactorSetTheII) {
    // 8x8 output pixels, PF 4 -> 16 partitions, RF 3 (valid for the 9 x 2 kernel) -> II 48.
    const fs::path cfg = config("KERAS_conv2d_model", "  LayerName:\n    conv2d_1:\n      ReuseFactor: 3\n"
                                                      "      ParallelizationFactor: 4\n");
    const Model m = load_model_json(import_hls4ml_config(cfg.string()).model, cfg.string(), tmp_.string());
    const LayerTiming t = layer_cost(m.layers[0]->cost_inputs(), DeviceProfile::vitis_default(), 5.0);
    EXPECT_EQ(t.ii, 48);
    expect_runs(cfg);
}

TEST_F(ImporterConv, QKerasMnistCnnAccuracy) {
    if (!fs::is_directory(kMnist)) GTEST_SKIP() << "needs " << kMnist.string() << " (MNIST); absent";
    const RunResult r = run_program(TLM4ML_BINARY,
                                    "run " + shell_quote((kModels / "qkeras_mnist_cnn_config.yml").string()) +
                                        " --quiet --mnist " + shell_quote(kMnist.string()) + " --samples 500",
                                    tmp_);
    ASSERT_EQ(r.code, 0) << r.err << r.out;
    EXPECT_NE(r.out.find("0 of 500 outputs differ from the untimed reference"), std::string::npos) << r.out;
    const std::string accuracy = accuracy_over(r.out, 500);
    ASSERT_FALSE(accuracy.empty()) << r.out;
    const double acc = std::stod(accuracy);
    std::cout << "qkeras_mnist_cnn accuracy over the first 500 test images: " << acc << "\n";
    EXPECT_GT(acc, 0.90);  // chance is 0.10

    // The config is io_stream: layers behind the first pooling only see words every few cycles, so --check-ii
    // measures every layer on its isolated bench, and all of them pass.
    const RunResult c = run_program(TLM4ML_BINARY,
                                    "run " + shell_quote((kModels / "qkeras_mnist_cnn_config.yml").string()) +
                                        " --check-ii --quiet --mnist " + shell_quote(kMnist.string()) + " --samples 5",
                                    tmp_);
    EXPECT_EQ(c.code, 0) << c.err << c.out;
    EXPECT_NE(c.out.find("check-ii     all 10 layers: measured II equals expected II"), std::string::npos) << c.out;
}

TEST_F(ImporterConv, QConv2DTakesTheQuantizerTypes) {
    const ImportedModel im = import_hls4ml_config((kModels / "qkeras_mnist_cnn_config.yml").string());
    const auto& l = im.model["layers"];
    EXPECT_EQ(classes(im.model), (std::vector<std::string>{"Conv2D", "Activation", "Activation", "MaxPooling2D",
                                                           "Conv2D", "Activation", "Activation", "MaxPooling2D",
                                                           "Flatten", "QDense", "Softmax"}));
    EXPECT_EQ(l[0]["precision"]["weight"], "ap_fixed<6,1>");
    EXPECT_EQ(l[0]["kernel"].size(), 3u);
    EXPECT_EQ(l[0]["kernel"][0][0][0].size(), 16u);
    EXPECT_EQ(l[3]["pool_size"], nlohmann::json::array({2, 2}));
}

TEST_F(ImporterConv, ChannelsFirstIsRefused) {
    // A copy of the Conv2D model with data_format channels_first.
    std::string arch = read_text(kKeras / "KERAS_conv2d_model.json");
    const std::string from = "\"channels_last\"";
    ASSERT_NE(arch.find(from), std::string::npos);
    arch.replace(arch.find(from), from.size(), "\"channels_first\"");
    write_text(tmp_ / "cf.json", arch);
    const fs::path p = tmp_ / "cf.yml";
    write_text(p, "KerasJson: " + (tmp_ / "cf.json").string() + "\nKerasH5: " +
                      (kKeras / "KERAS_conv2d_model_weights.h5").string() +
                      "\nOutputDir: x\nProjectName: p\nIOType: io_parallel\nHLSConfig:\n  Model:\n"
                      "    Precision: ap_fixed<16,6>\n    ReuseFactor: 1\n");
    try {
        import_hls4ml_config(p.string());
        FAIL() << "no error";
    } catch (const ModelError& e) {
        const std::string w = e.what();
        EXPECT_NE(w.find("conv2d_1"), std::string::npos) << w;
        EXPECT_NE(w.find("channels_first"), std::string::npos) << w;
    }
}

}  // namespace
