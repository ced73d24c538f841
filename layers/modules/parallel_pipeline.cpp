#include "layers/modules/parallel_pipeline.h"

#include <algorithm>

namespace tlm4ml {

ParallelPipeline::ParallelPipeline(std::vector<LayerModule*> modules) : modules_(std::move(modules)) {
    std::vector<StreamChannel*> read, written;
    for (const LayerModule* m : modules_) {
        m->ports(read, written);
    }
    for (StreamChannel* c : read)
        if (std::find(written.begin(), written.end(), c) == written.end()) inputs_.push_back(c);
    for (StreamChannel* c : written)
        if (std::find(read.begin(), read.end(), c) == read.end()) outputs_.push_back(c);
}

}  // namespace tlm4ml
