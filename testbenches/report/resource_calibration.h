// The published resource figures the structural model is checked against (bench/resource_calibration.csv)
// and the model's estimate for each row. Used by bench/bench_resource_calibration.cpp (the table of estimate
// vs published) and tests/test_resource_model.cpp (the bounds the README states).
#pragma once

#include <array>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "rtl_models/resource_model.h"

namespace tlm4ml {

enum class Resource { Dsp, Lut, Ff, Bram18 };
constexpr std::array<Resource, 4> kResources = {Resource::Dsp, Resource::Lut, Resource::Ff, Resource::Bram18};
const char* to_string(Resource r);
size_t resource_of(const ResourceEstimate& e, Resource r);

class CalibrationError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct CalibrationRow {
    size_t line = 0;  // in the CSV, for messages
    std::string id, design;
    // "dense:16x64 relu ... softmax", or "-" when the design is not described. Tokens: input:HxWxC,
    // dense:NxM[/zero_bias], conv3x3:F (valid, stride 1), convKHxKWsS:F[:same][/zero_bias] (io_parallel),
    // maxpoolPHxPW[:same], avgpoolPHxPW[:same], flatten, relu, prelu,
    // leaky_relu, leaky_relu:1 (alpha 1: the identity), sigmoid, tanh, elu, softmax.
    std::string layers;
    std::string precision;  // ap_fixed<W,I> for every layer
    int reuse_factor = 1;
    Strategy strategy = Strategy::Latency;
    bool io_stream = false;
    std::string part, tool;
    std::string figure;     // post_synth | hls_csynth
    // fitted | held_back | recorded: whether the HLS count's prices were fitted to this row's LUT / FF, the row
    // is a check never used for fitting, or its LUT / FF are not compared with the count (the CSV header).
    std::string split;
    std::string template_;  // hls4ml | hls4ml-2019
    std::string weights;    // any | uniform:LO:HI | normal:MEAN:STDDEV | model:<path> | unknown
    std::array<std::optional<double>, 4> published;  // by Resource; empty when the source gives none
    std::array<std::optional<double>, 4> bound;      // allowed |estimate / published - 1|; empty: not asserted
    std::string source, note;
};

// Reads the CSV ('#' lines are comments). Throws CalibrationError naming the file, line and column.
std::vector<CalibrationRow> load_calibration(const std::string& path);

struct RowEstimate {
    bool estimated = false;
    std::string why_not;  // when not estimated
    ResourceEstimate total;     // the post-synthesis estimate
    ResourceEstimate csynth;    // DSP / BRAM18 as `total`, LUT / FF as HLS C-synthesis counts them
    ResourceEstimate compared;  // the one of the two the row's `figure` publishes
};

// The model's figure for a row; model paths in `weights` are relative to source_dir.
RowEstimate estimate_row(const CalibrationRow& row, const std::string& source_dir);

// estimate / published - 1; 0 when both are 0, +inf when only the published figure is 0.
double relative_error(double estimate, double published);

}  // namespace tlm4ml
