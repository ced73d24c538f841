#include "layers/modules/layer_module.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace tlm4ml {

namespace {
StreamChannel& first_input(const std::vector<StreamChannel*>& ins, StreamChannel& out) {
    return ins.empty() ? out : *ins.front();  // no input at all is refused by the constructor
}
}  // namespace

LayerModule::LayerModule(sc_core::sc_module_name name, const Layer& layer, const LayerTiming& timing,
                         StreamChannel& in, StreamChannel& out)
    : LayerModule(name, layer, timing, std::vector<StreamChannel*>{&in}, out) {}

LayerModule::LayerModule(sc_core::sc_module_name name, const Layer& layer, const LayerTiming& timing,
                         std::vector<StreamChannel*> ins, StreamChannel& out)
    : ClockedModule(name, layer, timing, first_input(ins, out), out), ins_(std::move(ins)) {
    size_t width = 0;
    for (const StreamChannel* c : ins_) width += c->width();
    if (ins_.empty() || width != layer_.n_in() || out_.width() != layer_.n_out())
        throw std::invalid_argument(std::string(basename()) + ": channel widths do not match the layer");
    if (ins_.size() > 1) gathered_.resize(width);
}

void LayerModule::tick(uint64_t cycle) {
    emit_logged(cycle);
    if (!may_accept(cycle)) return;
    if (ins_.size() == 1) {
        if (!in_.can_pop(cycle)) return;
    } else if (!std::all_of(ins_.begin(), ins_.end(), [cycle](const StreamChannel* c) { return c->can_pop(cycle); })) {
        return;
    }
    const uint64_t visible = inputs_visible();
    const uint64_t sample = in_.front_sample();
    const uint64_t due = cycle + static_cast<uint64_t>(timing_.latency);
    int64_t* out = output_slot(sample, cycle, due);
    if (ins_.size() == 1) {
        layer_.compute(in_.front_data(), out);
        in_.drop(cycle);
    } else {
        // A merge: every input's tensor, one after the other.
        size_t at = 0;
        for (StreamChannel* c : ins_) {
            std::copy_n(c->front_data(), c->width(), gathered_.begin() + static_cast<std::ptrdiff_t>(at));
            at += c->width();
            c->drop(cycle);
        }
        layer_.compute(gathered_.data(), out);
    }
    accepted(cycle, visible);
    if (events_.size() < event_log_limit_) events_.push_back({sample, visible, cycle, kNever});
    // A zero-latency layer passes the result on in the same cycle (when no older result waits for a full output).
    if (due == cycle) emit_logged(cycle);
}

}  // namespace tlm4ml
