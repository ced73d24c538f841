#include "layers/arithmetic/reference.h"

#include <algorithm>
#include <stdexcept>

#include "layers/arithmetic/forward_plan.h"

namespace tlm4ml {

namespace {
const ForwardPlan& plan_of(const Model& model) {
    if (!model.forward_plan || !model.forward_plan->fits(model)) model.forward_plan = ForwardPlan::build(model);
    return *model.forward_plan;
}
}  // namespace

void forward(const Model& model, const int64_t* input, int64_t* output) {
    if (model.inputs.empty() && !model.layers.empty()) {
        plan_of(model).run(input, output);
        return;
    }
    const std::vector<int64_t> out = forward(model, std::vector<int64_t>(input, input + model.input_size()));
    std::copy(out.begin(), out.end(), output);
}

std::vector<int64_t> forward(const Model& model, const std::vector<int64_t>& input,
                             std::vector<std::vector<int64_t>>* trace) {
    if (input.size() != model.input_size()) throw std::invalid_argument("forward: input size does not match the model");
    const size_t n = model.layers.size();
    if (trace) trace->clear();
    if (!trace && model.inputs.empty() && n > 0) {
        std::vector<int64_t> out(model.output_size());
        plan_of(model).run(input.data(), out.data());
        return out;
    }
    if (model.inputs.empty()) {
        // A chain with a trace: layer by layer, no fused steps (every layer's output is kept). A one- or
        // two-bit tensor goes on packed when both its producer and its consumer compute on packed words.
        thread_local std::vector<int64_t> cur, next;
        thread_local std::vector<uint64_t> cur_packed, next_packed;
        // The first layer reads the sample where it is.
        const int64_t* values = input.data();
        Packing cur_packing = Packing::None;
        for (size_t k = 0; k < n; ++k) {
            const Layer& layer = *model.layers[k];
            const Packing out_packing = k + 1 < n && layer.packed_output() != Packing::None &&
                                                layer.packed_output() == model.layers[k + 1]->packed_input()
                                            ? layer.packed_output()
                                            : Packing::None;
            if (cur_packing != Packing::None && out_packing != Packing::None) {
                // No layer packs on both sides; unpack rather than require it.
                cur.resize(layer.n_in());
                unpack_codes(cur_packing, cur_packed.data(), layer.n_in(), cur.data());
                values = cur.data();
                cur_packing = Packing::None;
            }
            if (out_packing != Packing::None) {
                next_packed.resize(packed_size(out_packing, layer.n_out()));
                layer.compute_to_packed(values, next_packed.data());
                if (trace) {
                    trace->emplace_back(layer.n_out());
                    unpack_codes(out_packing, next_packed.data(), layer.n_out(), trace->back().data());
                }
                cur_packed.swap(next_packed);
            } else {
                next.resize(layer.n_out());
                if (cur_packing != Packing::None)
                    layer.compute_from_packed(cur_packed.data(), next.data());
                else
                    layer.compute(values, next.data());
                if (trace) trace->push_back(next);
                cur.swap(next);
                values = cur.data();
            }
            cur_packing = out_packing;
        }
        if (n == 0) return input;
        return std::vector<int64_t>(cur.begin(), cur.end());
    }
    // A graph: every layer's output is kept until the pass ends (file order is topological).
    thread_local std::vector<std::vector<int64_t>> outs;
    thread_local std::vector<int64_t> gathered;
    outs.resize(n);
    for (size_t i = 0; i < n; ++i) {
        const Layer& layer = *model.layers[i];
        const std::vector<size_t> producers = model.inputs_of(i);
        const int64_t* in;
        if (producers.size() == 1) {
            in = producers[0] == Model::kModelInput ? input.data() : outs[producers[0]].data();
        } else {
            gathered.clear();
            for (size_t p : producers) {
                const std::vector<int64_t>& v = p == Model::kModelInput ? input : outs[p];
                gathered.insert(gathered.end(), v.begin(), v.end());
            }
            in = gathered.data();
        }
        outs[i].resize(layer.n_out());
        layer.compute(in, outs[i].data());
        if (trace) trace->push_back(outs[i]);
    }
    return outs[n - 1];
}

std::vector<int64_t> layer_input(const Model& model, size_t i, const std::vector<int64_t>& input,
                                 const std::vector<std::vector<int64_t>>& trace) {
    std::vector<int64_t> v;
    for (size_t p : model.inputs_of(i)) {
        const std::vector<int64_t>& src = p == Model::kModelInput ? input : trace.at(p);
        v.insert(v.end(), src.begin(), src.end());
    }
    return v;
}

}  // namespace tlm4ml
