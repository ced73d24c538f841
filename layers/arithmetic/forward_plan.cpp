#include "layers/arithmetic/forward_plan.h"

#include <algorithm>

#include "layers/arithmetic/batchnorm.h"
#include "layers/arithmetic/dense.h"
#include "layers/arithmetic/dense_threshold.h"
#include "layers/arithmetic/quantized_tanh.h"
#include "layers/arithmetic/xnor_lookup.h"
#include "models/model.h"

namespace tlm4ml {

std::shared_ptr<const ForwardPlan> ForwardPlan::build(const Model& model, bool fuse) {
    auto plan = std::make_shared<ForwardPlan>();
    const size_t n = model.layers.size();
    for (size_t k = 0; k < n; ++k) {
        plan->serials.push_back(model.layers[k]->serial());
        const Layer* layer = model.layers[k].get();
        const auto* dense = fuse ? dynamic_cast<const DenseLayer*>(layer) : nullptr;
        const Layer* next = k + 1 < n ? model.layers[k + 1].get() : nullptr;
        LayerPtr step;
        bool pair = false;
        if (dense) {
            if (const auto* threshold = dynamic_cast<const QuantizedTanhLayer*>(next))
                pair = (step = DenseThresholdLayer::fuse(*dense, *threshold)) != nullptr;
            const auto* batchnorm = dynamic_cast<const BatchNormLayer*>(next);
            if (!step && batchnorm) pair = (step = XnorLookupLayer::fuse(*dense, batchnorm)) != nullptr;
            if (!step) step = XnorLookupLayer::fuse(*dense, nullptr);
        }
        if (step) {
            if (pair) plan->serials.push_back(next->serial());
            plan->fused.push_back(std::move(step));
            layer = plan->fused.back().get();
            k += pair ? 1 : 0;
        }
        plan->steps.push_back(Step{layer});
    }
    for (size_t s = 0; s < plan->steps.size(); ++s) {
        Step& step = plan->steps[s];
        const Packing out = step.layer->packed_output();
        if (s + 1 < plan->steps.size() && out != Packing::None && plan->steps[s + 1].layer->packed_input() == out) {
            step.out = out;
            plan->steps[s + 1].in = out;
            plan->max_words = std::max(plan->max_words, packed_size(out, step.layer->n_out()));
        } else {
            plan->max_values = std::max(plan->max_values, step.layer->n_out());
        }
    }
    return plan;
}

bool ForwardPlan::fits(const Model& model) const {
    if (!model.inputs.empty() || serials.size() != model.layers.size()) return false;
    for (size_t k = 0; k < serials.size(); ++k)
        if (serials[k] != model.layers[k]->serial()) return false;
    return true;
}

void ForwardPlan::run(const int64_t* input, int64_t* output) const {
    // Two buffers of each kind, used in turn: a step reads one and writes the other.
    thread_local std::vector<int64_t> values[2];
    thread_local std::vector<uint64_t> words[2];
    for (auto& v : values)
        if (v.size() < max_values) v.resize(max_values);
    for (auto& w : words)
        if (w.size() < max_words) w.resize(max_words);
    const int64_t* v = input;
    const uint64_t* w = nullptr;
    int next_values = 0, next_words = 0;
    const size_t last = steps.size() - 1;
    for (size_t s = 0; s < steps.size(); ++s) {
        const Step& step = steps[s];
        if (step.out == Packing::None) {
            int64_t* dst = s == last ? output : values[next_values].data();
            if (step.in == Packing::None)
                step.layer->compute(v, dst);
            else
                step.layer->compute_from_packed(w, dst);
            v = dst;
            next_values ^= 1;
        } else {
            uint64_t* dst = words[next_words].data();
            if (step.in == Packing::None)
                step.layer->compute_to_packed(v, dst);
            else
                step.layer->compute_packed(w, dst);
            w = dst;
            next_words ^= 1;
        }
    }
}

}  // namespace tlm4ml
