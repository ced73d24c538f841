// io_stream convolutions with 'same' padding (models/passes/conv_same_pad.h): as hls4ml's
// insert_zero_padding_before_conv1d/2d passes do, a ZeroPadding1D/2D named zp1d_<conv> / zp2d_<conv> goes in
// front of every padded conv and the conv runs 'valid' on the padded image. Small JSON models with padded
// Conv2D (asymmetric padding from strides, a 4x4 kernel) and Conv1D layers run through the tlm4ml program in
// io_stream and io_parallel and through `predict`; all three equal an exact reference computed here (values
// chosen so that no cast loses a bit); in a branching model each padding layer takes over its conv's input.
// The inserted layers are in the report with the conv's input type;
// pooling with padding and padded 1xk Conv2D layers (which hls4ml's io_stream cannot build) are refused by
// name. With ../shared, two of hls4ml's example Keras models with 'same' convs give the same outputs in both io
// types (skipped with a message when it is absent).
#include <unistd.h>

#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "layers/arithmetic/conv.h"
#include "models/model.h"
#include "layers/arithmetic/zero_padding.h"
#include "tests/support/test_support.h"

namespace {

using nlohmann::json;
using namespace tlm4ml;
using namespace tlm4ml_test;

// Deterministic multiples of 1/8 in [-lim, lim).
double eighths(size_t i, double lim) {
    const long steps = static_cast<long>(2 * lim * 8);
    return static_cast<double>(static_cast<long>((i * 2654435761u) % static_cast<size_t>(steps))) / 8.0 - lim;
}

// A channels-last tensor and a conv as the test computes it: exact doubles (every value here is a short dyadic
// fraction, and the model's types are wide enough that no cast changes it).
struct Tensor3 {
    size_t h = 1, w = 0, c = 0;
    std::vector<double> v;
    double at(long y, long x, size_t ch) const {  // zero outside: Keras' 'same' padding
        if (y < 0 || x < 0 || y >= static_cast<long>(h) || x >= static_cast<long>(w)) return 0.0;
        return v[(static_cast<size_t>(y) * w + static_cast<size_t>(x)) * c + ch];
    }
};

struct ConvSpec {
    std::string name;
    bool one_d = false;
    size_t kh = 1, kw = 0, sh = 1, sw = 1, filters = 0;
    std::vector<double> kernel;  // [kh][kw][c][f]
    std::vector<double> bias;
};

// Keras 'same': out = ceil(in / s), total padding max((out-1)s + k - in, 0), floor(total/2) before.
size_t same_out(size_t in, size_t s) { return (in + s - 1) / s; }
long same_pad_before(size_t in, size_t k, size_t s) {
    const long total = std::max<long>(static_cast<long>((same_out(in, s) - 1) * s + k) - static_cast<long>(in), 0);
    return total / 2;
}

Tensor3 conv_same(const Tensor3& in, const ConvSpec& k) {
    Tensor3 out;
    out.h = k.one_d ? 1 : same_out(in.h, k.sh);
    out.w = same_out(in.w, k.sw);
    out.c = k.filters;
    const long pt = k.one_d ? 0 : same_pad_before(in.h, k.kh, k.sh), pl = same_pad_before(in.w, k.kw, k.sw);
    for (size_t oy = 0; oy < out.h; ++oy)
        for (size_t ox = 0; ox < out.w; ++ox)
            for (size_t f = 0; f < k.filters; ++f) {
                double acc = k.bias[f];
                for (size_t a = 0; a < k.kh; ++a)
                    for (size_t b = 0; b < k.kw; ++b)
                        for (size_t ch = 0; ch < in.c; ++ch)
                            acc += in.at(static_cast<long>(oy * k.sh + a) - pt, static_cast<long>(ox * k.sw + b) - pl, ch) *
                                   k.kernel[((a * k.kw + b) * in.c + ch) * k.filters + f];
                out.v.push_back(acc);
            }
    return out;
}

ConvSpec make_conv(const std::string& name, bool one_d, size_t kh, size_t kw, size_t sh, size_t sw, size_t n_chan,
                   size_t filters, size_t seed) {
    ConvSpec k{name, one_d, kh, kw, sh, sw, filters, {}, {}};
    for (size_t i = 0; i < kh * kw * n_chan * filters; ++i) k.kernel.push_back(eighths(seed + i, 0.5));
    for (size_t f = 0; f < filters; ++f) k.bias.push_back(eighths(seed + 1000 + f, 1.0));
    return k;
}

json conv_json(const ConvSpec& k, size_t n_chan) {
    json kernel = json::array();  // nested [kh][kw][c][f] (1-D: [kw][c][f])
    auto block = [&](size_t a) {
        json kwa = json::array();
        for (size_t b = 0; b < k.kw; ++b) {
            json cc = json::array();
            for (size_t ch = 0; ch < n_chan; ++ch) {
                json ff = json::array();
                for (size_t f = 0; f < k.filters; ++f) ff.push_back(k.kernel[((a * k.kw + b) * n_chan + ch) * k.filters + f]);
                cc.push_back(ff);
            }
            kwa.push_back(cc);
        }
        return kwa;
    };
    if (k.one_d) kernel = block(0);
    else
        for (size_t a = 0; a < k.kh; ++a) kernel.push_back(block(a));
    json l = {{"name", k.name},     {"class", k.one_d ? "Conv1D" : "Conv2D"}, {"filters", k.filters},
              {"padding", "same"},  {"kernel", kernel},                    {"bias", k.bias}};
    l["kernel_size"] = k.one_d ? json(k.kw) : json::array({k.kh, k.kw});
    l["strides"] = k.one_d ? json(k.sw) : json::array({k.sh, k.sw});
    return l;
}

// Two padded convs: the first with strides (asymmetric padding), the second with an even kernel (pad_before 1,
// pad_after 2). Inputs ap_fixed<16,6> in eighths; weights, accumulators and results ap_fixed<32,12>.
struct Case {
    std::string name;
    std::vector<size_t> input_shape;
    std::vector<ConvSpec> convs;
    std::string pad_prefix;
};

Case conv2d_case() {
    return {"same2d", {7, 8, 2},
            {make_conv("conv_a", false, 3, 3, 2, 2, 2, 3, 11), make_conv("conv_b", false, 4, 4, 1, 1, 3, 2, 97)},
            "zp2d_"};
}

Case conv1d_case() {
    return {"same1d", {9, 3}, {make_conv("conv_a", true, 1, 4, 1, 2, 3, 2, 5), make_conv("conv_b", true, 1, 3, 1, 1, 2, 2, 71)},
            "zp1d_"};
}

json model_json(const Case& c, const std::string& io_type) {
    json layers = json::array();
    size_t n_chan = c.input_shape.back();
    for (const ConvSpec& k : c.convs) {
        layers.push_back(conv_json(k, n_chan));
        n_chan = k.filters;
    }
    layers.push_back({{"name", "flat"}, {"class", "Flatten"}});
    return {{"name", c.name},
            {"io_type", io_type},
            {"default_precision", "ap_fixed<32,12>"},
            {"input", {{"shape", c.input_shape}, {"precision", "ap_fixed<16,6>"}}},
            {"layers", layers}};
}

size_t input_size(const Case& c) {
    size_t n = 1;
    for (size_t d : c.input_shape) n *= d;
    return n;
}

std::vector<std::vector<double>> samples(const Case& c, size_t count) {
    std::vector<std::vector<double>> s(count);
    for (size_t i = 0; i < count; ++i)
        for (size_t j = 0; j < input_size(c); ++j) s[i].push_back(eighths(7919 * i + j, 2.0));
    return s;
}

std::vector<double> reference(const Case& c, const std::vector<double>& x) {
    Tensor3 t;
    t.h = c.input_shape.size() == 3 ? c.input_shape[0] : 1;
    t.w = c.input_shape[c.input_shape.size() - 2];
    t.c = c.input_shape.back();
    t.v = x;
    for (const ConvSpec& k : c.convs) t = conv_same(t, k);
    return t.v;
}


class StreamSamePadding : public TempDirTest {
protected:
    StreamSamePadding() : TempDirTest("tlm4ml_same_") {}

    fs::path write_model(const std::string& file, const json& m) {
        const fs::path p = dir_ / file;
        write_text(p, m.dump(1));
        return p;
    }

    // io_stream, io_parallel and predict on the same inputs; all equal the exact reference; the io_stream
    // report lists the padding layers in front of the convs.
    void check_case(const Case& c) {
        const auto xs = samples(c, 6);
        std::string text;
        for (const auto& x : xs) {
            for (size_t j = 0; j < x.size(); ++j) text += (j ? " " : "") + std::to_string(x[j]);
            text += "\n";
        }
        const fs::path in = dir_ / "inputs.txt";
        write_text(in, text);
        const fs::path ms = write_model("stream.json", model_json(c, "io_stream"));
        const fs::path mp = write_model("parallel.json", model_json(c, "io_parallel"));
        const std::string ins = " --inputs " + shell_quote(in.string());
        RunResult r = tlm4ml("run " + shell_quote(ms.string()) + ins + " --outputs " +
                             shell_quote((dir_ / "stream.txt").string()) + " --report " +
                             shell_quote((dir_ / "stream_report.json").string()));
        ASSERT_EQ(r.code, 0) << r.out << r.err;
        for (const ConvSpec& k : c.convs) EXPECT_NE(r.out.find(c.pad_prefix + k.name), std::string::npos) << r.out;
        r = tlm4ml("run " + shell_quote(mp.string()) + ins + " --quiet --outputs " +
                   shell_quote((dir_ / "parallel.txt").string()) + " --report " +
                   shell_quote((dir_ / "parallel_report.json").string()));
        ASSERT_EQ(r.code, 0) << r.out << r.err;
        r = tlm4ml("predict " + shell_quote(ms.string()) + ins + " --outputs " +
                   shell_quote((dir_ / "predict.txt").string()));
        ASSERT_EQ(r.code, 0) << r.out << r.err;

        const std::string stream = read_text(dir_ / "stream.txt");
        EXPECT_EQ(stream, read_text(dir_ / "parallel.txt"));
        EXPECT_EQ(stream, read_text(dir_ / "predict.txt"));
        const auto rows = parse_rows(stream);
        ASSERT_EQ(rows.size(), xs.size());
        size_t nonzero = 0;
        for (size_t s = 0; s < xs.size(); ++s) {
            const std::vector<double> want = reference(c, xs[s]);
            ASSERT_EQ(rows[s].size(), want.size()) << "sample " << s;
            for (size_t i = 0; i < want.size(); ++i) {
                EXPECT_EQ(rows[s][i], want[i]) << "sample " << s << " output " << i;
                nonzero += want[i] != 0.0;
            }
        }
        EXPECT_GT(nonzero, rows.size() * rows[0].size() / 2);  // the reference is not trivially zero

        // Layer order in the reports: io_stream has the padding layers, io_parallel does not.
        auto names = [](const json& rep) {
            std::vector<std::string> n;
            for (const auto& l : rep["layers"]) n.push_back(l["name"].get<std::string>());
            return n;
        };
        std::vector<std::string> want_stream, want_parallel;
        for (const ConvSpec& k : c.convs) {
            want_stream.insert(want_stream.end(), {c.pad_prefix + k.name, k.name});
            want_parallel.push_back(k.name);
        }
        EXPECT_EQ(names(json::parse(read_text(dir_ / "stream_report.json"))), want_stream);
        EXPECT_EQ(names(json::parse(read_text(dir_ / "parallel_report.json"))), want_parallel);
    }

};

TEST_F(StreamSamePadding, Conv2DStreamEqualsParallelPredictAndReference) { check_case(conv2d_case()); }

TEST_F(StreamSamePadding, Conv1DStreamEqualsParallelPredictAndReference) { check_case(conv1d_case()); }

TEST(StreamSamePaddingModel, InsertedLayersTakeTheConvInputAndItsType) {
    const Case c = conv2d_case();
    json mj = model_json(c, "io_stream");
    mj["layers"][0]["precision"] = {{"result", "ap_fixed<20,8>"}};  // conv_b's input type
    const Model m = load_model_json(mj, "same2d.json", ".");
    ASSERT_EQ(m.layers.size(), 4u);  // Flatten builds no layer
    const auto* zp_a = dynamic_cast<const ZeroPaddingLayer*>(m.layers[0].get());
    const auto* conv_a = dynamic_cast<const ConvLayer*>(m.layers[1].get());
    const auto* zp_b = dynamic_cast<const ZeroPaddingLayer*>(m.layers[2].get());
    const auto* conv_b = dynamic_cast<const ConvLayer*>(m.layers[3].get());
    ASSERT_TRUE(zp_a && conv_a && zp_b && conv_b);
    EXPECT_EQ(zp_a->name(), "zp2d_conv_a");
    EXPECT_EQ(conv_a->name(), "conv_a");
    EXPECT_EQ(zp_b->name(), "zp2d_conv_b");
    EXPECT_EQ(conv_b->name(), "conv_b");
    // 7x8 with a 3x3 kernel and strides 2: out 4x4, padding rows 1/1, columns 0/1.
    const ZeroPaddingConfig& za = zp_a->config();
    EXPECT_EQ((std::vector<size_t>{za.in_height, za.in_width, za.n_chan}), (std::vector<size_t>{7, 8, 2}));
    EXPECT_EQ((std::vector<size_t>{za.pad_top, za.pad_bottom, za.pad_left, za.pad_right}),
              (std::vector<size_t>{1, 1, 0, 1}));
    EXPECT_EQ(zp_a->input_precision().str(), "ap_fixed<16,6>");
    EXPECT_EQ(zp_a->output_precision().str(), "ap_fixed<16,6>");
    const ConvConfig& ca = conv_a->config();
    EXPECT_EQ((std::vector<size_t>{ca.in_height, ca.in_width, ca.pad_top, ca.pad_bottom, ca.pad_left, ca.pad_right}),
              (std::vector<size_t>{9, 9, 0, 0, 0, 0}));
    EXPECT_EQ(ca.out_height(), 4u);
    EXPECT_EQ(ca.out_width(), 4u);
    EXPECT_EQ(conv_a->input_precision().str(), "ap_fixed<16,6>");
    // 4x4 with a 4x4 kernel: total 3, one before and two after; the padding carries conv_a's result type.
    const ZeroPaddingConfig& zb = zp_b->config();
    EXPECT_EQ((std::vector<size_t>{zb.pad_top, zb.pad_bottom, zb.pad_left, zb.pad_right}),
              (std::vector<size_t>{1, 2, 1, 2}));
    EXPECT_EQ(zp_b->output_precision().str(), "ap_fixed<20,8>");
    EXPECT_EQ(conv_b->input_precision().str(), "ap_fixed<20,8>");
    EXPECT_EQ(conv_b->n_in(), 7u * 7u * 3u);
    EXPECT_EQ(m.output_size(), 4u * 4u * 2u);

    // io_parallel keeps the padding inside the convs.
    const Model p = load_model_json(model_json(c, "io_parallel"), "same2d.json", ".");
    ASSERT_EQ(p.layers.size(), 2u);
    EXPECT_EQ(p.layers[0]->name(), "conv_a");
    EXPECT_EQ(dynamic_cast<const ConvLayer&>(*p.layers[0]).config().pad_bottom, 1u);
}

TEST(StreamSamePaddingModel, ValidConvsAndUnpaddedSamePoolingAreUntouched) {
    // A 'valid' conv (8x8 -> 6x6) and a 'same' pooling with nothing to pad (6 / 3 exactly): nothing inserted.
    json k = json::array();  // [3][3][1][1]
    for (int a = 0; a < 3; ++a) {
        json row = json::array();
        for (int b = 0; b < 3; ++b) row.push_back(json::array({json::array({0.25 * (a - b)})}));
        k.push_back(row);
    }
    const json m = {{"io_type", "io_stream"},
                    {"input", {{"shape", {8, 8, 1}}}},
                    {"layers",
                     {{{"name", "conv"}, {"class", "Conv2D"}, {"filters", 1}, {"kernel_size", 3}, {"kernel", k},
                       {"bias", {0.0}}},
                      {{"name", "pool"}, {"class", "MaxPooling2D"}, {"pool_size", 3}, {"padding", "same"}}}}};
    const Model model = load_model_json(m, "valid.json", ".");
    ASSERT_EQ(model.layers.size(), 2u);
    EXPECT_EQ(model.layers[0]->name(), "conv");
    EXPECT_EQ(model.layers[1]->name(), "pool");
}

TEST_F(StreamSamePadding, PaddingHls4mlCannotStreamIsRefusedByName) {
    json pool = {{"io_type", "io_stream"},
                 {"input", {{"shape", {5, 5, 2}}}},
                 {"layers", {{{"name", "pool1"}, {"class", "MaxPooling2D"}, {"pool_size", 2}, {"padding", "same"}}}}};
    const fs::path mp = write_model("pool.json", pool);
    RunResult r = tlm4ml("run " + shell_quote(mp.string()) + " --samples 2 --quiet --outputs " +
                         shell_quote((dir_ / "o.txt").string()));
    EXPECT_EQ(r.code, 1) << r.out << r.err;
    EXPECT_NE(r.err.find("pool.json: layer \"pool1\" (MaxPooling2D)"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("io_stream"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir_ / "o.txt"));
    pool["io_type"] = "io_parallel";  // io_parallel pads inside the pooling layer
    write_model("pool.json", pool);
    r = tlm4ml("run " + shell_quote(mp.string()) + " --samples 2 --quiet --outputs " + shell_quote((dir_ / "o.txt").string()));
    EXPECT_EQ(r.code, 0) << r.err;

    // A 1x3 'same' Conv2D: hls4ml's pass skips kernels with a side of 1.
    Case c = conv2d_case();
    c.convs = {make_conv("row_conv", false, 1, 3, 1, 1, 2, 2, 3)};
    const fs::path mc = write_model("row.json", model_json(c, "io_stream"));
    r = tlm4ml("run " + shell_quote(mc.string()) + " --samples 2 --quiet --outputs " +
               shell_quote((dir_ / "o2.txt").string()));
    EXPECT_EQ(r.code, 1) << r.out << r.err;
    EXPECT_NE(r.err.find("layer \"row_conv\" (Conv2D)"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("1x3 kernel"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir_ / "o2.txt"));

    // A layer already called like the padding layer would be.
    json taken = model_json(conv2d_case(), "io_stream");
    taken["layers"].insert(taken["layers"].begin(), json{{"name", "zp2d_conv_a"}, {"class", "Activation"}, {"activation", "relu"}});
    try {
        load_model_json(taken, "taken.json", ".");
        FAIL() << "name clash accepted";
    } catch (const ModelError& e) {
        EXPECT_NE(std::string(e.what()).find("\"zp2d_conv_a\""), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("layer \"conv_a\""), std::string::npos) << e.what();
    }
}

// hls4ml's io_stream 2-D pooling (nnet_pooling_stream.h pooling2d_cl, vitis/ and vivado/) asserts pool size ==
// stride: such a layer is refused by name (file, layer, both fields); the 1-D line buffer steps by its stride
// (compute_pool_buffer_1d's sX counter) and io_parallel takes any stride, so both stay accepted.
TEST_F(StreamSamePadding, Pooling2DWithPoolOtherThanStrideIsRefusedInIoStream) {
    json pool = {{"io_type", "io_stream"},
                 {"input", {{"shape", {6, 6, 2}}}},
                 {"layers", {{{"name", "pool1"}, {"class", "MaxPooling2D"}, {"pool_size", 3}, {"strides", {3, 2}}}}}};
    const fs::path mp = write_model("pool.json", pool);
    RunResult r = tlm4ml("run " + shell_quote(mp.string()) + " --samples 2 --quiet --outputs " +
                         shell_quote((dir_ / "o.txt").string()));
    EXPECT_EQ(r.code, 1) << r.out << r.err;
    EXPECT_NE(r.err.find(mp.string() + ": layer \"pool1\" (MaxPooling2D): pool_size (3, 3) differs from strides (3, 2) "
                         "in io_stream"),
              std::string::npos)
        << r.err;
    EXPECT_FALSE(fs::exists(dir_ / "o.txt"));
    pool["layers"][0]["strides"] = 3;  // equal: accepted
    write_model("pool.json", pool);
    r = tlm4ml("run " + shell_quote(mp.string()) + " --samples 2 --quiet");
    EXPECT_EQ(r.code, 0) << r.err;
    pool["layers"][0]["strides"] = {3, 2};
    pool["io_type"] = "io_parallel";
    write_model("pool.json", pool);
    r = tlm4ml("run " + shell_quote(mp.string()) + " --samples 2 --quiet");
    EXPECT_EQ(r.code, 0) << r.err;
    json pool1d = {{"io_type", "io_stream"},
                   {"input", {{"shape", {9, 2}}}},
                   {"layers", {{{"name", "p"}, {"class", "MaxPooling1D"}, {"pool_size", 3}, {"strides", 2}}}}};
    const fs::path m1 = write_model("pool1d.json", pool1d);
    r = tlm4ml("run " + shell_quote(m1.string()) + " --samples 2 --quiet");
    EXPECT_EQ(r.code, 0) << r.err;
}

// Two padded convs reading the model input and an Add of theirs: each padding layer takes over its conv's
// input (the model input, fanned out), the conv reads the padding, the Add still reads the two convs; the
// model's "fifo_depths" may name the inserted layer's FIFO. io_stream equals io_parallel and predict.
TEST_F(StreamSamePadding, BranchesKeepTheirInputs) {
    const ConvSpec k1 = make_conv("c1", false, 3, 3, 1, 1, 2, 2, 1), k2 = make_conv("c2", false, 3, 3, 1, 1, 2, 2, 9);
    auto model = [&](const std::string& io) {
        json c2 = conv_json(k2, 2);
        c2["inputs"] = {"x"};
        json m = {{"io_type", io},
                  {"default_precision", "ap_fixed<32,12>"},
                  {"input", {{"name", "x"}, {"shape", {6, 5, 2}}, {"precision", "ap_fixed<16,6>"}}},
                  {"layers",
                   {conv_json(k1, 2), c2, {{"name", "add"}, {"class", "Add"}, {"inputs", {"c1", "c2"}}},
                    {{"name", "flat"}, {"class", "Flatten"}}}}};
        if (io == "io_stream") m["fifo_depths"] = {{"zp2d_c2", 7}};
        return m;
    };
    const Model m = load_model_json(model("io_stream"), "branches.json", ".");
    std::vector<std::string> names;
    for (const auto& l : m.layers) names.push_back(l->name());
    ASSERT_EQ(names, (std::vector<std::string>{"zp2d_c1", "c1", "zp2d_c2", "c2", "add"}));
    EXPECT_EQ(m.inputs_of(0), (std::vector<size_t>{Model::kModelInput}));
    EXPECT_EQ(m.inputs_of(1), (std::vector<size_t>{0}));
    EXPECT_EQ(m.inputs_of(2), (std::vector<size_t>{Model::kModelInput}));
    EXPECT_EQ(m.inputs_of(3), (std::vector<size_t>{2}));
    EXPECT_EQ(m.inputs_of(4), (std::vector<size_t>{1, 3}));
    EXPECT_EQ(m.fifo_depths.at("zp2d_c2"), 7u);

    std::string text;
    for (size_t s = 0; s < 5; ++s)
        for (size_t i = 0; i < 60; ++i) text += std::to_string(eighths(31 * s + i, 2.0)) + (i + 1 < 60 ? " " : "\n");
    write_text(dir_ / "in.txt", text);
    const std::string in = " --inputs " + shell_quote((dir_ / "in.txt").string());
    std::string out[3];
    int n = 0;
    for (const char* io : {"io_stream", "io_parallel"}) {
        const fs::path p = write_model(std::string(io) + ".json", model(io));
        const RunResult r = tlm4ml("run " + shell_quote(p.string()) + in + " --quiet --outputs " +
                                   shell_quote((dir_ / "o.txt").string()));
        ASSERT_EQ(r.code, 0) << r.out << r.err;
        out[n++] = read_text(dir_ / "o.txt");
    }
    const RunResult r = tlm4ml("predict " + shell_quote((dir_ / "io_stream.json").string()) + in + " --outputs " +
                               shell_quote((dir_ / "o.txt").string()));
    ASSERT_EQ(r.code, 0) << r.err;
    out[2] = read_text(dir_ / "o.txt");
    EXPECT_EQ(parse_rows(out[0]).size(), 5u);
    EXPECT_EQ(out[0], out[1]);
    EXPECT_EQ(out[0], out[2]);
    // The sum of the two exact 'same' convolutions.
    Tensor3 x;
    x.h = 6, x.w = 5, x.c = 2;
    for (size_t i = 0; i < 60; ++i) x.v.push_back(eighths(i, 2.0));  // sample 0
    const Tensor3 a = conv_same(x, k1), b = conv_same(x, k2);
    const auto rows = parse_rows(out[0]);
    ASSERT_EQ(rows[0].size(), a.v.size());
    for (size_t i = 0; i < a.v.size(); ++i) EXPECT_EQ(rows[0][i], a.v[i] + b.v[i]) << i;
}

// hls4ml's example Keras models with 'same' convs (Conv1D x3; Conv2D with strides 3 and 2): io_stream, with
// the inserted layers, gives io_parallel's outputs.
TEST_F(StreamSamePadding, Hls4mlExampleModelsStreamLikeParallel) {
    const fs::path keras = fs::path(TLM4ML_SHARED_DIR) / "data" / "example-models" / "keras";
    if (!fs::is_directory(keras)) GTEST_SKIP() << "needs " << keras.string() << " (hls4ml's example Keras models); absent";
    for (const auto& [model, first_conv] : std::vector<std::pair<std::string, std::string>>{
             {"KERAS_conv1d_small", "zp1d_conv1_relu"}, {"jetTagger_Conv2D_Small", "zp2d_cnn2D_1_relu"}}) {
        SCOPED_TRACE(model);
        std::string out[2];
        int k = 0;
        for (const char* io : {"io_stream", "io_parallel"}) {
            const fs::path cfg = dir_ / (model + "_" + io + ".yml");
            write_text(cfg, "KerasJson: " + (keras / (model + ".json")).string() + "\nKerasH5: " +
                                (keras / (model + "_weights.h5")).string() + "\nIOType: " + io +
                                "\nHLSConfig:\n  Model:\n    Precision: ap_fixed<16,6>\n    ReuseFactor: 1\n");
            const fs::path o = dir_ / (model + "_" + io + ".txt");
            const RunResult r = tlm4ml("run " + shell_quote(cfg.string()) + " --samples 8 --outputs " + shell_quote(o.string()));
            ASSERT_EQ(r.code, 0) << r.out << r.err;
            EXPECT_EQ(r.out.find(first_conv) != std::string::npos, std::string(io) == "io_stream") << r.out;
            EXPECT_NE(r.out.find("0 of 8 outputs differ from the untimed reference"), std::string::npos) << r.out;
            out[k++] = read_text(o);
        }
        EXPECT_FALSE(out[0].empty());
        EXPECT_EQ(out[0], out[1]);
    }
}

}  // namespace
