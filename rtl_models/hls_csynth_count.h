// The LUT and FF an HLS C-synthesis report counts for a layer (its operator, register and multiplexer
// estimate), given beside the post-synthesis estimate of rtl_models/resource_model.h. HLS prices every
// operator it schedules (an adder of W bits, a compare-and-select, a product's cast, a table index) and every
// register it keeps, before synthesis merges, packs and trims them: its LUT figure is not the post-synthesis
// one (the published pairs of the same designs differ by 2x to 10x, README "Resources: what the network
// needs"). DSP and BRAM18 are bound at C-synthesis and are the structural model's figures.
#pragma once

#include <cstddef>
#include <string>

#include "rtl_models/cost_model.h"
#include "rtl_models/resource_model.h"

namespace tlm4ml {

// What one HLS tool charges per operator. Each number is fitted to hls4ml's synthesis regression baselines
// (bench/resource_calibration.csv, the rows named vitis24_*) and named for the operator it prices.
struct HlsCountProfile {
    std::string name = "Vitis HLS 2024.1 C-synthesis";
    // An adder of W bits: W LUTs (average pooling: 16 per 16-bit add over 180 to 216 windows).
    double add_lut_per_bit = 1.0;
    // max(a, b) or a relu (a compare and a select) of W bits: the max pooling rows give 39.0 LUTs at 16 bits
    // over 180 to 648 comparisons; ReLU after a Dense 39 per element.
    double compare_select_lut_per_bit = 39.0 / 16.0;
    // A product by a constant cast to its result type (a DSP product's output, average pooling's division by
    // the window size): 7.2 LUTs at 16 bits in both the Dense 1x64 and the average pooling rows.
    double constant_scale_lut_per_bit = 0.45;
    // A table lookup's index arithmetic (scale, offset, clamp to the table) per element (sigmoid rows: 112).
    double table_index_lut = 112.0;
    // io_stream Dense: the copy of the output array into the stream word (ResWrite), per bit.
    double stream_word_lut_per_bit = 1.0;
    // A select of W bits (a conditional assignment, one input of a multiplexer chain): W LUTs, the price HLS's
    // operator table gives a select. Prices an io_parallel convolution's im2col window selection (fill_buffer:
    // one `if (partition == k)` assignment per partition and buffer value); set from the operator, not fitted.
    double select_lut_per_bit = 1.0;
    // The block-level control registers of an io_parallel top function (ap_start / ap_done): the pooling and
    // ReLU rows count exactly the input port's bits + 2 flip-flops.
    size_t control_ff = 2;
};

struct CsynthCount {
    size_t lut = 0;
    size_t ff = 0;
};

// One layer as HLS C-synthesis counts it. `timing` is the layer's (layer_cost / stream_layer_cost).
CsynthCount hls_csynth_count(const LayerCostInputs& in, const LayerTiming& timing, int dsp_min_operand_bits,
                             const ResourceProfile& rp = ResourceProfile{}, const HlsCountProfile& hp = HlsCountProfile{});

// The top function's own registers: an io_parallel top pipelined at II 1 registers its input array (input_bits)
// and its block control; in io_stream the input word (input_bits) is registered once. An io_parallel network
// with a convolution of more than one partition gets a DATAFLOW top (hls4ml's SetPipelineStyle pass), which
// reads its input ports where it uses them: call this only for a pipelined top.
CsynthCount hls_csynth_top_level(size_t input_bits, bool io_stream, const HlsCountProfile& hp = HlsCountProfile{});

}  // namespace tlm4ml
