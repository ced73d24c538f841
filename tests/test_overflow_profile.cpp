// Per-layer overflow counts (layers/arithmetic/overflow_profile.h) against counts worked out independently: a Dense
// y = 2·x0 − x1 in ap_fixed<8,3> (range [−4, 3.96875]) fed values on its 2^−5 grid, so the exact y is known
// and it overflows exactly when it leaves the range; a ReLU into ap_ufixed<4,1> (range [0, 1.875]) after it
// overflows exactly when the (already wrapped) Dense output exceeds 1.875. Also: the warning names its type and
// the layer, and the softmax (whose tables depend on its input's width) is not measured.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "models/model.h"
#include "layers/arithmetic/reference.h"
#include "models/load_model.h"
#include "layers/arithmetic/overflow_profile.h"
#include "rtl_models/quantize.h"

namespace fs = std::filesystem;

namespace {

// ap_fixed<8,3> TRN/WRAP of a value on its grid: wrap modulo 8 into [−4, 4).
double wrap8_3(double v) {
    double w = std::fmod(v + 4.0, 8.0);
    if (w < 0) w += 8.0;
    return w - 4.0;
}

TEST(OverflowProfile, CountsEqualAnIndependentCount) {
    const fs::path dir = fs::temp_directory_path() / ("tlm4ml_overflow_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const fs::path model_path = dir / "m.json";
    std::ofstream(model_path) << R"({
  "name": "ovf", "clock_period_ns": 5, "default_precision": "ap_fixed<16,6>",
  "input": {"shape": [2], "precision": "ap_fixed<12,5>"},
  "layers": [
    {"name": "fc", "class": "Dense", "units": 1, "kernel": [[2], [-1]], "bias": [0],
     "precision": {"weight": "ap_fixed<8,3>", "bias": "ap_fixed<8,3>", "accum": "ap_fixed<8,3>", "result": "ap_fixed<8,3>"}},
    {"name": "act", "class": "Activation", "activation": "relu", "precision": {"result": "ap_ufixed<4,1>"}},
    {"name": "sm", "class": "Softmax"}
  ]
})";
    const tlm4ml::Model m = tlm4ml::load_model(model_path.string());
    tlm4ml::OverflowProfile profile(model_path.string(), m);
    std::mt19937 rng(20261204);  // fixed seed
    std::uniform_int_distribution<int> grid(-96, 95);  // x in [−3, 2.97] on the 2^−5 grid
    std::cout << "seed 20261204\n";
    uint64_t want_fc = 0, want_act = 0;
    const size_t n = 500;
    std::vector<std::vector<int64_t>> trace;
    for (size_t s = 0; s < n; ++s) {
        const double x0 = grid(rng) / 32.0, x1 = grid(rng) / 32.0;
        const double y = 2 * x0 - x1;  // exact on the grid of ap_fixed<8,3>
        want_fc += y < -4.0 || y > 3.96875;
        // ReLU of the wrapped value into ap_ufixed<4,1> (LSB 0.125, TRN): overflow above 1.875.
        const double r = std::max(0.0, wrap8_3(y));
        want_act += std::floor(r * 8) / 8 > 1.875;
        const std::vector<int64_t> in = {tlm4ml::quantize_double(x0, m.input_precision),
                                         tlm4ml::quantize_double(x1, m.input_precision)};
        tlm4ml::forward(m, in, &trace);
        profile.observe(in, trace);
    }
    const auto& c = profile.layers();
    ASSERT_EQ(c.size(), 3u);
    EXPECT_EQ(c[0].layer, "fc");
    EXPECT_TRUE(c[0].measured);
    EXPECT_EQ(c[0].values, n);
    EXPECT_EQ(c[0].overflowed, want_fc);
    EXPECT_GT(want_fc, 50u);  // the data set does overflow
    EXPECT_TRUE(c[1].measured);
    EXPECT_EQ(c[1].overflowed, want_act);
    EXPECT_GT(want_act, 0u);
    EXPECT_FALSE(c[2].measured);  // softmax
    const auto w = profile.warnings(0.01);
    ASSERT_FALSE(w.empty());
    EXPECT_NE(w[0].find("layer \"fc\": " + std::to_string(want_fc) + " of 500"), std::string::npos) << w[0];
    EXPECT_NE(w[0].find("ap_fixed<8,3>"), std::string::npos) << w[0];
    fs::remove_all(dir);
}

}  // namespace
