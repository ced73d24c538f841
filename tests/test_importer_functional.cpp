// Keras functional models with branches and merge layers through the importer. Each network is written here
// as Keras files (a Keras 2 architecture JSON + weights .h5, and/or a Keras 3 .keras archive) and, by hand, as
// a tlm4ml model file of the same network ("inputs", the same weights as JSON numbers, the same precisions).
// `tlm4ml predict` must give exactly the same outputs through both routes; the imported model must pass
// `run --check-ii` in io_parallel, and `run` in io_stream must output what `predict` does.
//   * a residual Dense block: Input(8) -> Dense(8, relu) -> Dense(8) -> Add(., input) -> Dense(3);
//   * two branches joined by Concatenate, the branches listed in the file in another order than the merge
//     reads them (Keras 3: the weight groups follow config.json's layer order, checked by distinct shapes);
//   * a Conv2D residual block with padding 'same', in both io types;
//   * BatchNormalization + binary tanh in a branch is merged into bnbt_<bn> only when the tanh is its only
//     reader; with a second reader it is refused (hls4ml would rewire that reader to the BN's input).
// Refused by name, exit 1, nothing written: a shared layer, a three-input Add, two model outputs, an output
// tensor index other than 0, Add of two shapes.

#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/keras_files.h"
#include "tests/support/test_support.h"

namespace {

using nlohmann::json;
using namespace tlm4ml_test;

// Values on a 1/16 grid (exact in every type used below, so hls4ml's weight route keeps them unchanged).
std::vector<float> grid(size_t n, int mul, int mod, int off) {
    std::vector<float> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = static_cast<float>(static_cast<int>((i * mul + 3) % mod) - off) / 16.0f;
    return v;
}

json numbers(const std::vector<float>& v) {
    json a = json::array();
    for (float x : v) a.push_back(static_cast<double>(x));
    return a;
}

// A C-order tensor as nested arrays.
json nested(const std::vector<float>& v, const std::vector<size_t>& shape, size_t dim = 0, size_t off = 0) {
    if (dim == shape.size()) return static_cast<double>(v[off]);
    size_t stride = 1;
    for (size_t d = dim + 1; d < shape.size(); ++d) stride *= shape[d];
    json a = json::array();
    for (size_t i = 0; i < shape[dim]; ++i) a.push_back(nested(v, shape, dim + 1, off + i * stride));
    return a;
}

// One Keras layer of a functional model: what it reads (layer names), its weights, its output shape.
struct Node {
    std::string cls, name;
    json config;
    std::vector<std::string> inputs;
    std::vector<Var> vars;
    std::vector<size_t> shape;
};

struct Net {
    std::string input = "in";
    std::vector<size_t> input_shape;
    std::vector<Node> nodes;
    std::vector<std::string> outputs;  // default: the last node
    // Keras 2: inbound_nodes per layer name overriding the one built from `inputs` (malformed models).
    std::map<std::string, json> inbound_override;
};

std::vector<size_t> shape_of(const Net& n, const std::string& name) {
    if (name == n.input) return n.input_shape;
    for (const auto& x : n.nodes)
        if (x.name == name) return x.shape;
    return {};
}

json batch_shape(const std::vector<size_t>& s) {
    json a = json::array({nullptr});
    for (size_t d : s) a.push_back(d);
    return a;
}

std::vector<std::string> output_names(const Net& n) {
    return n.outputs.empty() ? std::vector<std::string>{n.nodes.back().name} : n.outputs;
}

// Keras 2 (tf.keras 2.x "Functional"): inbound_nodes [[[name, 0, 0, {}], ...]], input/output_layers lists.
json keras2_architecture(const Net& n) {
    json layers = json::array();
    layers.push_back({{"class_name", "InputLayer"},
                      {"config", {{"batch_input_shape", batch_shape(n.input_shape)}, {"dtype", "float32"}, {"sparse", false},
                                  {"name", n.input}}},
                      {"name", n.input},
                      {"inbound_nodes", json::array()}});
    for (const Node& x : n.nodes) {
        json cfg = x.config;
        cfg["name"] = x.name;
        cfg["trainable"] = true;
        json node = json::array();
        for (const auto& src : x.inputs) node.push_back(json::array({src, 0, 0, json::object()}));
        json inbound = json::array({node});
        if (n.inbound_override.count(x.name)) inbound = n.inbound_override.at(x.name);
        layers.push_back({{"class_name", x.cls}, {"config", cfg}, {"name", x.name}, {"inbound_nodes", inbound}});
    }
    json outs = json::array();
    for (const auto& o : output_names(n)) outs.push_back(json::array({o, 0, 0}));
    return {{"class_name", "Functional"},
            {"config", {{"name", "model"}, {"layers", layers}, {"input_layers", json::array({json::array({n.input, 0, 0})})},
                        {"output_layers", outs}}},
            {"keras_version", "2.13.1"},
            {"backend", "tensorflow"}};
}

// Keras 3: every argument tensor a "__keras_tensor__" with its keras_history; a merge's argument is a list
// of two; input_layers / output_layers as recent Keras 3 writes one tensor: [name, 0, 0].
json keras3_architecture(const Net& n) {
    auto tensor = [&](const std::string& src) {
        return json{{"class_name", "__keras_tensor__"},
                    {"config", {{"shape", batch_shape(shape_of(n, src))}, {"dtype", "float32"},
                                {"keras_history", json::array({src, 0, 0})}}}};
    };
    json layers = json::array();
    layers.push_back({{"module", "keras.layers"},
                      {"class_name", "InputLayer"},
                      {"config", {{"batch_shape", batch_shape(n.input_shape)}, {"dtype", "float32"}, {"sparse", false},
                                  {"name", n.input}}},
                      {"registered_name", nullptr},
                      {"name", n.input},
                      {"inbound_nodes", json::array()}});
    for (const Node& x : n.nodes) {
        json cfg = x.config;
        cfg["name"] = x.name;
        cfg["trainable"] = true;
        cfg["dtype"] = {{"module", "keras"}, {"class_name", "DTypePolicy"}, {"config", {{"name", "float32"}}},
                        {"registered_name", nullptr}};
        json args = json::array();
        if (x.inputs.size() == 1) {
            args.push_back(tensor(x.inputs[0]));
        } else {
            json list = json::array();
            for (const auto& src : x.inputs) list.push_back(tensor(src));
            args.push_back(list);
        }
        layers.push_back({{"module", "keras.layers"},
                          {"class_name", x.cls},
                          {"config", cfg},
                          {"registered_name", nullptr},
                          {"build_config", {{"input_shape", batch_shape(shape_of(n, x.inputs[0]))}}},
                          {"name", x.name},
                          {"inbound_nodes", json::array({{{"args", args}, {"kwargs", json::object()}}})}});
    }
    const auto outs = output_names(n);
    json out_layers = outs.size() == 1 ? json::array({outs[0], 0, 0}) : json::array();
    if (outs.size() > 1)
        for (const auto& o : outs) out_layers.push_back(json::array({o, 0, 0}));
    return {{"module", "keras.src.models.functional"},
            {"class_name", "Functional"},
            {"config", {{"name", "functional"}, {"trainable", true}, {"layers", layers},
                        {"input_layers", json::array({n.input, 0, 0})}, {"output_layers", out_layers}}},
            {"registered_name", "Functional"}};
}

// Keras 3's weight groups: the snake_case class name, numbered per class in config.json's layer order.
LayerVars keras3_groups(const Net& n) {
    const std::map<std::string, std::string> snake = {{"Dense", "dense"}, {"Conv2D", "conv2d"},
                                                      {"BatchNormalization", "batch_normalization"}};
    std::map<std::string, int> seen;
    LayerVars groups;
    for (const Node& x : n.nodes) {
        if (!snake.count(x.cls)) continue;
        const std::string s = snake.at(x.cls);
        const int k = seen.count(s) ? ++seen[s] : (seen[s] = 0);
        groups.push_back({s + (k ? "_" + std::to_string(k) : ""), x.vars});
    }
    return groups;
}

const char* kModel = "HLSConfig:\n  Model:\n    Precision: ap_fixed<16,6>\n    ReuseFactor: 1\n    Strategy: Latency\n";

// The hand-written model file's frame.
json model_file(const std::string& io, const std::vector<size_t>& input_shape, json layers) {
    return {{"name", "hand"},
            {"io_type", io},
            {"default_precision", "ap_fixed<16,6>"},
            {"default_reuse_factor", 1},
            {"input", {{"name", "in"}, {"shape", input_shape}, {"precision", "ap_fixed<16,6>"}}},
            {"layers", std::move(layers)}};
}

class FunctionalImport : public TempDirTest {
protected:
    FunctionalImport() : TempDirTest("tlm4ml_func_") {}

    // Keras 2 files + an hls4ml configuration; returns the configuration's path.
    fs::path keras2(const Net& n, const std::string& tag, const std::string& io, const std::string& extra_config = "") {
        write_text(dir_ / (tag + ".json"), keras2_architecture(n).dump(1));
        LayerVars vars;
        for (const Node& x : n.nodes)
            if (!x.vars.empty()) vars.push_back({x.name, x.vars});
        write_keras2_weights(dir_ / (tag + "_weights.h5"), vars);
        const fs::path cfg = dir_ / (tag + ".yml");
        write_text(cfg, "KerasJson: " + tag + ".json\nKerasH5: " + tag + "_weights.h5\nIOType: " + io + "\n" + kModel +
                            extra_config);
        return cfg;
    }
    // A Keras 3 .keras archive + an hls4ml configuration.
    fs::path keras3(const Net& n, const std::string& tag, const std::string& io, const std::string& extra_config = "") {
        write_text(dir_ / (tag + "_config.json"), keras3_architecture(n).dump());
        write_text(dir_ / (tag + "_metadata.json"), R"({"keras_version": "3.5.0"})");
        write_keras3_weights(dir_ / (tag + "_model.weights.h5"), keras3_groups(n));
        write_zip(dir_ / (tag + ".keras"), {{"metadata.json", dir_ / (tag + "_metadata.json")},
                                            {"config.json", dir_ / (tag + "_config.json")},
                                            {"model.weights.h5", dir_ / (tag + "_model.weights.h5")}});
        const fs::path cfg = dir_ / (tag + ".yml");
        write_text(cfg, "KerasModel: " + tag + ".keras\nIOType: " + io + "\n" + kModel + extra_config);
        return cfg;
    }
    std::string q(const fs::path& p) const { return shell_quote(p.string()); }

    // `samples` lines of n_in values on a 1/8 grid in [-1.75, 1.75].
    void inputs(size_t n_in, size_t samples) {
        std::string out;
        for (size_t s = 0; s < samples; ++s) {
            for (size_t i = 0; i < n_in; ++i) {
                const double v = (static_cast<int>((s * 13 + i * 7 + 5) % 29) - 14) / 8.0;
                out += std::to_string(v) + (i + 1 < n_in ? " " : "");
            }
            out += "\n";
        }
        write_text(dir_ / "inputs.dat", out);
    }

    // predict through the configuration and through the hand-written file: identical, non-trivial outputs.
    std::string expect_same_predictions(const fs::path& cfg, const json& hand, const std::string& tag, size_t samples) {
        write_text(dir_ / (tag + "_hand.json"), hand.dump(1));
        const RunResult a = tlm4ml("predict " + q(cfg) + " --inputs " + at("inputs.dat") + " --outputs " + at(tag + "_imp.dat"));
        EXPECT_EQ(a.code, 0) << a.err;
        const RunResult b = tlm4ml("predict " + at(tag + "_hand.json") + " --inputs " + at("inputs.dat") + " --outputs " +
                                   at(tag + "_hand.dat"));
        EXPECT_EQ(b.code, 0) << b.err;
        const std::string imp = read_text(dir_ / (tag + "_imp.dat")), ref = read_text(dir_ / (tag + "_hand.dat"));
        EXPECT_EQ(static_cast<size_t>(std::count(ref.begin(), ref.end(), '\n')), samples);
        EXPECT_EQ(imp, ref);
        // Not a degenerate network: the samples do not all give the same outputs.
        std::set<std::string> lines;
        for (std::istringstream in(ref); std::getline(in, line_);) lines.insert(line_);
        EXPECT_GT(lines.size(), samples / 2) << ref;
        return imp;
    }

    json imported(const fs::path& cfg, const std::string& tag) {
        const RunResult r = tlm4ml("import " + q(cfg) + " -o " + at(tag + "_imported.json"));
        EXPECT_EQ(r.code, 0) << r.err;
        return r.code == 0 ? json::parse(read_text(dir_ / (tag + "_imported.json"))) : json();
    }

    void expect_check_ii(const fs::path& cfg, size_t samples) {
        const RunResult r = tlm4ml("run " + q(cfg) + " --inputs " + at("inputs.dat") + " --check-ii");
        EXPECT_EQ(r.code, 0) << r.out << r.err;
        EXPECT_NE(r.out.find("0 of " + std::to_string(samples) + " outputs differ"), std::string::npos) << r.out;
        EXPECT_NE(r.out.find("measured II equals expected II"), std::string::npos) << r.out;
    }

    void expect_run_equals_predict(const fs::path& cfg, const std::string& predicted, const std::string& tag) {
        const RunResult r = tlm4ml("run " + q(cfg) + " --inputs " + at("inputs.dat") + " --outputs " + at(tag + "_run.dat"));
        EXPECT_EQ(r.code, 0) << r.out << r.err;
        EXPECT_EQ(read_text(dir_ / (tag + "_run.dat")), predicted);
    }

    // An import that must fail: exit 1, the message names the file and `what`, and no output file.
    void expect_refused(const fs::path& cfg, const std::vector<std::string>& what) {
        const RunResult r = tlm4ml("import " + q(cfg) + " -o " + at("refused.json"));
        EXPECT_EQ(r.code, 1) << r.err;
        for (const auto& w : what) EXPECT_NE(r.err.find(w), std::string::npos) << "missing \"" << w << "\" in: " << r.err;
        EXPECT_FALSE(fs::exists(dir_ / "refused.json"));
    }

    std::string line_;
};

std::vector<std::string> names_of(const json& m) {
    std::vector<std::string> v;
    for (const auto& l : m["layers"]) v.push_back(l["name"]);
    return v;
}

const json* layer_named(const json& m, const std::string& name) {
    for (const auto& l : m["layers"])
        if (l["name"] == name) return &l;
    return nullptr;
}

// ---- residual Dense block -----------------------------------------------------------------------------

struct ResidualDense {
    std::vector<Var> d1 = {{"kernel", {8, 8}, grid(64, 5, 13, 6)}, {"bias", {8}, grid(8, 3, 7, 3)}};
    std::vector<Var> d2 = {{"kernel", {8, 8}, grid(64, 7, 11, 5)}, {"bias", {8}, grid(8, 5, 9, 4)}};
    std::vector<Var> out = {{"kernel", {8, 3}, grid(24, 3, 17, 8)}, {"bias", {3}, grid(3, 1, 5, 2)}};

    Net net() const {
        Net n;
        n.input_shape = {8};
        n.nodes = {{"Dense", "d1", {{"units", 8}, {"activation", "relu"}, {"use_bias", true}}, {"in"}, d1, {8}},
                   {"Dense", "d2", {{"units", 8}, {"activation", "linear"}, {"use_bias", true}}, {"d1"}, d2, {8}},
                   {"Add", "add", json::object(), {"d2", "in"}, {}, {8}},
                   {"Dense", "out", {{"units", 3}, {"activation", "linear"}, {"use_bias", true}}, {"add"}, out, {3}}};
        return n;
    }
    // The same network by hand: d1's relu as the model file's fused activation, "inputs" on the merge.
    json hand(const std::string& io) const {
        json layers = json::array();
        layers.push_back({{"name", "d1"}, {"class", "Dense"}, {"units", 8}, {"activation", "relu"},
                          {"kernel", nested(d1[0].values, {8, 8})}, {"bias", numbers(d1[1].values)}});
        layers.push_back({{"name", "d2"}, {"class", "Dense"}, {"units", 8}, {"kernel", nested(d2[0].values, {8, 8})},
                          {"bias", numbers(d2[1].values)}, {"precision", {{"result", "ap_fixed<14,5>"}}}});
        layers.push_back({{"name", "add"}, {"class", "Add"}, {"inputs", {"d2", "in"}},
                          {"precision", {{"result", "ap_fixed<12,5>"}}}});
        layers.push_back({{"name", "out"}, {"class", "Dense"}, {"units", 3}, {"kernel", nested(out[0].values, {8, 3})},
                          {"bias", numbers(out[1].values)}});
        return model_file(io, {8}, layers);
    }
};

const char* kResidualConfig =
    "  LayerName:\n    d2:\n      Precision:\n        result: ap_fixed<14,5>\n    add:\n      Precision:\n"
    "        result: ap_fixed<12,5>\n";

TEST_F(FunctionalImport, ResidualDenseBlockKeras2) {
    const ResidualDense r;
    inputs(8, 12);
    const fs::path cfg = keras2(r.net(), "res", "io_parallel", kResidualConfig);
    const json m = imported(cfg, "res");
    ASSERT_TRUE(m.is_object());
    // d2's linear activation casts d2's ap_fixed<14,5> to the model default ap_fixed<16,6>, so hls4ml keeps it
    // (EliminateLinearActivation only drops a linear activation that casts nothing; optimizer/passes/linear.py).
    EXPECT_EQ(names_of(m), (std::vector<std::string>{"d1", "d1_relu", "d2", "d2_linear", "add", "out"}));
    // Only the merge needs "inputs"; everything else reads the layer before it.
    for (const auto& l : m["layers"]) EXPECT_EQ(l.contains("inputs"), l["name"] == "add") << l["name"];
    EXPECT_EQ((*layer_named(m, "add"))["inputs"], json({"d2_linear", "in"}));
    EXPECT_EQ((*layer_named(m, "add"))["precision"]["result"], "ap_fixed<12,5>");
    EXPECT_EQ(m["input"]["name"], "in");
    expect_same_predictions(cfg, r.hand("io_parallel"), "res", 12);
    expect_check_ii(cfg, 12);
}

TEST_F(FunctionalImport, ResidualDenseBlockKeras3ArchiveAndStream) {
    const ResidualDense r;
    inputs(8, 12);
    const fs::path par = keras3(r.net(), "res3", "io_parallel", kResidualConfig);
    const std::string p = expect_same_predictions(par, r.hand("io_parallel"), "res3", 12);
    expect_check_ii(par, 12);
    const fs::path stream = keras3(r.net(), "res3s", "io_stream", kResidualConfig);
    const std::string s = expect_same_predictions(stream, r.hand("io_stream"), "res3s", 12);
    EXPECT_EQ(s, p);
    expect_run_equals_predict(stream, s, "res3s");
    // The Keras 2 files of the same model import to the same model file.
    const json m2 = imported(keras2(r.net(), "res2", "io_parallel", kResidualConfig), "res2");
    const json m3 = imported(par, "res3");
    EXPECT_EQ(m3["layers"], m2["layers"]);
}

// ---- two branches and Concatenate ---------------------------------------------------------------------

struct TwoBranches {
    // Listed z_branch first, read second by the merge; distinct kernel shapes make a wrong Keras 3 group
    // mapping fail.
    std::vector<Var> z = {{"kernel", {6, 5}, grid(30, 7, 15, 7)}, {"bias", {5}, grid(5, 2, 7, 3)}};
    std::vector<Var> a = {{"kernel", {6, 4}, grid(24, 5, 11, 5)}, {"bias", {4}, grid(4, 3, 5, 2)}};
    std::vector<Var> out = {{"kernel", {9, 3}, grid(27, 4, 13, 6)}, {"bias", {3}, grid(3, 2, 5, 1)}};

    Net net() const {
        Net n;
        n.input_shape = {6};
        n.nodes = {{"Dense", "z_branch", {{"units", 5}, {"activation", "linear"}, {"use_bias", true}}, {"in"}, z, {5}},
                   {"Dense", "a_branch", {{"units", 4}, {"activation", "relu"}, {"use_bias", true}}, {"in"}, a, {4}},
                   {"Concatenate", "cat", {{"axis", -1}}, {"a_branch", "z_branch"}, {}, {9}},
                   {"Dense", "out", {{"units", 3}, {"activation", "linear"}, {"use_bias", true}}, {"cat"}, out, {3}}};
        return n;
    }
    json hand(const std::string& io) const {
        json layers = json::array();
        layers.push_back({{"name", "a_branch"}, {"class", "Dense"}, {"units", 4}, {"activation", "relu"},
                          {"kernel", nested(a[0].values, {6, 4})}, {"bias", numbers(a[1].values)}});
        layers.push_back({{"name", "z_branch"}, {"class", "Dense"}, {"units", 5}, {"inputs", {"in"}},
                          {"kernel", nested(z[0].values, {6, 5})}, {"bias", numbers(z[1].values)}});
        layers.push_back({{"name", "cat"}, {"class", "Concatenate"}, {"axis", 1}, {"inputs", {"a_branch", "z_branch"}},
                          {"precision", {{"result", "ap_fixed<14,6,AP_RND,AP_SAT>"}}}});
        layers.push_back({{"name", "out"}, {"class", "Dense"}, {"units", 3}, {"kernel", nested(out[0].values, {9, 3})},
                          {"bias", numbers(out[1].values)}});
        return model_file(io, {6}, layers);
    }
};

const char* kConcatConfig = "  LayerType:\n    Concatenate:\n      Precision:\n        result: ap_fixed<14,6,AP_RND,AP_SAT>\n";

TEST_F(FunctionalImport, TwoBranchesConcatenatedKeras3AndKeras2) {
    const TwoBranches t;
    inputs(6, 10);
    const fs::path k3 = keras3(t.net(), "cat3", "io_parallel", kConcatConfig);
    const json m = imported(k3, "cat3");
    ASSERT_TRUE(m.is_object());
    EXPECT_EQ(names_of(m), (std::vector<std::string>{"z_branch", "a_branch", "a_branch_relu", "cat", "out"}));
    EXPECT_FALSE(m["layers"][0].contains("inputs"));
    EXPECT_EQ(m["layers"][1]["inputs"], json({"in"}));  // the previous layer is z_branch, not the input
    EXPECT_EQ((*layer_named(m, "cat"))["inputs"], json({"a_branch_relu", "z_branch"}));
    EXPECT_EQ((*layer_named(m, "cat"))["axis"], -1);
    EXPECT_EQ((*layer_named(m, "cat"))["precision"]["result"], "ap_fixed<14,6,AP_RND,AP_SAT>");
    const std::string p3 = expect_same_predictions(k3, t.hand("io_parallel"), "cat3", 10);
    expect_check_ii(k3, 10);
    const fs::path k2 = keras2(t.net(), "cat2", "io_parallel", kConcatConfig);
    EXPECT_EQ(expect_same_predictions(k2, t.hand("io_parallel"), "cat2", 10), p3);
    const fs::path s = keras2(t.net(), "cat2s", "io_stream", kConcatConfig);
    expect_run_equals_predict(s, expect_same_predictions(s, t.hand("io_stream"), "cat2s", 10), "cat2s");
}

TEST_F(FunctionalImport, Keras3GroupsFollowTheLayerListNotTheNames) {
    // Groups numbered by sorted layer names instead of the list order: a_branch would get z_branch's [6, 5]
    // kernel; the importer must say so rather than import.
    const TwoBranches t;
    Net n = t.net();
    std::swap(n.nodes[0], n.nodes[1]);  // list a_branch first ...
    write_text(dir_ / "swap_config.json", keras3_architecture(n).dump());
    std::swap(n.nodes[0], n.nodes[1]);  // ... but weights numbered in the other order
    write_keras3_weights(dir_ / "swap_model.weights.h5", keras3_groups(n));
    write_text(dir_ / "meta.json", R"({"keras_version": "3.5.0"})");
    write_zip(dir_ / "swap.keras", {{"metadata.json", dir_ / "meta.json"}, {"config.json", dir_ / "swap_config.json"},
                                    {"model.weights.h5", dir_ / "swap_model.weights.h5"}});
    write_text(dir_ / "swap.yml", std::string("KerasModel: swap.keras\n") + kModel);
    expect_refused(dir_ / "swap.yml", {"swap.keras:model.weights.h5", "a_branch", "has shape [6, 5], expected [6, 4]"});
}

// ---- Conv2D residual block, padding 'same' ------------------------------------------------------------

struct ConvResidual {
    std::vector<Var> c1 = {{"kernel", {3, 3, 3, 4}, grid(108, 5, 13, 6)}, {"bias", {4}, grid(4, 3, 5, 2)}};
    std::vector<Var> c2 = {{"kernel", {3, 3, 4, 3}, grid(108, 7, 11, 5)}, {"bias", {3}, grid(3, 2, 5, 2)}};
    std::vector<Var> out = {{"kernel", {3, 2}, grid(6, 5, 13, 6)}, {"bias", {2}, grid(2, 1, 5, 2)}};

    Net net() const {
        Net n;
        n.input_shape = {5, 5, 3};
        json conv = {{"kernel_size", {3, 3}}, {"strides", {1, 1}}, {"padding", "same"}, {"data_format", "channels_last"},
                     {"dilation_rate", {1, 1}}, {"groups", 1}, {"use_bias", true}};
        json conv1 = conv, conv2 = conv;
        conv1["filters"] = 4;
        conv1["activation"] = "relu";
        conv2["filters"] = 3;
        conv2["activation"] = "linear";
        n.nodes = {{"Conv2D", "c1", conv1, {"in"}, c1, {5, 5, 4}},
                   {"Conv2D", "c2", conv2, {"c1"}, c2, {5, 5, 3}},
                   {"Add", "add", json::object(), {"c2", "in"}, {}, {5, 5, 3}},
                   {"GlobalAveragePooling2D", "gap", {{"data_format", "channels_last"}, {"keepdims", false}}, {"add"}, {}, {3}},
                   {"Dense", "out", {{"units", 2}, {"activation", "linear"}, {"use_bias", true}}, {"gap"}, out, {2}}};
        return n;
    }
    json hand(const std::string& io) const {
        json layers = json::array();
        layers.push_back({{"name", "c1"}, {"class", "Conv2D"}, {"filters", 4}, {"kernel_size", 3}, {"padding", "same"},
                          {"activation", "relu"}, {"kernel", nested(c1[0].values, {3, 3, 3, 4})},
                          {"bias", numbers(c1[1].values)}});
        layers.push_back({{"name", "c2"}, {"class", "Conv2D"}, {"filters", 3}, {"kernel_size", 3}, {"padding", "same"},
                          {"kernel", nested(c2[0].values, {3, 3, 4, 3})}, {"bias", numbers(c2[1].values)}});
        layers.push_back({{"name", "add"}, {"class", "Add"}, {"inputs", {"c2", "in"}},
                          {"precision", {{"result", "ap_fixed<14,6>"}}}});
        layers.push_back({{"name", "gap"}, {"class", "GlobalAveragePooling2D"}});
        layers.push_back({{"name", "out"}, {"class", "Dense"}, {"units", 2}, {"kernel", nested(out[0].values, {3, 2})},
                          {"bias", numbers(out[1].values)}});
        return model_file(io, {5, 5, 3}, layers);
    }
};

// hls4ml's class for Add & co. is Merge: LayerType Merge sets their types.
const char* kMergeTypeConfig = "  LayerType:\n    Merge:\n      Precision:\n        result: ap_fixed<14,6>\n";

TEST_F(FunctionalImport, ConvResidualBlockSamePaddingBothIoTypes) {
    const ConvResidual c;
    inputs(75, 6);
    const fs::path par = keras2(c.net(), "conv", "io_parallel", kMergeTypeConfig);
    const json m = imported(par, "conv");
    ASSERT_TRUE(m.is_object());
    EXPECT_EQ(names_of(m), (std::vector<std::string>{"c1", "c1_relu", "c2", "add", "gap", "out"}));
    EXPECT_EQ((*layer_named(m, "add"))["inputs"], json({"c2", "in"}));
    EXPECT_EQ((*layer_named(m, "add"))["precision"]["result"], "ap_fixed<14,6>");
    const std::string p = expect_same_predictions(par, c.hand("io_parallel"), "conv", 6);
    expect_check_ii(par, 6);

    const fs::path stream = keras2(c.net(), "convs", "io_stream", kMergeTypeConfig);
    const std::string s = expect_same_predictions(stream, c.hand("io_stream"), "convs", 6);
    EXPECT_EQ(s, p);
    expect_run_equals_predict(stream, s, "convs");
}

// ---- BatchNormalization + binary tanh in a branch -----------------------------------------------------

struct BnBranch {
    std::vector<Var> d1 = {{"kernel", {6, 6}, grid(36, 5, 13, 6)}, {"bias", {6}, grid(6, 3, 5, 2)}};
    std::vector<Var> bn = {{"gamma", {6}, {1.0f, 0.5f, 2.0f, 1.5f, 0.75f, 1.25f}},
                           {"beta", {6}, {0.125f, -0.25f, 0.0f, 0.5f, -0.5f, 0.25f}},
                           {"moving_mean", {6}, {0.5f, 0.25f, -0.125f, 1.0f, 0.0f, -0.5f}},
                           {"moving_variance", {6}, {1.0f, 4.0f, 0.25f, 2.25f, 1.0f, 0.25f}}};
    std::vector<Var> x = {{"kernel", {6, 6}, grid(36, 7, 11, 5)}, {"bias", {6}, grid(6, 1, 5, 2)}};
    std::vector<Var> out = {{"kernel", {6, 2}, grid(12, 3, 7, 3)}, {"bias", {2}, grid(2, 1, 3, 1)}};

    // in -> d1 -> bn -> bt (binary_tanh) -> x ; add(x, d1) -> out. With `second_reader`, the BN's output also
    // feeds the merge (instead of d1's).
    Net net(bool second_reader) const {
        Net n;
        n.input_shape = {6};
        n.nodes = {{"Dense", "d1", {{"units", 6}, {"activation", "linear"}, {"use_bias", true}}, {"in"}, d1, {6}},
                   {"BatchNormalization", "bn", {{"axis", -1}, {"epsilon", 0.001}, {"center", true}, {"scale", true}},
                    {"d1"}, bn, {6}},
                   {"Activation", "bt", {{"activation", "binary_tanh"}}, {"bn"}, {}, {6}},
                   {"Dense", "x", {{"units", 6}, {"activation", "linear"}, {"use_bias", true}}, {"bt"}, x, {6}},
                   {"Add", "add", json::object(), {"x", second_reader ? "bn" : "d1"}, {}, {6}},
                   {"Dense", "out", {{"units", 2}, {"activation", "linear"}, {"use_bias", true}}, {"add"}, out, {2}}};
        return n;
    }
};

TEST_F(FunctionalImport, BatchNormBinaryTanhMergedWhenTheTanhIsItsOnlyReader) {
    const BnBranch b;
    inputs(6, 8);
    const fs::path cfg = keras2(b.net(false), "bn", "io_parallel");
    const json m = imported(cfg, "bn");
    ASSERT_TRUE(m.is_object());
    EXPECT_EQ(names_of(m), (std::vector<std::string>{"d1", "bnbt_bn", "x", "add", "out"}));
    EXPECT_EQ((*layer_named(m, "bnbt_bn"))["class"], "BatchNormalizationQuantizedTanh");
    EXPECT_FALSE(layer_named(m, "x")->contains("inputs"));  // reads bt's output: bnbt_bn, the previous layer
    EXPECT_EQ((*layer_named(m, "add"))["inputs"], json({"x", "d1"}));
    expect_check_ii(cfg, 8);
}

TEST_F(FunctionalImport, BatchNormWithASecondReaderBesideTheBinaryTanhIsRefused) {
    const BnBranch b;
    expect_refused(keras2(b.net(true), "bn2", "io_parallel"),
                   {"bn2.json: layer \"bn\" (class BatchNormalization)", "read by 2 layers (\"bt\", \"add\")",
                    "rewire"});
}

// ---- refused models -----------------------------------------------------------------------------------

TEST_F(FunctionalImport, SharedLayerIsRefusedByName) {
    const ResidualDense r;
    Net n = r.net();
    // d2 called twice: on d1 and on the input (two inbound nodes).
    n.inbound_override["d2"] = json::array({json::array({json::array({"d1", 0, 0, json::object()})}),
                                            json::array({json::array({"in", 0, 0, json::object()})})});
    expect_refused(keras2(n, "shared", "io_parallel"),
                   {"shared.json: layer \"d2\" (class Dense)", "shared layer", "called 2 times"});
    // Keras 3: a reader of the layer's second node (node index 1).
    Net n3 = r.net();
    n3.nodes[2].inputs = {"d2", "in"};
    json arch = keras3_architecture(n3);
    arch["config"]["layers"][3]["inbound_nodes"][0]["args"][0][0]["config"]["keras_history"] = json::array({"d2", 1, 0});
    write_text(dir_ / "shared3_config.json", arch.dump());
    write_keras3_weights(dir_ / "shared3.h5", keras3_groups(n3));
    write_text(dir_ / "meta.json", R"({"keras_version": "3.5.0"})");
    write_zip(dir_ / "shared3.keras", {{"metadata.json", dir_ / "meta.json"}, {"config.json", dir_ / "shared3_config.json"},
                                       {"model.weights.h5", dir_ / "shared3.h5"}});
    write_text(dir_ / "shared3.yml", std::string("KerasModel: shared3.keras\n") + kModel);
    expect_refused(dir_ / "shared3.yml", {"shared3.keras:config.json: layer \"add\" (class Add)", "node 1 of layer \"d2\"",
                                          "shared layer"});
}

TEST_F(FunctionalImport, ThreeInputAddIsRefusedByName) {
    const ResidualDense r;
    Net n = r.net();
    n.nodes[2].inputs = {"d2", "in", "d1"};
    expect_refused(keras2(n, "add3", "io_parallel"),
                   {"add3.json: layer \"add\" (class Add)", "merges 3 tensors (\"d2\", \"in\", \"d1\")", "exactly two"});
    // The same in Keras 3's format (one list argument of three tensors).
    expect_refused(keras3(n, "add3k3", "io_parallel"), {"add3k3.keras:config.json: layer \"add\" (class Add)",
                                                        "merges 3 tensors"});
}

TEST_F(FunctionalImport, TwoModelOutputsAreRefused) {
    const ResidualDense r;
    Net n = r.net();
    n.outputs = {"out", "d2"};
    expect_refused(keras2(n, "two_out", "io_parallel"), {"two_out.json", "2 outputs (\"out\", \"d2\")", "one output"});
    expect_refused(keras3(n, "two_out3", "io_parallel"), {"two_out3.keras:config.json", "2 outputs (\"out\", \"d2\")"});
}

TEST_F(FunctionalImport, OtherGraphErrorsAreRefusedByName) {
    const ResidualDense r;
    {  // a second output tensor of a layer
        Net n = r.net();
        n.inbound_override["out"] = json::array({json::array({json::array({"add", 0, 1, json::object()})})});
        expect_refused(keras2(n, "tensor1", "io_parallel"),
                       {"tensor1.json: layer \"out\" (class Dense)", "output tensor 1 of layer \"add\""});
    }
    {  // Add of two shapes (Keras would broadcast [8] with [1]...; here [8] and [3])
        Net n = r.net();
        n.nodes.insert(n.nodes.begin() + 2, {"Dense", "narrow", {{"units", 3}, {"activation", "linear"}, {"use_bias", true}},
                                             {"d2"}, r.out, {3}});
        n.nodes[3].inputs = {"narrow", "in"};
        expect_refused(keras2(n, "shapes", "io_parallel"),
                       {"shapes.json: layer \"add\" (class Add)", "[3] (\"narrow\") and [8] (\"in\")"});
    }
    {  // a layer read by nobody that is not the output
        Net n = r.net();
        n.nodes[3].inputs = {"d2"};  // "add" now dangles
        n.outputs = {"out"};
        expect_refused(keras2(n, "dangling", "io_parallel"),
                       {"dangling.json: layer \"add\" (class Add)", "read by no layer"});
    }
    {  // a name that is not an earlier layer
        Net n = r.net();
        n.nodes[1].inputs = {"nowhere"};
        expect_refused(keras2(n, "unknown", "io_parallel"), {"unknown.json: layer \"d2\" (class Dense)", "\"nowhere\""});
    }
}

}  // namespace
