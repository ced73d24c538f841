#include "cost_model.h"
#include "resource_model.h"

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
    p.layer_output_register_cycles = 0;
    p.output_register_cycles = 1;
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
                        {"dsp_min_operand_bits", dsp_min_operand_bits},
                        {"bram_bits", bram_bits}};
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
        else if (k == "bram_bits") integer(k, p.bram_bits, 1, 1 << 24);
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
            // Products feed a balanced adder tree over n_in terms plus the bias.
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
            const bool dsp = !in.xnor && !in.no_dsp && in.data_width >= p.dsp_min_operand_bits &&
                             in.weight_width >= p.dsp_min_operand_bits;
            t.dsp = dsp ? t.multipliers : 0;
            const size_t lut_mult = dsp ? 0 : (in.xnor ? 1 : (in.no_dsp ? in.data_width : in.data_width * in.weight_width / 2));
            t.lut = t.multipliers * (lut_mult + static_cast<size_t>(in.result_width));
            t.ff = in.n_out * static_cast<size_t>(in.result_width) * static_cast<size_t>(1 + t.latency);
            if (in.strategy == Strategy::Resource && rf > 1)
                t.bram18 = ceil_div(products * static_cast<size_t>(in.weight_width), static_cast<size_t>(p.bram_bits));
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
            const bool dsp = !in.xnor && !in.no_dsp && in.data_width >= p.dsp_min_operand_bits &&
                             in.weight_width >= p.dsp_min_operand_bits;
            t.dsp = dsp ? t.multipliers : 0;
            const size_t lut_mult = dsp ? 0 : (in.no_dsp ? in.data_width : in.data_width * in.weight_width / 2);
            t.lut = t.multipliers * (lut_mult + static_cast<size_t>(in.result_width)) +
                    in.mult_n_in * pf * static_cast<size_t>(in.data_width);  // the im2col buffer muxes
            t.ff = in.n_out * static_cast<size_t>(in.result_width);
            if (in.strategy == Strategy::Resource && rf > 1)
                t.bram18 = ceil_div(in.mult_n_in * in.mult_n_out * static_cast<size_t>(in.weight_width),
                                    static_cast<size_t>(p.bram_bits));
            break;
        }
        case LayerCostInputs::Kind::Pooling: {
            // Every window in parallel (PIPELINE II=RF): a comparator (max) or adder (average) tree over
            // the window, average pooling adds a constant divider (counted as one product).
            const size_t area = in.mult_n_in < 1 ? 1 : in.mult_n_in;
            const double tree = ceil_log2(area) * p.t_add_ns + (in.average ? p.t_mult_ns : 0.0);
            t.ii = rf;
            t.latency = std::max(1, stages(tree, usable));
            t.lut = in.n_out * area * static_cast<size_t>(in.data_width);
            t.ff = in.n_out * static_cast<size_t>(in.result_width);
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
            t.lut = in.n_in * static_cast<size_t>(levels * in.result_width);
            break;
        }
        case LayerCostInputs::Kind::MergeMultiply: {
            // One product per element, registered as BatchNormalization's.
            t.ii = 1;
            t.latency = std::max(1, stages(p.t_mult_ns, usable)) + p.layer_output_register_cycles;
            t.multipliers = in.n_in;
            t.dsp = in.data_width >= p.dsp_min_operand_bits && in.weight_width >= p.dsp_min_operand_bits
                        ? t.multipliers : 0;
            t.lut = t.dsp ? 0 : in.n_in * static_cast<size_t>(in.data_width * in.weight_width / 2);
            t.ff = in.n_out * static_cast<size_t>(in.result_width);
            break;
        }
        case LayerCostInputs::Kind::BatchNorm:
            t.ii = rf;
            t.latency = std::max(1, stages(p.t_mult_ns + p.t_add_ns, usable)) + p.layer_output_register_cycles;
            t.multipliers = ceil_div(in.n_in, rf);
            t.dsp = in.data_width >= p.dsp_min_operand_bits && in.weight_width >= p.dsp_min_operand_bits
                        ? t.multipliers : 0;
            t.lut = t.multipliers * static_cast<size_t>(in.result_width);
            t.ff = in.n_out * static_cast<size_t>(in.result_width);
            break;
        case LayerCostInputs::Kind::Threshold:
        case LayerCostInputs::Kind::Activation:
            // A comparator and a mux chain into the next layer's first stage.
            t.ii = rf;
            t.latency = 0;
            t.lut = in.n_in * static_cast<size_t>(in.data_width);
            break;
        case LayerCostInputs::Kind::TableActivation:
            t.ii = rf;
            t.latency = p.rom_read_cycles;
            t.lut = in.n_in * static_cast<size_t>(in.data_width);
            t.bram18 = 1;
            break;
        case LayerCostInputs::Kind::Softmax: {
            // max tree and subtraction | exp ROM | adder tree and 1/x index | inverse ROM | product
            const int depth = ceil_log2(in.n_in);
            t.ii = rf;
            t.latency = 2 * p.rom_read_cycles + std::max(1, stages((depth + 1) * p.t_add_ns, usable)) +
                        std::max(1, stages(depth * p.t_add_ns + p.t_mult_ns, usable)) +
                        p.layer_output_register_cycles;
            t.multipliers = in.n_in;
            t.dsp = in.n_in;
            t.lut = in.n_in * static_cast<size_t>(in.data_width) * 3;
            t.ff = in.n_out * static_cast<size_t>(in.result_width) * static_cast<size_t>(t.latency);
            t.bram18 = 2;
            break;
        }
    }
    apply_resource_model(in, p, t);  // the structural estimate (rtl_models/resource_model.h) replaces the above
    return t;
}

LayerTiming stream_layer_cost(LayerCostInputs in, size_t word_in, const DeviceProfile& p, double clock_period_ns) {
    switch (in.kind) {
        case LayerCostInputs::Kind::Conv:
            // nnet_conv2d_stream.h: the input loop body is PIPELINE II=R; every complete window runs the Dense
            // kernel (mult_n_in x n_filt) once: a single partition of one pixel.
            in.n_partitions = 1;
            in.parallelization_factor = 1;
            return layer_cost(in, p, clock_period_ns);
        case LayerCostInputs::Kind::Pooling:
        case LayerCostInputs::Kind::Dense:
        case LayerCostInputs::Kind::Wiring:
            return layer_cost(in, p, clock_period_ns);
        case LayerCostInputs::Kind::MergeAdder:
        case LayerCostInputs::Kind::MergeMultiply: {
            // nnet_merge_stream.h: one word of each input per iteration; add / subtract PIPELINE at II 1,
            // the other merges at II = reuse_factor.
            in.n_in = in.n_out = word_in;
            LayerTiming t = layer_cost(in, p, clock_period_ns);
            t.ii = in.merge_ii_is_reuse ? std::max(1, in.reuse_factor) : 1;
            return t;
        }
        default:
            // Element-wise layers (and softmax over one word) compute on one word at a time.
            in.n_in = in.n_out = word_in;
            return layer_cost(in, p, clock_period_ns);
    }
}

}  // namespace tlm4ml
