// The structural resource model: what Vivado's post-synthesis utilization report would count for a layer
// (DSP48 slices, LUTs, flip-flops, 18 Kb block RAMs), built from the layer's configuration the way hls4ml's
// templates build the hardware. Documented with its calibration in the README ("Resources: what the
// network needs"); the published rows it is checked against are bench/resource_calibration.csv.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "rtl_models/cost_model.h"

namespace tlm4ml {

// Mapping rules of a tool flow + hls4ml template generation. Names say what each number decides.
struct ResourceProfile {
    std::string name = "hls4ml-1.x + Vivado/Vitis synthesis";
    // A product by a constant with fewer canonical signed digits than this is a shift-add network in LUTs
    // (io_parallel, Latency, R = 1); one with as many or more goes to a DSP when both operands are at least
    // DeviceProfile::dsp_min_operand_bits wide.
    int dsp_min_csd_digits = 3;
    // LUTs per bit of a two-operand addition. Vivado packs adder trees into ternary adders (LUT6 + carry
    // chain adds three operands per LUT and bit), so a tree of n terms costs about (n - 1) / 2 adder widths.
    double tree_lut_per_add_bit = 0.5;
    // Activation / softmax tables: hls4ml's default table_size 1024 of 18-bit entries.
    int table_size = 1024;
    int table_width = 18;
    // Parallel lookups one table copy serves: 2 for a ROM (both BRAM ports read); 1 where the template
    // writes the table at run time (hls4ml 2019: the table is a local array initialised on every call).
    int table_reads_per_copy = 2;
    // Resource strategy weights: ROMs deeper than this go to BRAM18 (Vivado's distributed-ROM limit),
    // unless the template forces block RAM (hls4ml 2019: RESOURCE core=ROM_1P_BRAM).
    size_t lutram_max_depth = 64;
    bool weights_forced_to_bram = false;
    // io_stream FIFOs: up to this depth an SRL shift register, deeper ones block RAM.
    size_t fifo_srl_max_depth = 32;

    static ResourceProfile hls4ml_2019();
};

struct ResourceEstimate {
    size_t dsp = 0;
    size_t lut = 0;
    size_t ff = 0;
    size_t bram18 = 0;
    // HLS C-synthesis's LUT / FF count of the same hardware (rtl_models/hls_csynth_count.h), where filled.
    size_t csynth_lut = 0;
    size_t csynth_ff = 0;
    ResourceEstimate& operator+=(const ResourceEstimate& o);
};

// One layer's resources. `timing` is the layer's II / latency (pipeline registers follow the schedule) and
// its multipliers (products in use per cycle); dsp_min_operand_bits comes from the DeviceProfile.
ResourceEstimate layer_resources(const LayerCostInputs& in, const LayerTiming& timing, int dsp_min_operand_bits,
                                 const ResourceProfile& rp = ResourceProfile{});

// Fills t.dsp / lut / ff / bram18 from layer_resources (the cost model's hook).
void apply_resource_model(const LayerCostInputs& in, const DeviceProfile& p, LayerTiming& t);

// Adds r to a layer's resource fields (e.g. the io_stream FIFO the layer writes); r's LUT and FF count in the
// HLS C-synthesis figures too (a FIFO is priced alike).
void add_resources(LayerTiming& t, const ResourceEstimate& r);

// An io_stream FIFO of `depth` words of `width_bits` (hls::stream as Vivado maps it).
ResourceEstimate fifo_resources(size_t depth, size_t width_bits, const ResourceProfile& rp = ResourceProfile{});

// 18 Kb block RAMs for a memory of depth x width_bits (aspect ratios 512x36 ... 16384x1).
size_t bram18_for(size_t depth, size_t width_bits);

// Non-zero digits of n in canonical signed-digit (non-adjacent) form: the adders - 1 of a constant product.
int csd_digits(int64_t n);

}  // namespace tlm4ml
