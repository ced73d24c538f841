// The one place where a layer's expected initiation interval, latency and resources come from.
// Formulas are written once here and documented in the README ("How tlm4ml counts cycles"); the
// numbers they use are named parameters of a device profile (JSON), calibrated against HLS reports.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace tlm4ml {

enum class Strategy { Latency, Resource };
const char* to_string(Strategy s);

// What the cost model needs to know about a layer.
struct LayerCostInputs {
    enum class Kind {
        Dense, BatchNorm, Threshold, Activation, TableActivation, Softmax,
        Conv,     // im2col + the Dense kernel once per partition of output pixels
        Pooling,  // comparator / adder trees over the pool window
        Wiring,   // zero padding, concatenation: no logic
        MergeAdder,    // Add / Subtract / Average / Maximum / Minimum: an adder or comparator per element
        MergeMultiply  // Multiply: a product per element
    } kind = Kind::Activation;
    size_t n_in = 0;
    size_t n_out = 0;
    size_t n_zero_weights = 0;
    int reuse_factor = 1;
    Strategy strategy = Strategy::Latency;
    int data_width = 16;
    int weight_width = 16;
    int result_width = 16;
    bool xnor = false;     // one-bit x one-bit products: LUTs, no DSP
    bool no_dsp = false;   // binary / ternary weights: sign selects, no multiplier
    // Conv: the per-pixel Dense kernel is mult_n_in x mult_n_out; n_partitions = out_pixels / PF passes.
    // Pooling: mult_n_in is the pool window area.
    size_t mult_n_in = 0;
    size_t mult_n_out = 0;
    size_t n_partitions = 1;
    int parallelization_factor = 1;
    bool average = false;  // average pooling (adder tree and a divider) rather than max
    // Merges in io_stream: hls4ml pipelines multiply / average / maximum / minimum at II = reuse_factor
    // (nnet_merge_stream.h), add / subtract at II = 1.
    bool merge_ii_is_reuse = false;
    bool global_pool = false;  // pooling over the whole image (io_stream: accumulated word by word)
    // Softmax whose io_stream loop is pipelined at II = size / ceil(size / R) (stable and latency; legacy and
    // argmax are pipelined at II 1).
    bool softmax_ii_from_reuse = false;
    // For the resource model (rtl_models/resource_model.h). weight_csd_histogram[d]: how many weights have d
    // canonical signed digits (d = 0: zero weights); all zero when the values are unknown.
    std::array<uint32_t, 65> weight_csd_histogram{};
    // io_stream convolutions and poolings: the line buffer, (window rows - 1) x n_chan values per word,
    // one (padded) input row deep.
    size_t line_buffer_depth = 0;
    size_t line_buffer_values = 0;
    bool io_stream = false;  // set by the io_stream network: line buffers exist only there
    // For the HLS C-synthesis count (rtl_models/hls_csynth_count.h): a Dense whose biases are all zero (HLS
    // folds the bias adds away); a table activation that passes x >= 0 through (ELU, SELU) and looks up x < 0.
    bool zero_bias = false;
    bool table_passes_positive = false;
};

// Operator delays and pipeline conventions of a tool + device at a clock.
struct DeviceProfile {
    std::string name = "vitis-2024.1-200MHz";
    double clock_uncertainty = 0.27;        // fraction of the period HLS keeps free (Vitis 27%, Vivado 12.5%)
    double t_mult_ns = 1.0;                 // one product, as scheduled (effective, calibrated)
    double t_add_ns = 0.35;                 // one adder / comparator level
    int rom_read_cycles = 1;                // lookup-table read (BRAM/LUTRAM output register)
    int input_register_cycles = 1;          // top-level input register, only when the net's II is 1
    int layer_output_register_cycles = 1;   // Dense / BatchNorm / Softmax outputs are registered
    int output_register_cycles = 0;         // top-level output register
    int dense_reuse_step_cycles = 0;        // extra latency per additional reuse of a multiplier (Latency)
    int dsp_min_operand_bits = 10;          // narrower products are built from LUTs

    // Reads a profile; unknown keys and bad values are errors naming the file and key.
    static DeviceProfile load(const std::string& path);
    static DeviceProfile vitis_default() { return DeviceProfile{}; }
    static DeviceProfile vivado_2019();
    std::string to_json() const;
};

struct LayerTiming {
    int ii = 1;            // cycles between accepted inputs
    int latency = 0;       // cycles from accepting an input to presenting its result
    size_t multipliers = 0;  // multipliers in use (zero weights need none)
    size_t dsp = 0;
    size_t lut = 0;
    size_t ff = 0;
    size_t bram18 = 0;
    // The same layer as HLS C-synthesis counts LUT and FF (rtl_models/hls_csynth_count.h).
    size_t csynth_lut = 0;
    size_t csynth_ff = 0;
};

LayerTiming layer_cost(const LayerCostInputs& in, const DeviceProfile& p, double clock_period_ns);

// io_stream (one word per FIFO transfer: a pixel of n_chan values, or the whole vector of a flat tensor).
// `word_in` is the number of values in one input word; `in.n_in` is the whole input tensor. The II is the
// interval of the layer's pipelined loop as hls4ml's stream templates set it (each rule names its template,
// function and pragma in cost_model.cpp), per word except for Dense and global pooling:
//   Conv (line buffer): ii = R cycles between input pixels; latency = cycles from the input pixel that
//     completes a stride-aligned window to its output pixel (the per-pixel kernel);
//   max / average pooling (line buffer): ii = 1 whatever R; latency: the window's comparator / adder tree;
//   element-wise activations (tables included) and BatchNormalizationQuantizedTanh: ii = 1 whatever R;
//   BatchNormalization: ii = n_in / ceil(n_in / R) (the whole tensor's n_in: about R);
//   softmax (one whole-vector word): stable / latency ii = word / ceil(word / R), legacy / argmax 1;
//   zero padding: 1 / 0;
//   Dense and global pooling read the whole input (one word per cycle), compute, then write, one after the
//     other: ii = cycles between two tensors = max(R, words + latency) for Dense, words + latency for global
//     pooling; latency = cycles from the last input word to the output word;
//   merges: the io_parallel row on one word of each input, ii 1 (Add, Subtract, Concatenate) or R (Multiply,
//     Average, Maximum, Minimum).
LayerTiming stream_layer_cost(LayerCostInputs in, size_t word_in, const DeviceProfile& p, double clock_period_ns);

// ceil(log2(n)) for n >= 1.
int ceil_log2(size_t n);

}  // namespace tlm4ml
