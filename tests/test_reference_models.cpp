// End-to-end bit-exactness against hls4ml's own C simulation (../shared/reference, see its README):
// for each reference model a tlm4ml model file is built at test time from weights.json (the values the
// firmware holds) and manifest.json (the layer chain and every type hls4ml chose), then
//   (a) load_model_file + forward must reproduce outputs.dat and every trace/<layer>.dat exactly, and
//   (b) `tlm4ml predict` must write byte-identical files.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/model.h"
#include "layers/arithmetic/reference.h"
#include "testbenches/data/sample_io.h"
#include "tests/support/test_support.h"

namespace fs = std::filesystem;
using nlohmann::json;


using namespace tlm4ml_test;
namespace {


json read_json(const fs::path& p) {
    std::ifstream f(p);
    return json::parse(f);
}




std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream s(text);
    std::string line;
    while (std::getline(s, line)) lines.push_back(line);
    return lines;
}

// Empty when equal; otherwise where the first difference is (1-based line), with both lines.
std::string first_difference(const std::string& actual, const std::string& expected) {
    if (actual == expected) return "";
    const auto a = split_lines(actual), e = split_lines(expected);
    for (size_t i = 0; i < std::max(a.size(), e.size()); ++i) {
        const std::string al = i < a.size() ? a[i] : "<missing line>";
        const std::string el = i < e.size() ? e[i] : "<missing line>";
        if (al == el) continue;
        std::istringstream as(al), es(el);
        std::string av, ev;
        size_t field = 1;
        while (true) {
            const bool ha = static_cast<bool>(as >> av), he = static_cast<bool>(es >> ev);
            if (!ha || !he || av != ev) {
                if (!ha) av = "<none>";
                if (!he) ev = "<none>";
                break;
            }
            ++field;
        }
        return "line " + std::to_string(i + 1) + ", value " + std::to_string(field) + ": " + av + " instead of " +
               ev + "\n  actual:   " + al + "\n  expected: " + el;
    }
    return "same lines, different bytes (line endings / final newline)";
}

// hls4ml's manifest names its types "<role>_t"; the model file names them "<role>".
json precisions_from_types(const json& types, const std::vector<std::string>& roles) {
    json p = json::object();
    for (const auto& role : roles) {
        const std::string key = role + "_t";
        if (types.contains(key)) p[role] = types[key];
    }
    return p;
}

const json& array_with_role(const json& weights_layer, const std::string& role) {
    for (const auto& a : weights_layer.at("arrays"))
        if (a.at("role") == role) return a;
    throw std::runtime_error("weights.json: layer " + weights_layer.at("name").get<std::string>() + " has no " + role +
                             " array");
}

// Converts one reference folder's manifest.json + weights.json into tlm4ml's JSON model file.
json build_model_file(const fs::path& dir) {
    const json manifest = read_json(dir / "manifest.json");
    const json weights = read_json(dir / "weights.json");
    std::map<std::string, json> arrays_of;  // hls4ml layer name -> weights.json layer
    for (const auto& l : weights.at("layers")) arrays_of[l.at("name").get<std::string>()] = l;

    json model;
    model["name"] = manifest.at("name");
    model["io_type"] = manifest.at("io_type");
    model["strategy"] = manifest.at("strategy");
    model["default_precision"] = manifest.at("precision");
    model["default_reuse_factor"] = manifest.at("reuse_factor");
    model["layers"] = json::array();

    for (const auto& l : manifest.at("layers")) {
        const std::string cls = l.at("class");
        const std::string name = l.at("name");
        const json& types = l.at("types");
        if (cls == "Input") {
            model["input"] = {{"name", name}, {"shape", l.at("output_shape")}, {"precision", types.at("result_t")}};
            continue;
        }
        json out = {{"name", name}, {"class", cls}};
        if (cls == "Dense") {
            const json& w = array_with_role(arrays_of.at(name), "weight");
            const json& b = array_with_role(arrays_of.at(name), "bias");
            const size_t n_in = l.at("n_in"), n_out = l.at("n_out");
            const std::string weight_t = types.at("weight_t");
            const bool binary = weight_t == "uint<1>";  // XNOR encoding: stored 1 is +1, 0 is -1
            const auto& values = w.at("values");
            if (values.size() != n_in * n_out) throw std::runtime_error(name + ": kernel size mismatch");
            json kernel = json::array();
            for (size_t i = 0; i < n_in; ++i) {
                json row = json::array();
                for (size_t j = 0; j < n_out; ++j) {
                    const double v = values[i * n_out + j];  // row-major [n_in][n_out]
                    if (binary) row.push_back(v == 1.0 ? 1 : (v == 0.0 ? -1 : 99));  // 99: caught by the loader
                    else row.push_back(v);
                }
                kernel.push_back(row);
            }
            out["units"] = n_out;
            out["kernel"] = kernel;
            out["bias"] = b.at("values");
            out["reuse_factor"] = l.at("reuse_factor");
            out["strategy"] = l.at("strategy");
            out["precision"] = precisions_from_types(types, {"weight", "bias", "accum", "result"});
        } else if (cls == "Activation") {
            out["activation"] = l.at("activation");
            out["precision"] = precisions_from_types(types, {"result", "table"});
            if (l.contains("table_size")) out["table_size"] = l.at("table_size");
        } else if (cls == "Softmax") {
            out["precision"] =
                precisions_from_types(types, {"result", "accum", "table", "exp_table", "inv_table", "inv_inp"});
            if (l.contains("implementation")) out["implementation"] = l.at("implementation");
            if (l.contains("table_size")) out["table_size"] = l.at("table_size");
        } else if (cls == "BatchNormalizationQuantizedTanh") {
            if (types.at("result_t") != "uint<1>")
                throw std::runtime_error(name + ": only binary_tanh (result uint<1>) is converted here");
            out["activation"] = "binary_tanh";
            out["threshold"] = array_with_role(arrays_of.at(name), "threshold").at("values");
        } else if (cls == "BatchNormalization") {
            out["scale"] = array_with_role(arrays_of.at(name), "scale").at("values");
            out["bias"] = array_with_role(arrays_of.at(name), "bias").at("values");
            out["precision"] = precisions_from_types(types, {"scale", "bias", "result"});
        } else {
            throw std::runtime_error("manifest layer " + name + ": class " + cls + " is not converted by this test");
        }
        model["layers"].push_back(out);
    }
    return model;
}

class ReferenceModels : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override {
        ref_ = fs::path(TLM4ML_SHARED_DIR) / "reference" / GetParam();
        if (!fs::is_directory(ref_))
            GTEST_SKIP() << "hls4ml reference data is absent (" << ref_.string()
                         << "); these bit-exactness tests need ../shared/reference beside the source tree";
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        std::string leaf = "tlm4ml_" + std::string(info->test_suite_name()) + "_" + info->name() + "_" +
                           std::to_string(getpid());
        for (char& ch : leaf)
            if (ch == '/') ch = '_';  // parameterized names: Suite/Test/Param
        tmp_ = fs::path(::testing::TempDir()) / leaf;
        fs::remove_all(tmp_);
        fs::create_directories(tmp_);
        model_path_ = tmp_ / "model.json";
        try {
            write_text(model_path_, build_model_file(ref_).dump(1));
        } catch (const std::exception& e) {
            FAIL() << "cannot build the model file from " << ref_.string() << ": " << e.what();
        }
    }
    void TearDown() override {
        if (!tmp_.empty() && !HasFailure()) fs::remove_all(tmp_);
    }

    // trace/<layer>.dat file names without the extension.
    std::set<std::string> reference_trace_layers() const {
        std::set<std::string> names;
        for (const auto& e : fs::directory_iterator(ref_ / "trace"))
            if (e.path().extension() == ".dat") names.insert(e.path().stem().string());
        return names;
    }

    fs::path ref_, tmp_, model_path_;
};

// Test names may hold only letters, digits and '_'; the folder names already do.
std::string param_name(const ::testing::TestParamInfo<std::string>& info) { return info.param; }

TEST_P(ReferenceModels, ForwardMatchesHls4mlCsimBitExact) {
    tlm4ml::Model model;
    try {
        model = tlm4ml::load_model_file(model_path_.string());
    } catch (const std::exception& e) {
        FAIL() << "load_model_file: " << e.what();
    }
    EXPECT_TRUE(model.warnings.empty()) << model.warnings.front();

    // One traced layer per trace file, same names.
    std::set<std::string> layer_names;
    for (const auto& l : model.layers) layer_names.insert(l->name());
    ASSERT_EQ(layer_names, reference_trace_layers());
    ASSERT_EQ(layer_names.size(), model.layers.size()) << "duplicate layer names";

    const auto inputs = tlm4ml::read_samples((ref_ / "inputs.dat").string(), model.input_size(), model.input_precision);
    ASSERT_EQ(inputs.size(), 100u);

    std::string out_text;
    std::vector<std::string> trace_text(model.layers.size());
    std::vector<std::vector<int64_t>> trace;
    for (const auto& sample : inputs) {
        const auto out = tlm4ml::forward(model, sample, &trace);
        ASSERT_EQ(trace.size(), model.layers.size());
        ASSERT_EQ(out, trace.back());
        out_text += tlm4ml::format_sample(out, model.output_precision());
        for (size_t l = 0; l < trace.size(); ++l)
            trace_text[l] += tlm4ml::format_sample(trace[l], model.layers[l]->output_precision());
    }
    // Layers first, in network order: the first layer that differs is the one to look at.
    for (size_t l = 0; l < model.layers.size(); ++l) {
        const auto& name = model.layers[l]->name();
        const std::string diff = first_difference(trace_text[l], read_text(ref_ / "trace" / (name + ".dat")));
        EXPECT_TRUE(diff.empty()) << "layer " << l << " (" << name << ", " << model.layers[l]->class_name()
                            << ") differs from trace/" << name << ".dat at " << diff;
    }
    const std::string out_diff = first_difference(out_text, read_text(ref_ / "outputs.dat"));
    EXPECT_TRUE(out_diff.empty()) << "outputs differ from outputs.dat at " << out_diff;
}

TEST_P(ReferenceModels, PredictProgramWritesIdenticalFiles) {
    const fs::path out = tmp_ / "out.dat", trace_dir = tmp_ / "trace", err = tmp_ / "stderr.txt";
    const std::string cmd = shell_quote(TLM4ML_BINARY) + " predict " + shell_quote(model_path_.string()) +
                            " --inputs " + shell_quote((ref_ / "inputs.dat").string()) + " --outputs " +
                            shell_quote(out.string()) + " --trace " + shell_quote(trace_dir.string()) + " >" +
                            shell_quote((tmp_ / "stdout.txt").string()) + " 2>" + shell_quote(err.string());
    ASSERT_EQ(run_shell(cmd), 0) << cmd << "\nstderr:\n" << read_text(err);
    EXPECT_EQ(read_text(tmp_ / "stdout.txt"), "") << "with --outputs nothing goes to stdout";
    EXPECT_EQ(read_text(err), "");

    ASSERT_TRUE(fs::exists(out));
    EXPECT_TRUE(read_text(out) == read_text(ref_ / "outputs.dat"))
        << "out.dat differs from outputs.dat at " << first_difference(read_text(out), read_text(ref_ / "outputs.dat"));

    // Exactly the reference's trace files, byte for byte, and no temporary files left behind.
    std::set<std::string> written;
    for (const auto& e : fs::directory_iterator(trace_dir)) written.insert(e.path().filename().string());
    std::set<std::string> expected;
    for (const auto& name : reference_trace_layers()) expected.insert(name + ".dat");
    EXPECT_EQ(written, expected);
    for (const auto& f : expected) {
        if (!fs::exists(trace_dir / f)) continue;
        const std::string actual = read_text(trace_dir / f), want = read_text(ref_ / "trace" / f);
        EXPECT_TRUE(actual == want) << "trace/" << f << " differs: " << first_difference(actual, want);
    }
}

INSTANTIATE_TEST_SUITE_P(Hls4mlCsim, ReferenceModels,
                         ::testing::Values("KERAS_3layer", "KERAS_3layer_binary_smaller"), param_name);

}  // namespace
