#include "rtl_models/hls_csynth_count.h"

#include <algorithm>
#include <cmath>

namespace tlm4ml {

namespace {

size_t ceil_div(size_t a, size_t b) { return b == 0 ? 0 : (a + b - 1) / b; }
size_t bits(int w) { return w < 0 ? 0 : static_cast<size_t>(w); }
size_t lut(double x) { return x <= 0 ? 0 : static_cast<size_t>(std::llround(x)); }

bool histogram_known(const LayerCostInputs& in) {
    for (uint32_t c : in.weight_csd_histogram)
        if (c) return true;
    return false;
}

// LUT6s per bit of a k:1 multiplexer (as the post-synthesis rule: HLS prices its muxes by input count too).
size_t mux_luts_per_bit(size_t k) { return k <= 1 ? 0 : ceil_div(k - 1, 3); }

// The Dense arithmetic of n_in x n_out products, `copies` times (Conv: PF output pixels); `depth` is the
// pipeline depth of one pass (the layer's latency, or a convolution's per-partition kernel).
CsynthCount dense_count(const LayerCostInputs& in, size_t n_in, size_t n_out, size_t copies, int depth,
                        const LayerTiming& t, int dsp_bits, const ResourceProfile& rp, const HlsCountProfile& hp) {
    CsynthCount c;
    const size_t rf = in.reuse_factor < 1 ? 1 : static_cast<size_t>(in.reuse_factor);
    const size_t d = bits(in.data_width), w = bits(in.weight_width), a = bits(in.result_width);
    const size_t outputs = n_out * copies;
    const bool wide = in.data_width >= dsp_bits && in.weight_width >= dsp_bits;
    const double add = hp.add_lut_per_bit * static_cast<double>(a);
    const double cast = hp.constant_scale_lut_per_bit * static_cast<double>(a);
    const size_t bias_adds = in.zero_bias ? 0 : outputs;
    // Registers after the adder tree; a product alone (n_in = 1) keeps its registers inside the DSP48.
    const size_t fabric_stages = n_in > 1 ? static_cast<size_t>(std::max(0, depth)) : 0;
    if (rf == 1 && histogram_known(in)) {  // products by constants (the post-synthesis rule's condition)
        size_t nonzero = 0, shift_adds = 0, scaled = 0;
        for (size_t digits = 1; digits < in.weight_csd_histogram.size(); ++digits) {
            const size_t n = in.weight_csd_histogram[digits] * copies;
            nonzero += n;
            if (digits >= 2) scaled += n;  // a power of two is wiring; any other constant a product to cast
            // the post-synthesis rule's split: DSPs from dsp_min_csd_digits on, shift-add chains below
            if (!(wide && static_cast<int>(digits) >= rp.dsp_min_csd_digits)) shift_adds += n * (digits - 1);
        }
        const size_t tree_adds = (nonzero > outputs ? nonzero - outputs : 0) + bias_adds;
        c.lut = lut(static_cast<double>(scaled) * cast + static_cast<double>(shift_adds + tree_adds) * add);
        c.ff = outputs * a * fabric_stages;
        return c;
    }
    const size_t m = t.multipliers;
    c.lut = lut(static_cast<double>(m) * (wide ? cast : static_cast<double>(d * w) / 2.0));
    if (rf == 1) {
        const size_t tree_adds = (m > outputs ? m - outputs : 0) + bias_adds;
        c.lut += lut(static_cast<double>(tree_adds) * add);
        c.ff = outputs * a * fabric_stages;
    } else {
        // Every multiplier accumulates into its output; the inputs of a cycle are selected from R candidates.
        c.lut += lut(static_cast<double>(m) * add);
        c.lut += std::max<size_t>(1, ceil_div(n_in, rf)) * copies * d * mux_luts_per_bit(std::min(rf, n_in));
        c.ff = 2 * outputs * a + (wide ? 0 : m * a);
    }
    return c;
}

}  // namespace

CsynthCount hls_csynth_count(const LayerCostInputs& in, const LayerTiming& t, int dsp_bits, const ResourceProfile& rp,
                             const HlsCountProfile& hp) {
    using Kind = LayerCostInputs::Kind;
    CsynthCount c;
    const size_t d = bits(in.data_width), a = bits(in.result_width);
    const double cmp_select = hp.compare_select_lut_per_bit * static_cast<double>(d);
    const size_t index_bits = static_cast<size_t>(ceil_log2(static_cast<size_t>(std::max(2, rp.table_size))));
    // Rules without a baseline to fit (binary / ternary products, merges, BatchNorm, softmax) take the
    // post-synthesis model's figure: recorded as such in the README.
    auto post_synthesis = [&] {
        const ResourceEstimate r = layer_resources(in, t, dsp_bits, rp);
        c.lut = r.lut;
        c.ff = r.ff;
    };
    switch (in.kind) {
        case Kind::Dense:
            if (in.xnor || in.no_dsp) {
                post_synthesis();
                break;
            }
            c = dense_count(in, in.n_in, in.n_out, 1, t.latency, t, dsp_bits, rp, hp);
            if (in.io_stream) c.lut += lut(hp.stream_word_lut_per_bit * static_cast<double>(in.n_out * a));
            break;
        case Kind::Conv: {
            if (in.xnor || in.no_dsp) {
                post_synthesis();
                break;
            }
            const size_t pf = in.parallelization_factor < 1 ? 1 : static_cast<size_t>(in.parallelization_factor);
            if (in.io_stream) {
                c = dense_count(in, in.mult_n_in, in.mult_n_out, pf, t.latency, t, dsp_bits, rp, hp);
                c.lut += in.mult_n_in * pf * d;  // the window selection, as the post-synthesis rule
                if (in.line_buffer_depth > 0) {
                    c.lut += in.line_buffer_values * d * ceil_div(in.line_buffer_depth, 32);
                    c.ff += in.mult_n_in * d;
                }
                break;
            }
            // io_parallel: the PartitionLoop runs the kernel once per partition (cost_model.cpp), so the
            // kernel's registers are its own pipeline depth, not the partitions' latency.
            const size_t parts = in.n_partitions < 1 ? 1 : in.n_partitions;
            const int rf = in.reuse_factor < 1 ? 1 : in.reuse_factor;
            const int kernel_depth = t.latency - static_cast<int>(parts - 1) * rf;
            c = dense_count(in, in.mult_n_in, in.mult_n_out, pf, kernel_depth, t, dsp_bits, rp, hp);
            if (parts > 1) {
                // fill_buffer (hls4ml's generated im2col) assigns every buffer value under `if (partition ==
                // k)`: one W-bit select per partition and value. The results are written one partition at a
                // time into the output array, which holds them until the block is done: n_out x W registers.
                c.lut += lut(static_cast<double>(parts * in.mult_n_in * pf * d) * hp.select_lut_per_bit);
                c.ff += in.n_out * a;
            }
            break;
        }
        case Kind::Pooling: {
            const size_t area = in.mult_n_in < 1 ? 1 : in.mult_n_in;
            const size_t windows = in.io_stream && in.mult_n_out > 0 ? in.mult_n_out : in.n_out;
            if (in.average)
                c.lut = lut(static_cast<double>(windows) *
                            (static_cast<double>(area - 1) * hp.add_lut_per_bit * static_cast<double>(a) +
                             hp.constant_scale_lut_per_bit * static_cast<double>(a)));
            else
                c.lut = lut(static_cast<double>(windows * (area - 1)) * cmp_select);
            if (in.io_stream) c.lut += in.line_buffer_values * d * ceil_div(in.line_buffer_depth, 32);
            break;
        }
        case Kind::Wiring:
            break;
        case Kind::Activation:
        case Kind::Threshold:
            c.lut = lut(static_cast<double>(in.n_in) * cmp_select);  // compare with 0 / the threshold, select
            break;
        case Kind::TableActivation:
            // Index arithmetic per element; the index and the table's output are registered (ROM read).
            // ELU-like tables (x >= 0 passes x) add the compare-and-select and carry x and the sign across the
            // lookup's two stages.
            c.lut = lut(static_cast<double>(in.n_in) * (hp.table_index_lut + (in.table_passes_positive ? cmp_select : 0.0)));
            // io_stream: the activation is its own DATAFLOW process whose one-word loop keeps only the
            // output word (sigmoid 15, ELU 17 FF per element on the Vitis 2024.1 rows).
            c.ff = in.io_stream ? in.n_in * a : in.n_in * (index_bits + a + (in.table_passes_positive ? 2 * (d + 1) : 0));
            break;
        case Kind::MergeAdder:
        case Kind::MergeMultiply:
        case Kind::BatchNorm:
        case Kind::Softmax:
            post_synthesis();
            break;
    }
    return c;
}

CsynthCount hls_csynth_top_level(size_t input_bits, bool io_stream, const HlsCountProfile& hp) {
    CsynthCount c;
    c.ff = io_stream ? input_bits : input_bits + hp.control_ff;
    return c;
}

}  // namespace tlm4ml
