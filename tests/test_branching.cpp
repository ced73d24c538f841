// Branching networks: merge layers (layers/arithmetic/merge.cpp), fan-out clones, the model file's "inputs", the untimed
// reference over a graph, io_parallel (longest-path latency) and io_stream (clones, merges, FIFO sizing and
// the skip-connection deadlock).
//   * every merge op against an sc_fixed oracle written here from nnet_merge.h's expressions;
//   * model-file errors name the file and the JSON path;
//   * residual blocks (a conv branch and a Dense branch) give the reference's outputs in both io types;
//   * io_parallel latency is the longest path of the cost model's latencies, not their sum;
//   * an io_stream residual block whose skip FIFO is too shallow deadlocks: the program stops with exit 3 and
//     names the clone, the merge, the full skip FIFO and the empty long-branch FIFO with the cycle; then
//     --fifo-depths auto sizes it and the run completes with the reference's outputs.
#include <chrono>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "layers/arithmetic/dense.h"
#include "layers/arithmetic/merge.h"
#include "models/model.h"
#include "layers/network.h"
#include "layers/arithmetic/reference.h"
#include "layers/arithmetic/zero_padding.h"
#include "rtl_models/cost_model.h"
#include "tests/support/numbers_in_text.h"
#include "tests/support/test_support.h"

namespace {

using nlohmann::json;
using namespace tlm4ml;
using namespace tlm4ml_test;
using sc_dt::sc_fix;
using sc_dt::sc_fxval;
using sc_dt::sc_ufix;

Precision P(const char* t) { return Precision::parse(t); }

// ------------------------------------------------------------------------------------------------
// The oracle: runtime ap_fixed types as sc_fix / sc_ufix, every value an exact sc_fxval
// ------------------------------------------------------------------------------------------------

sc_fxval exact(int64_t raw, int frac) {
    const sc_fxval v(static_cast<sc_dt::int64>(raw));
    return frac >= 0 ? (v >> frac) : (v << -frac);
}

// `T var = v;` for a runtime type, returning the raw code.
int64_t raw_of(const Precision& p, const sc_fxval& v) {
    auto bits = [&](const sc_dt::sc_fxnum& t) {
        uint64_t u = 0;
        for (int i = 0; i < p.width; ++i)
            if (t[i]) u |= uint64_t{1} << i;
        if (p.is_signed && p.width < 64 && ((u >> (p.width - 1)) & 1)) u |= ~uint64_t{0} << p.width;
        return static_cast<int64_t>(u);
    };
    if (p.is_signed) {
        sc_fix t(p.width, p.integer, sc_q(p.quant), sc_o(p.overflow), p.sat_bits);
        t = v;
        return bits(t);
    }
    sc_ufix t(p.width, p.integer, sc_q(p.quant), sc_o(p.overflow), p.sat_bits);
    t = v;
    return bits(t);
}
sc_fxval value_of(const Precision& p, int64_t raw) { return exact(raw, p.frac()); }

// nnet_merge.h, element by element, with the casts where hls4ml's C++ has them.
int64_t oracle(MergeOp op, const Precision& t1, const Precision& t2, const Precision& res, int64_t a, int64_t b) {
    const sc_fxval x = value_of(t1, a), y = value_of(t2, b);
    switch (op) {
        case MergeOp::Add: return raw_of(res, x + y);
        case MergeOp::Subtract: return raw_of(res, x - y);
        case MergeOp::Multiply: return raw_of(res, x * y);
        case MergeOp::Maximum: return raw_of(res, x > y ? x : y);
        case MergeOp::Minimum: return raw_of(res, x < y ? x : y);
        case MergeOp::Average: {
            // (in1 + in2) / (res_T)2: the divisor is 2 stored in res_T; ap_fixed's quotient is truncated toward
            // zero at the dividend's LSB (shifted by the divisor's fraction bits when it has none), which
            // sc_fixed's division does not do: the exact quotient goes through an SC_TRN_ZERO type of that LSB.
            const sc_fxval d = value_of(res, raw_of(res, sc_fxval(2)));
            const int f = std::max(t1.frac(), t2.frac());
            const int fd = res.frac();
            const int qf = f + std::max(fd, 0) - fd;
            const sc_fxval q = (x + y) / d;  // exact: d is a power of two
            const Precision trunc = Precision::fixed(60, 60 - qf, true, QuantMode::TRN_ZERO, OverflowMode::WRAP);
            return raw_of(res, value_of(trunc, raw_of(trunc, q)));
        }
        case MergeOp::Concatenate: break;
    }
    return 0;
}

std::vector<int64_t> random_codes(const Precision& p, size_t n, std::mt19937_64& rng) {
    std::uniform_int_distribution<int64_t> u(p.min_raw(), p.max_raw());
    std::vector<int64_t> v(n);
    for (auto& x : v) x = u(rng);
    return v;
}

struct TypeCase {
    const char* in1;
    const char* in2;
    const char* res;
};

TEST(MergeArithmetic, ElementwiseOpsMatchTheScFixedOracle) {
    const std::vector<TypeCase> cases = {
        {"ap_fixed<16,6>", "ap_fixed<16,6>", "ap_fixed<16,6>"},
        {"ap_fixed<12,4>", "ap_fixed<10,6>", "ap_fixed<8,3,AP_RND,AP_SAT>"},
        {"ap_ufixed<8,2>", "ap_fixed<10,3>", "ap_fixed<16,6,AP_RND_CONV,AP_SAT_SYM>"},
        {"ap_fixed<10,4>", "ap_fixed<10,4>", "ap_fixed<8,2>"},        // res_T(2) wraps to -2
        {"ap_fixed<10,4>", "ap_fixed<10,4>", "ap_fixed<6,8,AP_RND>"},  // res_T(2) rounds to 4 (LSB 4)
        {"ap_int<6>", "ap_fixed<9,3,AP_TRN,AP_SAT>", "ap_fixed<12,5,AP_RND_ZERO,AP_WRAP>"},
    };
    std::mt19937_64 rng(20240611);
    const size_t n = 500;
    for (MergeOp op : {MergeOp::Add, MergeOp::Subtract, MergeOp::Multiply, MergeOp::Average, MergeOp::Maximum,
                       MergeOp::Minimum}) {
        for (const TypeCase& tc : cases) {
            MergeConfig cfg;
            cfg.op = op;
            cfg.n_elem = n;
            cfg.input1_t = P(tc.in1);
            cfg.input2_t = (op == MergeOp::Maximum || op == MergeOp::Minimum) ? P(tc.in1) : P(tc.in2);
            cfg.result_t = P(tc.res);
            SCOPED_TRACE(std::string(merge_class_name(op)) + " " + cfg.input1_t.str() + " " + cfg.input2_t.str() +
                         " -> " + cfg.result_t.str());
            const MergeLayer layer("m", cfg);
            EXPECT_EQ(layer.class_name(), merge_class_name(op));
            std::vector<int64_t> a = random_codes(cfg.input1_t, n, rng), b = random_codes(cfg.input2_t, n, rng);
            // Some equal pairs (ties of max/min) and extremes (overflow of the result).
            for (size_t i = 0; i < 20; ++i) b[i] = cfg.input1_t == cfg.input2_t ? a[i] : b[i];
            a[20] = cfg.input1_t.max_raw();
            b[20] = cfg.input2_t.max_raw();
            a[21] = cfg.input1_t.min_raw();
            b[21] = cfg.input2_t.min_raw();
            std::vector<int64_t> in = a;
            in.insert(in.end(), b.begin(), b.end());
            const std::vector<int64_t> out = layer.compute(in);
            ASSERT_EQ(out.size(), n);
            size_t bad = 0;
            for (size_t i = 0; i < n; ++i) {
                const int64_t want = oracle(op, cfg.input1_t, cfg.input2_t, cfg.result_t, a[i], b[i]);
                if (out[i] != want && bad++ < 5)
                    ADD_FAILURE() << "element " << i << ": a=" << a[i] << " b=" << b[i] << " got " << out[i]
                                  << " want " << want;
            }
            EXPECT_EQ(bad, 0u);
        }
    }
}

TEST(MergeArithmetic, AverageDividesByResTTwoAndTruncatesTowardZero) {
    // Hand-checked cases: ap_fixed<16,6> LSB 2^-10. (-3 LSB + 0) / 2 = -1.5 LSB -> -1 LSB (toward zero; floor
    // would give -2). With res_T = ap_fixed<8,2> the constant 2 wraps to -2: (1 + 1) / -2 = -1.
    MergeConfig c;
    c.op = MergeOp::Average;
    c.n_elem = 2;
    c.input1_t = c.input2_t = c.result_t = P("ap_fixed<16,6>");
    EXPECT_EQ(MergeLayer("avg", c).compute({-3, 3, 0, 2}), (std::vector<int64_t>{-1, 2}));
    c.input1_t = c.input2_t = P("ap_fixed<10,4>");
    c.result_t = P("ap_fixed<8,2>");
    const std::vector<int64_t> one = {64, 64};  // 1.0 in ap_fixed<10,4>
    EXPECT_EQ(MergeLayer("avg", c).compute({one[0], one[1], one[0], one[1]}),
              (std::vector<int64_t>{-64, -64}));  // -1.0 in ap_fixed<8,2> (LSB 2^-6)
    c.result_t = P("ap_fixed<6,8>");  // LSB 4: res_T(2) is 0
    try {
        MergeLayer("avg0", c);
        FAIL() << "a zero divisor was accepted";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("division by zero"), std::string::npos) << e.what();
    }
}

// Concatenate: the layout of nnet_merge.h's concatenate{1,2,3}d, written here as index loops.
TEST(MergeArithmetic, ConcatenateOnEveryAxisMatchesTheIndexLoops) {
    std::mt19937_64 rng(7);
    const Precision t1 = P("ap_fixed<12,4>"), t2 = P("ap_ufixed<6,2>"), res = P("ap_fixed<8,3,AP_RND,AP_SAT>");
    const std::vector<size_t> s1 = {3, 4, 2};
    for (size_t axis = 0; axis < 3; ++axis) {
        std::vector<size_t> s2 = s1;
        s2[axis] = axis + 1;  // a different extent on the concatenation axis
        MergeConfig c;
        c.op = MergeOp::Concatenate;
        c.shape1 = s1;
        c.shape2 = s2;
        c.axis = axis;
        c.input1_t = t1;
        c.input2_t = t2;
        c.result_t = res;
        const MergeLayer layer("cat", c);
        const std::vector<int64_t> a = random_codes(t1, c.n_in1(), rng), b = random_codes(t2, c.n_in2(), rng);
        std::vector<int64_t> in = a;
        in.insert(in.end(), b.begin(), b.end());
        const std::vector<int64_t> out = layer.compute(in);
        std::vector<size_t> so = s1;
        so[axis] += s2[axis];
        ASSERT_EQ(out.size(), so[0] * so[1] * so[2]);
        EXPECT_EQ(c.out_shape(), so);
        for (size_t i = 0; i < so[0]; ++i)
            for (size_t j = 0; j < so[1]; ++j)
                for (size_t k = 0; k < so[2]; ++k) {
                    const size_t idx[3] = {i, j, k};
                    const bool first = idx[axis] < s1[axis];
                    const std::vector<size_t>& s = first ? s1 : s2;
                    size_t src[3] = {i, j, k};
                    if (!first) src[axis] -= s1[axis];
                    const size_t flat = (src[0] * s[1] + src[1]) * s[2] + src[2];
                    const int64_t want =
                        first ? raw_of(res, value_of(t1, a[flat])) : raw_of(res, value_of(t2, b[flat]));
                    ASSERT_EQ(out[(i * so[1] + j) * so[2] + k], want) << "axis " << axis << " at " << i << "," << j
                                                                      << "," << k;
                }
    }
}

// ------------------------------------------------------------------------------------------------
// Model files
// ------------------------------------------------------------------------------------------------

double w(size_t i) { return std::fmod(static_cast<double>(i) * 0.618034, 2.0) - 1.0; }

json dense(const std::string& name, size_t n_in, size_t n_out, size_t seed, const char* act = nullptr) {
    json k = json::array();
    for (size_t i = 0; i < n_in; ++i) {
        json row = json::array();
        for (size_t j = 0; j < n_out; ++j) row.push_back(w(seed + i * n_out + j) * 0.5);
        k.push_back(row);
    }
    json b = json::array();
    for (size_t j = 0; j < n_out; ++j) b.push_back(w(seed + 7777 + j) * 0.25);
    json l = {{"name", name}, {"class", "Dense"}, {"units", n_out}, {"kernel", k}, {"bias", b}};
    if (act) l["activation"] = act;
    return l;
}

json conv3x3(const std::string& name, size_t chans, size_t filters, size_t seed) {
    json k = json::array();
    size_t n = seed;
    for (int a = 0; a < 3; ++a) {
        json r = json::array();
        for (int b = 0; b < 3; ++b) {
            json c = json::array();
            for (size_t ch = 0; ch < chans; ++ch) {
                json f = json::array();
                for (size_t q = 0; q < filters; ++q) f.push_back(w(n++) * 0.4);
                c.push_back(f);
            }
            r.push_back(c);
        }
        k.push_back(r);
    }
    json b = json::array();
    for (size_t q = 0; q < filters; ++q) b.push_back(w(seed + 999 + q) * 0.1);
    return {{"name", name}, {"class", "Conv2D"}, {"filters", filters}, {"kernel_size", 3}, {"kernel", k}, {"bias", b}};
}

// A residual block with a Dense branch: 16 -> [fc1 (relu) -> fc2] + skip -> Add -> fc_out 5.
json dense_residual(const std::string& io_type) {
    return {{"name", "dense_residual"},
            {"io_type", io_type},
            {"input", {{"name", "x"}, {"shape", {16}}}},
            {"layers",
             {dense("fc1", 16, 16, 1, "relu"), dense("fc2", 16, 16, 500),
              {{"name", "add"}, {"class", "Add"}, {"inputs", {"fc2", "x"}}}, dense("fc_out", 16, 5, 900)}}};
}

// A residual block with a conv branch (as the shipped resnet_block, smaller): 6x6x2 -> pad -> conv 3x3 (2) ->
// relu + skip -> Add -> Flatten -> Dense 4.
json conv_residual(const std::string& io_type) {
    return {{"name", "conv_residual"},
            {"io_type", io_type},
            {"input", {{"name", "img"}, {"shape", {6, 6, 2}}}},
            {"layers",
             {{{"name", "pad"}, {"class", "ZeroPadding2D"}, {"padding", 1}},
              conv3x3("conv", 2, 2, 3),
              {{"name", "relu"}, {"class", "Activation"}, {"activation", "relu"}},
              {{"name", "add"}, {"class", "Add"}, {"inputs", {"relu", "img"}}},
              {{"name", "flat"}, {"class", "Flatten"}},
              dense("fc", 72, 4, 50)}}};
}

std::string load_error(const json& j) {
    try {
        load_model_json(j, "m.json", ".");
    } catch (const ModelError& e) {
        return e.what();
    }
    return "(accepted)";
}

TEST(BranchingModelFile, GraphIsResolvedByName) {
    const Model m = load_model_json(dense_residual("io_parallel"), "m.json", ".");
    // fc1, fc1_relu, fc2, add, fc_out: "add" reads fc2 and the input; fc1's consumer is its relu.
    ASSERT_EQ(m.layers.size(), 5u);
    EXPECT_EQ(m.layers[3]->class_name(), "Add");
    EXPECT_EQ(m.inputs_of(3), (std::vector<size_t>{2, Model::kModelInput}));
    EXPECT_EQ(m.inputs_of(0), (std::vector<size_t>{Model::kModelInput}));
    EXPECT_EQ(m.inputs_of(4), (std::vector<size_t>{3}));
    EXPECT_EQ(m.consumers_of(Model::kModelInput), (std::vector<std::pair<size_t, size_t>>{{0, 0}, {3, 1}}));
    EXPECT_FALSE(m.is_chain());
    EXPECT_EQ(fifo_names(m), (std::vector<std::string>{"x", "x_cpy1", "x_cpy2", "fc1", "fc1_relu", "fc2", "add",
                                                      "fc_out"}));
    // A name refers to the layer's output as Keras sees it: "fc1" is its ReLU's output.
    json j = dense_residual("io_parallel");
    j["layers"][2]["inputs"] = {"fc2", "fc1"};
    const Model m2 = load_model_json(j, "m.json", ".");
    EXPECT_EQ(m2.inputs_of(3), (std::vector<size_t>{2, 1}));
}

TEST(BranchingModelFile, BadGraphsAreRefusedByPath) {
    json j = dense_residual("io_parallel");
    j["layers"][2]["inputs"] = {"fc2", "nope"};
    std::string e = load_error(j);
    EXPECT_NE(e.find("m.json: layers[2].inputs[1]: unknown input \"nope\""), std::string::npos) << e;

    j = dense_residual("io_parallel");
    j["layers"][2]["inputs"] = {"fc2", "fc_out"};
    e = load_error(j);
    EXPECT_NE(e.find("layers[2].inputs[1]: \"fc_out\" is declared later (layers[3])"), std::string::npos) << e;

    j = dense_residual("io_parallel");
    j["layers"][2]["inputs"] = {"add", "x"};
    e = load_error(j);
    EXPECT_NE(e.find("layers[2].inputs[0]: \"add\" takes its own output"), std::string::npos) << e;

    j = dense_residual("io_parallel");
    j["layers"][2]["inputs"] = {"fc2"};
    e = load_error(j);
    EXPECT_NE(e.find("layers[2].inputs: Add takes 2 inputs, got 1"), std::string::npos) << e;

    j = dense_residual("io_parallel");
    j["layers"][2].erase("inputs");
    e = load_error(j);
    EXPECT_NE(e.find("layers[2].class: Add takes 2 inputs, got 1 (name both in \"inputs\")"), std::string::npos) << e;

    j = dense_residual("io_parallel");
    j["layers"][1]["inputs"] = {"fc1", "x"};
    e = load_error(j);
    EXPECT_NE(e.find("layers[1].inputs: Dense takes 1 input, got 2"), std::string::npos) << e;

    j = dense_residual("io_parallel");
    j["layers"][1] = dense("fc2", 16, 8, 500);  // Add of [8] and [16]
    e = load_error(j);
    EXPECT_NE(e.find("layers[2].inputs: Add needs inputs of one shape: \"fc2\" is [8], \"x\" is [16]"),
              std::string::npos)
        << e;

    j = dense_residual("io_parallel");
    j["layers"][2]["inputs"] = {"fc1", "x"};  // fc2 is never used
    e = load_error(j);
    EXPECT_NE(e.find("layers[1]: the output of \"fc2\" is never used"), std::string::npos) << e;

    j = dense_residual("io_parallel");
    j["layers"][2]["class"] = "Maximum";
    j["layers"][2]["inputs"] = {"fc2", "x"};
    j["input"]["precision"] = "ap_fixed<8,3>";
    e = load_error(j);
    EXPECT_NE(e.find("layers[2]: Maximum add: inputs of different types"), std::string::npos) << e;

    j = dense_residual("io_parallel");
    j["layers"][2]["class"] = "Concatenate";
    j["layers"][2]["axis"] = 0;
    e = load_error(j);
    EXPECT_NE(e.find("layers[2].axis: axis 0 is Keras' batch axis"), std::string::npos) << e;

    j = dense_residual("io_stream");
    j["fifo_depths"] = {{"x_cpy3", 4}};
    e = load_error(j);
    EXPECT_NE(e.find("fifo_depths.x_cpy3: no FIFO of that name"), std::string::npos) << e;
    j["fifo_depths"] = {{"x_cpy2", 0}};
    e = load_error(j);
    EXPECT_NE(e.find("fifo_depths.x_cpy2: expected an integer between 1"), std::string::npos) << e;
}

TEST(BranchingModelFile, InsertLayerKeepsTheGraph) {
    Model m = load_model_json(conv_residual("io_stream"), "m.json", ".");
    // pad, conv, relu, add(relu, img), fc: put a layer in front of "conv", which takes over pad's output.
    ASSERT_EQ(m.layers[1]->name(), "conv");
    ZeroPaddingConfig z;
    z.in_height = z.in_width = 8;
    z.n_chan = 2;
    z.data_t = m.input_precision;
    m.insert_layer(1, std::make_unique<ZeroPaddingLayer>("extra", z));
    EXPECT_EQ(m.inputs_of(1), (std::vector<size_t>{0}));
    EXPECT_EQ(m.inputs_of(2), (std::vector<size_t>{1}));
    EXPECT_EQ(m.inputs_of(4), (std::vector<size_t>{3, Model::kModelInput}));  // add: relu moved from 2 to 3
    EXPECT_EQ(m.inputs_of(5), (std::vector<size_t>{4}));
    // A list out of step with the layers is caught, not read past its end.
    m.layers.push_back(std::make_unique<ZeroPaddingLayer>("stray", z));
    EXPECT_THROW(m.inputs_of(0), std::logic_error);
}

// The reference over a graph: each layer on its producers' outputs, the merge on both, one after the other.
TEST(BranchingReference, ForwardComposesTheLayersAlongTheGraph) {
    json j = dense_residual("io_parallel");
    j["layers"][2]["class"] = "Concatenate";
    j["layers"][3] = dense("fc_out", 32, 5, 900);
    const Model m = load_model_json(j, "m.json", ".");
    std::mt19937_64 rng(3);
    for (int s = 0; s < 20; ++s) {
        const std::vector<int64_t> x = random_codes(m.input_precision, 16, rng);
        std::vector<std::vector<int64_t>> trace;
        const std::vector<int64_t> y = forward(m, x, &trace);
        const std::vector<int64_t> h1 = m.layers[1]->compute(m.layers[0]->compute(x));
        const std::vector<int64_t> h2 = m.layers[2]->compute(h1);
        std::vector<int64_t> cat = h2;
        cat.insert(cat.end(), x.begin(), x.end());  // Concatenate: fc2's 16 values, then the input's
        const std::vector<int64_t> h3 = m.layers[3]->compute(cat);
        EXPECT_EQ(trace.at(3), h3);
        EXPECT_EQ(y, m.layers[4]->compute(h3));
        EXPECT_EQ(layer_input(m, 3, x, trace), cat);
    }
}

// ------------------------------------------------------------------------------------------------
// Clocked networks through the tlm4ml program
// ------------------------------------------------------------------------------------------------

class BranchingRun : public TempDirTest {
protected:
    BranchingRun() : TempDirTest("tlm4ml_branch_") {}
    fs::path write_model(const std::string& name, const json& m) { return write_file(name, m.dump(1)); }
    fs::path write_inputs(size_t n, size_t size) {
        std::string text;
        for (size_t s = 0; s < n; ++s)
            for (size_t i = 0; i < size; ++i) text += std::to_string(w(3000 + s * size + i) * 3.0) + (i + 1 < size ? " " : "\n");
        return write_file("inputs.txt", text);
    }

    // predict's outputs and run's, which must agree; returns run's result.
    RunResult run_equals_predict(const fs::path& model, const fs::path& inputs, const std::string& extra = "") {
        const std::string in = " --inputs " + shell_quote(inputs.string());
        RunResult p = tlm4ml("predict " + shell_quote(model.string()) + in + " --outputs " +
                             shell_quote((dir_ / "predict.txt").string()));
        EXPECT_EQ(p.code, 0) << p.err;
        RunResult r = tlm4ml("run " + shell_quote(model.string()) + in + " --quiet --outputs " +
                             shell_quote((dir_ / "run.txt").string()) + extra);
        EXPECT_EQ(r.code, 0) << r.out << r.err;
        const std::string want = read_text(dir_ / "predict.txt");
        EXPECT_FALSE(want.empty());
        EXPECT_EQ(read_text(dir_ / "run.txt"), want) << model;
        return r;
    }
};

TEST_F(BranchingRun, ResidualBlocksGiveTheReferenceInBothIoTypes) {
    const fs::path in16 = write_inputs(12, 16);
    for (const char* io : {"io_parallel", "io_stream"}) {
        SCOPED_TRACE(io);
        // io_parallel also validates every layer's II in isolation (io_stream has no isolated harness yet).
        run_equals_predict(write_model(std::string("dense_") + io + ".json", dense_residual(io)), in16,
                           std::string(io) == "io_parallel" ? " --check-ii" : "");
    }
    const fs::path in72 = write_inputs(12, 72);
    for (const char* io : {"io_parallel", "io_stream"}) {
        SCOPED_TRACE(io);
        run_equals_predict(write_model(std::string("conv_") + io + ".json", conv_residual(io)), in72);
    }
    // The shipped example, and its io_parallel twin.
    const fs::path shipped = fs::path(TLM4ML_SOURCE_DIR) / "testbenches/models/resnet_block.json";
    const fs::path inputs = fs::path(TLM4ML_SOURCE_DIR) / "testbenches/models/resnet_block_inputs.dat";
    run_equals_predict(shipped, inputs);
    json pj = json::parse(read_text(shipped));
    pj["io_type"] = "io_parallel";
    run_equals_predict(write_model("resnet_parallel.json", pj), inputs, " --check-ii");
}

// Every merge class and concatenation axis in io_stream (paired and sequential reads, R 2) gives the reference.
TEST_F(BranchingRun, EveryMergeStreamsTheReference) {
    const fs::path in = write_inputs(6, 32);
    struct Case {
        const char* cls;
        int axis;  // Concatenate only
        int rf;
    };
    const std::vector<Case> cases = {{"Add", 0, 1},     {"Subtract", 0, 1},    {"Multiply", 0, 2},
                                     {"Average", 0, 2}, {"Maximum", 0, 1},     {"Minimum", 0, 3},
                                     {"Concatenate", -1, 1}, {"Concatenate", 1, 1}, {"Concatenate", 2, 1}};
    for (const Case& c : cases) {
        for (const char* io : {"io_stream", "io_parallel"}) {
            SCOPED_TRACE(std::string(c.cls) + " axis " + std::to_string(c.axis) + " " + io);
            json merge = {{"name", "merge"}, {"class", c.cls}, {"inputs", {"a", "b"}}, {"reuse_factor", c.rf}};
            if (std::string(c.cls) == "Concatenate") merge["axis"] = c.axis;
            const size_t n_out = std::string(c.cls) == "Concatenate" ? 64 : 32;
            const json m = {{"name", "merges"},
                            {"io_type", io},
                            {"input", {{"name", "x"}, {"shape", {4, 4, 2}}}},
                            {"layers",
                             {{{"name", "a"}, {"class", "Activation"}, {"activation", "relu"}},
                              {{"name", "b"}, {"class", "Activation"}, {"activation", "hard_tanh"}, {"inputs", {"x"}}},
                              merge,
                              {{"name", "flat"}, {"class", "Flatten"}},
                              dense("fc", n_out, 3, 70)}}};
            run_equals_predict(write_model("merge.json", m), in);
        }
    }
}

// io_parallel: the latency is the input register plus the longest path (fc1 -> fc1_relu -> fc2 -> add -> fc_out)
// of the cost model's layer latencies, not their sum; the skip path is delayed to meet it.
TEST_F(BranchingRun, IoParallelLatencyIsTheLongestPath) {
    json j = dense_residual("io_parallel");
    // A second branch of one Dense on the skip side, so both paths compute: add(fc2, fc_skip).
    j["layers"].insert(j["layers"].begin() + 2, dense("fc_skip", 16, 16, 1500));
    j["layers"][2]["inputs"] = {"x"};
    j["layers"][3]["inputs"] = {"fc2", "fc_skip"};
    const fs::path mp = write_model("lat.json", j);
    const Model m = load_model_json(j, "lat.json", ".");
    const DeviceProfile prof = DeviceProfile::vitis_default();
    auto lat = [&](const std::string& name) {
        for (const auto& l : m.layers)
            if (l->name() == name) return layer_cost(l->cost_inputs(), prof, 5.0).latency;
        ADD_FAILURE() << name;
        return 0;
    };
    const int long_path = lat("fc1") + lat("fc1_relu") + lat("fc2") + lat("add") + lat("fc_out");
    const int short_path = lat("fc_skip") + lat("add") + lat("fc_out");
    int all = 0;
    for (const auto& l : m.layers) all += layer_cost(l->cost_inputs(), prof, 5.0).latency;
    ASSERT_GT(long_path, short_path);
    ASSERT_GT(all, long_path);  // the sum would be wrong
    const int expected = prof.input_register_cycles + long_path + prof.output_register_cycles;
    Network net("net_latency", m, prof);
    EXPECT_EQ(net.expected_latency(), expected);
    EXPECT_EQ(net.clones().size(), 1u);
    EXPECT_EQ(net.clones()[0]->clone_name(), "clone_x");

    const fs::path rep = dir_ / "report.json";
    const RunResult r = tlm4ml("run " + shell_quote(mp.string()) + " --inputs " + shell_quote(write_inputs(20, 16).string()) +
                               " --check-ii --report " + shell_quote(rep.string()));
    ASSERT_EQ(r.code, 0) << r.out << r.err;
    const json rj = json::parse(read_text(rep));
    EXPECT_EQ(rj["latency"]["expected_cycles"], expected);
    EXPECT_EQ(rj["latency"]["first_output_cycles"], expected);
    EXPECT_EQ(rj["latency"]["max_cycles"], expected);  // inputs every cycle, II 1: no stall anywhere
    EXPECT_EQ(rj["ii"]["steady_state"], 1.0);
    EXPECT_EQ(rj["checks"]["reference_mismatches"], 0);
}

// The skip-connection deadlock: the input is cloned to the conv branch and to the Add; a skip FIFO shallower
// than what the long branch holds back fills, the clone blocks on it, the conv branch starves, and the Add waits
// on it for ever. The program stops (exit 3) and says who waits on which FIFO at which cycle.
TEST_F(BranchingRun, ShallowSkipFifoDeadlocksAndAutoSizingFixesIt) {
    const fs::path shipped = fs::path(TLM4ML_SOURCE_DIR) / "testbenches/models/resnet_block.json";
    const fs::path inputs = fs::path(TLM4ML_SOURCE_DIR) / "testbenches/models/resnet_block_inputs.dat";
    json j = json::parse(read_text(shipped));
    j["fifo_depths"] = {{"input_1_cpy2", 4}};
    const fs::path model = write_model("deadlock.json", j);
    const std::string in = " --inputs " + shell_quote(inputs.string());
    const auto t0 = std::chrono::steady_clock::now();
    RunResult r = tlm4ml("run " + shell_quote(model.string()) + in + " --quiet --outputs " +
                         shell_quote((dir_ / "dead.txt").string()) + " --report " + shell_quote((dir_ / "r.json").string()));
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_EQ(r.code, 3) << r.out << r.err;
    EXPECT_LT(seconds, 60.0);
    const std::string& e = r.err;
    const std::string cycle = digits_between(e, "error: deadlock: nothing can move at cycle ", ":");
    ASSERT_FALSE(cycle.empty()) << e;
    EXPECT_GT(std::stoul(cycle), 4u);
    EXPECT_NE(e.find("clone_input_1 waits on full output FIFO input_1_cpy2;"), std::string::npos) << e;
    EXPECT_NE(e.find("add waits on empty input FIFO conv2_out;"), std::string::npos) << e;
    EXPECT_NE(e.find("input_1_cpy2 4/4 full"), std::string::npos) << e;
    EXPECT_NE(e.find("add [in conv2_out 0/64 empty, input_1_cpy2 4/4 full"), std::string::npos) << e;
    EXPECT_NE(e.find("conv2_out 0/64 empty"), std::string::npos) << e;
    const json rj = json::parse(read_text(dir_ / "r.json"));
    EXPECT_TRUE(rj["checks"]["deadlock"].get<bool>());
    EXPECT_EQ(rj["received"], 0);

    // One slot more than the conv branch holds back at one image per 100 cycles is enough, one less is not.
    for (int depth : {18, 19}) {
        j["fifo_depths"] = {{"input_1_cpy2", depth}};
        r = tlm4ml("run " + shell_quote(write_model("d.json", j).string()) + in + " --quiet --rate 100");
        EXPECT_EQ(r.code, depth == 18 ? 3 : 0) << depth << r.err;
    }

    // --fifo-depths auto on the deadlocking model: unbounded FIFOs, depths written (the clone's outputs
    // included), the re-run with them completes unchanged and matches the reference.
    const fs::path depths = dir_ / "depths.json";
    j["fifo_depths"] = {{"input_1_cpy2", 4}};
    write_model("deadlock.json", j);
    r = run_equals_predict(model, inputs, " --fifo-depths auto --fifo-depths-out " + shell_quote(depths.string()));
    EXPECT_NE(r.out.find("re-run with them: latency, II and total cycles unchanged"), std::string::npos) << r.out;
    const json d = json::parse(read_text(depths));
    ASSERT_TRUE(d.contains("input_1_cpy1") && d.contains("input_1_cpy2")) << d.dump();
    EXPECT_GE(d["input_1_cpy2"].get<int>(), 19);
    // A depths file naming a FIFO the model does not have is refused by file and name.
    write_text(dir_ / "typo.json", "{\"input_1_cpy3\": 8}");
    r = tlm4ml("run " + shell_quote(model.string()) + in + " --quiet --fifo-depths " +
               shell_quote((dir_ / "typo.json").string()));
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_NE(r.err.find("typo.json: input_1_cpy3: no FIFO of that name"), std::string::npos) << r.err;
    // The written depths, applied as a file, run to completion.
    r = tlm4ml("run " + shell_quote(model.string()) + in + " --quiet --fifo-depths " + shell_quote(depths.string()));
    EXPECT_EQ(r.code, 0) << r.err;
}

// io_stream --check-ii on a branching model: no crash; layers the network never fed back-to-back are named.
// The waveform groups the clone with its two output FIFOs.
TEST_F(BranchingRun, StreamCheckIiAndWaveformsCoverClonesAndMerges) {
    const fs::path model = write_model("conv.json", conv_residual("io_stream"));
    const fs::path vcd = dir_ / "b.vcd";
    const RunResult r = tlm4ml("run " + shell_quote(model.string()) + " --inputs " +
                               shell_quote(write_inputs(4, 72).string()) + " --quiet --check-ii --trace-elements 1 --vcd " +
                               shell_quote(vcd.string()));
    ASSERT_EQ(r.code, 0) << r.out << r.err;  // merges and clones have isolated benches too
    EXPECT_NE(r.out.find("check-ii     all 6 layers"), std::string::npos) << r.out;  // 5 layers and clone_img
    EXPECT_NE(r.out.find("0 of 4 outputs differ"), std::string::npos) << r.out;
    const std::string gtkw = read_text(dir_ / "b.gtkw");
    EXPECT_NE(gtkw.find("-clone_img"), std::string::npos) << gtkw;
    for (const char* fifo : {"img_cpy1", "img_cpy2", "add_out"})
        EXPECT_NE(gtkw.find(std::string("tlm4ml.") + fifo + ".valid tlm4ml." + fifo + ".ready"), std::string::npos) << fifo;
}

}  // namespace
