// `tlm4ml run` end to end, through the program: the example models in testbenches/models/, the JSON report,
// the checks and their exit codes, stimulus options, and the waveform files. Each test works in its own
// temporary directory.
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include "tests/support/test_support.h"

namespace fs = std::filesystem;
using nlohmann::json;


using namespace tlm4ml_test;
namespace {

const fs::path kModels = fs::path(TLM4ML_SOURCE_DIR) / "testbenches" / "models";
const std::string kJet = (kModels / "jet_tagger.json").string();
const std::string kJetInputs = (kModels / "jet_tagger_inputs.dat").string();

struct Result {
    int code = -1;
    std::string out, err;
};

std::string quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) {
        if (c == '\'') q += "'\\''";
        else q += c;
    }
    return q + "'";
}



size_t argmax(const std::vector<double>& v) {
    size_t b = 0;
    for (size_t i = 1; i < v.size(); ++i)
        if (v[i] > v[b]) b = i;  // the first maximum, as numpy / Keras
    return b;
}

class NetworkRun : public testing::Test {
protected:
    void SetUp() override {
        std::string tmpl = (fs::temp_directory_path() / "tlm4ml_run_XXXXXX").string();
        ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
        dir_ = tmpl;
    }
    void TearDown() override {
        std::error_code ec;
        if (!HasFailure()) fs::remove_all(dir_, ec);
        else std::cout << "files kept in " << dir_ << "\n";
    }

    fs::path path(const std::string& name) const { return dir_ / name; }

    fs::path write(const std::string& name, const std::string& text) const {
        std::ofstream(path(name), std::ios::binary) << text;
        return path(name);
    }

    // Runs the tlm4ml program with these arguments.
    Result tlm4ml(const std::vector<std::string>& args) {
        const fs::path out = path("stdout.txt"), err = path("stderr.txt");
        std::string cmd = quote(TLM4ML_BINARY);
        for (const auto& a : args) cmd += " " + quote(a);
        cmd += " >" + quote(out.string()) + " 2>" + quote(err.string());
        const int status = std::system(cmd.c_str());
        Result r;
        r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        r.out = read_text(out);
        r.err = read_text(err);
        fs::remove(out);
        fs::remove(err);
        return r;
    }

    // `tlm4ml run MODEL --inputs INPUTS --report R.json ...`, expecting `code`; returns the report.
    json run_report(const std::string& model, const std::string& inputs, std::vector<std::string> extra,
                    int code = 0) {
        const fs::path report = path("report.json");
        fs::remove(report);
        std::vector<std::string> args = {"run", model, "--inputs", inputs, "--report", report.string(), "--quiet"};
        args.insert(args.end(), extra.begin(), extra.end());
        const Result r = tlm4ml(args);
        EXPECT_EQ(r.code, code) << r.out << r.err;
        if (!fs::exists(report)) {
            ADD_FAILURE() << "no report written";
            return json::object();
        }
        return json::parse(read_text(report));
    }

    // A copy of the jet tagger with another default reuse factor.
    std::string jet_with_reuse(int rf) {
        json j = json::parse(read_text(kJet));
        j["default_reuse_factor"] = rf;
        return write("jet_tagger_r" + std::to_string(rf) + ".json", j.dump()).string();
    }

    fs::path dir_;
};

const json& layer_named(const json& report, const std::string& name) {
    for (const auto& l : report["layers"])
        if (l["name"] == name) return l;
    static const json none;
    ADD_FAILURE() << "no layer " << name << " in the report";
    return none;
}

const char* const kJetLayers[] = {"fc1_relu", "fc1_relu_relu", "fc2_relu", "fc2_relu_relu", "fc3_relu",
                                  "fc3_relu_relu", "output_softmax", "output_softmax_softmax"};

}  // namespace

// (a) The calibrated jet tagger: 14 cycles, II 1, every layer as the cost model says.
TEST_F(NetworkRun, JetTaggerReportMatchesTheCostModel) {
    json r = run_report(kJet, kJetInputs, {});
    EXPECT_EQ(r["model"], "jet_tagger");
    EXPECT_EQ(r["samples"], 100);
    EXPECT_EQ(r["received"], 100);
    EXPECT_EQ(r["latency"]["first_output_cycles"], 14);
    EXPECT_EQ(r["latency"]["expected_cycles"], 14);
    EXPECT_EQ(r["latency"]["min_cycles"], 14);
    EXPECT_EQ(r["latency"]["max_cycles"], 14);
    EXPECT_EQ(r["ii"]["expected"], 1);
    EXPECT_EQ(r["ii"]["steady_state"], 1);
    EXPECT_EQ(r["checks"]["reference_mismatches"], 0);
    EXPECT_EQ(r["checks"]["deadlock"], false);
    ASSERT_EQ(r["layers"].size(), 8u);
    for (size_t i = 0; i < 8; ++i) {
        const auto& l = r["layers"][i];
        SCOPED_TRACE(l["name"].get<std::string>());
        EXPECT_EQ(l["name"], kJetLayers[i]);
        EXPECT_EQ(l["measured_ii"], l["expected_ii"]);
        EXPECT_EQ(l["expected_ii"], 1);
        EXPECT_EQ(l["latency_min"], l["expected_latency"]);
        EXPECT_EQ(l["latency_max"], l["expected_latency"]);
        EXPECT_EQ(l["inferences"], 100);
        EXPECT_EQ(l["ii_check"], "pass");
    }
    // Each Dense 2 cycles (compute + output register), ReLU 0, softmax 5.
    EXPECT_EQ(layer_named(r, "fc1_relu")["expected_latency"], 2);
    EXPECT_EQ(layer_named(r, "fc1_relu_relu")["expected_latency"], 0);
    EXPECT_EQ(layer_named(r, "output_softmax_softmax")["expected_latency"], 5);
    // 100 back-to-back samples, 14 cycles deep: the last output leaves at cycle 113.
    EXPECT_EQ(r["total_cycles"], 114);
}

// (b) Reuse factor 2: 13 cycles, II 2; --check-ii passes through the isolated harness.
TEST_F(NetworkRun, ReuseFactorTwoGivesThirteenCyclesAndIiTwo) {
    json r = run_report(jet_with_reuse(2), kJetInputs, {"--check-ii"}, 0);
    EXPECT_EQ(r["latency"]["first_output_cycles"], 13);
    EXPECT_EQ(r["latency"]["expected_cycles"], 13);
    EXPECT_EQ(r["ii"]["expected"], 2);
    EXPECT_EQ(r["ii"]["steady_state"], 2);
    EXPECT_EQ(r["checks"]["reference_mismatches"], 0);
    EXPECT_TRUE(r["warnings"].empty()) << r["warnings"];
    for (const auto& l : r["layers"]) {
        SCOPED_TRACE(l["name"].get<std::string>());
        EXPECT_EQ(l["reuse_factor"], 2);
        EXPECT_EQ(l["expected_ii"], 2);
        EXPECT_EQ(l["isolated_ii"], 2);
        EXPECT_EQ(l["ii_check"], "pass");
        if (!l["measured_ii"].is_null()) {
            EXPECT_EQ(l["measured_ii"], 2);
        }
        EXPECT_EQ(l["latency_min"], l["expected_latency"]);
    }
    // The pipeline reads an input every 2 cycles and none waits inside the network (the source, offering one
    // every cycle, waits instead): every latency is the pipeline's, and no layer sees queued inputs.
    EXPECT_EQ(r["latency"]["min_cycles"], 13);
    EXPECT_EQ(r["latency"]["max_cycles"], 13);
    EXPECT_TRUE(layer_named(r, "fc1_relu")["measured_ii"].is_null());
}

// An io_parallel design pipelined at II = R reads its input when it starts an inference, every R cycles (HLS's
// ap_ready), and its latency stays constant; the network's input does not take a sample mid-interval and let
// it wait inside (which made the latency grow from 13 to 20 cycles over 8 back-to-back samples at R = 4).
TEST_F(NetworkRun, ReuseFactorFourReadsAnInputEveryFourCyclesAtAConstantLatency) {
    json r = run_report(jet_with_reuse(4), kJetInputs, {"--samples", "8"});
    EXPECT_EQ(r["received"], 8);
    EXPECT_EQ(r["checks"]["reference_mismatches"], 0);
    EXPECT_EQ(r["ii"]["expected"], 4);
    EXPECT_EQ(r["ii"]["steady_state"], 4);
    EXPECT_EQ(r["latency"]["expected_cycles"], 13);
    EXPECT_EQ(r["latency"]["min_cycles"], 13);
    EXPECT_EQ(r["latency"]["max_cycles"], 13);
    // Offered at cycles 0..7, sample k is read at 4k: it waits 3k cycles at the source (0, 3, ..., 21).
    EXPECT_EQ(r["latency"]["source_wait"]["min_cycles"], 0);
    EXPECT_EQ(r["latency"]["source_wait"]["max_cycles"], 21);
    EXPECT_DOUBLE_EQ(r["latency"]["source_wait"]["mean_cycles"].get<double>(), 10.5);
    // The last output leaves 13 cycles after the last read, at cycle 28 + 13.
    EXPECT_EQ(r["total_cycles"], 42);
}

// (c) The Vivado HLS 2019.2 profile: 10 cycles; the same numbers from a profile file.
TEST_F(NetworkRun, Vivado2019ProfileGivesTenCycles) {
    json r = run_report(kJet, kJetInputs, {"--profile", "vivado2019"});
    EXPECT_EQ(r["latency"]["first_output_cycles"], 10);
    EXPECT_EQ(r["latency"]["expected_cycles"], 10);
    EXPECT_EQ(r["device_profile"], "vivado-2019.2-200MHz");
    EXPECT_EQ(layer_named(r, "fc1_relu")["expected_latency"], 1);
    EXPECT_EQ(layer_named(r, "output_softmax_softmax")["expected_latency"], 4);

    const fs::path f = write("vivado.json", R"({"name": "file-vivado", "layer_output_register_cycles": 0,
                                               "output_register_cycles": 1})");
    r = run_report(kJet, kJetInputs, {"--profile", f.string()});
    EXPECT_EQ(r["device_profile"], "file-vivado");
    EXPECT_EQ(r["latency"]["first_output_cycles"], 10);
    EXPECT_EQ(r["latency"]["expected_cycles"], 10);

    r = run_report(kJet, kJetInputs, {"--profile", "vitis"});
    EXPECT_EQ(r["latency"]["first_output_cycles"], 14);
}

// (d) The timed network computes exactly what the untimed reference (predict) computes.
TEST_F(NetworkRun, RunOutputsEqualPredictOutputsForEveryExampleModel) {
    const std::pair<const char*, const char*> models[] = {
        {"jet_tagger.json", "jet_tagger_inputs.dat"},
        {"jet_tagger_binary.json", "jet_tagger_inputs.dat"},
        {"jet_tagger_ternary.json", "jet_tagger_inputs.dat"},
        {"mnist_binary.json", "mnist_binary_inputs.dat"},
    };
    for (const auto& [model, inputs] : models) {
        SCOPED_TRACE(model);
        const std::string m = (kModels / model).string(), in = (kModels / inputs).string();
        const fs::path run_out = path("run.dat"), pred_out = path("predict.dat");
        Result r = tlm4ml({"run", m, "--inputs", in, "--outputs", run_out.string(), "--quiet"});
        ASSERT_EQ(r.code, 0) << r.out << r.err;
        r = tlm4ml({"predict", m, "--inputs", in, "--outputs", pred_out.string()});
        ASSERT_EQ(r.code, 0) << r.out << r.err;
        const std::string a = read_text(run_out), b = read_text(pred_out);
        EXPECT_FALSE(a.empty());
        EXPECT_EQ(a, b);
        const size_t lines = static_cast<size_t>(std::count(b.begin(), b.end(), '\n'));
        EXPECT_EQ(lines, parse_rows(read_text(in)).size());
    }
}

// (e) Random arrivals and back-pressure: still bit-exact, latencies spread, FIFOs fill.
TEST_F(NetworkRun, BackpressureFillsTheOutputFifoAndSpreadsLatency) {
    const std::string seed = "7";
    std::cout << "back-pressure 0.5, seed " << seed << "\n";
    json r = run_report(kJet, kJetInputs, {"--backpressure", "0.5", "--seed", seed});
    EXPECT_EQ(r["received"], 100);
    EXPECT_EQ(r["checks"]["reference_mismatches"], 0);
    EXPECT_EQ(r["checks"]["deadlock"], false);
    EXPECT_GT(r["latency"]["max_cycles"].get<double>(), r["latency"]["min_cycles"].get<double>());
    EXPECT_GE(r["latency"]["min_cycles"].get<double>(), 14);
    EXPECT_TRUE(r["ii"]["steady_state"].is_null());  // not measurable with a refusing sink
    const auto& out = r["layers"].back()["output_fifo"];
    EXPECT_EQ(out["depth"], 2);
    EXPECT_EQ(out["max_occupancy"], 2);
    EXPECT_GT(out["cycles_full"].get<uint64_t>(), 0u);
    for (const auto& l : r["layers"]) {
        SCOPED_TRACE(l["name"].get<std::string>());
        EXPECT_LE(l["output_fifo"]["max_occupancy"], l["output_fifo"]["depth"]);
        EXPECT_GE(l["latency_min"], l["expected_latency"]);
    }
}

TEST_F(NetworkRun, PoissonArrivalsAreBitExactAndNeverQueueAtIiOne) {
    const std::string seed = "11";
    std::cout << "poisson mean 3, seed " << seed << "\n";
    json r = run_report(kJet, kJetInputs, {"--poisson", "3", "--seed", seed});
    EXPECT_EQ(r["received"], 100);
    EXPECT_EQ(r["checks"]["reference_mismatches"], 0);
    // Gaps of at least one cycle into an II-1 pipeline: nobody waits, every latency is the nominal 14.
    EXPECT_EQ(r["latency"]["min_cycles"], 14);
    EXPECT_EQ(r["latency"]["max_cycles"], 14);
    EXPECT_TRUE(r["ii"]["steady_state"].is_null());
    // Mean gap 3: the run takes about 300 cycles (far more than the 114 of back-to-back inputs).
    EXPECT_GT(r["total_cycles"].get<uint64_t>(), 200u);

    // Into the II-2 network the same arrivals sometimes wait, at the source: the pipeline reads an input every
    // 2 cycles at most, and its latency stays 13.
    r = run_report(jet_with_reuse(2), kJetInputs, {"--poisson", "3", "--seed", seed});
    EXPECT_EQ(r["checks"]["reference_mismatches"], 0);
    EXPECT_EQ(r["latency"]["min_cycles"], 13);
    EXPECT_EQ(r["latency"]["max_cycles"], 13);
    EXPECT_GT(r["latency"]["source_wait"]["max_cycles"].get<double>(), 0);
}

TEST_F(NetworkRun, PoissonWithBackpressureIsBitExact) {
    const std::string seed = "5";
    std::cout << "poisson mean 3 + back-pressure 0.5, seed " << seed << "\n";
    json r = run_report(kJet, kJetInputs, {"--poisson", "3", "--backpressure", "0.5", "--seed", seed});
    EXPECT_EQ(r["received"], 100);
    EXPECT_EQ(r["checks"]["reference_mismatches"], 0);
    EXPECT_GT(r["latency"]["max_cycles"].get<double>(), r["latency"]["min_cycles"].get<double>());
    // The same seed gives the same run.
    json again = run_report(kJet, kJetInputs, {"--poisson", "3", "--backpressure", "0.5", "--seed", seed});
    EXPECT_EQ(again["latency"], r["latency"]);
    EXPECT_EQ(again["total_cycles"], r["total_cycles"]);
}

// (f) Inputs every other cycle: no layer sees back-to-back inputs in the network.
TEST_F(NetworkRun, RateTwoLeavesTheNetworkIiUnmeasured) {
    json r = run_report(kJet, kJetInputs, {"--rate", "2"});
    EXPECT_TRUE(r["ii"]["steady_state"].is_null());
    EXPECT_EQ(r["latency"]["first_output_cycles"], 14);
    for (const auto& l : r["layers"]) {
        SCOPED_TRACE(l["name"].get<std::string>());
        EXPECT_TRUE(l["measured_ii"].is_null());
        EXPECT_EQ(l["ii_check"], "not measured");
    }
    // --check-ii measures every layer in isolation, back-to-back: all pass.
    r = run_report(kJet, kJetInputs, {"--rate", "2", "--check-ii"}, 0);
    for (const auto& l : r["layers"]) {
        SCOPED_TRACE(l["name"].get<std::string>());
        EXPECT_TRUE(l["measured_ii"].is_null());
        EXPECT_EQ(l["isolated_ii"], 1);
        EXPECT_EQ(l["ii_check"], "pass");
    }
}

TEST_F(NetworkRun, CheckIiFailsWhenNoLayerCanBeMeasured) {
    // One sample: not even the isolated harness sees two inputs, so nothing is measured, and an unmeasured
    // layer fails --check-ii ("never passes it").
    const Result r = tlm4ml({"run", kJet, "--inputs", kJetInputs, "--samples", "1", "--rate", "2", "--check-ii",
                             "--quiet"});
    EXPECT_EQ(r.code, 3) << r.out << r.err;
    EXPECT_NE(r.err.find("--check-ii failed"), std::string::npos) << r.err;
    for (const char* name : kJetLayers)
        EXPECT_NE(r.err.find(std::string(" ") + name + " (not measured"), std::string::npos)
            << name << " not named in: " << r.err;
}

// (g) --expected and --tolerance.
TEST_F(NetworkRun, ExpectedOutputsAndTolerance) {
    const fs::path pred = path("predicted.dat");
    Result r = tlm4ml({"predict", kJet, "--inputs", kJetInputs, "--outputs", pred.string()});
    ASSERT_EQ(r.code, 0) << r.err;
    json rep = run_report(kJet, kJetInputs, {"--expected", pred.string()}, 0);
    EXPECT_EQ(rep["checks"]["expected_mismatches"], 0);

    // Alter one value of sample 4 and two of sample 9 (+0.0625 each): 2 samples differ.
    auto rows = parse_rows(read_text(pred));
    ASSERT_EQ(rows.size(), 100u);
    rows[4][0] += 0.0625;
    rows[9][1] += 0.0625;
    rows[9][3] -= 0.0625;
    std::string text;
    for (const auto& row : rows) {
        for (size_t i = 0; i < row.size(); ++i) {
            char buf[64];
            std::snprintf(buf, sizeof buf, "%s%.17g", i ? " " : "", row[i]);
            text += buf;
        }
        text += "\n";
    }
    const fs::path altered = write("altered.dat", text);
    rep = run_report(kJet, kJetInputs, {"--expected", altered.string()}, 3);
    EXPECT_EQ(rep["checks"]["expected_mismatches"], 2);
    r = tlm4ml({"run", kJet, "--inputs", kJetInputs, "--expected", altered.string(), "--quiet"});
    EXPECT_EQ(r.code, 3);
    EXPECT_NE(r.err.find("2 outputs differ"), std::string::npos) << r.err;

    rep = run_report(kJet, kJetInputs, {"--expected", altered.string(), "--tolerance", "0.07"}, 0);
    EXPECT_EQ(rep["checks"]["expected_mismatches"], 0);
    rep = run_report(kJet, kJetInputs, {"--expected", altered.string(), "--tolerance", "0.01"}, 3);
    EXPECT_EQ(rep["checks"]["expected_mismatches"], 2);
}

// (h) --labels: accuracy as computed from the outputs.
TEST_F(NetworkRun, LabelsGiveTheAccuracyOfTheOutputs) {
    const fs::path outputs = path("outputs.dat");
    Result r = tlm4ml({"run", kJet, "--inputs", kJetInputs, "--outputs", outputs.string(), "--quiet"});
    ASSERT_EQ(r.code, 0) << r.err;
    const auto out = parse_rows(read_text(outputs));
    ASSERT_EQ(out.size(), 100u);

    // Labels: the prediction for every third sample, a fixed other class elsewhere.
    std::string idx, onehot;
    size_t right = 0;
    for (size_t k = 0; k < out.size(); ++k) {
        const size_t pred = argmax(out[k]);
        const size_t label = k % 3 == 0 ? pred : (pred + 1 + k % 4) % 5;
        right += label == pred;
        idx += std::to_string(label) + "\n";
        for (size_t i = 0; i < 5; ++i) onehot += std::string(i ? " " : "") + (i == label ? "1" : "0");
        onehot += "\n";
    }
    const double expected = static_cast<double>(right) / static_cast<double>(out.size());
    std::cout << "expected accuracy " << expected << " (" << right << " of " << out.size() << ")\n";

    json rep = run_report(kJet, kJetInputs, {"--labels", write("labels.dat", idx).string()});
    EXPECT_EQ(rep["checks"]["labelled_samples"], 100);
    EXPECT_DOUBLE_EQ(rep["checks"]["accuracy"].get<double>(), expected);
    rep = run_report(kJet, kJetInputs, {"--labels", write("onehot.dat", onehot).string()});
    EXPECT_DOUBLE_EQ(rep["checks"]["accuracy"].get<double>(), expected);
    // With --samples, only those samples are scored.
    rep = run_report(kJet, kJetInputs, {"--labels", write("labels.dat", idx).string(), "--samples", "30"});
    EXPECT_EQ(rep["checks"]["labelled_samples"], 30);
}

// (i) Bad input: exit 1 and no output files at all.
TEST_F(NetworkRun, BadInputsExitOneAndWriteNothing) {
    const fs::path out_dir = path("out");
    fs::create_directories(out_dir);
    const std::string outputs = (out_dir / "outputs.dat").string(), report = (out_dir / "report.json").string(),
                      vcd = (out_dir / "w.vcd").string();
    const std::vector<std::string> files = {"--outputs", outputs, "--report", report, "--vcd", vcd};
    auto run = [&](std::vector<std::string> args) {
        args.insert(args.end(), files.begin(), files.end());
        return tlm4ml(args);
    };

    Result r = run({"run", path("missing.json").string(), "--inputs", kJetInputs});
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("missing.json"), std::string::npos) << r.err;

    // mnist inputs (784 values per line) into the 16-input tagger.
    r = run({"run", kJet, "--inputs", (kModels / "mnist_binary_inputs.dat").string()});
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("16"), std::string::npos) << r.err;

    const fs::path short_line = write("short.dat", "0.5 0.25 0.125\n");
    r = run({"run", kJet, "--inputs", short_line.string()});
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("short.dat"), std::string::npos) << r.err;

    r = run({"run", kJet, "--inputs", kJetInputs, "--profile", write("p.json", R"({"t_add": 1})").string()});
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("t_add"), std::string::npos) << r.err;

    // --expected with the wrong width.
    r = run({"run", kJet, "--inputs", kJetInputs, "--expected", write("e.dat", "1 2\n").string()});
    EXPECT_EQ(r.code, 1);

    // Usage errors: exit 2.
    r = run({"run", kJet, "--inputs", kJetInputs, "--rate", "0"});
    EXPECT_EQ(r.code, 2);
    r = run({"run", kJet, "--inputs", kJetInputs, "--no-such-option"});
    EXPECT_EQ(r.code, 2);

    std::vector<std::string> left;
    for (const auto& e : fs::directory_iterator(out_dir)) left.push_back(e.path().filename().string());
    EXPECT_TRUE(left.empty()) << "left behind: " << testing::PrintToString(left);
}

// ---------------------------------------------------------------------------------------------------------
// (j) Waveforms

namespace {

struct Vcd {
    struct Var {
        std::string path;  // "tlm4ml.fc1_out.valid"
        std::string type;
        int width = 1;
    };
    std::map<std::string, Var> vars;                 // by id code
    std::vector<std::string> scopes;                 // dotted, in order of appearance
    std::vector<std::pair<uint64_t, std::map<std::string, std::string>>> changes;  // time -> id -> value
};

Vcd parse_vcd(const std::string& text) {
    Vcd v;
    std::istringstream in(text);
    std::string line;
    std::vector<std::string> scope;
    bool defs = true;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        std::istringstream ls(line);
        if (defs) {
            std::string tok;
            ls >> tok;
            if (tok == "$scope") {
                std::string kind, name;
                ls >> kind >> name;
                scope.push_back(name);
                std::string dotted;
                for (const auto& s : scope) dotted += (dotted.empty() ? "" : ".") + s;
                v.scopes.push_back(dotted);
            } else if (tok == "$upscope") {
                scope.pop_back();
            } else if (tok == "$var") {
                Vcd::Var var;
                std::string code, name;
                ls >> var.type >> var.width >> code >> name;
                for (const auto& s : scope) var.path += s + ".";
                var.path += name;
                v.vars[code] = var;
            } else if (tok == "$enddefinitions") {
                defs = false;
            }
            continue;
        }
        if (line[0] == '#') {
            const uint64_t t = std::stoull(line.substr(1));
            if (v.changes.empty() || v.changes.back().first != t) v.changes.push_back({t, {}});
        } else if (line[0] == 'b' || line[0] == 'r') {
            const size_t sp = line.find(' ');
            if (!v.changes.empty()) v.changes.back().second[line.substr(sp + 1)] = line.substr(0, sp);
        } else if (line[0] == '0' || line[0] == '1' || line[0] == 'x' || line[0] == 'z') {
            if (!v.changes.empty()) v.changes.back().second[line.substr(1)] = line.substr(0, 1);
        }
    }
    return v;
}

std::string id_of(const Vcd& v, const std::string& path) {
    for (const auto& [code, var] : v.vars)
        if (var.path == path) return code;
    return "";
}

// The value of every variable at each rising edge of `clk` (after all changes at that time).
std::vector<std::map<std::string, std::string>> at_rising_edges(const Vcd& v, const std::string& clk) {
    std::vector<std::map<std::string, std::string>> out;
    std::map<std::string, std::string> cur;
    for (const auto& [t, ch] : v.changes) {
        const bool rising = ch.count(clk) && ch.at(clk) == "1" && (!cur.count(clk) || cur[clk] != "1");
        for (const auto& [id, val] : ch) cur[id] = val;
        if (rising) out.push_back(cur);
    }
    return out;
}

uint64_t bits(const std::string& v) { return v.size() > 1 && v[0] == 'b' ? std::stoull(v.substr(1), nullptr, 2) : std::stoull(v); }

// The groups of a .gtkw save file, in order ("@800200" then "-name" opens a group).
std::vector<std::string> gtkw_groups(const std::string& text) {
    std::vector<std::string> groups;
    std::istringstream in(text);
    std::string line;
    bool open_next = false;
    while (std::getline(in, line)) {
        if (open_next && !line.empty() && line[0] == '-') groups.push_back(line.substr(1));
        // A flags line with GTKWave's group-begin bit (0x800000) opens a group named on the next line.
        open_next = line.size() > 1 && line[0] == '@' && (std::stoul(line.substr(1), nullptr, 16) & 0x800000);
    }
    return groups;
}

bool have_program(const char* name) {
    return std::system((std::string("command -v ") + name + " >/dev/null 2>&1").c_str()) == 0;
}

}  // namespace

TEST_F(NetworkRun, VcdAndGtkwDescribeTheRun) {
    const fs::path vcd = path("traces/run.vcd"), gtkw = path("traces/run.gtkw");
    json r = run_report(kJet, kJetInputs, {"--samples", "10", "--vcd", vcd.string()});
    ASSERT_TRUE(fs::exists(vcd));
    ASSERT_TRUE(fs::exists(gtkw));
    EXPECT_FALSE(fs::exists(vcd.string() + ".partial"));
    const std::string text = read_text(vcd);
    const Vcd v = parse_vcd(text);

    // Every layer of the report is a scope under the network, and a .gtkw group, in network order
    // (after the input channel's group).
    std::vector<std::string> layer_names;
    for (const auto& l : r["layers"]) layer_names.push_back(l["name"]);
    for (const auto& n : layer_names)
        EXPECT_NE(std::find(v.scopes.begin(), v.scopes.end(), "tlm4ml." + n), v.scopes.end()) << n;
    const std::string g = read_text(gtkw);
    std::vector<std::string> groups = gtkw_groups(g);
    ASSERT_FALSE(groups.empty());
    EXPECT_EQ(groups.front(), "input_1");
    groups.erase(groups.begin());
    EXPECT_EQ(groups, layer_names);
    // The waveform is named relative to the save file, so the pair can move.
    EXPECT_NE(g.find("[dumpfile] \"" + vcd.filename().string() + "\""), std::string::npos);
    // Every signal the .gtkw names exists in the VCD.
    std::set<std::string> vcd_names;
    for (const auto& [code, var] : v.vars)
        vcd_names.insert(var.path + (var.type == "wire" && var.width > 1 ? "[" + std::to_string(var.width - 1) + ":0]" : ""));
    std::istringstream gl(g);
    std::string line;
    while (std::getline(gl, line)) {
        // A row names its signals after an optional "+{alias}" or "#{alias}" (several signals in one row).
        if (line.size() > 1 && (line[0] == '+' || line[0] == '#') && line[1] == '{') line = line.substr(line.find('}') + 2);
        std::istringstream names(line);
        std::string name;
        while (names >> name) {
            if (name.rfind("tlm4ml.", 0) == 0) {
                EXPECT_TRUE(vcd_names.count(name)) << name;
            }
        }
    }

    // One rising clock edge per simulated cycle.
    const std::string clk = id_of(v, "tlm4ml.clk");
    ASSERT_FALSE(clk.empty());
    const auto edges = at_rising_edges(v, clk);
    const auto total = r["total_cycles"].get<uint64_t>();
    EXPECT_GE(edges.size() + 2, total);
    EXPECT_LE(edges.size(), total + 2);
    // The program reports the number of signals it traced.
    // By default the real values of the first 4 elements of each channel (all 5 of the softmax's).
    EXPECT_EQ(v.vars.size(), 2 /* clk, idle */ + 8 * 2 /* busy, stall */ + 9 * 3 /* valid, ready, occupancy */ + 9 * 4);

    // The output channel's occupancy stays within its depth and is 1 at some edge (results do arrive).
    const std::string occ = id_of(v, "tlm4ml.output_softmax_out.occupancy");
    ASSERT_FALSE(occ.empty());
    std::set<uint64_t> occupancies;
    for (const auto& e : edges)
        if (e.count(occ)) occupancies.insert(bits(e.at(occ)));
    EXPECT_TRUE(occupancies.count(0));
    EXPECT_LE(*occupancies.rbegin(), 2u);
}

TEST_F(NetworkRun, VcdShowsEveryTransferAsValid) {
    // 10 back-to-back samples through the II-1 tagger, a sink that never refuses: every item is taken the
    // cycle it becomes visible, so each channel must show valid (with ready) at exactly 10 rising edges.
    const fs::path vcd = path("t.vcd");
    json r = run_report(kJet, kJetInputs, {"--samples", "10", "--vcd", vcd.string()});
    const Vcd v = parse_vcd(read_text(vcd));
    const auto edges = at_rising_edges(v, id_of(v, "tlm4ml.clk"));
    std::vector<std::string> channels = {"input_1"};
    for (const auto& l : r["layers"]) channels.push_back(l["name"].get<std::string>() + "_out");
    for (const auto& ch : channels) {
        SCOPED_TRACE(ch);
        const std::string valid = id_of(v, "tlm4ml." + ch + ".valid"), ready = id_of(v, "tlm4ml." + ch + ".ready");
        ASSERT_FALSE(valid.empty());
        ASSERT_FALSE(ready.empty());
        size_t n_valid = 0, n_both = 0;
        for (const auto& e : edges) {
            const bool va = e.count(valid) && e.at(valid) == "1", re = e.count(ready) && e.at(ready) == "1";
            n_valid += va;
            n_both += va && re;
        }
        EXPECT_EQ(n_valid, 10u);
        EXPECT_EQ(n_both, 10u);
    }
}

TEST_F(NetworkRun, VcdShowsTheOutputFifoFillingUnderBackpressure) {
    const std::string seed = "7";
    std::cout << "back-pressure 0.5, seed " << seed << "\n";
    const fs::path vcd = path("bp.vcd");
    json r = run_report(kJet, kJetInputs,
                              {"--samples", "30", "--backpressure", "0.5", "--seed", seed, "--vcd", vcd.string(),
                               "--trace-filter", "output_softmax_softmax", "--trace-elements", "1"});
    const Vcd v = parse_vcd(read_text(vcd));
    const auto edges = at_rising_edges(v, id_of(v, "tlm4ml.clk"));
    const std::string occ = id_of(v, "tlm4ml.output_softmax_softmax_out.occupancy"),
                      ready = id_of(v, "tlm4ml.output_softmax_softmax_out.ready");
    ASSERT_FALSE(occ.empty());
    ASSERT_FALSE(ready.empty());
    uint64_t max_occ = 0;
    size_t not_ready = 0;
    for (const auto& e : edges) {
        if (e.count(occ)) max_occ = std::max(max_occ, bits(e.at(occ)));
        not_ready += e.count(ready) && e.at(ready) == "0";
    }
    const auto& fifo = r["layers"].back()["output_fifo"];
    EXPECT_EQ(fifo["max_occupancy"], 2);
    EXPECT_EQ(max_occ, fifo["max_occupancy"].get<uint64_t>());
    EXPECT_GT(not_ready, 0u);
}

TEST_F(NetworkRun, VcdIdleGapsCostOneTimestampNotEveryClockEdge) {
    // One input every 10^6 cycles: the clock domain skips the gaps, and so must the waveform (one pulse of
    // `idle`, no clock edges), or three samples would write ~10^6 timestamps.
    const fs::path vcd = path("idle.vcd");
    json r = run_report(kJet, kJetInputs, {"--samples", "3", "--rate", "1000000", "--vcd", vcd.string()});
    EXPECT_GE(r["total_cycles"].get<uint64_t>(), 2000000u);
    const Vcd v = parse_vcd(read_text(vcd));
    EXPECT_LT(v.changes.size(), 200u);
    const std::string idle = id_of(v, "tlm4ml.idle");
    ASSERT_FALSE(idle.empty());
    std::vector<std::pair<uint64_t, std::string>> idle_changes;
    for (const auto& [t, vals] : v.changes)
        if (vals.count(idle)) idle_changes.emplace_back(t, vals.at(idle));
    // Low at 0, high during each of the two gaps, low again when the next sample is offered.
    ASSERT_EQ(idle_changes.size(), 5u);
    const uint64_t period_ps = 5000;
    EXPECT_EQ(idle_changes[0], std::make_pair(uint64_t{0}, std::string("0")));
    EXPECT_EQ(idle_changes[1].second, "1");
    EXPECT_EQ(idle_changes[2], std::make_pair(uint64_t{1000000} * period_ps, std::string("0")));
    EXPECT_EQ(idle_changes[3].second, "1");
    EXPECT_EQ(idle_changes[4], std::make_pair(uint64_t{2000000} * period_ps, std::string("0")));
}

TEST_F(NetworkRun, VcdIsAcceptedByGtkwaveTools) {
    if (!have_program("vcd2fst") || !have_program("fst2vcd")) GTEST_SKIP() << "vcd2fst / fst2vcd (gtkwave) not installed";
    const fs::path vcd = path("g.vcd"), fst = path("g.fst");
    run_report(kJet, kJetInputs, {"--samples", "5", "--vcd", vcd.string()});
    const std::string cmd = "vcd2fst " + quote(vcd.string()) + " " + quote(fst.string()) + " >/dev/null 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    ASSERT_TRUE(fs::exists(fst));
    // vcd2fst exits 0 even on garbage: read the FST back and compare the variables and the clock.
    const fs::path back = path("back.vcd");
    ASSERT_EQ(std::system(("fst2vcd " + quote(fst.string()) + " >" + quote(back.string()) + " 2>/dev/null").c_str()), 0);
    const Vcd a = parse_vcd(read_text(vcd)), b = parse_vcd(read_text(back));
    EXPECT_EQ(a.vars.size(), b.vars.size());
    std::set<std::string> pa, pb;
    for (const auto& [c, var] : a.vars) pa.insert(var.path);
    for (const auto& [c, var] : b.vars) pb.insert(var.path);
    EXPECT_EQ(pa, pb);
    EXPECT_EQ(at_rising_edges(a, id_of(a, "tlm4ml.clk")).size(), at_rising_edges(b, id_of(b, "tlm4ml.clk")).size());
}

TEST_F(NetworkRun, TraceFilterAndTraceElementsLimitTheSignals) {
    const fs::path vcd = path("f.vcd");
    run_report(kJet, kJetInputs, {"--samples", "4", "--vcd", vcd.string(), "--trace-filter", "fc1*"});
    Vcd v = parse_vcd(read_text(vcd));
    std::set<std::string> scopes(v.scopes.begin(), v.scopes.end());
    EXPECT_EQ(scopes, (std::set<std::string>{"tlm4ml", "tlm4ml.fc1_relu", "tlm4ml.fc1_relu_out", "tlm4ml.fc1_relu_relu",
                                             "tlm4ml.fc1_relu_relu_out"}));
    for (const auto& [c, var] : v.vars)
        EXPECT_TRUE(var.path == "tlm4ml.clk" || var.path == "tlm4ml.idle" || var.path.rfind("tlm4ml.fc1", 0) == 0) << var.path;
    EXPECT_EQ(gtkw_groups(read_text(path("f.gtkw"))), (std::vector<std::string>{"fc1_relu", "fc1_relu_relu"}));

    // Two patterns, spaces allowed; a channel may be selected on its own.
    run_report(kJet, kJetInputs, {"--samples", "4", "--vcd", vcd.string(), "--trace-filter", "input_1, output_softmax_softmax"});
    v = parse_vcd(read_text(vcd));
    scopes = std::set<std::string>(v.scopes.begin(), v.scopes.end());
    EXPECT_EQ(scopes, (std::set<std::string>{"tlm4ml", "tlm4ml.input_1", "tlm4ml.output_softmax_softmax",
                                             "tlm4ml.output_softmax_softmax_out"}));

    // --trace-elements 2 --trace-raw: two raw_ and two real_ signals per channel, whatever its width.
    run_report(kJet, kJetInputs, {"--samples", "4", "--vcd", vcd.string(), "--trace-elements", "2", "--trace-raw"});
    v = parse_vcd(read_text(vcd));
    std::map<std::string, std::set<std::string>> per_channel;
    for (const auto& [c, var] : v.vars) {
        const size_t dot = var.path.rfind('.');
        const std::string leaf = var.path.substr(dot + 1);
        if (leaf.rfind("raw_", 0) == 0 || leaf.rfind("real_", 0) == 0) per_channel[var.path.substr(0, dot)].insert(leaf);
    }
    EXPECT_EQ(per_channel.size(), 9u);
    for (const auto& [ch, leaves] : per_channel)
        EXPECT_EQ(leaves, (std::set<std::string>{"raw_0", "raw_1", "real_0", "real_1"})) << ch;

    // --trace-elements 0: every element, real values only (no --trace-raw).
    run_report(kJet, kJetInputs, {"--samples", "4", "--vcd", vcd.string(), "--trace-elements", "0"});
    v = parse_vcd(read_text(vcd));
    size_t reals = 0, raws = 0;
    for (const auto& [c, var] : v.vars) {
        reals += var.path.find(".real_") != std::string::npos;
        raws += var.path.find(".raw_") != std::string::npos;
    }
    EXPECT_EQ(reals, 16u + 64 + 64 + 32 + 32 + 32 + 32 + 5 + 5);
    EXPECT_EQ(raws, 0u);
}
