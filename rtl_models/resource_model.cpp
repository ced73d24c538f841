#include "rtl_models/resource_model.h"
#include "rtl_models/hls_csynth_count.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace tlm4ml {

namespace {

size_t ceil_div(size_t a, size_t b) { return b == 0 ? 0 : (a + b - 1) / b; }
size_t bits(int w) { return w < 0 ? 0 : static_cast<size_t>(w); }

// LUT6s per bit of a k:1 multiplexer: a LUT6 is a 4:1 mux, F7/F8 muxes join them.
size_t mux_luts_per_bit(size_t k) { return k <= 1 ? 0 : ceil_div(k - 1, 3); }

// A tree adding `terms` operands of `width` bits.
size_t adder_tree_luts(size_t terms, size_t width, double lut_per_add_bit) {
    if (terms <= 1) return 0;
    return static_cast<size_t>(std::llround(static_cast<double>((terms - 1) * width) * lut_per_add_bit));
}

// An a x b array multiplier in LUT6 + carry chain (two partial-product bits per LUT).
size_t lut_multiplier(size_t a, size_t b) { return a * b / 2; }

// A constant ROM of depth x width in distributed LUTs (a LUT6 holds 64 x 1).
size_t lut_rom(size_t depth, size_t width) { return width * ceil_div(depth, 64); }

bool histogram_known(const LayerCostInputs& in) {
    for (uint32_t c : in.weight_csd_histogram)
        if (c) return true;
    return false;
}

// The Dense arithmetic of n_in x n_out products, `copies` times in parallel (Conv: PF output pixels).
ResourceEstimate dense_kernel(const LayerCostInputs& in, size_t n_in, size_t n_out, size_t copies,
                              const LayerTiming& t, int dsp_bits, const ResourceProfile& rp) {
    ResourceEstimate r;
    const size_t rf = in.reuse_factor < 1 ? 1 : static_cast<size_t>(in.reuse_factor);
    const size_t d = bits(in.data_width), w = bits(in.weight_width), a = bits(in.result_width);
    const size_t products = n_in * n_out * copies;
    const size_t outputs = n_out * copies;
    const bool known = histogram_known(in);
    const size_t zeros = (known ? in.weight_csd_histogram[0] : in.n_zero_weights) * copies;
    const size_t terms = products > zeros ? products - zeros : 0;
    const size_t per_cycle = ceil_div(terms, rf);
    const bool wide = in.data_width >= dsp_bits && in.weight_width >= dsp_bits;

    if (in.xnor) {
        // XNOR folded into the first compressor level (one LUT per product bit, as FINN counts an MVAU
        // lane), then the adder tree of the partial counts: about as many LUTs again.
        r.lut = 2 * ceil_div(products, rf);
        r.ff = outputs * static_cast<size_t>(ceil_log2(n_in + 1) + 1) * static_cast<size_t>(1 + t.latency);
    } else if (in.no_dsp) {
        // +-x / 0 weights: every non-zero term is an addition or subtraction in the accumulator's tree.
        r.lut = adder_tree_luts(per_cycle + outputs, a, rp.tree_lut_per_add_bit);
        r.ff = outputs * a * static_cast<size_t>(1 + t.latency);
    } else if (rf == 1 && known) {
        // Unrolled products by constants: powers of two are wiring, few digits a shift-add chain, the rest DSPs.
        // The Resource strategy at R = 1 too: its ReuseLoop runs once, so every weight index is a constant
        // (vitis/nnet_conv2d_resource.h conv_2d_resource_cl: weights_2d[i_blk][i_rf] with i_rf = 0).
        size_t shift_adds = 0;
        for (size_t digits = 1; digits < in.weight_csd_histogram.size(); ++digits) {
            const size_t n = in.weight_csd_histogram[digits] * copies;
            if (wide && static_cast<int>(digits) >= rp.dsp_min_csd_digits)
                r.dsp += n;
            else
                shift_adds += n * (digits - 1);
        }
        r.lut = static_cast<size_t>(std::llround(static_cast<double>(shift_adds * a) * rp.tree_lut_per_add_bit)) +
                adder_tree_luts(terms + outputs, a, rp.tree_lut_per_add_bit);
        r.ff = outputs * a * static_cast<size_t>(1 + t.latency);
    } else {
        // Generic multipliers (weights unknown, Resource strategy, or reused constants).
        const size_t m = t.multipliers;
        r.dsp = wide ? m : 0;
        r.lut = wide ? 0 : m * lut_multiplier(d, w);
        if (rf == 1) {
            r.lut += adder_tree_luts(m + outputs, a, rp.tree_lut_per_add_bit);
            r.ff = outputs * a * static_cast<size_t>(1 + t.latency);
        } else {
            // Every multiplier accumulates into its output each cycle; the inputs of a cycle are selected
            // from R candidates (ceil(n_in / R) distinct selections, shared by the products that use them).
            r.lut += m * a;
            const size_t selections = std::max<size_t>(1, ceil_div(n_in, rf)) * copies;
            r.lut += selections * d * mux_luts_per_bit(std::min(rf, n_in));
            const size_t rom_width = m * w;
            if (in.strategy == Strategy::Resource && (rp.weights_forced_to_bram || rf > rp.lutram_max_depth))
                r.bram18 = bram18_for(rf, rom_width);
            else
                r.lut += lut_rom(rf, rom_width);
            // Accumulators and output registers; LUT products also register their result.
            r.ff = 2 * outputs * a + (wide ? 0 : m * a);
        }
    }
    return r;
}

// hls4ml's io_stream line buffer: (window rows - 1) ap_shift_reg of one (padded) image row per channel.
// Shift registers map to SRL32s (chained for deeper rows), not block RAM.
ResourceEstimate line_buffer(const LayerCostInputs& in, size_t data_bits) {
    ResourceEstimate r;
    if (!in.io_stream || in.line_buffer_depth == 0) return r;
    r.lut = in.line_buffer_values * data_bits * ceil_div(in.line_buffer_depth, 32);
    return r;
}

}  // namespace

ResourceEstimate& ResourceEstimate::operator+=(const ResourceEstimate& o) {
    dsp += o.dsp;
    lut += o.lut;
    ff += o.ff;
    bram18 += o.bram18;
    csynth_lut += o.csynth_lut;
    csynth_ff += o.csynth_ff;
    return *this;
}

ResourceProfile ResourceProfile::hls4ml_2019() {
    ResourceProfile rp;
    rp.name = "hls4ml 2019 (keras-to-hls) + Vivado 2018";
    rp.table_reads_per_copy = 1;
    rp.weights_forced_to_bram = true;
    return rp;
}

int csd_digits(int64_t n) {
    // Non-adjacent form: a run of ones 0111 becomes 100(-1); magnitude of INT64_MIN handled as unsigned.
    uint64_t m = n < 0 ? ~static_cast<uint64_t>(n) + 1 : static_cast<uint64_t>(n);
    int digits = 0;
    while (m) {
        if (m & 1) {
            ++digits;
            if ((m & 3) == 3) {
                m = (m >> 1) + 1;  // (m + 1) >> 1 without overflow at UINT64_MAX
                continue;
            }
        }
        m >>= 1;
    }
    return digits;
}

size_t bram18_for(size_t depth, size_t width_bits) {
    if (depth == 0 || width_bits == 0) return 0;
    static const size_t shapes[][2] = {{512, 36}, {1024, 18}, {2048, 9}, {4096, 4}, {8192, 2}, {16384, 1}};
    size_t best = SIZE_MAX;
    for (const auto& s : shapes) best = std::min(best, ceil_div(depth, s[0]) * ceil_div(width_bits, s[1]));
    return best;
}

ResourceEstimate fifo_resources(size_t depth, size_t width_bits, const ResourceProfile& rp) {
    ResourceEstimate r;
    if (depth == 0 || width_bits == 0) return r;
    if (depth <= 2) {
        r.ff = depth * width_bits;  // a register stage or two
    } else if (depth <= rp.fifo_srl_max_depth) {
        r.lut = width_bits * ceil_div(depth, 32) + 8;  // SRL32 per bit + pointer logic
        r.ff = width_bits + 8;
    } else {
        r.bram18 = bram18_for(depth, width_bits);
        r.lut = 24;  // read / write pointers and full / empty flags
        r.ff = 2 * static_cast<size_t>(ceil_log2(depth)) + 8;
    }
    return r;
}

ResourceEstimate layer_resources(const LayerCostInputs& in, const LayerTiming& t, int dsp_bits,
                                 const ResourceProfile& rp) {
    using Kind = LayerCostInputs::Kind;
    ResourceEstimate r;
    const size_t d = bits(in.data_width), w = bits(in.weight_width), a = bits(in.result_width);
    const bool wide = in.data_width >= dsp_bits && in.weight_width >= dsp_bits;
    const size_t table_copy = bram18_for(static_cast<size_t>(rp.table_size), static_cast<size_t>(rp.table_width));
    const size_t reads = static_cast<size_t>(std::max(1, rp.table_reads_per_copy));
    switch (in.kind) {
        case Kind::Dense:
            r = dense_kernel(in, in.n_in, in.n_out, 1, t, dsp_bits, rp);
            break;
        case Kind::Conv: {
            const size_t pf = in.parallelization_factor < 1 ? 1 : static_cast<size_t>(in.parallelization_factor);
            r = dense_kernel(in, in.mult_n_in, in.mult_n_out, pf, t, dsp_bits, rp);
            r.lut += in.mult_n_in * pf * d;  // the window (im2col) selection
            r += line_buffer(in, d);
            if (in.io_stream && in.line_buffer_depth > 0) r.ff += in.mult_n_in * d;  // the window registers
            break;
        }
        case Kind::Pooling: {
            const size_t area = in.mult_n_in < 1 ? 1 : in.mult_n_in;
            // io_stream computes one output pixel (n_filt windows) at a time; io_parallel every window.
            const size_t windows = in.io_stream && in.mult_n_out > 0 ? in.mult_n_out : in.n_out;
            // max: compare and select per extra element; average: an adder tree (the divider is a shift or
            // a constant product folded into it)
            r.lut = in.average ? windows * adder_tree_luts(area, a, rp.tree_lut_per_add_bit) + windows * a
                               : windows * (area - 1) * d;
            r.ff = windows * a;
            r += line_buffer(in, d);
            break;
        }
        case Kind::Wiring:
            break;
        case Kind::MergeAdder:
            r.lut = in.n_in * (in.average ? 2 : 1) * a;
            break;
        case Kind::MergeMultiply:
            r.dsp = wide ? in.n_in : 0;
            r.lut = wide ? 0 : in.n_in * lut_multiplier(d, w);
            r.ff = in.n_out * a;
            break;
        case Kind::BatchNorm:
            r.dsp = wide ? t.multipliers : 0;
            r.lut = (wide ? 0 : t.multipliers * lut_multiplier(d, w)) + t.multipliers * a;
            r.ff = in.n_out * a;
            break;
        case Kind::Threshold:
        case Kind::Activation:
            r.lut = ceil_div(in.n_in * d, 2);  // compare with a constant / select: two bits per LUT6
            break;
        case Kind::TableActivation:
            // index = clamp(x * scale + offset): an add and two compares per element, one table read each
            r.lut = in.n_in * 2 * d;
            r.ff = in.n_in * a;
            r.bram18 = ceil_div(in.n_in, reads) * table_copy;
            break;
        case Kind::Softmax: {
            // exp table per element, sum tree, one 1/x table, the exp x 1/x products
            const size_t tw = static_cast<size_t>(rp.table_width);
            r.dsp = (in.data_width >= dsp_bits && rp.table_width >= dsp_bits) ? in.n_in : 0;
            r.lut = in.n_in * 2 * d + adder_tree_luts(in.n_in, tw, rp.tree_lut_per_add_bit) +
                    (r.dsp ? 0 : in.n_in * lut_multiplier(d, tw));
            r.ff = in.n_out * a * static_cast<size_t>(std::max(1, t.latency));
            r.bram18 = ceil_div(in.n_in, reads) * table_copy + table_copy;
            break;
        }
    }
    return r;
}

void add_resources(LayerTiming& t, const ResourceEstimate& r) {
    t.dsp += r.dsp;
    t.lut += r.lut;
    t.ff += r.ff;
    t.bram18 += r.bram18;
    t.csynth_lut += r.lut;
    t.csynth_ff += r.ff;
}

void apply_resource_model(const LayerCostInputs& in, const DeviceProfile& p, LayerTiming& t) {
    const ResourceEstimate r = layer_resources(in, t, p.dsp_min_operand_bits);
    t.dsp = r.dsp;
    t.lut = r.lut;
    t.ff = r.ff;
    t.bram18 = r.bram18;
    const CsynthCount h = hls_csynth_count(in, t, p.dsp_min_operand_bits);
    t.csynth_lut = h.lut;
    t.csynth_ff = h.ff;
}

}  // namespace tlm4ml
