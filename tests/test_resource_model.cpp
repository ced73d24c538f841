// The structural resource model (rtl_models/resource_model.h), the FPGA part table (rtl_models/fpga_parts.h)
// and the calibration against published reports (bench/resource_calibration.csv; README, "Resources: what
// the network needs"): every row with a stated bound must stay inside it.
#include <algorithm>
#include <chrono>
#include <climits>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "models/model.h"
#include "rtl_models/cost_model.h"
#include "rtl_models/fpga_parts.h"
#include "rtl_models/hls_csynth_count.h"
#include "rtl_models/resource_model.h"
#include "testbenches/report/resource_calibration.h"
#include "testbenches/report/resource_report.h"

namespace fs = std::filesystem;
using namespace tlm4ml;
using Kind = LayerCostInputs::Kind;

namespace {

const std::string kSource = TLM4ML_SOURCE_DIR;
const std::string kCalibration = kSource + "/bench/resource_calibration.csv";

// Prodinger's closed form of the non-adjacent form: n's NAF has digit +1 where np has a one, -1 where nm has.
int naf_weight_reference(int64_t n) {
    const uint64_t x = n < 0 ? ~static_cast<uint64_t>(n) + 1 : static_cast<uint64_t>(n);
    const unsigned __int128 xh = x >> 1, x3 = x + xh;
    const unsigned __int128 c = xh ^ x3;
    const unsigned __int128 np = x3 & c, nm = xh & c;
    auto pop = [](unsigned __int128 v) {
        return __builtin_popcountll(static_cast<uint64_t>(v)) + __builtin_popcountll(static_cast<uint64_t>(v >> 64));
    };
    return pop(np) + pop(nm);
}

LayerCostInputs dense16(size_t n_in, size_t n_out, int rf = 1, Strategy s = Strategy::Latency) {
    LayerCostInputs c;
    c.kind = Kind::Dense;
    c.n_in = n_in;
    c.n_out = n_out;
    c.reuse_factor = rf;
    c.strategy = s;
    return c;
}

ResourceEstimate estimate(const LayerCostInputs& c, const ResourceProfile& rp = ResourceProfile{}) {
    const DeviceProfile p;
    return layer_resources(c, layer_cost(c, p, 5.0), p.dsp_min_operand_bits, rp);
}

}  // namespace

TEST(ResourceModel, CsdDigitsOfKnownConstants) {
    EXPECT_EQ(csd_digits(0), 0);
    EXPECT_EQ(csd_digits(1), 1);
    EXPECT_EQ(csd_digits(64), 1);
    EXPECT_EQ(csd_digits(3), 2);    // 4 - 1
    EXPECT_EQ(csd_digits(7), 2);    // 8 - 1
    EXPECT_EQ(csd_digits(11), 3);   // 16 - 4 - 1
    EXPECT_EQ(csd_digits(-7), 2);
    EXPECT_EQ(csd_digits(0x5555), 8);  // alternating bits: no run to fold
    EXPECT_EQ(csd_digits(INT64_MAX), 2);  // 2^63 - 1
    EXPECT_EQ(csd_digits(INT64_MIN), 1);
}

TEST(ResourceModel, CsdDigitsMatchTheClosedFormOnRandomValues) {
    const unsigned seed = 1313;
    std::printf("seed %u\n", seed);
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<int64_t> dist(-(int64_t{1} << 40), int64_t{1} << 40);
    for (int i = 0; i < 20000; ++i) {
        const int64_t v = dist(rng);
        ASSERT_EQ(csd_digits(v), naf_weight_reference(v)) << v;
    }
}

TEST(ResourceModel, BlockRamCountFollowsTheAspectRatios) {
    EXPECT_EQ(bram18_for(0, 16), 0u);
    EXPECT_EQ(bram18_for(1024, 18), 1u);  // hls4ml's default activation table
    EXPECT_EQ(bram18_for(512, 36), 1u);
    EXPECT_EQ(bram18_for(513, 36), 2u);
    EXPECT_EQ(bram18_for(10000, 16), 10u);   // 1024 x 18 or 2048 x 9 shapes
    EXPECT_EQ(bram18_for(2, 8000), 223u);    // a wide shallow ROM: 36 bits per block
    EXPECT_EQ(bram18_for(20000, 1), 2u);     // 16384 x 1
}

TEST(ResourceModel, FifosMapToRegistersSrlsOrBlockRam) {
    const ResourceEstimate reg = fifo_resources(1, 160);
    EXPECT_EQ(reg.ff, 160u);
    EXPECT_EQ(reg.lut + reg.bram18, 0u);
    const ResourceEstimate srl = fifo_resources(16, 48);
    EXPECT_EQ(srl.bram18, 0u);
    EXPECT_EQ(srl.lut, 48u + 8u);  // one SRL32 per bit plus the pointer
    const ResourceEstimate bram = fifo_resources(1024, 48);  // a 32x32 image of 3 channels
    EXPECT_EQ(bram.bram18, bram18_for(1024, 48));
    EXPECT_EQ(bram.bram18, 3u);
}

TEST(ResourceModel, UnrolledConstantsByTheirDigits) {
    LayerCostInputs c = dense16(8, 4);  // 32 weights
    c.weight_csd_histogram[0] = 10;     // zeros vanish
    c.weight_csd_histogram[1] = 5;      // powers of two: wiring
    c.weight_csd_histogram[2] = 7;      // one shift-add each
    c.weight_csd_histogram[3] = 6;      // DSPs (>= dsp_min_csd_digits)
    c.weight_csd_histogram[5] = 4;
    c.n_zero_weights = 10;
    const ResourceProfile rp;
    ASSERT_EQ(rp.dsp_min_csd_digits, 3);
    const ResourceEstimate r = estimate(c);
    EXPECT_EQ(r.dsp, 10u);
    // 7 shift-adds and a tree over 22 terms + 4 biases, 16 bits, at half a LUT per bit (ternary adders)
    EXPECT_EQ(r.lut, static_cast<size_t>(std::llround(7 * 16 * 0.5)) + static_cast<size_t>((22 + 4 - 1) * 16 * 0.5));

    // Narrow operands: no DSP, the 3- and 5-digit constants become shift-add chains too.
    c.data_width = 8;
    const ResourceEstimate n = estimate(c);
    EXPECT_EQ(n.dsp, 0u);
    EXPECT_GT(n.lut, r.lut);

    // Unknown weights: every multiplier the cost model counts is a DSP (the previous rule).
    LayerCostInputs u = dense16(8, 4);
    EXPECT_EQ(estimate(u).dsp, 32u);
}

TEST(ResourceModel, ResourceStrategyWeightsInBlockRamOnlyWhenDeep) {
    const DeviceProfile p;
    // 16 x 64 at R = 128: 8 multipliers, a ROM 8 x 16 = 128 bits wide and 128 deep: four 512 x 36 blocks.
    LayerCostInputs deep = dense16(16, 64, 128, Strategy::Resource);
    const ResourceEstimate d = estimate(deep);
    EXPECT_EQ(d.dsp, 8u);
    EXPECT_EQ(d.bram18, 4u);
    // R = 32: the ROM is 32 deep, distributed (LUTs), no block RAM.
    LayerCostInputs shallow = dense16(16, 64, 32, Strategy::Resource);
    const ResourceEstimate s = estimate(shallow);
    EXPECT_EQ(s.dsp, 32u);
    EXPECT_EQ(s.bram18, 0u);
    // The 2019 template forced block RAM.
    EXPECT_EQ(estimate(shallow, ResourceProfile::hls4ml_2019()).bram18, bram18_for(32, 32 * 16));
}

TEST(ResourceModel, TablesAreReplicatedPerTwoReads) {
    LayerCostInputs t;
    t.kind = Kind::TableActivation;
    t.n_in = t.n_out = 64;
    EXPECT_EQ(estimate(t).bram18, 32u);  // the hls4ml Vitis 2024.1 baselines: 32 BRAM_18K for 64 sigmoids
    EXPECT_EQ(estimate(t, ResourceProfile::hls4ml_2019()).bram18, 64u);
    LayerCostInputs s;
    s.kind = Kind::Softmax;
    s.n_in = s.n_out = 5;
    EXPECT_EQ(estimate(s).bram18, 3u + 1u);  // exp table per two elements, one 1/x table
    LayerCostInputs relu;
    relu.kind = Kind::Activation;
    relu.n_in = relu.n_out = 64;
    const ResourceEstimate r = estimate(relu);
    EXPECT_EQ(r.bram18 + r.dsp, 0u);
    EXPECT_EQ(r.lut, 64u * 16u / 2u);
}

TEST(ResourceModel, StreamConvolutionKeepsALineBuffer) {
    LayerCostInputs c;
    c.kind = Kind::Conv;
    c.n_in = 34 * 34 * 3;
    c.n_out = 32 * 32 * 16;
    c.mult_n_in = 27;
    c.mult_n_out = 16;
    c.line_buffer_depth = 34;        // a padded row
    c.line_buffer_values = 2 * 3;    // two rows of 3 channels
    const ResourceEstimate parallel = estimate(c);
    c.io_stream = true;
    const ResourceEstimate stream = estimate(c);
    EXPECT_EQ(stream.bram18, parallel.bram18);           // shift registers, not block RAM
    EXPECT_EQ(stream.lut - parallel.lut, 6u * 16u * 2u);  // 34 deep: two chained SRL32 per bit
    EXPECT_EQ(stream.ff - parallel.ff, 27u * 16u);        // the window registers
}

TEST(FpgaParts, KnowsThePartsThePapersUse) {
    for (const char* s : {"xcku115-flvb2104-2-i", "xcvu9p-flga2577-2-e", "xcvu13p-flga2577-2-e", "xcu250-figd2104-2L-e",
                          "xc7z020clg400-1", "xczu9eg-ffvb1156-2-e", "XCVU9P-FLGA2104-2L-E", "xcvu9p"}) {
        SCOPED_TRACE(s);
        EXPECT_NO_THROW(find_fpga_part(s));
    }
    const FpgaPart& vu13p = find_fpga_part("xcvu13p-flga2577-2-e");
    // The totals hls4ml's Vitis 2024.1 baselines report as Available for this part.
    EXPECT_EQ(vu13p.lut, 1728000u);
    EXPECT_EQ(vu13p.ff, 3456000u);
    EXPECT_EQ(vu13p.dsp, 12288u);
    EXPECT_EQ(vu13p.bram18, 5376u);
    EXPECT_EQ(find_fpga_part("xcku115-flvb2104-2-i").dsp, 5520u);
    EXPECT_EQ(find_fpga_part("xcvu9p-flga2577-2-e").dsp, 6840u);
    EXPECT_EQ(find_fpga_part("xc7z020clg400-1").bram18, 280u);
    EXPECT_EQ(known_fpga_parts().size(), 6u);
}

TEST(FpgaParts, UnknownPartIsAnErrorNamingIt) {
    try {
        find_fpga_part("xc7a35t-cpg236-1");
        FAIL() << "no error";
    } catch (const UnknownPartError& e) {
        const std::string m = e.what();
        EXPECT_NE(m.find("'xc7a35t-cpg236-1'"), std::string::npos) << m;
        EXPECT_NE(m.find("xcku115"), std::string::npos) << m;
        EXPECT_NE(m.find("xczu9eg"), std::string::npos) << m;
    }
}

TEST(ResourceCalibration, EveryBoundedRowStaysInsideItsBound) {
    const auto rows = load_calibration(kCalibration);
    std::array<int, 4> asserted{};
    for (const auto& row : rows) {
        SCOPED_TRACE(row.id + " (line " + std::to_string(row.line) + ")");
        EXPECT_FALSE(row.source.empty());
        const RowEstimate e = estimate_row(row, kSource);
        bool any_bound = false;
        for (size_t k = 0; k < 4; ++k) any_bound = any_bound || row.bound[k].has_value();
        if (!e.estimated) {
            EXPECT_FALSE(any_bound) << "a bounded row must be estimable: " << e.why_not;
            continue;
        }
        for (size_t k = 0; k < 4; ++k) {
            if (!row.bound[k]) continue;
            ++asserted[k];
            const double est = static_cast<double>(resource_of(e.compared, kResources[k]));
            const double err = relative_error(est, *row.published[k]);
            EXPECT_LE(std::fabs(err), *row.bound[k])
                << to_string(kResources[k]) << ": estimate " << est << ", published " << *row.published[k];
        }
    }
    // The README's claim: DSP and BRAM18 within 10% on 67 and 70 rows; the HLS C-synthesis LUT and FF on 20 and
    // 21 rows (hls_csynth rows only: no post-synthesis row is bounded), by split below.
    EXPECT_EQ(asserted[0], 67);
    EXPECT_EQ(asserted[1], 20);
    EXPECT_EQ(asserted[2], 21);
    EXPECT_EQ(asserted[3], 70);
    for (const auto& row : rows) {
        if (row.bound[1] || row.bound[2]) {
            EXPECT_EQ(row.figure, "hls_csynth") << row.id;
        }
    }
}

TEST(ResourceCalibration, FittedAndHeldBackRowsAreSeparateAndHeldToTheIssueTargets) {
    // fitted rows: the issue's 25% on LUT / FF; held_back rows: its 30%; recorded rows: no LUT / FF bound.
    // DSP and BRAM18 (structural, no fitted price): 10% in every split.
    const auto rows = load_calibration(kCalibration);
    std::map<std::string, std::array<int, 2>> lut_ff_asserted;  // by split
    std::set<std::string> fitted_designs;
    for (const auto& row : rows)
        if (row.split == "fitted") fitted_designs.insert(row.tool + " | " + row.layers + " | " + (row.io_stream ? "s" : "p"));
    for (const auto& row : rows) {
        SCOPED_TRACE(row.id);
        const double lut_ff_target = row.split == "fitted" ? 0.25 : 0.30;
        for (size_t k = 0; k < 4; ++k) {
            if (!row.bound[k]) continue;
            const bool lut_ff = k == 1 || k == 2;
            EXPECT_LE(*row.bound[k], lut_ff ? lut_ff_target : 0.10) << to_string(kResources[k]);
            if (lut_ff) {
                EXPECT_NE(row.split, "recorded") << "a recorded row's LUT / FF are not compared";
                ++lut_ff_asserted[row.split][k - 1];
            }
        }
        // A held-back row is a design (tool, layers, io type) no fitted row has: it checks, never fits.
        if (row.split == "held_back") {
            EXPECT_EQ(row.figure, "hls_csynth");
            EXPECT_EQ(fitted_designs.count(row.tool + " | " + row.layers + " | " + (row.io_stream ? "s" : "p")), 0u);
        }
    }
    EXPECT_EQ(lut_ff_asserted["fitted"][0], 18);
    EXPECT_EQ(lut_ff_asserted["fitted"][1], 19);
    EXPECT_EQ(lut_ff_asserted["held_back"][0], 2);
    EXPECT_EQ(lut_ff_asserted["held_back"][1], 2);
}

TEST(ResourceCalibration, BadFilesNameTheFileLineAndColumn) {
    const fs::path dir = fs::temp_directory_path() / "tlm4ml_resource_calibration";
    fs::create_directories(dir);
    std::ifstream in(kCalibration);
    std::string header, line, first;
    while (std::getline(in, line))
        if (!line.empty() && line[0] != '#') {
            if (header.empty()) header = line;
            else if (first.empty()) first = line;
        }
    ASSERT_FALSE(first.empty());
    const std::string bad_number = (dir / "bad_number.csv").string();
    {
        std::ofstream o(bad_number);
        std::string row = first;
        const size_t at = row.find(",1,Latency,");
        ASSERT_NE(at, std::string::npos);
        row.replace(at, 3, ",x,");
        o << header << "\n" << row << "\n";
    }
    try {
        load_calibration(bad_number);
        FAIL() << "no error";
    } catch (const CalibrationError& e) {
        const std::string m = e.what();
        EXPECT_NE(m.find(bad_number + ":2:"), std::string::npos) << m;
        EXPECT_NE(m.find("'reuse_factor'"), std::string::npos) << m;
    }
    const std::string bad_split = (dir / "bad_split.csv").string();
    {
        std::ofstream o(bad_split);
        std::string row = first;
        const size_t at = row.find(",hls_csynth,held_back,");
        ASSERT_NE(at, std::string::npos);
        row.replace(at, 22, ",hls_csynth,tuned,");
        o << header << "\n" << row << "\n";
    }
    try {
        load_calibration(bad_split);
        FAIL() << "no error";
    } catch (const CalibrationError& e) {
        const std::string m = e.what();
        EXPECT_NE(m.find(bad_split + ":2:"), std::string::npos) << m;
        EXPECT_NE(m.find("column 'split': 'tuned'"), std::string::npos) << m;
    }
    const std::string no_column = (dir / "no_column.csv").string();
    {
        std::ofstream o(no_column);
        o << "id,design\n";
    }
    try {
        load_calibration(no_column);
        FAIL() << "no error";
    } catch (const CalibrationError& e) {
        const std::string m = e.what();
        EXPECT_NE(m.find(no_column + ":1:"), std::string::npos) << m;
        EXPECT_NE(m.find("'layers'"), std::string::npos) << m;
    }
    fs::remove_all(dir);
}

TEST(ResourceModel, SvhnCnnEstimateIsFast) {
    const Model m = load_model_file(kSource + "/testbenches/models/svhn_cnn.json");
    const DeviceProfile p;
    // The best of 5 runs: the machine may be busy with other work.
    double ms = 1e9;
    size_t dsp = 0;
    for (int run = 0; run < 5; ++run) {
        const auto start = std::chrono::steady_clock::now();
        dsp = 0;
        for (const auto& l : m.layers) dsp += layer_cost(l->cost_inputs(), p, m.clock_period_ns).dsp;
        ms = std::min(ms, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    }
    std::printf("svhn_cnn: %zu DSP estimated in %.3f ms\n", dsp, ms);
    EXPECT_GT(dsp, 0u);
    EXPECT_LT(ms, 10.0);
}

TEST(ResourceReport, TableAndJsonShowPercentOfThePartAndTheUncertainty) {
    const std::vector<LayerResources> layers = {{"fc1", {684, 1000, 2000, 0, 3000, 2500}},
                                                 {"softmax", {0, 500, 100, 4, 900, 150}}};
    const FpgaPart& ku115 = find_fpga_part("xcku115-flvb2104-2-i");
    const nlohmann::json j = resource_json(layers, &ku115);
    EXPECT_EQ(j["total"]["dsp"], 684);
    EXPECT_EQ(j["total"]["bram18"], 4);
    EXPECT_EQ(j["layers"].size(), 2u);
    EXPECT_EQ(j["layers"][1]["name"], "softmax");
    EXPECT_DOUBLE_EQ(j["part"]["percent"]["dsp"].get<double>(), 100.0 * 684 / 5520);
    EXPECT_EQ(j["part"]["device"], "xcku115");
    EXPECT_TRUE(j["uncertainty"]["lut"].is_null());
    EXPECT_EQ(j["csynth"]["total"]["lut"], 3900);
    EXPECT_EQ(j["csynth"]["total"]["ff"], 2650);
    EXPECT_EQ(j["layers"][0]["csynth_lut"], 3000);
    EXPECT_DOUBLE_EQ(j["csynth"]["uncertainty"]["lut"].get<double>(), 0.25);
    EXPECT_FALSE(resource_json(layers, nullptr).contains("part"));
    const std::string t = format_resource_table(layers, &ku115);
    EXPECT_NE(t.find("12.4%"), std::string::npos) << t;  // 684 / 5520 DSP
    EXPECT_NE(t.find("of xcku115"), std::string::npos) << t;
    EXPECT_NE(t.find("uncalibrated"), std::string::npos) << t;
    EXPECT_NE(t.find("       3900         2650        4   (HLS C-synthesis count)"), std::string::npos) << t;
    EXPECT_NE(t.find("+-25%        +-25%"), std::string::npos) << t;
}

TEST(ResourceReport, StatedUncertaintyCoversTheCalibration) {
    // LUT and FF: post-synthesis rows check the post-synthesis uncertainty, C-synthesis rows the csynth one.
    const ResourceUncertainty u = calibrated_uncertainty();
    const std::array<std::optional<double>, 4> post = {u.dsp, u.lut, u.ff, u.bram18};
    const std::array<std::optional<double>, 4> csynth = {u.dsp, u.csynth_lut, u.csynth_ff, u.bram18};
    std::array<double, 4> worst_post{}, worst_csynth{};
    std::array<bool, 4> checked_post{}, checked_csynth{};
    for (const auto& row : load_calibration(kCalibration)) {
        const RowEstimate e = estimate_row(row, kSource);
        const bool c = row.figure == "hls_csynth";
        for (size_t k = 0; k < 4; ++k) {
            if (!row.bound[k] || !e.estimated) continue;
            const bool shared = k == 0 || k == 3;  // DSP and BRAM18 are the same figure in both
            (c && !shared ? checked_csynth : checked_post)[k] = true;
            double& worst = (c && !shared ? worst_csynth : worst_post)[k];
            worst = std::max(worst, std::fabs(relative_error(static_cast<double>(resource_of(e.compared, kResources[k])),
                                                             *row.published[k])));
        }
    }
    for (size_t k = 0; k < 4; ++k) {
        SCOPED_TRACE(to_string(kResources[k]));
        EXPECT_EQ(post[k].has_value(), checked_post[k]);  // an uncertainty only where a row measures it
        if (post[k]) {
            EXPECT_GE(*post[k], worst_post[k]);
        }
        if (k == 1 || k == 2) {
            EXPECT_EQ(csynth[k].has_value(), checked_csynth[k]);
            if (csynth[k]) {
                EXPECT_GE(*csynth[k], worst_csynth[k]);
            }
        }
    }
}

TEST(CsynthCount, PricesOperatorsAsTheBaselinesDo) {
    // Max pooling 2x2 'valid' on 18x15x3 (hls4ml's pooling baseline): 9 x 7 x 3 windows of 3 compare-and-selects
    // at 39 LUTs (16 bits); io_parallel, latency 0: no register. Average: 3 adders of 16 bits and the division.
    const HlsCountProfile hp;
    LayerCostInputs pool;
    pool.kind = Kind::Pooling;
    pool.n_in = 18 * 15 * 3;
    pool.n_out = 9 * 7 * 3;
    pool.mult_n_in = 4;
    pool.mult_n_out = 3;
    const DeviceProfile p;
    const LayerTiming t = layer_cost(pool, p, 5.0);
    EXPECT_EQ(t.csynth_lut, 189u * 3u * 39u);
    EXPECT_EQ(t.csynth_ff, 0u);
    pool.average = true;
    EXPECT_EQ(layer_cost(pool, p, 5.0).csynth_lut, static_cast<size_t>(std::llround(189 * (3 * 16 + 0.45 * 16))));
    // The top function registers its io_parallel input array and two control bits (the pooling rows: 12962 FF).
    EXPECT_EQ(hls_csynth_top_level(18 * 15 * 3 * 16, false).ff, 12962u);
    EXPECT_EQ(hls_csynth_top_level(3 * 16, true).ff, 48u);
    // A relu: a compare and a select per element; a sigmoid: the index arithmetic, its 10-bit index and the
    // 16-bit output registered; an ELU adds the compare-and-select and carries x and its sign two stages.
    LayerCostInputs act;
    act.kind = Kind::Activation;
    act.n_in = act.n_out = 64;
    EXPECT_EQ(layer_cost(act, p, 5.0).csynth_lut, 64u * 39u);
    act.kind = Kind::TableActivation;
    EXPECT_EQ(layer_cost(act, p, 5.0).csynth_lut, 64u * 112u);
    EXPECT_EQ(layer_cost(act, p, 5.0).csynth_ff, 64u * (10u + 16u));
    act.table_passes_positive = true;
    EXPECT_EQ(layer_cost(act, p, 5.0).csynth_lut, 64u * (112u + 39u));
    EXPECT_EQ(layer_cost(act, p, 5.0).csynth_ff, 64u * (10u + 16u + 2u * 17u));
    // io_stream: the lookup is its own process, reading, looking up and writing one word per iteration; it
    // keeps one 16-bit register per element (the Vitis 2024.1 rows: ELU 17, sigmoid 15 per element).
    act.io_stream = true;
    EXPECT_EQ(stream_layer_cost(act, 64, p, 5.0).csynth_ff, 64u * 16u);
    act.table_passes_positive = false;
    EXPECT_EQ(stream_layer_cost(act, 64, p, 5.0).csynth_ff, 64u * 16u);
}

TEST(CsynthCount, PartitionedConvolutionSelectsItsWindowAndHoldsItsOutput) {
    // hls4ml's Conv2D baseline: 28x28x3, 4x4 kernel, stride 4, 32 filters, io_parallel: 49 partitions of one
    // output pixel, each the 48 x 32 kernel. The im2col buffer's 48 values are each selected by 49
    // `if (partition == k)` assignments (a 16-bit select: 16 LUTs); the kernel keeps its own pipeline depth
    // (latency 50 - 48 partitions = 2 stages of 32 x 16 bits) and the 7 x 7 x 32 outputs are held until done.
    LayerCostInputs conv;
    conv.kind = Kind::Conv;
    conv.n_in = 28 * 28 * 3;
    conv.mult_n_in = 48;
    conv.mult_n_out = 32;
    conv.n_partitions = 49;
    conv.n_out = 49 * 32;
    conv.zero_bias = true;
    LayerTiming t;
    t.latency = 50;
    t.multipliers = 48 * 32;
    const DeviceProfile p;
    const CsynthCount partitioned = hls_csynth_count(conv, t, p.dsp_min_operand_bits);
    EXPECT_EQ(partitioned.ff, 32u * 16u * 2u + 49u * 32u * 16u);
    // The same kernel in one partition (every output pixel at once, latency 2): wiring, no output register.
    conv.n_partitions = 1;
    t.latency = 2;
    const CsynthCount whole = hls_csynth_count(conv, t, p.dsp_min_operand_bits);
    EXPECT_EQ(whole.ff, 32u * 16u * 2u);
    EXPECT_EQ(partitioned.lut - whole.lut, 49u * 48u * 16u);
    // select_lut_per_bit prices the selection (a profile with selects at 2 LUTs per bit doubles it).
    HlsCountProfile hp;
    hp.select_lut_per_bit = 2.0;
    conv.n_partitions = 49;
    t.latency = 50;
    EXPECT_EQ(hls_csynth_count(conv, t, p.dsp_min_operand_bits, ResourceProfile{}, hp).lut - whole.lut,
              2u * 49u * 48u * 16u);
}

TEST(ResourceCalibration, StreamCnnRowCountsItsFifosAndTables) {
    // The tutorial's SVHN CNN in io_stream (32x32x3, valid 3x3 convs of 16, 16, 24 filters, 2x2 max pools):
    // FIFOs of one slot per pixel word (16 values x 16 bits = 256 bits wide) deeper than 32 go to block RAM,
    // the rest are SRLs or registers; softmax over 10: five exp table copies and one 1/x table.
    CalibrationRow cnn;
    for (const auto& row : load_calibration(kCalibration))
        if (row.id == "tutorial_pruned_cnn") cnn = row;
    ASSERT_EQ(cnn.id, "tutorial_pruned_cnn");
    const RowEstimate e = estimate_row(cnn, kSource);
    ASSERT_TRUE(e.estimated) << e.why_not;
    const size_t fifos = 2 * bram18_for(30 * 30, 256)    // conv1, relu1
                         + bram18_for(15 * 15, 256)      // pool1
                         + 2 * bram18_for(13 * 13, 256)  // conv2, relu2
                         + bram18_for(6 * 6, 256);       // pool2 (36 deep); conv3 onwards 16 deep or less
    EXPECT_EQ(e.total.bram18, fifos + 5 + 1);
    EXPECT_EQ(e.total.bram18, 68u);
}
