#include "network.h"

#include <algorithm>

namespace tlm4ml {

Network::Network(sc_core::sc_module_name name, const Model& model, const DeviceProfile& profile)
    : sc_core::sc_module(name), model_(model), period_(model.clock_period_ns, sc_core::SC_NS) {
    for (const auto& l : model.layers) timings_.push_back(layer_cost(l->cost_inputs(), profile, model.clock_period_ns));
    int ii = 1;
    for (const auto& t : timings_) ii = std::max(ii, t.ii);

    const size_t n = model.layers.size();
    for (size_t i = 0; i <= n; ++i) {
        int latency = 0;
        std::string cname;
        size_t width;
        if (i == 0) {
            latency = ii == 1 ? profile.input_register_cycles : 0;
            cname = model.input_name;
            width = model.input_size();
        } else {
            cname = model.layers[i - 1]->name() + "_out";
            width = model.layers[i - 1]->n_out();
        }
        if (i == n) latency += profile.output_register_cycles;
        channels_.push_back(std::make_unique<StreamChannel>(cname, 2, latency, width));
    }
    for (size_t i = 0; i < n; ++i)
        modules_.push_back(std::make_unique<LayerModule>(model.layers[i]->name().c_str(), *model.layers[i],
                                                         timings_[i], *channels_[i], *channels_[i + 1]));
}

void Network::attach(ClockDomain& domain) {
    for (auto& m : modules_) domain.add(*m);
}

int Network::expected_ii() const {
    int ii = 1;
    for (const auto& t : timings_) ii = std::max(ii, t.ii);
    return ii;
}

int Network::expected_latency() const {
    int l = channels_.front()->latency() + (channels_.size() > 1 ? channels_.back()->latency() : 0);
    for (const auto& t : timings_) l += t.latency;
    return l;
}

}  // namespace tlm4ml
