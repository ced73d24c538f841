// An io_parallel network's layer modules as one part of the clock domain. The domain decides per part
// whether to evaluate it in a cycle (due, or one of its channels moved); for a chain of io_parallel layers at
// II 1 every layer is busy in every cycle, and that decision, two virtual calls and the channel flags per
// layer were a fifth of the engine's own time. The pipeline instead ticks its modules in network order
// whenever it is evaluated and reports the earliest of their wake cycles: ticking a layer that is neither
// due nor fed is a no-op (its next_wake() said so), so every layer acts in exactly the cycles it would as a
// part of its own. Only the channels into and out of the chain are watched by the domain.
#pragma once

#include <vector>

#include "layers/modules/layer_module.h"
#include "rtl_models/clock_domain.h"

namespace tlm4ml {

class ParallelPipeline : public Clocked {
public:
    // `modules` in evaluation order (producers before consumers).
    explicit ParallelPipeline(std::vector<LayerModule*> modules);

    void tick(uint64_t cycle) override {
        for (LayerModule* m : modules_) m->tick(cycle);
    }
    // The earliest wake; no module wakes sooner than the next cycle, so the search ends at the first that
    // wakes then (in a busy pipeline, the first module).
    uint64_t next_wake(uint64_t cycle) const override {
        uint64_t wake = kNever;
        for (const LayerModule* m : modules_) {
            wake = std::min(wake, m->next_wake(cycle));
            if (wake <= cycle + 1) break;
        }
        return wake;
    }
    bool ports(std::vector<StreamChannel*>& inputs, std::vector<StreamChannel*>& outputs) const override {
        inputs.insert(inputs.end(), inputs_.begin(), inputs_.end());
        outputs.insert(outputs.end(), outputs_.begin(), outputs_.end());
        return true;
    }

private:
    std::vector<LayerModule*> modules_;
    std::vector<StreamChannel*> inputs_;   // read by a module, written by none of them
    std::vector<StreamChannel*> outputs_;  // written by a module, read by none of them
};

}  // namespace tlm4ml
