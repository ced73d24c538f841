#include "reference.h"

#include <stdexcept>

namespace tlm4ml {

std::vector<int64_t> forward(const Model& model, const std::vector<int64_t>& input,
                             std::vector<std::vector<int64_t>>* trace) {
    if (input.size() != model.input_size()) throw std::invalid_argument("forward: input size does not match the model");
    // Two buffers reused across calls: a forward pass allocates nothing once warm.
    thread_local std::vector<int64_t> cur, next;
    cur.assign(input.begin(), input.end());
    if (trace) trace->clear();
    for (const auto& layer : model.layers) {
        next.resize(layer->n_out());
        layer->compute(cur.data(), next.data());
        if (trace) trace->push_back(next);
        cur.swap(next);
    }
    return std::vector<int64_t>(cur.begin(), cur.end());
}

}  // namespace tlm4ml
