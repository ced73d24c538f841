#include "rtl_models/cost_model.h"
#include "rtl_models/resource_model.h"

#include <cmath>
#include <fstream>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace tlm4ml {

const char* to_string(Strategy s) { return s == Strategy::Latency ? "Latency" : "Resource"; }

int ceil_log2(size_t n) {
    int b = 0;
    while ((size_t{1} << b) < n) ++b;
    return b;
}

DeviceProfile DeviceProfile::vivado_2019() {
    DeviceProfile p;
    p.name = "vivado-2019.2-200MHz";
    p.clock_uncertainty = 0.125;  // Vivado HLS's default, and hls4ml's Vivado backend's (vivado_backend.py)
    p.layer_output_register_cycles = 0;
    p.output_register_cycles = 1;
    // Vivado HLS 2019.2 schedules a Latency Dense one cycle longer per extra reuse: the hls4ml tutorial's
    // part2_advanced_config.ipynb (hls4ml-tutorial commit 6f263996, xcu250, 5 ns) reports every
    // dense_latency instance of the jet tagger at 1 cycle with R = 1 and 2 cycles with R = 2.
    p.dense_reuse_step_cycles = 1;
    return p;
}

std::string DeviceProfile::to_json() const {
    nlohmann::json j = {{"name", name},
                        {"clock_uncertainty", clock_uncertainty},
                        {"t_mult_ns", t_mult_ns},
                        {"t_add_ns", t_add_ns},
                        {"rom_read_cycles", rom_read_cycles},
                        {"input_register_cycles", input_register_cycles},
                        {"layer_output_register_cycles", layer_output_register_cycles},
                        {"output_register_cycles", output_register_cycles},
                        {"dense_reuse_step_cycles", dense_reuse_step_cycles},
                        {"dsp_min_operand_bits", dsp_min_operand_bits}};
    return j.dump(2);
}

DeviceProfile DeviceProfile::load(const std::string& path) {
    std::ifstream f(path);
    if (!f) throw std::runtime_error(fmt::format("{}: cannot open the device profile", path));
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(f);
    } catch (const nlohmann::json::parse_error& e) {
        throw std::runtime_error(fmt::format("{}: malformed JSON: {}", path, e.what()));
    }
    if (!j.is_object()) throw std::runtime_error(fmt::format("{}: expected a JSON object", path));
    DeviceProfile p;
    auto num = [&](const std::string& key, double& field, double lo, double hi) {
        const auto& v = j[key];
        if (!v.is_number() || v.get<double>() < lo || v.get<double>() > hi)
            throw std::runtime_error(fmt::format("{}: {}: expected a number in [{}, {}]", path, key, lo, hi));
        field = v.get<double>();
    };
    auto integer = [&](const std::string& key, int& field, int lo, int hi) {
        const auto& v = j[key];
        if (!v.is_number_integer() || v.get<int64_t>() < lo || v.get<int64_t>() > hi)
            throw std::runtime_error(fmt::format("{}: {}: expected an integer in [{}, {}]", path, key, lo, hi));
        field = static_cast<int>(v.get<int64_t>());
    };
    for (auto it = j.begin(); it != j.end(); ++it) {
        const std::string& k = it.key();
        if (k == "name") {
            if (!it->is_string()) throw std::runtime_error(fmt::format("{}: name: expected a string", path));
            p.name = it->get<std::string>();
        } else if (k == "clock_uncertainty") num(k, p.clock_uncertainty, 0.0, 0.9);
        else if (k == "t_mult_ns") num(k, p.t_mult_ns, 0.0, 100.0);
        else if (k == "t_add_ns") num(k, p.t_add_ns, 0.0, 100.0);
        else if (k == "rom_read_cycles") integer(k, p.rom_read_cycles, 0, 16);
        else if (k == "input_register_cycles") integer(k, p.input_register_cycles, 0, 16);
        else if (k == "layer_output_register_cycles") integer(k, p.layer_output_register_cycles, 0, 16);
        else if (k == "output_register_cycles") integer(k, p.output_register_cycles, 0, 16);
        else if (k == "dense_reuse_step_cycles") integer(k, p.dense_reuse_step_cycles, 0, 16);
        else if (k == "dsp_min_operand_bits") integer(k, p.dsp_min_operand_bits, 1, 64);
        else if (k == "bram_bits")
            // Read by the capacity formula (weight bits / bram_bits) the structural resource model replaced;
            // block RAM is now counted in BRAM18 by the 18 Kb block's aspect ratios (rtl_models/resource_model.cpp).
            throw std::runtime_error(fmt::format("{}: bram_bits: no longer a profile key (block RAM is counted in "
                                                 "18 Kb blocks by their aspect ratios); remove it",
                                                 path));
        else throw std::runtime_error(fmt::format("{}: {}: unknown profile key", path, k));
    }
    return p;
}

namespace {
// Combinational delay packed into clock cycles (at least one cycle when there is any logic).
int stages(double delay_ns, double usable_ns) {
    if (delay_ns <= 0) return 0;
    return static_cast<int>(std::ceil(delay_ns / usable_ns - 1e-9));
}
size_t ceil_div(size_t a, size_t b) { return (a + b - 1) / b; }
}  // namespace

LayerTiming layer_cost(const LayerCostInputs& in, const DeviceProfile& p, double clock_period_ns) {
    const double usable = clock_period_ns * (1.0 - p.clock_uncertainty);
    const int rf = in.reuse_factor < 1 ? 1 : in.reuse_factor;
    LayerTiming t;
    switch (in.kind) {
        case LayerCostInputs::Kind::Dense: {
            // Products feed a balanced adder tree over n_in terms plus the bias. The templates (hls4ml
            // ef92ebdf2fc6) schedule every product kind the same way: vivado/nnet_dense_latency.h dense_latency
            // "#pragma HLS PIPELINE II=CONFIG_T::reuse_factor" (II R), vivado/nnet_dense_resource.h's ReuseLoop
            // "#pragma HLS PIPELINE II=1 rewind"; only the product differs (CONFIG_T::template product, inlined,
            // vivado/nnet_mult.h): both_binary "return a == w" is an XNOR, weight_binary / data_binary a select
            // of x or -x, weight_ternary a select of 0, x or -x. Those are one LUT level (t_add) where `mult` is
            // a multiplier (t_mult); the popcount / add-subtract tree after them is the same tree.
            const double tree = ceil_log2(in.n_in + 1) * p.t_add_ns;
            const double mult = (in.xnor || in.no_dsp) ? p.t_add_ns : p.t_mult_ns;
            t.ii = rf;
            if (in.strategy == Strategy::Latency)
                t.latency = std::max(1, stages(mult + tree, usable)) + (rf - 1) * p.dense_reuse_step_cycles;
            else  // ReuseLoop: rf iterations at II=1, then the last product and add drain
                t.latency = rf + std::max(1, stages(mult + p.t_add_ns, usable));
            t.latency += p.layer_output_register_cycles;
            const size_t products = in.n_in * in.n_out;
            t.multipliers = ceil_div(products, rf) - in.n_zero_weights / rf;
            break;
        }
        case LayerCostInputs::Kind::Conv: {
            // PartitionLoop: n_partitions iterations at II = RF, each one the Dense kernel
            // (mult_n_in x mult_n_out) on PF output pixels. The next image starts when the loop is done;
            // the last partition drains through the kernel's product and adder tree.
            const size_t parts = in.n_partitions < 1 ? 1 : in.n_partitions;
            const size_t pf = in.parallelization_factor < 1 ? 1 : static_cast<size_t>(in.parallelization_factor);
            const double tree = ceil_log2(in.mult_n_in + 1) * p.t_add_ns;
            const double mult = (in.xnor || in.no_dsp) ? p.t_add_ns : p.t_mult_ns;
            t.ii = static_cast<int>(parts) * rf;
            t.latency = static_cast<int>(parts - 1) * rf + std::max(1, stages(mult + tree, usable)) +
                        (rf - 1) * p.dense_reuse_step_cycles + p.layer_output_register_cycles;
            const size_t products = in.mult_n_in * in.mult_n_out * pf;
            t.multipliers = ceil_div(products, rf);
            break;
        }
        case LayerCostInputs::Kind::Pooling: {
            // Every window in parallel (PIPELINE II=RF): a comparator (max) or adder (average) tree over
            // the window, average pooling adds a constant divider (counted as one product).
            const size_t area = in.mult_n_in < 1 ? 1 : in.mult_n_in;
            const double tree = ceil_log2(area) * p.t_add_ns + (in.average ? p.t_mult_ns : 0.0);
            t.ii = rf;
            t.latency = std::max(1, stages(tree, usable));
            break;
        }
        case LayerCostInputs::Kind::Wiring:
            t.ii = 1;
            t.latency = 0;
            break;
        case LayerCostInputs::Kind::MergeAdder: {
            // nnet_merge.h: one #pragma HLS PIPELINE loop (II 1) of element-wise adders / comparators. Like a
            // relu, logic that fits one clock chains into the next layer's first stage (latency 0); Average
            // has two adder levels (the sum, then the sign correction of the division by 2).
            const int levels = in.average ? 2 : 1;
            t.ii = 1;
            t.latency = std::max(0, stages(levels * p.t_add_ns, usable) - 1);
            break;
        }
        case LayerCostInputs::Kind::MergeMultiply: {
            // One product per element, registered as BatchNormalization's.
            t.ii = 1;
            t.latency = std::max(1, stages(p.t_mult_ns, usable)) + p.layer_output_register_cycles;
            t.multipliers = in.n_in;
            break;
        }
        case LayerCostInputs::Kind::BatchNorm:
            t.ii = rf;
            t.latency = std::max(1, stages(p.t_mult_ns + p.t_add_ns, usable)) + p.layer_output_register_cycles;
            t.multipliers = ceil_div(in.n_in, rf);
            break;
        case LayerCostInputs::Kind::Threshold:
            // BatchNormalizationQuantizedTanh and the binary / ternary tanh activations: one or two comparisons
            // per element against a constant, chained into the next layer's first stage like a relu. Their
            // templates pipeline without an II, so II 1 whatever the reuse factor: vivado/nnet_batchnorm.h
            // normalize_binary_tanh (line 83) and normalize_ternary_tanh (line 103), vivado/nnet_activation.h
            // binary_tanh (line 804) and ternary_tanh (line 824): "#pragma HLS PIPELINE".
            t.ii = 1;
            t.latency = 0;
            break;
        case LayerCostInputs::Kind::Activation:
            // A comparator and a mux chain into the next layer's first stage.
            t.ii = rf;
            t.latency = 0;
            break;
        case LayerCostInputs::Kind::TableActivation:
            t.ii = rf;
            t.latency = p.rom_read_cycles;
            break;
        case LayerCostInputs::Kind::Softmax: {
            // max tree and subtraction | exp ROM | adder tree and 1/x index | inverse ROM | product
            const int depth = ceil_log2(in.n_in);
            t.ii = rf;
            t.latency = 2 * p.rom_read_cycles + std::max(1, stages((depth + 1) * p.t_add_ns, usable)) +
                        std::max(1, stages(depth * p.t_add_ns + p.t_mult_ns, usable)) +
                        p.layer_output_register_cycles;
            t.multipliers = in.n_in;
            break;
        }
    }
    apply_resource_model(in, p, t);  // DSP / LUT / FF / BRAM18: the structural model (rtl_models/resource_model.h)
    return t;
}

// io_stream rules, each from the pipelined loop of hls4ml's stream template (hls4ml commit ef92ebdf2fc6, the
// commit of ../shared/reference; "vitis/" overrides "vivado/" for the Vitis backend, the default profile).
// hls4ml's stream functions are DATAFLOW processes; HLS starts the next call of a function once the previous
// one returned, so a function made of several loops runs them one after the other.
// The vivado/ templates (hls4ml's Vivado backend, the vivado2019 profile) carry the same pragmas on every loop
// below; only the loops without a pragma differ by tool: Vitis HLS pipelines them itself, Vivado HLS does not,
// so under vivado2019 the zero padding and global pooling rules are lower bounds (models/hls4ml/backend_profile.cpp
// names those layers when `run` uses that profile).
LayerTiming stream_layer_cost(LayerCostInputs in, size_t word_in, const DeviceProfile& p, double clock_period_ns) {
    const double usable = clock_period_ns * (1.0 - p.clock_uncertainty);
    const int rf = std::max(1, in.reuse_factor);
    const size_t word = std::max<size_t>(1, word_in);
    const size_t n_total = std::max<size_t>(1, in.n_in);
    const int words = static_cast<int>(std::max<size_t>(1, n_total / word));
    switch (in.kind) {
        case LayerCostInputs::Kind::Conv:
            // vitis/nnet_conv2d_stream.h conv_2d_buffer_latency_cl, ReadInputWidth loop: "#pragma HLS PIPELINE
            // II=CONFIG_T::reuse_factor" (vitis/nnet_conv1d_stream.h conv_1d_cl the same; vivado/
            // nnet_conv2d_stream.h conv_2d_buffer_cl under the Latency strategy too): one input pixel every R
            // cycles. A pixel that completes a window runs the Dense kernel (mult_n_in x n_filt) once inside
            // compute_output_buffer_2d/1d: a single partition of one pixel.
            in.n_partitions = 1;
            in.parallelization_factor = 1;
            return layer_cost(in, p, clock_period_ns);
        case LayerCostInputs::Kind::Pooling: {
            if (in.global_pool) {
                // vitis/nnet_pooling_stream.h global_pooling2d_cl / global_pooling1d_cl: the ReadInputWidth /
                // ReadInput loop (LOOP_FLATTEN, no PIPELINE pragma; Vitis HLS pipelines it at II 1) folds each
                // word into a running max / sum (compute_global_pool), then MaxPoolRes / AvgPoolRes ("#pragma HLS
                // PIPELINE") writes the result; no pragma uses the reuse factor. The next tensor is read once the
                // result is written: ii = words + latency, latency = the last comparator / adder (and the
                // average's divider).
                LayerTiming t = layer_cost(in, p, clock_period_ns);
                t.latency = std::max(1, stages(p.t_add_ns + (in.average ? p.t_mult_ns : 0.0), usable));
                t.ii = words + t.latency;
                return t;
            }
            // vitis/nnet_pooling_stream.h pooling2d_cl, ReadInputWidth loop: "#pragma HLS PIPELINE" (no II: 1);
            // pooling1d_cl the same (vivado/ pooling2d_buffer_cl too). The reuse factor appears in no pragma:
            // one input pixel per cycle whatever R. Latency: the window's comparator / adder tree (reduce_pool).
            LayerTiming t = layer_cost(in, p, clock_period_ns);
            t.ii = 1;
            return t;
        }
        case LayerCostInputs::Kind::Dense: {
            // vitis/nnet_dense_stream.h dense: data_prepare's DataPrepare loop ("#pragma HLS PIPELINE": a word
            // per cycle), then dense_latency_wrapper ("#pragma HLS PIPELINE II=CONFIG_T::reuse_factor"), then
            // res_write; dense itself is not pipelined, so the next tensor's words are read after the result is
            // written: ii = max(R, words + latency) cycles between tensors.
            LayerTiming t = layer_cost(in, p, clock_period_ns);
            t.ii = std::max(rf, words + t.latency);
            return t;
        }
        case LayerCostInputs::Kind::Wiring:
            // vivado/nnet_padding_stream.h zeropad1d_cl / zeropad2d_cl: loops without pragmas (Vitis HLS
            // pipelines them at II 1), one output word per cycle, pad or copied.
            return layer_cost(in, p, clock_period_ns);
        case LayerCostInputs::Kind::MergeAdder:
        case LayerCostInputs::Kind::MergeMultiply: {
            // vivado/nnet_merge_stream.h: one word of each input per iteration; add / subtract "#pragma HLS
            // PIPELINE" (II 1), multiply / average / maximum / minimum "#pragma HLS PIPELINE
            // II=CONFIG_T::reuse_factor", concatenate1d/2d/3d "#pragma HLS PIPELINE" / "II=1".
            in.n_in = in.n_out = word_in;
            LayerTiming t = layer_cost(in, p, clock_period_ns);
            t.ii = in.merge_ii_is_reuse ? rf : 1;
            return t;
        }
        case LayerCostInputs::Kind::BatchNorm: {
            // vivado/nnet_batchnorm_stream.h normalize, BatchNormLoop: "constexpr unsigned ii = CONFIG_T::n_in /
            // CONFIG_T::multiplier_limit; #pragma HLS PIPELINE II=ii" with multiplier_limit =
            // DIV_ROUNDUP(n_in, reuse_factor) (backends/vivado/passes/core_templates.py
            // batchnorm_config_template) and n_in the whole input tensor.
            in.n_in = in.n_out = word_in;
            LayerTiming t = layer_cost(in, p, clock_period_ns);
            t.ii = std::max(1, static_cast<int>(n_total / ceil_div(n_total, static_cast<size_t>(rf))));
            t.multipliers = ceil_div(word_in, static_cast<size_t>(t.ii));
            t.dsp = t.dsp ? t.multipliers : 0;
            return t;
        }
        case LayerCostInputs::Kind::Softmax: {
            // vivado/nnet_activation_stream.h softmax_stable (SoftmaxArrayLoop) and softmax_latency
            // (SoftmaxExpLoop): "constexpr unsigned multiplier_limit = DIV_ROUNDUP(data_T::size,
            // CONFIG_T::reuse_factor); constexpr unsigned ii = data_T::size / multiplier_limit; #pragma HLS
            // PIPELINE II=ii"; softmax_legacy (SoftmaxInitLoop) and softmax_argmax: "#pragma HLS PIPELINE" (1).
            in.n_in = in.n_out = word_in;
            LayerTiming t = layer_cost(in, p, clock_period_ns);
            const size_t multiplier_limit = ceil_div(word, static_cast<size_t>(rf));
            t.ii = in.softmax_ii_from_reuse ? std::max(1, static_cast<int>(word / multiplier_limit)) : 1;
            return t;
        }
        default: {
            // Element-wise: vivado/nnet_activation_stream.h relu (ReLUActLoop), linear, sigmoid, tanh,
            // hard_sigmoid, hard_tanh, leaky_relu, thresholded_relu, softplus, softsign, elu, selu, binary_tanh,
            // ternary_tanh: "#pragma HLS PIPELINE" (II 1) whatever the reuse factor; vivado/
            // nnet_batchnorm_stream.h normalize_binary_tanh / normalize_ternary_tanh: "#pragma HLS PIPELINE".
            in.n_in = in.n_out = word_in;
            LayerTiming t = layer_cost(in, p, clock_period_ns);
            t.ii = 1;
            return t;
        }
    }
}

}  // namespace tlm4ml
