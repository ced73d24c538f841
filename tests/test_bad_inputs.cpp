// Bad inputs through the real tlm4ml program, one case per way a reader can be fed something wrong: model
// files, hls4ml YAML configurations with Keras .json / .h5 files, .npy side files, sample files and MNIST idx
// files. Each case writes its files into a fresh folder, runs the program and checks
//   * the exit code (1: bad input),
//   * that stderr names the file and the field (each case lists the words it must contain),
//   * that the folder holds nothing new afterwards (no output, no temporary), besides the captured
//     stdout.txt / stderr.txt.
// The fixtures the cases mutate are checked to work first (FixturesAreValid), so that a case fails for its
// own reason. Cases with large claims (a 4 GiB .npy header, 5 M MNIST images, a 2^48-weight reuse-factor
// search) must also end quickly: each run is bounded to 20 s by `timeout`.

#include <chrono>
#include <cmath>
#include <cstring>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include <zlib.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/keras_files.h"
#include "tests/support/test_support.h"

namespace {

using nlohmann::json;
using namespace tlm4ml_test;

const fs::path kModels = fs::path(TLM4ML_SOURCE_DIR) / "testbenches" / "models";

// 4 -> Dense 2 (relu), every value exact in ap_fixed<16,6>.
json small_model() {
    return json::parse(R"({
      "name": "small", "clock_period_ns": 5,
      "input": {"name": "in", "shape": [4], "precision": "ap_fixed<16,6>"},
      "layers": [
        {"name": "fc1", "class": "Dense", "units": 2, "activation": "relu",
         "kernel": [[1, 0], [0, 1], [0.5, 0], [0, -1]], "bias": [0, 0.25]}
      ]})");
}
const char* kSmallInputs = "1 2 3 4\n0.5 0.25 -1 2\n";

// The same network with its kernel in a .npy side file.
json npy_model() {
    json m = small_model();
    m["layers"][0]["kernel"] = {{"file", "k.npy"}};
    return m;
}

// numpy's .npy 1.0 layout around any header text and data bytes (the header is padded as numpy does).
std::string npy_raw(std::string header, const std::string& data, int major = 1) {
    const size_t prefix = major == 1 ? 10 : 12;
    while ((prefix + header.size() + 1) % 64 != 0) header.push_back(' ');
    header.push_back('\n');
    std::string out = "\x93NUMPY";
    out.push_back(static_cast<char>(major));
    out.push_back('\0');
    const size_t n = header.size();
    out.push_back(static_cast<char>(n & 0xff));
    out.push_back(static_cast<char>((n >> 8) & 0xff));
    if (major != 1) {
        out.push_back(static_cast<char>((n >> 16) & 0xff));
        out.push_back(static_cast<char>((n >> 24) & 0xff));
    }
    return out + header + data;
}

std::string f8_bytes(const std::vector<double>& v) {
    std::string out(v.size() * 8, '\0');
    std::memcpy(out.data(), v.data(), out.size());  // little-endian hosts, as '<' says
    return out;
}

std::string good_npy() {
    return npy_raw("{'descr': '<f8', 'fortran_order': False, 'shape': (4, 2), }", f8_bytes({1, 0, 0, 1, 0.5, 0, 0, -1}));
}

// A Keras 2 Sequential model (architecture .json + weights .h5) of the same network, and its hls4ml YAML.
json keras_architecture(const std::string& layer_name = "fc1") {
    return {{"class_name", "Sequential"},
            {"config",
             {{"name", "seq"},
              {"layers",
               {{{"class_name", "InputLayer"},
                 {"config", {{"batch_input_shape", {nullptr, 4}}, {"dtype", "float32"}, {"name", "in"}}}},
                {{"class_name", "Dense"},
                 {"config", {{"name", layer_name}, {"units", 2}, {"activation", "relu"}, {"use_bias", true}}}}}}}},
            {"keras_version", "2.13.1"},
            {"backend", "tensorflow"}};
}

LayerVars keras_weights(float kernel0 = 1.0f, float bias1 = 0.25f, const std::string& layer_name = "fc1") {
    return {{layer_name, {{"kernel", {4, 2}, {kernel0, 0, 0, 1, 0.5f, 0, 0, -1}}, {"bias", {2}, {0, bias1}}}}};
}

std::string yaml_config(const std::string& extra = "ClockPeriod: 5\n") {
    return "KerasJson: keras.json\nKerasH5: keras_weights.h5\nIOType: io_parallel\n" + extra +
           "HLSConfig:\n  Model:\n    Precision: ap_fixed<16,6>\n    ReuseFactor: 1\n";
}

// MNIST idx files, gzip'ed.
std::string be32(uint32_t v) {
    return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}
void write_gz(const fs::path& p, const std::string& bytes) {
    gzFile f = gzopen(p.c_str(), "wb");
    ASSERT_NE(f, nullptr) << p;
    ASSERT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())), static_cast<int>(bytes.size()));
    gzclose(f);
}
std::string idx_images(uint32_t claimed, uint32_t present, uint32_t rows = 28, uint32_t cols = 28) {
    return be32(2051) + be32(claimed) + be32(rows) + be32(cols) + std::string(size_t{present} * rows * cols, '\x40');
}
std::string idx_labels(uint32_t claimed, uint32_t present) {
    return be32(2049) + be32(claimed) + std::string(present, '\x03');
}

std::set<std::string> folder_listing(const fs::path& dir) {
    std::set<std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(dir)) out.insert(fs::relative(e.path(), dir).string());
    return out;
}

struct BadInput {
    std::string name;
    std::function<void(const fs::path&)> write;  // the case's files
    std::string args;                            // "{d}" stands for the folder
    std::vector<std::string> needles;            // stderr must contain each ("{d}" too)
    std::vector<std::string> absent = {};        // and none of these
    int code = 1;
};

void PrintTo(const BadInput& b, std::ostream* os) { *os << b.name; }

std::string in_dir(std::string s, const fs::path& dir) {
    for (size_t at; (at = s.find("{d}")) != std::string::npos;) s.replace(at, 3, dir.string());
    return s;
}

// Writers for the case table.
auto model_with(std::function<void(json&)> edit) {
    return [edit](const fs::path& d) {
        json m = small_model();
        edit(m);
        write_text(d / "m.json", m.dump());
        write_text(d / "in.dat", kSmallInputs);
    };
}
auto raw_model(std::string text) {
    return [text](const fs::path& d) {
        write_text(d / "m.json", text);
        write_text(d / "in.dat", kSmallInputs);
    };
}
auto npy_case(std::string bytes) {
    return [bytes](const fs::path& d) {
        write_text(d / "m.json", npy_model().dump());
        write_text(d / "k.npy", bytes);
        write_text(d / "in.dat", kSmallInputs);
    };
}
auto keras_case(std::string yaml, json arch = keras_architecture(), LayerVars vars = keras_weights()) {
    return [yaml, arch, vars](const fs::path& d) {
        write_text(d / "c.yml", yaml);
        write_text(d / "keras.json", arch.dump());
        write_keras2_weights(d / "keras_weights.h5", vars);
        write_text(d / "in.dat", kSmallInputs);
    };
}
auto inputs_case(std::string text) {
    return [text](const fs::path& d) {
        write_text(d / "m.json", small_model().dump());
        write_text(d / "in.dat", text);
    };
}
auto mnist_case(std::string images, std::string labels) {
    return [images, labels](const fs::path& d) {
        fs::create_directories(d / "mnist");
        write_gz(d / "mnist" / "t10k-images-idx3-ubyte.gz", images);
        write_gz(d / "mnist" / "t10k-labels-idx1-ubyte.gz", labels);
    };
}
const std::string kPredict = "predict {d}/m.json --inputs {d}/in.dat --outputs {d}/out.dat";
const std::string kPredictYaml = "predict {d}/c.yml --inputs {d}/in.dat --outputs {d}/out.dat";
const std::string kMnistModel = (kModels / "mnist_binary.json").string();
const std::string kRunMnist = "run " + kMnistModel + " --mnist {d}/mnist --quiet --report {d}/r.json";
const std::string kJetModel = (kModels / "jet_tagger.json").string();

std::vector<BadInput> cases() {
    std::vector<BadInput> c;
    // ---- the model file: crashes and unbounded work
    c.push_back({"ClockPeriodRoundsToZeroPs", model_with([](json& m) { m["clock_period_ns"] = 1e-300; }),
                 "run {d}/m.json --inputs {d}/in.dat --report {d}/r.json", {"{d}/m.json", "clock_period_ns", "1 ps"}});
    c.push_back({"ClockPeriodBelowOnePs", model_with([](json& m) { m["clock_period_ns"] = 0.0004; }), kPredict,
                 {"{d}/m.json", "clock_period_ns", "0.0004"}});
    c.push_back({"ClockPeriodBeyondSimulatedTime", model_with([](json& m) { m["clock_period_ns"] = 1e308; }),
                 "run {d}/m.json --inputs {d}/in.dat --report {d}/r.json", {"{d}/m.json", "clock_period_ns", "2^64 ps"}});
    c.push_back({"DeeplyNestedKernel",
                 raw_model(R"({"input": {"shape": [4]}, "layers": [{"name": "a", "class": "Dense", "units": 1, "kernel": )" +
                           std::string(200000, '[') + std::string(200000, ']') + "}]}"),
                 kPredict, {"{d}/m.json", "nested deeper than 100 levels"}});
    c.push_back({"DeeplyNestedTopLevel", raw_model(std::string(100000, '[') + std::string(100000, ']')), kPredict,
                 {"{d}/m.json", "nested deeper"}});
    c.push_back({"InputShapeOverflows64Bits",
                 model_with([](json& m) { m["input"]["shape"] = {16777216, 16777216, 65536}; }), kPredict,
                 {"{d}/m.json", "input.shape", "[16777216, 16777216, 65536]", "2^28"}});
    c.push_back({"ConvOutputTooLarge", model_with([](json& m) {
                     m["input"]["shape"] = {1024, 1024, 1};
                     m["layers"] = {{{"name", "c"}, {"class", "Conv2D"}, {"filters", 1 << 20}, {"kernel_size", 1},
                                     {"padding", "same"}, {"kernel", json::array()}, {"bias", json::array()}}};
                 }),
                 kPredict, {"{d}/m.json", "layers[0].filters", "output shape [1024, 1024, 1048576]"}});
    c.push_back({"DenseKernelTooLarge", model_with([](json& m) {
                     m["input"]["shape"] = {16777216};
                     m["layers"][0]["units"] = 16777216;
                 }),
                 kPredict, {"{d}/m.json", "layers[0].units", "kernel shape"}});
    c.push_back({"ReshapeTargetTooLarge", model_with([](json& m) {
                     m["layers"] = {{{"name", "r"}, {"class", "Reshape"}, {"target_shape", {1 << 30, 1 << 30}}}};
                 }),
                 kPredict, {"{d}/m.json", "layers[0].target_shape", "2^28"}});
    c.push_back({"ZeroPaddingTooLarge", model_with([](json& m) {
                     m["input"]["shape"] = {4, 4, 1};
                     m["layers"] = {{{"name", "z"}, {"class", "ZeroPadding2D"}, {"padding", 1 << 20}}};
                 }),
                 kPredict, {"{d}/m.json", "layers[0].padding", "output shape"}});
    c.push_back({"ReuseFactorSearchOnHugeKernel", model_with([](json& m) {
                     m["input"]["shape"] = {8192};
                     m["layers"][0]["units"] = 8191;
                     m["layers"][0]["reuse_factor"] = 16777215;
                 }),
                 kPredict, {"{d}/m.json", "layers[0].kernel", "[8192, 8191]"}});
    c.push_back({"InfiniteWeight", raw_model(R"({"input": {"shape": [4]}, "layers": [{"name": "a", "class": "Dense",
                 "units": 1, "kernel": [[1e999], [0], [0], [0]], "bias": [0]}]})"),
                 kPredict, {"{d}/m.json", "malformed JSON", "number overflow parsing '1e999'"}});
    // ---- names that would break VCD identifiers or file names
    c.push_back({"InputNameWithSpace", model_with([](json& m) { m["input"]["name"] = "in put"; }), kPredict,
                 {"{d}/m.json", "input.name", "\"in put\""}});
    c.push_back({"LayerNameWithSlash", model_with([](json& m) { m["layers"][0]["name"] = "fc/1"; }), kPredict,
                 {"{d}/m.json", "layers[0].name", "\"fc/1\""}});
    c.push_back({"LayerNameEmpty", model_with([](json& m) { m["layers"][0]["name"] = ""; }), kPredict,
                 {"{d}/m.json", "layers[0].name", "not a valid layer name"}});
    c.push_back({"LayerNameWithControlChar", model_with([](json& m) { m["layers"][0]["name"] = "fc\x01"; }), kPredict,
                 {"{d}/m.json", "layers[0].name", "not a valid layer name"}});
    // ---- Keras files given where a model file is expected
    c.push_back({"KerasArchitectureAsModel",
                 [](const fs::path& d) {
                     write_text(d / "keras.json", keras_architecture().dump());
                     write_keras2_weights(d / "keras_weights.h5", keras_weights());
                     write_text(d / "in.dat", kSmallInputs);
                 },
                 "predict {d}/keras.json --inputs {d}/in.dat --outputs {d}/out.dat",
                 {"{d}/keras.json", "Keras model architecture", "KerasJson: {d}/keras.json",
                  "KerasH5: {d}/keras_weights.h5", "HLSConfig:", "Precision: ap_fixed<16,6>"}});
    c.push_back({"KerasH5AsModel",
                 [](const fs::path& d) {
                     write_keras2_weights(d / "keras_weights.h5", keras_weights());
                     write_text(d / "in.dat", kSmallInputs);
                 },
                 "predict {d}/keras_weights.h5 --inputs {d}/in.dat --outputs {d}/out.dat",
                 {"{d}/keras_weights.h5", "HDF5 file", "KerasModel: {d}/keras_weights.h5"}});
    // ---- .npy side files
    c.push_back({"NpyHeaderClaims4GiB",
                 npy_case(npy_raw("{'descr': '<f8', 'fortran_order': False, 'shape': (536870912,), }", "")), kPredict,
                 {"{d}/m.json", "layers[0].kernel.file", "k.npy", "536870912 values"}});
    c.push_back({"NpyShapeOverflows64Bits",
                 npy_case(npy_raw("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296, 16), }",
                                  f8_bytes({1, 2}))),
                 kPredict, {"k.npy", "layers[0].kernel.file", "element count does not fit 64 bits"}});
    c.push_back({"NpyDimensionBeyond64Bits",
                 npy_case(npy_raw("{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999999,), }", "")),
                 kPredict, {"k.npy", "'shape'", "does not fit 64 bits"}, {"stoul"}});
    c.push_back({"NpyHeaderLengthBeyondFile",
                 npy_case(std::string("\x93NUMPY\x02\x00\xff\xff\xff\xff", 12) + "{'descr'"), kPredict,
                 {"k.npy", "layers[0].kernel.file", "the header claims 4294967295 bytes"}});
    c.push_back({"NpyBadMagic", npy_case("NUMPY? not really"), kPredict, {"k.npy", "magic"}});
    c.push_back({"NpyUnsupportedDtype",
                 npy_case(npy_raw("{'descr': '<c16', 'fortran_order': False, 'shape': (4, 2), }", std::string(128, '\0'))),
                 kPredict, {"k.npy", "dtype '<c16'"}});
    c.push_back({"NpyFortranOrder",
                 npy_case(npy_raw("{'descr': '<f8', 'fortran_order': True, 'shape': (4, 2), }", f8_bytes({1, 0, 0, 1, 0.5, 0, 0, -1}))),
                 kPredict, {"k.npy", "fortran_order"}});
    c.push_back({"NpyNoShape", npy_case(npy_raw("{'descr': '<f8', 'fortran_order': False, }", f8_bytes({1}))), kPredict,
                 {"k.npy", "no 'shape'"}});
    c.push_back({"NpyNaNValue",
                 npy_case(npy_raw("{'descr': '<f8', 'fortran_order': False, 'shape': (4, 2), }",
                                  f8_bytes({1, 0, std::nan(""), 1, 0.5, 0, 0, -1}))),
                 kPredict, {"k.npy", "layers[0].kernel.file", "element 2 is not finite"}});
    c.push_back({"NpyIsDevZero",
                 [](const fs::path& d) {
                     json m = small_model();
                     m["layers"][0]["kernel"] = {{"file", "/dev/zero"}};
                     write_text(d / "m.json", m.dump());
                     write_text(d / "in.dat", kSmallInputs);
                 },
                 kPredict, {"/dev/zero", "layers[0].kernel.file", "not a regular file"}});
    // ---- hls4ml YAML configurations and their Keras files
    c.push_back({"YamlClockPeriodRoundsToZero", keras_case(yaml_config("ClockPeriod: 1e-300\n")), kPredictYaml,
                 {"{d}/c.yml", "ClockPeriod", "1e-300"}, {"clock_period_ns"}});
    c.push_back({"YamlClockPeriodBeyondSimulatedTime", keras_case(yaml_config("ClockPeriod: 1e308\n")),
                 "run {d}/c.yml --inputs {d}/in.dat --report {d}/r.json", {"{d}/c.yml", "ClockPeriod", "2^64 ps"},
                 {"clock_period_ns"}});
    c.push_back({"YamlClockPeriodNotANumber", keras_case(yaml_config("ClockPeriod: fast\n")), kPredictYaml,
                 {"{d}/c.yml", "ClockPeriod", "\"fast\""}});
    c.push_back({"YamlImportClockPeriod", keras_case(yaml_config("ClockPeriod: 0\n")), "import {d}/c.yml -o {d}/m.json",
                 {"{d}/c.yml", "ClockPeriod"}});
    c.push_back({"YamlUnknownKey", keras_case(yaml_config("ClockPeriod: 5\nClockPeriodNs: 5\n")), kPredictYaml,
                 {"{d}/c.yml", "ClockPeriodNs", "unknown key"}});
    c.push_back({"YamlMalformed", keras_case("KerasJson: [unclosed\n"), kPredictYaml, {"{d}/c.yml", "YAML"}});
    c.push_back({"KerasJsonDeeplyNested",
                 [](const fs::path& d) {
                     keras_case(yaml_config())(d);
                     write_text(d / "keras.json", std::string(100000, '[') + std::string(100000, ']'));
                 },
                 kPredictYaml, {"{d}/keras.json", "nested deeper"}});
    c.push_back({"KerasH5NaNKernel", keras_case(yaml_config(), keras_architecture(), keras_weights(std::nanf(""))),
                 kPredictYaml, {"{d}/keras_weights.h5", "fc1/kernel:0", "element 0 is not finite"}});
    c.push_back({"KerasH5InfBias",
                 keras_case(yaml_config(), keras_architecture(), keras_weights(1.0f, INFINITY)), kPredictYaml,
                 {"{d}/keras_weights.h5", "fc1/bias:0", "element 1 is not finite"}});
    c.push_back({"KerasLayerNameWithSpace",
                 keras_case(yaml_config(), keras_architecture("fc 1"), keras_weights(1.0f, 0.25f, "fc 1")),
                 kPredictYaml, {"{d}/c.yml", "\"fc 1\"", "not a valid layer name"}});
    c.push_back({"KerasH5NotHdf5",
                 [](const fs::path& d) {
                     keras_case(yaml_config())(d);
                     write_text(d / "keras_weights.h5", "not an HDF5 file");
                 },
                 kPredictYaml, {"{d}/keras_weights.h5", "not an HDF5 file"}});
    // ---- sample files
    c.push_back({"InputsDevZero", inputs_case(""), "predict {d}/m.json --inputs /dev/zero --outputs {d}/out.dat",
                 {"/dev/zero:1", "NUL byte"}});
    c.push_back({"InputsWithoutNewline", inputs_case(std::string(100000, '1')), kPredict,
                 {"{d}/in.dat:1", "longer than 1536 bytes"}});
    c.push_back({"InputsBinaryJunk", inputs_case("1 2 3 \x7f\x1b[31m\n"), kPredict,
                 {"{d}/in.dat:1", "value 4", "\\x7f\\x1b[31m"}});
    c.push_back({"InputsBeyondFloatRange", inputs_case("1 2 3 1e300\n"), kPredict,
                 {"{d}/in.dat:1", "value 4", "1e300", "not a finite number"}});
    c.push_back({"InputsNaN", inputs_case("nan 2 3 4\n"), kPredict, {"{d}/in.dat:1", "value 1", "\"nan\""}});
    c.push_back({"InputsWrongWidth", inputs_case("1 2 3 4\n1 2 3\n"), kPredict,
                 {"{d}/in.dat:2", "expected 4 values, found 3"}});
    c.push_back({"InputsIsADirectory",
                 [](const fs::path& d) {
                     write_text(d / "m.json", small_model().dump());
                     fs::create_directories(d / "in.dat");
                 },
                 kPredict, {"{d}/in.dat", "directory"}});
    c.push_back({"ExpectedBeyondDoubleRange",
                 [](const fs::path& d) {
                     inputs_case(kSmallInputs)(d);
                     write_text(d / "exp.dat", "2.5 0\n1e400 0\n");
                 },
                 "run {d}/m.json --inputs {d}/in.dat --expected {d}/exp.dat --report {d}/r.json",
                 {"{d}/exp.dat:2", "value 1", "1e400"}});
    // ---- MNIST idx files
    c.push_back({"MnistImagesClaim5M", mnist_case(idx_images(5000000, 0) + std::string(300, '\0'), idx_labels(5000000, 0)),
                 kRunMnist, {"{d}/mnist/t10k-images-idx3-ubyte.gz", "truncated", "5000000"}});
    c.push_back({"MnistLabelsClaim5M", mnist_case(idx_images(2, 2), idx_labels(5000000, 2)), kRunMnist,
                 {"{d}/mnist/t10k-labels-idx1-ubyte.gz", "labels", "5000000"}});
    c.push_back({"MnistWrongMagic", mnist_case(idx_labels(2, 2), idx_labels(2, 2)), kRunMnist,
                 {"{d}/mnist/t10k-images-idx3-ubyte.gz", "magic number 2049"}});
    c.push_back({"MnistZeroRows", mnist_case(idx_images(2, 0, 0, 28), idx_labels(2, 2)), kRunMnist,
                 {"{d}/mnist/t10k-images-idx3-ubyte.gz", "implausible image size 0x28"}});
    c.push_back({"MnistLabelOutOfRange", mnist_case(idx_images(2, 2), be32(2049) + be32(2) + "\x03\x0b"), kRunMnist,
                 {"{d}/mnist/t10k-labels-idx1-ubyte.gz", "label 1 is 11"}});
    c.push_back({"MnistCorruptGzip",
                 [](const fs::path& d) {
                     fs::create_directories(d / "mnist");
                     write_text(d / "mnist" / "t10k-images-idx3-ubyte.gz", std::string("\x1f\x8b\x08\x00", 4) + "garbage");
                     write_gz(d / "mnist" / "t10k-labels-idx1-ubyte.gz", idx_labels(2, 2));
                 },
                 kRunMnist, {"{d}/mnist/t10k-images-idx3-ubyte.gz"}});
    // ---- paths the file system refuses (no bare "filesystem error")
    c.push_back({"ModelPathTooLong", inputs_case(kSmallInputs),
                 "predict {d}/" + std::string(300, 'm') + ".json --inputs {d}/in.dat --outputs {d}/out.dat",
                 {std::string(300, 'm') + ".json", "cannot open the model file", "File name too long"}});
    c.push_back({"YamlPathTooLong", inputs_case(kSmallInputs),
                 "predict {d}/" + std::string(300, 'c') + ".yml --inputs {d}/in.dat --outputs {d}/out.dat",
                 {std::string(300, 'c') + ".yml", "hls4ml configuration", "File name too long"}});
    c.push_back({"MnistFolderTooLong", inputs_case(kSmallInputs),
                 "run " + kMnistModel + " --mnist {d}/" + std::string(300, 'n') + " --quiet",
                 {std::string(300, 'n') + "/t10k-images-idx3-ubyte.gz", "cannot open the MNIST idx file"}});
    // ---- simulated time beyond SystemC's 64-bit picoseconds
    // (--poisson above 1e12 cycles is a usage error, exit 2; at the slowest clock, 1 ms, 1e12-cycle gaps still
    // overflow SystemC's time within a few samples)
    c.push_back({"PoissonGapsBeyondSimulatedTime", model_with([](json& m) { m["clock_period_ns"] = 1e6; }),
                 "run {d}/m.json --inputs {d}/in.dat --poisson 1e12 --report {d}/r.json",
                 {"--poisson", "2^64 ps"}});
    return c;
}

class BadInputs : public TempDirTest, public ::testing::WithParamInterface<BadInput> {
protected:
    BadInputs() : TempDirTest("tlm4ml_bad_") {}
};

TEST_P(BadInputs, RefusedByNameWithNothingWritten) {
    const BadInput& bad = GetParam();
    bad.write(dir_);
    std::set<std::string> before = folder_listing(dir_);
    before.insert({"stdout.txt", "stderr.txt"});
    const auto started = std::chrono::steady_clock::now();
    const RunResult r = run_program("timeout", "20 " + shell_quote(TLM4ML_BINARY) + " " + in_dir(bad.args, dir_), dir_);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    SCOPED_TRACE("tlm4ml " + in_dir(bad.args, dir_) + "\nstderr: " + r.err);
    EXPECT_EQ(r.code, bad.code) << "(124: killed by the 20 s timeout)";
    EXPECT_LT(seconds, 20.0);
    EXPECT_EQ(r.err.rfind("error: ", 0), 0u) << "one error line first";
    for (const auto& n : bad.needles) EXPECT_NE(r.err.find(in_dir(n, dir_)), std::string::npos) << "lacks " << n;
    for (const auto& n : bad.absent) EXPECT_EQ(r.err.find(n), std::string::npos) << "shows " << n;
    for (const char* bare : {"bad_alloc", "stoul", "stod", "filesystem error", "basic_string", "vector::"})
        EXPECT_EQ(r.err.find(bare), std::string::npos) << "a bare " << bare;
    EXPECT_EQ(folder_listing(dir_), before) << "the folder holds something new";
}

INSTANTIATE_TEST_SUITE_P(All, BadInputs, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<BadInput>& i) { return i.param.name; });

// The fixtures the cases mutate, unmutated: they work, so each case fails for its own reason.
class BadInputFixtures : public TempDirTest {
protected:
    BadInputFixtures() : TempDirTest("tlm4ml_bad_ok_") {}
    void expect_ok(const std::string& args, const std::string& expected_out = "") {
        const RunResult r = tlm4ml(in_dir(args, dir_));
        EXPECT_EQ(r.code, 0) << args << "\n" << r.err;
        if (!expected_out.empty()) {
            EXPECT_EQ(read_text(dir_ / "out.dat"), expected_out) << args;
        }
    }
};

// fc1 = relu(x . kernel + bias) for the two input rows, by hand: (1 + 1.5, 2 - 4 + 0.25) and (0.5 - 0.5, 0.25 - 2 + 0.25).
const char* kSmallOutputs = "2.5 0\n0 0\n";

TEST_F(BadInputFixtures, ModelFileNpyAndKerasRoutesPredictTheSameValues) {
    model_with([](json&) {})(dir_);
    expect_ok(kPredict, kSmallOutputs);
    npy_case(good_npy())(dir_);
    expect_ok(kPredict, kSmallOutputs);
    keras_case(yaml_config())(dir_);
    expect_ok(kPredictYaml, kSmallOutputs);
}

TEST_F(BadInputFixtures, MnistFilesAndPoissonRunsWork) {
    mnist_case(idx_images(2, 2), idx_labels(2, 2))(dir_);
    expect_ok(kRunMnist);
    inputs_case(kSmallInputs)(dir_);
    expect_ok("run {d}/m.json --inputs {d}/in.dat --poisson 1000 --quiet");
}

// A reuse factor far from any valid one on a 2^26-weight kernel: the search for the closest valid one
// must not try every value up to n_in * n_out (22 s before); the kernel check then refuses the model.
TEST_F(BadInputFixtures, ClosestReuseFactorSearchIsQuick) {
    model_with([](json& m) {
        m["input"]["shape"] = {8192};
        m["layers"][0]["units"] = 8191;
        m["layers"][0]["reuse_factor"] = 16777215;
    })(dir_);
    const auto started = std::chrono::steady_clock::now();
    const RunResult r = tlm4ml(in_dir(kPredict, dir_));
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_LT(seconds, 2.0) << "the reuse-factor search took " << seconds << " s";
}

}  // namespace
