// The two ends of an io_stream network, where the testbench's whole tensors meet the FIFOs of words:
// the splitter writes a tensor into its stream one word per cycle (raster order, channels inside), as
// hls4ml's testbench fills the top-level input stream; the collector gathers the last layer's words back
// into a tensor (only needed when the last stream word is not the whole output).
#pragma once

#include <vector>

#include <systemc>

#include "rtl_models/clock_domain.h"
#include "rtl_models/stream_channel.h"

namespace tlm4ml {

class StreamSplitter : public sc_core::sc_module, public Clocked {
public:
    StreamSplitter(sc_core::sc_module_name name, StreamChannel& in, StreamChannel& out);
    void tick(uint64_t cycle) override;
    uint64_t next_wake(uint64_t cycle) const override;
    bool ports(std::vector<StreamChannel*>& inputs, std::vector<StreamChannel*>& outputs) const override {
        inputs.push_back(&in_);
        outputs.push_back(&out_);
        return true;
    }

private:
    StreamChannel& in_;
    StreamChannel& out_;
    std::vector<int64_t> current_;  // the tensor being split
    uint64_t sample_ = 0;
    bool have_ = false;
    size_t word_ = 0;
};

class StreamCollector : public sc_core::sc_module, public Clocked {
public:
    StreamCollector(sc_core::sc_module_name name, StreamChannel& in, StreamChannel& out);
    void tick(uint64_t cycle) override;
    uint64_t next_wake(uint64_t cycle) const override;
    bool ports(std::vector<StreamChannel*>& inputs, std::vector<StreamChannel*>& outputs) const override {
        inputs.push_back(&in_);
        outputs.push_back(&out_);
        return true;
    }

private:
    StreamChannel& in_;
    StreamChannel& out_;
    std::vector<int64_t> buffer_;
    size_t filled_ = 0;
    bool complete_ = false;
    uint64_t sample_ = 0;
};

}  // namespace tlm4ml
