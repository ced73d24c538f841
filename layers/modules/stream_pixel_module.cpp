#include "layers/modules/stream_pixel_module.h"

#include <stdexcept>

#include <fmt/format.h>

#include "layers/arithmetic/activation.h"
#include "layers/arithmetic/batchnorm.h"
#include "layers/arithmetic/quantized_tanh.h"
#include "layers/arithmetic/softmax.h"
#include "layers/arithmetic/zero_padding.h"

namespace tlm4ml {

namespace {
// The layer's arithmetic on one word of `word` values, or nullptr when it cannot be split into words.
std::unique_ptr<Layer> word_copy(const Layer& l, size_t word) {
    if (l.n_in() % word != 0) return nullptr;
    if (auto* a = dynamic_cast<const ActivationLayer*>(&l)) {
        ActivationConfig c = a->config();
        c.n_in = word;
        return std::make_unique<ActivationLayer>(l.name(), std::move(c));
    }
    if (auto* b = dynamic_cast<const BatchNormLayer*>(&l)) {
        BatchNormConfig c = b->config();
        if (c.n_filt == 0 || word % c.n_filt != 0) return nullptr;
        c.n_in = word;
        return std::make_unique<BatchNormLayer>(l.name(), std::move(c));
    }
    if (auto* q = dynamic_cast<const QuantizedTanhLayer*>(&l)) {
        QuantizedTanhConfig c = q->config();
        if (c.n_filt == 0 || word % c.n_filt != 0) return nullptr;
        c.n_in = word;
        return std::make_unique<QuantizedTanhLayer>(l.name(), std::move(c));
    }
    if (auto* s = dynamic_cast<const SoftmaxLayer*>(&l)) {
        if (word != l.n_in()) return nullptr;  // softmax mixes the whole vector
        return std::make_unique<SoftmaxLayer>(l.name(), s->config());
    }
    return nullptr;
}
}  // namespace

bool StreamPixelModule::supports(const Layer& layer, size_t word) {
    if (auto* z = dynamic_cast<const ZeroPaddingLayer*>(&layer)) return z->config().n_chan == word;
    return word != 0 && word_copy(layer, word) != nullptr;
}

StreamPixelModule::StreamPixelModule(sc_core::sc_module_name name, const Layer& layer, const LayerTiming& timing,
                                     StreamChannel& in, StreamChannel& out)
    : StreamModuleOf(name, layer, timing, in, out) {
    pad_ = dynamic_cast<const ZeroPaddingLayer*>(&layer);
    if (!pad_) word_layer_ = word_copy(layer, in.width());
    if (pad_) {
        measure_output_ii_ = true;
        const ZeroPaddingConfig& c = pad_->config();
        for (size_t y = 0; y < c.out_height(); ++y)
            for (size_t x = 0; x < c.out_width(); ++x)
                pad_mask_.push_back(y < c.pad_top || y >= c.pad_top + c.in_height || x < c.pad_left ||
                                    x >= c.pad_left + c.in_width);
    }
    if (!supports(layer, in.width()) || in.width() != out.width())
        throw std::invalid_argument(fmt::format("{} {}: cannot stream words of {} values", layer.class_name(),
                                                layer.name(), in.width()));
}

StreamPixelModule::~StreamPixelModule() = default;

void StreamPixelModule::produce_pad(uint64_t cycle) {
    if (queue_full() || !is_pad(out_pixel_)) return;
    if (!started_) {
        // A new image starts with its first input pixel.
        if (in_.front_visible_cycle() > cycle) return;  // UINT64_MAX when empty
        sample_ = in_.front_sample();
        started_ = true;
    }
    std::fill_n(output_slot(sample_, cycle, cycle), out_.width(), 0);
    produced_cycle_ = cycle;
    if (++out_pixel_ == pad_mask_.size()) {
        out_pixel_ = 0;
        started_ = false;
    }
    emit(cycle);
}

uint64_t StreamPixelModule::produce_wake(uint64_t cycle) const {
    if (!pad_ || queue_full() || !is_pad(out_pixel_)) return kNever;
    if (!started_) {
        const uint64_t v = in_.front_visible_cycle();
        return v == UINT64_MAX ? kNever : std::max(v, cycle + 1);
    }
    return cycle + 1;
}

bool StreamPixelModule::may_take(uint64_t cycle) const {
    return !pad_ || (produced_cycle_ != cycle && !is_pad(out_pixel_));
}

void StreamPixelModule::take(const InputWord& in, uint64_t cycle) {
    int64_t* out = output_slot(in.sample, cycle, cycle + static_cast<uint64_t>(timing_.latency));
    if (pad_) {
        std::copy_n(in.data, in.size, out);
        started_ = true;
        sample_ = in.sample;
        if (++out_pixel_ == pad_mask_.size()) {
            out_pixel_ = 0;
            started_ = false;
        }
    } else {
        word_layer_->compute(in.data, out);
    }
}

template class StreamModuleOf<StreamPixelModule>;

}  // namespace tlm4ml
