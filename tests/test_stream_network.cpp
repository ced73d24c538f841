// io_stream networks (layers/modules/stream_*_module, Network::build_stream): a small conv model
//   8x8x1 -> ZeroPadding2D(1) -> Conv2D 3x3, 2 filters -> ReLU -> MaxPooling2D 2x2 -> Flatten -> Dense 10 -> Softmax
// written as a JSON model in both io types (and with types too wide for the int32 line buffers). Through the tlm4ml
// program: io_stream outputs equal the io_parallel ones and `predict`'s, the conv's measured per-pixel II and latency
// are the cost model's, and every FIFO reports a max occupancy within its depth. By hand (parts ticked without
// sc_start, so the tests may share a process): a chain of FIFOs cannot deadlock, so the stall case is a forced one --
// an output nobody drains -- and the network names the full and empty FIFOs each layer waits on, with the cycle.
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "models/model.h"
#include "layers/network.h"
#include "rtl_models/cost_model.h"
#include "testbenches/stimulus.h"
#include "tests/support/test_support.h"

namespace {

using nlohmann::json;
using namespace tlm4ml;
using namespace tlm4ml_test;

// Deterministic weights in [-1, 1).
double w(size_t i) { return std::fmod(static_cast<double>(i) * 0.618034, 2.0) - 1.0; }

// wide: a saturating conv accumulator (not modular: ConvLayer::reads_int32() is false) and a 40-bit ReLU
// result (the pooling's data does not fit int32), so both line buffers keep int64 rows.
json model_json(const std::string& io_type, int conv_rf, int conv_fifo_depth = 0, bool wide = false) {
    json k = json::array();
    size_t n = 0;
    for (int a = 0; a < 3; ++a) {
        json r = json::array();
        for (int b = 0; b < 3; ++b) r.push_back(json::array({json::array({w(n++), w(n++)})}));
        k.push_back(r);
    }
    json conv = {{"name", "conv"}, {"class", "Conv2D"}, {"filters", 2}, {"kernel_size", {3, 3}}, {"kernel", k},
                 {"bias", {0.125, -0.25}}, {"reuse_factor", conv_rf}};
    if (conv_fifo_depth) conv["fifo_depth"] = conv_fifo_depth;
    json relu = {{"name", "relu"}, {"class", "Activation"}, {"activation", "relu"}};
    if (wide) {
        conv["precision"] = {{"accum", "ap_fixed<12,4,AP_TRN,AP_SAT>"}};
        relu["precision"] = {{"result", "ap_fixed<40,16>"}};
    }
    json dk = json::array();
    for (size_t i = 0; i < 32; ++i) {
        json row = json::array();
        for (size_t j = 0; j < 10; ++j) row.push_back(w(100 + i * 10 + j) * 0.5);
        dk.push_back(row);
    }
    json bias = json::array();
    for (size_t j = 0; j < 10; ++j) bias.push_back(w(500 + j) * 0.25);
    return {{"name", "stream_conv"},
            {"io_type", io_type},
            {"input", {{"shape", {8, 8, 1}}}},
            {"layers",
             {{{"name", "pad"}, {"class", "ZeroPadding2D"}, {"padding", 1}},
              conv,
              relu,
              {{"name", "pool"}, {"class", "MaxPooling2D"}, {"pool_size", 2}},
              {{"name", "flat"}, {"class", "Flatten"}},
              {{"name", "fc"}, {"class", "Dense"}, {"units", 10}, {"kernel", dk}, {"bias", bias}},
              {{"name", "softmax"}, {"class", "Activation"}, {"activation", "softmax"}}}}};
}

class StreamNetwork : public TempDirTest {
protected:
    StreamNetwork() : TempDirTest("tlm4ml_stream_") {}
    void SetUp() override {
        TempDirTest::SetUp();
        std::string text;
        for (size_t s = 0; s < 12; ++s) {
            for (size_t i = 0; i < 64; ++i) text += std::to_string(w(1000 + s * 64 + i) * 3.0) + (i + 1 < 64 ? " " : "\n");
        }
        inputs_ = dir_ / "inputs.txt";
        write_text(inputs_, text);
    }

    fs::path write_model(const std::string& name, const json& m) {
        const fs::path p = dir_ / name;
        write_text(p, m.dump(1));
        return p;
    }
    fs::path inputs_;
};

TEST_F(StreamNetwork, OutputsEqualIoParallelAndPredict) {
    for (int rf : {1, 3})
        for (bool wide : {false, true}) {
            SCOPED_TRACE("conv reuse_factor " + std::to_string(rf) + (wide ? ", int64 line buffers" : ""));
            const fs::path ms = write_model("stream.json", model_json("io_stream", rf, 0, wide));
            const fs::path mp = write_model("parallel.json", model_json("io_parallel", rf, 0, wide));
            const std::string in = " --inputs " + shell_quote(inputs_.string());
            RunResult r = tlm4ml("run " + shell_quote(ms.string()) + in + " --quiet --outputs " +
                                 shell_quote((dir_ / "out_stream.txt").string()));
            ASSERT_EQ(r.code, 0) << r.out << r.err;
            r = tlm4ml("run " + shell_quote(mp.string()) + in + " --quiet --outputs " +
                       shell_quote((dir_ / "out_parallel.txt").string()));
            ASSERT_EQ(r.code, 0) << r.out << r.err;
            r = tlm4ml("predict " + shell_quote(ms.string()) + in + " --outputs " +
                       shell_quote((dir_ / "out_predict.txt").string()));
            ASSERT_EQ(r.code, 0) << r.out << r.err;
            const std::string s = read_text(dir_ / "out_stream.txt");
            EXPECT_EQ(std::count(s.begin(), s.end(), '\n'), 12);
            EXPECT_EQ(s, read_text(dir_ / "out_parallel.txt"));
            EXPECT_EQ(s, read_text(dir_ / "out_predict.txt"));
        }
}

TEST_F(StreamNetwork, ConvPerPixelTimingAndFifoOccupancy) {
    for (int rf : {1, 3}) {
        SCOPED_TRACE("conv reuse_factor " + std::to_string(rf));
        const json mj = model_json("io_stream", rf);
        const fs::path ms = write_model("stream.json", mj);
        const fs::path rep = dir_ / "report.json";
        const RunResult r = tlm4ml("run " + shell_quote(ms.string()) + " --inputs " + shell_quote(inputs_.string()) +
                                   " --report " + shell_quote(rep.string()));
        ASSERT_EQ(r.code, 0) << r.out << r.err;
        EXPECT_NE(r.out.find("fifo max"), std::string::npos) << r.out;
        const json j = json::parse(read_text(rep));
        EXPECT_EQ(j["io_type"], "io_stream");
        EXPECT_EQ(j["received"], 12);

        // The cost model's per-pixel figures for the line-buffer conv.
        const Model m = load_model_json(mj, "stream.json", ".");
        EXPECT_TRUE(m.warnings.empty()) << m.warnings.front();
        const LayerTiming t = stream_layer_cost(m.layers[1]->cost_inputs(), 1, DeviceProfile::vitis_default(), 5.0);
        EXPECT_EQ(t.ii, rf);
        EXPECT_EQ(t.latency, layer_cost([&] {
                                 LayerCostInputs c = m.layers[1]->cost_inputs();
                                 c.n_partitions = 1;
                                 return c;
                             }(), DeviceProfile::vitis_default(), 5.0).latency);

        const json* conv = nullptr;
        for (const auto& l : j["layers"]) {
            if (l["name"] == "conv") conv = &l;
            // Every FIFO is reported with a max occupancy within its depth.
            const json& f = l["output_fifo"];
            ASSERT_TRUE(f.contains("max_occupancy")) << l["name"];
            EXPECT_LE(f["max_occupancy"].get<int>(), f["depth"].get<int>()) << l["name"];
        }
        ASSERT_NE(conv, nullptr);
        EXPECT_EQ((*conv)["expected_ii"], t.ii);
        EXPECT_EQ((*conv)["measured_ii"], t.ii);
        EXPECT_EQ((*conv)["expected_latency"], t.latency);
        EXPECT_EQ((*conv)["latency_min"], t.latency);
        EXPECT_EQ((*conv)["latency_max"], t.latency);
        EXPECT_EQ((*conv)["inferences"], 12 * 100);  // input pixels of the padded 10x10 image
        // Default depths: one slot per word of the tensor (the conv's 8x8 output pixels).
        EXPECT_EQ((*conv)["output_fifo"]["depth"], 64);
    }
}

TEST_F(StreamNetwork, FifoDepthKeysSetTheDepths) {
    json mj = model_json("io_stream", 1, 3);
    mj["default_fifo_depth"] = 5;
    const Model m = load_model_json(mj, "stream.json", ".");
    EXPECT_EQ(m.default_fifo_depth, 5u);
    EXPECT_EQ(m.fifo_depths.at("conv"), 3u);
    Network net("net_depths", m, DeviceProfile::vitis_default());
    ASSERT_TRUE(net.streaming());
    for (const auto& sm : net.stream_modules())
        EXPECT_EQ(sm->output().depth(), sm->layer().name() == "conv" ? 3u : 5u) << sm->layer().name();

    mj["layers"][1]["fifo_depth"] = 0;
    try {
        load_model_json(mj, "stream.json", ".");
        FAIL() << "fifo_depth 0 accepted";
    } catch (const ModelError& e) {
        EXPECT_NE(std::string(e.what()).find("layers[1].fifo_depth"), std::string::npos) << e.what();
    }
}

TEST_F(StreamNetwork, ForcedStallNamesFullAndEmptyFifos) {
    // The conv's output FIFO holds one pixel; nobody drains the network's output, so back-pressure fills
    // every FIFO up to the conv and the input.
    const Model m = load_model_json(model_json("io_stream", 1, 1), "stream.json", ".");
    Network net("net_stall", m, DeviceProfile::vitis_default());
    std::vector<std::vector<int64_t>> samples(20, std::vector<int64_t>(64, 64));
    Source source("stall_source", net.input(), samples, SourceSchedule{});
    std::vector<Clocked*> parts{&source};
    for (Clocked* p : net.parts()) parts.push_back(p);
    uint64_t cycle = 0, last_move = 0;
    for (; cycle < 100000; ++cycle) {
        for (Clocked* p : parts) p->tick(cycle);
        uint64_t next = kNever;
        for (Clocked* p : parts) next = std::min(next, p->next_wake(cycle));
        if (next == kNever) break;  // nothing can move any more: the ClockDomain stops here
        last_move = cycle;
    }
    ASSERT_LT(cycle, 100000u) << "the stalled network kept waking up";
    const std::string why = net.describe_stall(cycle);
    EXPECT_NE(why.find("nothing can move at cycle " + std::to_string(cycle)), std::string::npos) << why;
    EXPECT_NE(why.find("conv_out 1/1 full"), std::string::npos) << why;
    EXPECT_NE(why.find("conv [in pad_out"), std::string::npos) << why;
    EXPECT_NE(why.find("waits on full output FIFO conv_out"), std::string::npos) << why;
    EXPECT_NE(why.find("softmax_out 1/1 full"), std::string::npos) << why;
    EXPECT_GT(last_move, 0u);
    // The running count deadlock detection reads is every channel's pushes, summed.
    uint64_t pushed = 0;
    for (const auto& c : net.channels()) pushed += c->stats().transfers;
    EXPECT_GT(pushed, 20u);
    EXPECT_EQ(net.transfers(), pushed);
}

}  // namespace

TEST_F(StreamNetwork, FifoDepthsAutoSizesEveryFifoAndReRunsUnchanged) {
    const fs::path ms = write_model("stream.json", model_json("io_stream", 3));
    const fs::path depths = dir_ / "depths.json", rep = dir_ / "report.json";
    const std::string base = "run " + shell_quote(ms.string()) + " --inputs " + shell_quote(inputs_.string());
    RunResult r = tlm4ml(base + " --quiet --fifo-depths auto --fifo-depths-out " + shell_quote(depths.string()) +
                         " --report " + shell_quote(rep.string()));
    ASSERT_EQ(r.code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("re-run with them: latency, II and total cycles unchanged"), std::string::npos) << r.out;
    const json d = json::parse(read_text(depths));
    const json rj = json::parse(read_text(rep));
    // One entry per FIFO: the input's and every layer's output (Flatten has no module, hence no FIFO).
    ASSERT_TRUE(d.is_object());
    EXPECT_TRUE(d.contains("input_1")) << d.dump();
    size_t layers_with_fifo = 0;
    for (const auto& l : rj["layers"]) {
        ASSERT_TRUE(d.contains(l["name"].get<std::string>())) << l["name"] << " " << d.dump();
        ++layers_with_fifo;
    }
    EXPECT_EQ(d.size(), layers_with_fifo + 1);
    uint64_t largest = 0;
    for (auto it = d.begin(); it != d.end(); ++it) {
        EXPECT_GE(it->get<int64_t>(), 1) << it.key();
        largest = std::max<uint64_t>(largest, it->get<uint64_t>());
    }
    EXPECT_GT(largest, 1u);  // inputs offered every cycle pile up somewhere in front of the R=3 conv

    // The sized FIFOs give the same schedule; squeezing the deepest one to a single slot changes it (the
    // source is held back instead of running ahead, so samples wait elsewhere).
    r = tlm4ml(base + " --quiet --fifo-depths " + shell_quote(depths.string()) + " --report " + shell_quote(rep.string()));
    ASSERT_EQ(r.code, 0) << r.out << r.err;
    const uint64_t sized_total = json::parse(read_text(rep))["total_cycles"].get<uint64_t>();
    EXPECT_EQ(sized_total, rj["total_cycles"].get<uint64_t>());
    json squeezed = d;
    for (auto it = squeezed.begin(); it != squeezed.end(); ++it)
        if (it->get<uint64_t>() == largest) *it = 1;
    write_text(dir_ / "squeezed.json", squeezed.dump());
    r = tlm4ml(base + " --quiet --fifo-depths " + shell_quote((dir_ / "squeezed.json").string()) + " --report " +
               shell_quote(rep.string()));
    ASSERT_EQ(r.code, 0) << r.out << r.err;
    const json sq = json::parse(read_text(rep));
    EXPECT_NE(sq["latency"]["max_cycles"].get<uint64_t>(), rj["latency"]["max_cycles"].get<uint64_t>())
        << "a one-slot FIFO where " << largest << " were used changed nothing";
}

TEST_F(StreamNetwork, FifoDepthsOptionErrors) {
    const fs::path ms = write_model("stream.json", model_json("io_stream", 1));
    const fs::path mp = write_model("parallel.json", model_json("io_parallel", 1));
    const std::string in = " --inputs " + shell_quote(inputs_.string());
    RunResult r = tlm4ml("run " + shell_quote(mp.string()) + in + " --fifo-depths auto");
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_NE(r.err.find("io_parallel"), std::string::npos) << r.err;
    write_text(dir_ / "bad.json", "{\"conv\": 0}");
    r = tlm4ml("run " + shell_quote(ms.string()) + in + " --fifo-depths " + shell_quote((dir_ / "bad.json").string()));
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_NE(r.err.find("conv: expected a depth >= 1"), std::string::npos) << r.err;
    r = tlm4ml("run " + shell_quote(ms.string()) + in + " --fifo-depths " + shell_quote((dir_ / "missing.json").string()));
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_NE(r.err.find("missing.json"), std::string::npos) << r.err;
}

// The shipped SVHN-style CNN (testbenches/models/svhn_cnn.json, io_stream): it runs bit-exact, its steady state is
// one padded 34x34 image per 1156 cycles (the first ZeroPadding writes one word per cycle), and --fifo-depths auto
// reproduces the unbounded schedule.
TEST_F(StreamNetwork, ShippedSvhnCnnRunsAndSizesItsFifos) {
    const fs::path model = fs::path(TLM4ML_SOURCE_DIR) / "testbenches/models/svhn_cnn.json";
    const fs::path inputs = fs::path(TLM4ML_SOURCE_DIR) / "testbenches/models/svhn_cnn_inputs.dat";
    const fs::path rep = dir_ / "report.json", depths = dir_ / "depths.json";
    const RunResult r = tlm4ml("run " + shell_quote(model.string()) + " --inputs " + shell_quote(inputs.string()) +
                               " --quiet --fifo-depths auto --fifo-depths-out " + shell_quote(depths.string()) +
                               " --report " + shell_quote(rep.string()));
    ASSERT_EQ(r.code, 0) << r.out << r.err;
    const json j = json::parse(read_text(rep));
    EXPECT_EQ(j["checks"]["reference_mismatches"], 0);
    EXPECT_EQ(j["received"], 10);
    EXPECT_EQ(j["ii"]["steady_state"].get<double>(), 34.0 * 34.0);
    EXPECT_EQ(j["io_type"], "io_stream");
    const json d = json::parse(read_text(depths));
    EXPECT_EQ(d.size(), 22u);  // the input FIFO and every layer but Flatten
    EXPECT_GT(d["input1"].get<int>(), 1);
}

// Waveforms of a streaming run: every FIFO's occupancy is a traced number, grouped with its layer in network
// order in the .gtkw, and gtkwave's vcd2fst accepts the file.
TEST_F(StreamNetwork, VcdOfAStreamingRunShowsEveryFifo) {
    const fs::path ms = write_model("stream.json", model_json("io_stream", 3));
    const fs::path vcd = dir_ / "s.vcd";
    const RunResult r = tlm4ml("run " + shell_quote(ms.string()) + " --inputs " + shell_quote(inputs_.string()) +
                               " --quiet --samples 3 --trace-elements 1 --vcd " + shell_quote(vcd.string()));
    ASSERT_EQ(r.code, 0) << r.out << r.err;
    const std::string text = read_text(vcd), gtkw = read_text(dir_ / "s.gtkw");
    // Groups: the input, then every layer with a module (Flatten has none), in network order.
    std::vector<std::string> groups;
    std::istringstream in(gtkw);
    std::string line, prev;
    while (std::getline(in, line)) {
        // A flags line with GTKWave's group-begin bit (0x800000) opens a group named on the next line.
        if (prev.size() > 1 && prev[0] == '@' && (std::stoul(prev.substr(1), nullptr, 16) & 0x800000) && line.size() > 1 &&
            line[0] == '-')
            groups.push_back(line.substr(1));
        prev = line;
    }
    EXPECT_EQ(groups, (std::vector<std::string>{"input_1", "pad", "conv", "relu", "pool", "fc", "softmax"}));
    for (const char* fifo : {"input_1_stream", "pad_out", "conv_out", "relu_out", "pool_out", "fc_out", "softmax_out"}) {
        // Each FIFO has an overview row (its valid/ready handshake); its occupancy is traced as a number.
        EXPECT_NE(gtkw.find(std::string("tlm4ml.") + fifo + ".valid tlm4ml." + fifo + ".ready"), std::string::npos) << fifo;
        EXPECT_NE(text.find("$scope module " + std::string(fifo) + " $end"), std::string::npos) << fifo;
        EXPECT_NE(text.find(" occupancy [15:0] $end"), std::string::npos) << fifo;
    }
    if (run_shell("command -v vcd2fst >/dev/null 2>&1") != 0) GTEST_SKIP() << "vcd2fst (gtkwave) not installed";
    EXPECT_EQ(run_shell("vcd2fst " + shell_quote(vcd.string()) + " " + shell_quote((dir_ / "s.fst").string()) +
                        " >/dev/null 2>&1 && fst2vcd " + shell_quote((dir_ / "s.fst").string()) + " >/dev/null 2>&1"),
              0);
}
