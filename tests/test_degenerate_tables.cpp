// Table activations that cannot depend on their input are named when the model is loaded
// (models/checks/degenerate_firmware.h), as the stable softmax's exp table is. hls4ml's sigmoid / tanh
// (nnet_activation.h) read a table of sigmoid / tanh values and cast the entry to res_T; the cases below are
// decided from the functions themselves, not from tlm4ml's tables:
//   * sigmoid on ap_ufixed<8,0> inputs (0 <= x < 1) lies in [0.5, 0.732); truncated into ap_fixed<2,1> (steps
//     of 0.5) every output is 0.5;
//   * tanh on ap_ufixed<4,-4> inputs (0 <= x < 2^-4) lies in [0, 0.0625); truncated into ap_fixed<4,1> (steps of
//     0.125) every output is 0.
// With ap_fixed<8,1> results the same inputs give several outputs and nothing is said, also for a 32-bit
// input type (checked on sampled codes rather than all of them).
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "models/checks/degenerate_firmware.h"
#include "models/model.h"
#include "tests/support/test_support.h"

namespace {

using nlohmann::json;
using namespace tlm4ml_test;

json table_model(const std::string& act, const std::string& in_type, const std::string& result) {
    return {{"name", "t"},
            {"input", {{"shape", {4}}, {"precision", in_type}}},
            {"layers", {{{"name", "act"}, {"class", "Activation"}, {"activation", act}, {"precision", {{"result", result}}}}}}};
}

std::vector<std::string> warnings(const json& j) {
    return tlm4ml::table_warnings(tlm4ml::load_model_json(j, "t.json", "."));
}

TEST(DegenerateTables, ConstantSigmoidAndTanhAreNamed) {
    auto w = warnings(table_model("sigmoid", "ap_ufixed<8,0>", "ap_fixed<2,1>"));
    ASSERT_EQ(w.size(), 1u);
    EXPECT_EQ(w[0].rfind("layer \"act\" (Activation, sigmoid): its 1024-entry table gives 0.5 for every input of its "
                         "type ap_ufixed<8,0>",
                         0),
              0u)
        << w[0];
    w = warnings(table_model("tanh", "ap_ufixed<4,-4>", "ap_fixed<4,1>"));
    ASSERT_EQ(w.size(), 1u);
    EXPECT_NE(w[0].find("(Activation, tanh): its 1024-entry table gives 0 for every input of its type ap_ufixed<4,-4>"),
              std::string::npos)
        << w[0];
}

TEST(DegenerateTables, TablesThatDependOnTheirInputAreNotNamed) {
    EXPECT_TRUE(warnings(table_model("sigmoid", "ap_ufixed<8,0>", "ap_fixed<8,1>")).empty());
    EXPECT_TRUE(warnings(table_model("tanh", "ap_ufixed<4,-4>", "ap_fixed<8,1>")).empty());
    EXPECT_TRUE(warnings(table_model("sigmoid", "ap_fixed<32,16>", "ap_fixed<8,1>")).empty());  // sampled codes
    EXPECT_TRUE(warnings(table_model("softsign", "ap_fixed<16,6>", "ap_fixed<16,6>")).empty());
}

class DegenerateTablesCli : public TempDirTest {
protected:
    DegenerateTablesCli() : TempDirTest("tlm4ml_degenerate_") {}
};

TEST_F(DegenerateTablesCli, PredictWarnsAndEveryOutputIsTheConstant) {
    const fs::path m = write_file("sig.json", table_model("sigmoid", "ap_ufixed<8,0>", "ap_fixed<2,1>").dump());
    const fs::path in = write_file("in.dat", "0 0.25 0.5 0.99\n0.01 0.75 0.125 0.375\n");
    const RunResult r = tlm4ml("predict " + shell_quote(m.string()) + " --inputs " + shell_quote(in.string()) +
                               " --outputs " + at("out.dat"));
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.err.find("layer \"act\" (Activation, sigmoid): its 1024-entry table gives 0.5"), std::string::npos)
        << r.err;
    EXPECT_EQ(parse_rows(read_text(dir_ / "out.dat")),
              (std::vector<std::vector<double>>{{0.5, 0.5, 0.5, 0.5}, {0.5, 0.5, 0.5, 0.5}}));
}

}  // namespace
