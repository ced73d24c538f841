#include "layers/arithmetic/reference.h"

#include <stdexcept>

namespace tlm4ml {

std::vector<int64_t> forward(const Model& model, const std::vector<int64_t>& input,
                             std::vector<std::vector<int64_t>>* trace) {
    if (input.size() != model.input_size()) throw std::invalid_argument("forward: input size does not match the model");
    const size_t n = model.layers.size();
    if (trace) trace->clear();
    if (model.inputs.empty()) {
        // A chain: two buffers reused across calls, so a forward pass allocates nothing once warm.
        thread_local std::vector<int64_t> cur, next;
        cur.assign(input.begin(), input.end());
        for (const auto& layer : model.layers) {
            next.resize(layer->n_out());
            layer->compute(cur.data(), next.data());
            if (trace) trace->push_back(next);
            cur.swap(next);
        }
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
