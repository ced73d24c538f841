// "Say when the firmware is degenerate" (issue 11 item 3): configurations that are bit-exact with hls4ml
// and still useless, such as the `auto` jet tagger whose softmax input is 38 bits wide, so that its exp
// table only resolves differences of 128 or more and every output is the same constant.
//   * table_warnings(): found from the types alone, when the model is loaded (a softmax exp table whose
//     address bits skip every useful difference; a sigmoid / tanh / softplus / softsign table that gives one
//     value for every input of its type);
//   * OutputConstancy: over a run, the outputs that never change whatever the inputs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/model.h"

namespace tlm4ml {

// One message per table addressed by bits that cannot change the result, naming the layer and its types.
std::vector<std::string> table_warnings(const Model& m);

// Feed it every sample's output; warning() is non-empty when, over at least two samples, some outputs
// were the same for every sample.
class OutputConstancy {
public:
    explicit OutputConstancy(const Model& m) : model_(m) {}
    void observe(const std::vector<int64_t>& out);
    std::string warning() const;

private:
    const Model& model_;
    std::vector<int64_t> first_;
    std::vector<bool> varies_;
    size_t samples_ = 0;
};

}  // namespace tlm4ml
