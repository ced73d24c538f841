// hls4ml's Backend picks the timing profile, ClockUncertainty changes the schedule, and `import` keeps both (and
// Part, InputData, OutputPredictions) in the model file: models/hls4ml/backend_profile.h, project_keys.h.
//
// The figures are the cost model's on the jet tagger 16-64-32-32-5 (ap_fixed<16,6>, R 1, 5 ns; README "How
// tlm4ml counts cycles"): Vitis 14 cycles (input register, 4 Dense of 1 + a register, softmax 4 + a register),
// Vivado 2019.2 10 (input and output registers only). With 60% uncertainty the usable 2 ns no longer hold a
// product and a 5-to-7-level adder tree (1 + 0.35 * levels ns > 2 ns): every Dense takes 2 cycles and the
// softmax's 1/x product stage 2, so Vitis gives 1 + 4 * 3 + (2 + 1 + 2 + 1) = 19 and Vivado 1 + 4 * 2 + 5 + 1 = 15.
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "models/hls4ml/backend_profile.h"
#include "tests/support/numbers_in_text.h"
#include "tests/support/test_support.h"

namespace {

using nlohmann::json;
using namespace tlm4ml_test;

const fs::path kSource = TLM4ML_SOURCE_DIR;
const fs::path kJetTagger = kSource / "testbenches" / "models" / "jet_tagger.json";
const fs::path kJetInputs = kSource / "testbenches" / "models" / "jet_tagger_inputs.dat";
const fs::path kKeras = fs::path(TLM4ML_SHARED_DIR) / "data" / "example-models" / "keras";

std::string thrown(const std::string& value, const std::string& where) {
    try {
        tlm4ml::canonical_backend(value, where);
    } catch (const tlm4ml::ModelError& e) {
        return e.what();
    }
    return "";
}

TEST(BackendNames, Hls4mlsNamesWithoutCase) {
    EXPECT_EQ(tlm4ml::canonical_backend("Vivado", "c.yml: Backend"), "Vivado");
    EXPECT_EQ(tlm4ml::canonical_backend("VIVADO", "c.yml: Backend"), "Vivado");
    EXPECT_EQ(tlm4ml::canonical_backend("vivadoaccelerator", "c.yml: Backend"), "VivadoAccelerator");
    EXPECT_EQ(tlm4ml::canonical_backend("vitis", "c.yml: Backend"), "Vitis");
    // hls4ml's other backends are refused by name with the reason, unknown names as unknown.
    for (const char* other : {"Quartus", "oneAPI", "Catapult", "Libero", "SymbolicExpression"}) {
        const std::string e = thrown(other, "c.yml: Backend");
        EXPECT_EQ(e.rfind("c.yml: Backend: \"" + std::string(other) + "\": hls4ml's " + other + " backend", 0), 0u) << e;
        EXPECT_NE(e.find("tlm4ml models the Vivado, VivadoAccelerator and Vitis backends"), std::string::npos) << e;
    }
    const std::string e = thrown("Vivaldi", "m.json: backend");
    EXPECT_EQ(e.rfind("m.json: backend: \"Vivaldi\": not an hls4ml backend", 0), 0u) << e;
}

TEST(BackendProfileChoice, BackendOptionAndUncertainty) {
    tlm4ml::Model m;
    m.source_file = "c.yml";
    auto c = tlm4ml::choose_device_profile("", m);  // no backend: tlm4ml's default
    EXPECT_EQ(c.profile.name, "vitis-2024.1-200MHz");
    EXPECT_EQ(c.source, "tlm4ml's default (no backend named)");
    EXPECT_EQ(c.uncertainty_source, "27%, the profile's default");

    m.backend = "Vivado";
    m.backend_origin = "Backend: Vivado in c.yml";
    c = tlm4ml::choose_device_profile("", m);
    EXPECT_EQ(c.profile.name, "vivado-2019.2-200MHz");
    EXPECT_DOUBLE_EQ(c.profile.clock_uncertainty, 0.125);
    EXPECT_EQ(c.source, "Backend: Vivado in c.yml: Vivado HLS");
    EXPECT_EQ(c.uncertainty_source, "12.5%, hls4ml's Vivado default");

    m.backend = "VivadoAccelerator";  // Vivado's build with AXI wrappers around the same IP
    EXPECT_EQ(tlm4ml::choose_device_profile("", m).profile.name, "vivado-2019.2-200MHz");

    m.backend = "Vitis";
    m.backend_origin = "Backend: Vitis in c.yml";
    c = tlm4ml::choose_device_profile("", m);
    EXPECT_EQ(c.profile.name, "vitis-2024.1-200MHz");
    EXPECT_DOUBLE_EQ(c.profile.clock_uncertainty, 0.27);
    EXPECT_EQ(c.uncertainty_source, "27%, hls4ml's Vitis default");

    // --profile overrides the backend, and says so; ClockUncertainty applies on any profile.
    c = tlm4ml::choose_device_profile("vivado2019", m);
    EXPECT_EQ(c.profile.name, "vivado-2019.2-200MHz");
    EXPECT_EQ(c.source, "--profile vivado2019 (overrides Backend: Vitis in c.yml)");
    m.clock_uncertainty = 0.2;
    c = tlm4ml::choose_device_profile("vivado2019", m);
    EXPECT_DOUBLE_EQ(c.profile.clock_uncertainty, 0.2);
    EXPECT_EQ(c.uncertainty_source, "20%, ClockUncertainty of c.yml");
}

// Under Vivado HLS the two io_stream layers whose template loops carry no PIPELINE pragma are named: their
// II of 1 is what Vitis HLS's automatic loop pipelining gives, a lower bound for Vivado HLS.
TEST(BackendProfileChoice, VivadoNamesTheStreamLayersWithoutPipelinePragma) {
    json kernel = json::array();
    for (int a = 0; a < 3; ++a) kernel.push_back(json::array({{{0.25}}, {{-0.5}}, {{0.125}}}));
    const json j = {{"io_type", "io_stream"},
                    {"input", {{"shape", {4, 4, 1}}}},
                    {"layers",
                     {{{"name", "conv"}, {"class", "Conv2D"}, {"filters", 1}, {"kernel_size", 3}, {"padding", "same"},
                       {"kernel", kernel}, {"bias", {0.0}}},
                      {{"name", "gap"}, {"class", "GlobalAveragePooling2D"}}}}};
    tlm4ml::Model m = tlm4ml::load_model_json(j, "s.json", ".");
    m.backend = "Vivado";
    m.backend_origin = "\"backend\": \"Vivado\" in s.json";
    auto c = tlm4ml::choose_device_profile("", m);
    ASSERT_EQ(c.notes.size(), 2u);
    EXPECT_EQ(c.notes[0].rfind("layer \"zp2d_conv\" (ZeroPadding2D): hls4ml's zeropad1d_cl / zeropad2d_cl", 0), 0u)
        << c.notes[0];
    EXPECT_EQ(c.notes[1].rfind("layer \"gap\" (GlobalAveragePooling2D): the read loop of hls4ml's global_pooling2d_cl", 0),
              0u)
        << c.notes[1];
    EXPECT_TRUE(tlm4ml::choose_device_profile("vitis", m).notes.empty());
    m.backend = "Vitis";
    EXPECT_TRUE(tlm4ml::choose_device_profile("", m).notes.empty());
}

class BackendRun : public TempDirTest {
protected:
    BackendRun() : TempDirTest("tlm4ml_backend_") {}

    // The jet tagger's model file with extra top-level keys.
    fs::path jet_model(const json& extra, const std::string& name = "jet.json") {
        json j = json::parse(read_text(kJetTagger));
        for (auto it = extra.begin(); it != extra.end(); ++it) j[it.key()] = it.value();
        return write_file(name, j.dump());
    }
    // `run MODEL` on the shipped jet inputs: exit 0 expected; returns stdout.
    std::string run(const std::string& model_arg, const std::string& more = "") {
        const RunResult r = tlm4ml("run " + model_arg + " --inputs " + shell_quote(kJetInputs.string()) + more);
        EXPECT_EQ(r.code, 0) << r.out << r.err;
        return r.out;
    }
    static int first_latency(const std::string& out) {
        const std::string cycles = digits_between(out, "input accepted -> output: first ", " cycles");
        return cycles.empty() ? -1 : std::stoi(cycles);
    }
    // The summary's profile line, its continuation lines (indented under it) joined by spaces.
    static std::string profile_line(const std::string& out) {
        const size_t at = out.rfind("profile      ", 0) == 0 ? 0 : out.find("\nprofile      ");
        if (at == std::string::npos) return "";
        std::string text;
        size_t pos = at + (at == 0 && out[0] == 'p' ? 0 : 1) + 13;
        for (;;) {
            const size_t end = out.find('\n', pos);
            text += (text.empty() ? "" : " ") + out.substr(pos, end - pos);
            if (end == std::string::npos || out.compare(end + 1, 13, std::string(13, ' ')) != 0) break;
            pos = end + 1 + 13;
        }
        return text;
    }
};

TEST_F(BackendRun, ModelFileBackendPicksTheProfile) {
    const fs::path none = jet_model(json::object(), "none.json");
    std::string out = run(shell_quote(none.string()));
    EXPECT_EQ(first_latency(out), 14) << out;
    EXPECT_EQ(profile_line(out),
              "vitis-2024.1-200MHz from tlm4ml's default (no backend named); clock uncertainty 27%, the profile's default");

    const fs::path vivado = jet_model({{"backend", "Vivado"}}, "vivado.json");
    out = run(shell_quote(vivado.string()));
    EXPECT_EQ(first_latency(out), 10) << out;
    EXPECT_EQ(profile_line(out), "vivado-2019.2-200MHz from \"backend\": \"Vivado\" in " + vivado.string() +
                                     ": Vivado HLS; clock uncertainty 12.5%, hls4ml's Vivado default");

    // --profile overrides it.
    out = run(shell_quote(vivado.string()), " --profile vitis");
    EXPECT_EQ(first_latency(out), 14) << out;
    EXPECT_NE(profile_line(out).find("from --profile vitis (overrides \"backend\": \"Vivado\" in"), std::string::npos)
        << out;

    const fs::path tight = jet_model({{"backend", "vitis"}, {"clock_uncertainty", 0.6}}, "tight.json");
    out = run(shell_quote(tight.string()), " --report " + at("r.json"));
    EXPECT_EQ(first_latency(out), 19) << out;
    const json rep = json::parse(read_text(dir_ / "r.json"));
    EXPECT_EQ(rep["device_profile"], "vitis-2024.1-200MHz");
    EXPECT_EQ(rep["clock_uncertainty"], "60%, ClockUncertainty of " + tight.string());
    const fs::path tight_vivado = jet_model({{"backend", "Vivado"}, {"clock_uncertainty", 0.6}}, "tight_vivado.json");
    EXPECT_EQ(first_latency(run(shell_quote(tight_vivado.string()))), 15);
}

TEST_F(BackendRun, ModelFileKeysAreCheckedByName) {
    const struct {
        json extra;
        std::string message;
    } cases[] = {
        {{{"backend", "Quartus"}}, ": backend: \"Quartus\": hls4ml's Quartus backend"},
        {{{"backend", 3}}, ": backend: expected a non-empty string"},
        {{{"clock_uncertainty", 0.95}}, ": clock_uncertainty: expected a share of the clock period in [0, 0.9)"},
        {{{"clock_uncertainty", "12.5%"}}, ": clock_uncertainty: expected a share of the clock period"},
        {{{"input_data", ""}}, ": input_data: expected a non-empty string"},
    };
    for (const auto& c : cases) {
        const fs::path p = jet_model(c.extra, "bad.json");
        const RunResult r = tlm4ml("run " + shell_quote(p.string()) + " --samples 2");
        EXPECT_EQ(r.code, 1) << c.extra.dump() << r.out << r.err;
        EXPECT_NE(r.err.find(p.string() + c.message), std::string::npos) << c.extra.dump() << "\n" << r.err;
    }
}

TEST_F(BackendRun, ModelFileInputDataIsRelativeToTheFile) {
    fs::create_directories(dir_ / "data");
    fs::copy_file(kJetInputs, dir_ / "data" / "in.dat");
    const fs::path p = jet_model({{"input_data", "data/in.dat"}});
    const RunResult r = tlm4ml("run " + shell_quote(p.string()) + " --outputs " + at("a.dat"));
    ASSERT_EQ(r.code, 0) << r.out << r.err;
    const RunResult direct = tlm4ml("run " + shell_quote(p.string()) + " --inputs " + shell_quote(kJetInputs.string()) +
                                    " --outputs " + at("b.dat"));
    ASSERT_EQ(direct.code, 0) << direct.err;
    EXPECT_EQ(read_text(dir_ / "a.dat"), read_text(dir_ / "b.dat"));
    EXPECT_NE(r.out.find("100 of 100 samples"), std::string::npos) << r.out;  // the file's 100 jets, not random ones
}

// The YAML: Backend (or hls4ml's default, Vivado), ClockUncertainty in % and ns, and `import` keeping them.
class BackendYaml : public BackendRun {
protected:
    fs::path config(const std::string& top) {
        return write_file("cfg.yml", "KerasJson: " + (kKeras / "KERAS_3layer.json").string() + "\nKerasH5: " +
                                         (kKeras / "KERAS_3layer_weights.h5").string() +
                                         "\nClockPeriod: 5\nIOType: io_parallel\n" + top +
                                         "HLSConfig:\n  Model:\n    Precision: ap_fixed<16,6>\n    ReuseFactor: 1\n");
    }
    void SetUp() override {
        BackendRun::SetUp();
        if (!fs::exists(kKeras / "KERAS_3layer.json")) GTEST_SKIP() << "needs " << kKeras.string() << "; absent";
    }
};

TEST_F(BackendYaml, WithoutBackendHls4mlBuildsWithVivado) {
    const fs::path cfg = config("");
    const std::string out = run(shell_quote(cfg.string()));
    EXPECT_EQ(first_latency(out), 10) << out;
    EXPECT_EQ(profile_line(out), "vivado-2019.2-200MHz from hls4ml's default backend, Vivado (no Backend in " +
                                     cfg.string() + "): Vivado HLS; clock uncertainty 12.5%, hls4ml's Vivado default");
    EXPECT_EQ(first_latency(run(shell_quote(config("Backend: Vitis\n").string()))), 14);
}

TEST_F(BackendYaml, ClockUncertaintyInPercentAndNanoseconds) {
    EXPECT_EQ(first_latency(run(shell_quote(config("Backend: Vitis\nClockUncertainty: 60%\n").string()))), 19);
    EXPECT_EQ(first_latency(run(shell_quote(config("Backend: Vitis\nClockUncertainty: 3\n").string()))), 19);  // ns
    EXPECT_EQ(first_latency(run(shell_quote(config("Backend: Vivado\nClockUncertainty: '60%'\n").string()))), 15);
    // 12.5% is Vivado's default: the same schedule as without the key.
    EXPECT_EQ(first_latency(run(shell_quote(config("Backend: Vivado\nClockUncertainty: 12.5%\n").string()))), 10);
}

TEST_F(BackendYaml, ImportKeepsTheProjectSettingsAndRunsTheSame) {
    fs::create_directories(dir_ / "tb");
    fs::copy_file(kJetInputs, dir_ / "tb" / "in.dat");
    const fs::path cfg = config("Backend: Vivado\nClockUncertainty: 60%\nPart: xcvu9p-flga2577-2-e\n"
                                "InputData: tb/in.dat\nOutputPredictions: tb/out.dat\n");
    fs::create_directories(dir_ / "out");
    const RunResult imp = tlm4ml("import " + shell_quote(cfg.string()) + " -o " + at("out/model.json"));
    ASSERT_EQ(imp.code, 0) << imp.err;
    const json j = json::parse(read_text(dir_ / "out" / "model.json"));
    EXPECT_EQ(j["backend"], "Vivado");
    EXPECT_DOUBLE_EQ(j["clock_uncertainty"].get<double>(), 0.6);
    EXPECT_EQ(j["part"], "xcvu9p-flga2577-2-e");
    EXPECT_EQ(j["input_data"], "../tb/in.dat");  // relative to the model file's folder
    EXPECT_EQ(j["output_predictions"], "../tb/out.dat");

    // Both read tb/in.dat (no --inputs) and give the same outputs, schedule and device line.
    const RunResult a = tlm4ml("run " + shell_quote(cfg.string()) + " --outputs " + at("a.dat"));
    const RunResult b = tlm4ml("run " + at("out/model.json") + " --outputs " + at("b.dat"));
    ASSERT_EQ(a.code, 0) << a.err;
    ASSERT_EQ(b.code, 0) << b.err;
    EXPECT_EQ(read_text(dir_ / "a.dat"), read_text(dir_ / "b.dat"));
    EXPECT_EQ(first_latency(a.out), 15) << a.out;
    EXPECT_EQ(first_latency(b.out), 15) << b.out;
    EXPECT_NE(a.out.find("100 of 100 samples"), std::string::npos) << a.out;
    EXPECT_NE(b.out.find("100 of 100 samples"), std::string::npos) << b.out;
    EXPECT_NE(b.out.find("xcvu9p"), std::string::npos) << b.out;  // the resources as % of the Part
    // tb/out.dat does not exist: hls4ml's testbench compares nothing then, and says nothing; tlm4ml says so.
    EXPECT_NE(a.err.find("note: OutputPredictions " + (dir_ / "tb" / "out.dat").string() + " does not exist"),
              std::string::npos) << a.err;
}

}  // namespace
