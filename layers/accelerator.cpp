#include "layers/accelerator.h"

#include <algorithm>
#include <cstring>
#include <map>

#include "layers/arithmetic/reference.h"

namespace tlm4ml {

using namespace accel_reg;
using sc_core::sc_time;
using sc_core::sc_time_stamp;

// The two parts of the accelerator that sit in the network's clock domain: Feed hands queued inputs to the
// network's input channel (before the layers), Drain takes results off its output channel (after them).
class Accelerator::Feed : public Clocked {
public:
    Feed(Accelerator& a, StreamChannel& in) : a_(a), in_(in) {}
    void tick(uint64_t cycle) override {
        if (a_.pending_.empty()) return;
        Pending& p = a_.pending_.front();
        StreamChannel& into = channel(p);
        if (p.earliest_cycle > cycle || !into.can_push(cycle)) return;
        Token t;
        t.sample = next_sample_;
        t.data = std::move(p.data);
        if (!pushed_.count(t.sample)) pushed_[t.sample] = {cycle, p.streamed};  // its first word
        const bool streamed = p.streamed;
        if (p.last) ++next_sample_;
        into.push(std::move(t), cycle);
        a_.pending_.pop_front();
        a_.taken(streamed);
    }
    uint64_t next_wake(uint64_t cycle) const override {
        if (a_.pending_.empty()) return kNever;
        const Pending& p = a_.pending_.front();
        if (p.earliest_cycle > cycle) return p.earliest_cycle;
        return channel(p).full() ? kNever : cycle + 1;  // a full input waits for the first layer's pop
    }
    // The cycle a sample entered and whether it came through the streaming face; forgets it.
    std::pair<uint64_t, bool> take(uint64_t sample) {
        auto it = pushed_.find(sample);
        const auto r = it->second;
        pushed_.erase(it);
        return r;
    }

private:
    StreamChannel& channel(const Pending& p) const { return p.word ? *a_.net_.input_words() : in_; }
    Accelerator& a_;
    StreamChannel& in_;
    uint64_t next_sample_ = 0;
    std::map<uint64_t, std::pair<uint64_t, bool>> pushed_;
};

class Accelerator::Drain : public Clocked {
public:
    Drain(Accelerator& a, StreamChannel& out) : a_(a), out_(out) {}
    void tick(uint64_t cycle) override {
        if (!out_.can_pop(cycle)) return;
        Token t = out_.pop(cycle);
        const auto [push_cycle, streamed] = a_.feed_->take(t.sample);
        a_.finished(std::move(t.data), streamed, push_cycle, cycle);
    }
    uint64_t next_wake(uint64_t cycle) const override {
        const uint64_t v = out_.front_visible_cycle();
        return v == UINT64_MAX ? kNever : std::max(v, cycle + 1);
    }

private:
    Accelerator& a_;
    StreamChannel& out_;
};

namespace {

uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

}  // namespace

Accelerator::Accelerator(sc_core::sc_module_name name, const Model& model, const DeviceProfile& profile,
                         const AcceleratorOptions& options)
    : sc_core::sc_module(name),
      control("control"),
      stream_in("stream_in"),
      stream_out("stream_out"),
      interrupt("interrupt"),
      model_(model),
      options_(options),
      net_("network", model, profile),
      busy_signal_("busy") {
    const int widest = std::max(model.input_precision.width, model.output_precision().width);
    word_bytes_ = widest <= 32 ? 4 : 8;
    beat_words_ = model.input_shape.size() > 1 ? model.input_shape.back() : model.input_size();
    output_base_ = kBufferBase + align_up(model.input_size() * word_bytes_, 0x1000);
    input_.assign(model.input_size(), 0);
    output_.assign(model.output_size(), 0);
    if (options_.stream_queue_depth == 0) options_.stream_queue_depth = 1;

    control.register_b_transport(this, &Accelerator::control_transport);
    stream_in.register_b_transport(this, &Accelerator::stream_in_transport);
    stream_out.register_b_transport(this, &Accelerator::stream_out_transport);

    if (options_.timing == AcceleratorTiming::Cycle) {
        clock_ = std::make_unique<ClockDomain>("clock", net_.period());
        feed_ = std::make_unique<Feed>(*this, net_.input());
        drain_ = std::make_unique<Drain>(*this, net_.output());
        clock_->add(*feed_);
        net_.attach(*clock_);
        clock_->add(*drain_);
    }
    SC_METHOD(drive_outputs);
    sensitive << outputs_changed_;
    dont_initialize();
}

Accelerator::~Accelerator() = default;

uint64_t Accelerator::fast_latency() const {
    // io_stream: the tensor enters one word per cycle before the layers' latencies add up.
    const uint64_t words = net_.streaming() ? input_words() / beat_words_ : 0;
    return static_cast<uint64_t>(net_.expected_latency()) + words;
}

uint64_t Accelerator::cycle_at(const sc_time& t) const {
    const uint64_t p = net_.period().value();
    return (t.value() + p - 1) / p;
}

void Accelerator::sync(sc_time& delay) {
    if (delay > sc_core::SC_ZERO_TIME) wait(delay);
    delay = sc_core::SC_ZERO_TIME;
    // A transaction at a clock edge sees the network after that edge: the domain evaluates it in the
    // edge's first delta cycle.
    wait(sc_core::SC_ZERO_TIME);
}

int64_t Accelerator::from_word(const unsigned char* bytes, const Precision& p) const {
    uint64_t u = 0;
    if (word_bytes_ == 4) {
        uint32_t w;
        std::memcpy(&w, bytes, 4);
        u = w;
    } else {
        std::memcpy(&u, bytes, 8);
    }
    // The firmware's port is W bits wide: it keeps the low W bits.
    if (p.width < 64) {
        u &= (uint64_t{1} << p.width) - 1;
        if (p.is_signed && (u >> (p.width - 1)) & 1) u |= ~uint64_t{0} << p.width;
    }
    return static_cast<int64_t>(u);
}

void Accelerator::to_word(int64_t raw, unsigned char* bytes) const {
    if (word_bytes_ == 4) {
        const uint32_t w = static_cast<uint32_t>(static_cast<uint64_t>(raw));
        std::memcpy(bytes, &w, 4);
    } else {
        std::memcpy(bytes, &raw, 8);
    }
}

void Accelerator::raise(uint32_t isr_bits) {
    isr_ |= isr_bits & ier_;
    outputs_changed_.notify(sc_core::SC_ZERO_TIME);
}

void Accelerator::drive_outputs() {
    if (options_.timing == AcceleratorTiming::Fast) {
        catch_up(sc_time_stamp());
        // Come back when the input is taken (ap_ready) and when the result is done.
        if (mmio_busy())
            outputs_changed_.notify((mmio_state_ == MmioState::Starting ? fast_start_ : fast_done_) - sc_time_stamp());
    }
    interrupt.write((gie_ & 1) != 0 && isr_ != 0);
    busy_signal_.write(mmio_busy());
}

// ---------------------------------------------------------------------------------------------------------
// Inferences

tlm::tlm_response_status Accelerator::start(const sc_time& at) {
    if (mmio_busy() || streams_in_flight() || beats_ != 0) return tlm::TLM_GENERIC_ERROR_RESPONSE;
    const uint64_t edge = cycle_at(at);
    mmio_state_ = MmioState::Starting;
    if (options_.timing == AcceleratorTiming::Cycle) {
        pending_.push_back(Pending{input_, false, edge});
        clock_->wake(at - sc_time_stamp());
    } else {
        // The input is taken at the start edge; the result comes the cost model's latency later.
        fast_start_ = cycles_of(edge, net_.period());
        fast_done_ = cycles_of(edge + fast_latency(), net_.period());
        fast_result_ = forward(model_, input_);
    }
    outputs_changed_.notify(sc_core::SC_ZERO_TIME);
    return tlm::TLM_OK_RESPONSE;
}

void Accelerator::catch_up(const sc_time& at) {
    if (mmio_state_ == MmioState::Starting && at >= fast_start_) taken(false);
    if (mmio_state_ == MmioState::Running && at >= fast_done_)
        complete_mmio(std::move(fast_result_), fast_latency());
}

void Accelerator::taken(bool streamed) {
    if (streamed) {
        queue_changed_.notify(sc_core::SC_ZERO_TIME);  // room for a waiting stream write
        return;
    }
    mmio_state_ = MmioState::Running;
    ready_flag_ = true;
    raise(kIsrReady);
}

void Accelerator::finished(std::vector<int64_t>&& data, bool streamed, uint64_t push_cycle, uint64_t pop_cycle) {
    if (!streamed) {
        complete_mmio(std::move(data), pop_cycle - push_cycle);
        return;
    }
    stream_results_.push_back(Result{std::move(data), sc_time_stamp()});
    --streams_in_flight_;
    ++completed_;
    queue_changed_.notify(sc_core::SC_ZERO_TIME);
}

void Accelerator::complete_mmio(std::vector<int64_t>&& data, uint64_t latency_cycles) {
    output_ = std::move(data);
    last_latency_ = static_cast<uint32_t>(latency_cycles);
    mmio_state_ = MmioState::Idle;
    done_flag_ = true;
    ++completed_;
    raise(kIsrDone);
}

bool Accelerator::streams_in_flight() const {
    if (options_.timing == AcceleratorTiming::Cycle) return streams_in_flight_ != 0;
    return !stream_results_.empty() && stream_results_.back().ready > sc_time_stamp();
}

// ---------------------------------------------------------------------------------------------------------
// The control socket: registers and buffers

void Accelerator::control_transport(tlm::tlm_generic_payload& p, sc_time& delay) {
    if (!p.is_read() && !p.is_write()) {
        p.set_response_status(p.get_byte_enable_ptr() ? tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE : tlm::TLM_OK_RESPONSE);
        return;
    }
    // The access takes its bus beats; it acts, and sees the accelerator, at the end of them.
    delay += net_.period() * static_cast<double>(std::max<unsigned>(1, p.get_data_length() / 4));
    if (options_.timing == AcceleratorTiming::Cycle && mmio_busy()) sync(delay);  // see the network at that time
    const sc_time at = sc_time_stamp() + delay;
    if (options_.timing == AcceleratorTiming::Fast) catch_up(at);
    if (p.get_byte_enable_ptr() != nullptr)
        p.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    else if (p.get_streaming_width() < p.get_data_length())
        p.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
    else
        p.set_response_status(p.get_address() < kBufferBase ? register_access(p, at) : buffer_access(p));
}

tlm::tlm_response_status Accelerator::register_access(tlm::tlm_generic_payload& p, const sc_time& at) {
    const uint64_t a = p.get_address();
    if (a % 4 != 0) return tlm::TLM_ADDRESS_ERROR_RESPONSE;
    if (p.get_data_length() != 4) return tlm::TLM_BURST_ERROR_RESPONSE;
    uint32_t v = 0;
    if (p.is_write()) {
        std::memcpy(&v, p.get_data_ptr(), 4);
        switch (a) {
            case kApCtrl:
                return (v & kApStart) ? start(at) : tlm::TLM_OK_RESPONSE;
            case kGie:
                gie_ = v & 1;
                break;
            case kIer:
                ier_ = v & (kIsrDone | kIsrReady);
                break;
            case kIsr:
                isr_ ^= v & (kIsrDone | kIsrReady);  // toggle on write
                break;
            case kInputWords:
            case kOutputWords:
            case kWordBytes:
            case kLatency:
            case kInputBase:
            case kOutputBase:
                return tlm::TLM_COMMAND_ERROR_RESPONSE;
            default:
                return tlm::TLM_ADDRESS_ERROR_RESPONSE;
        }
        outputs_changed_.notify(sc_core::SC_ZERO_TIME);
        return tlm::TLM_OK_RESPONSE;
    }
    switch (a) {
        case kApCtrl:
            v = (mmio_state_ == MmioState::Starting ? kApStart : 0) | (done_flag_ ? kApDone : 0) |
                (mmio_busy() ? 0 : kApIdle) | (ready_flag_ ? kApReady : 0);
            done_flag_ = ready_flag_ = false;  // clear on read
            break;
        case kGie: v = gie_; break;
        case kIer: v = ier_; break;
        case kIsr: v = isr_; break;
        case kInputWords: v = static_cast<uint32_t>(input_words()); break;
        case kOutputWords: v = static_cast<uint32_t>(output_words()); break;
        case kWordBytes: v = static_cast<uint32_t>(word_bytes_); break;
        case kLatency: v = last_latency_; break;
        case kInputBase: v = static_cast<uint32_t>(input_base()); break;
        case kOutputBase: v = static_cast<uint32_t>(output_base_); break;
        default: return tlm::TLM_ADDRESS_ERROR_RESPONSE;
    }
    std::memcpy(p.get_data_ptr(), &v, 4);
    return tlm::TLM_OK_RESPONSE;
}

tlm::tlm_response_status Accelerator::buffer_access(tlm::tlm_generic_payload& p) {
    const uint64_t a = p.get_address();
    const size_t len = p.get_data_length();
    const bool in_input = a >= kBufferBase && a < kBufferBase + input_words() * word_bytes_;
    const bool in_output = a >= output_base_ && a < output_base_ + output_words() * word_bytes_;
    if (!in_input && !in_output) return tlm::TLM_ADDRESS_ERROR_RESPONSE;
    const uint64_t base = in_input ? kBufferBase : output_base_;
    const size_t words = in_input ? input_words() : output_words();
    if ((a - base) % word_bytes_ != 0) return tlm::TLM_ADDRESS_ERROR_RESPONSE;
    if (len == 0 || len % word_bytes_ != 0) return tlm::TLM_BURST_ERROR_RESPONSE;
    const size_t first = (a - base) / word_bytes_, count = len / word_bytes_;
    if (first + count > words) return tlm::TLM_ADDRESS_ERROR_RESPONSE;
    unsigned char* d = p.get_data_ptr();
    if (p.is_write()) {
        if (in_output) return tlm::TLM_COMMAND_ERROR_RESPONSE;
        if (mmio_busy()) return tlm::TLM_GENERIC_ERROR_RESPONSE;
        for (size_t i = 0; i < count; ++i) input_[first + i] = from_word(d + i * word_bytes_, model_.input_precision);
        return tlm::TLM_OK_RESPONSE;
    }
    const std::vector<int64_t>& buf = in_input ? input_ : output_;
    for (size_t i = 0; i < count; ++i) to_word(buf[first + i], d + i * word_bytes_);
    return tlm::TLM_OK_RESPONSE;
}

// ---------------------------------------------------------------------------------------------------------
// The streaming face

void Accelerator::stream_in_transport(tlm::tlm_generic_payload& p, sc_time& delay) {
    const size_t len = beat_words_ * word_bytes_;
    if (p.is_read()) return p.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
    if (!p.is_write()) return p.set_response_status(tlm::TLM_OK_RESPONSE);
    if (p.get_byte_enable_ptr() != nullptr) return p.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    if (p.get_data_length() != len || p.get_streaming_width() < len)
        return p.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
    delay += net_.period();  // one beat
    const bool cycle_mode = options_.timing == AcceleratorTiming::Cycle;
    if (mmio_busy() && cycle_mode) sync(delay);
    if (!cycle_mode) catch_up(sc_time_stamp() + delay);
    if (mmio_busy()) return p.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
    p.set_response_status(tlm::TLM_OK_RESPONSE);

    std::vector<int64_t> word(beat_words_);
    for (size_t i = 0; i < beat_words_; ++i) word[i] = from_word(p.get_data_ptr() + i * word_bytes_, model_.input_precision);
    const size_t beats_per_tensor = input_words() / beat_words_;
    const bool first = beats_ == 0, last = beats_ + 1 == beats_per_tensor;
    beats_ = last ? 0 : beats_ + 1;

    if (cycle_mode) {
        if (pending_.size() >= options_.stream_queue_depth) {
            sync(delay);
            while (pending_.size() >= options_.stream_queue_depth) wait(queue_changed_);  // back-pressure
        }
        const uint64_t edge = cycle_at(sc_time_stamp() + delay);
        if (net_.input_words()) {
            pending_.push_back(Pending{std::move(word), true, edge, true, last});
        } else {
            if (first) beat_buffer_.clear();
            beat_buffer_.insert(beat_buffer_.end(), word.begin(), word.end());
            if (!last) return;
            pending_.push_back(Pending{std::move(beat_buffer_), true, edge, false, true});
            beat_buffer_ = {};
        }
        if (first) ++streams_in_flight_;
        clock_->wake(delay);
        return;
    }
    // Fast: the tensor starts at its first beat's edge, no sooner than the expected II after the previous
    // one, and is out the estimated latency later (no sooner than the cost model's latency after its last beat).
    if (first) {
        beat_buffer_.clear();
        fast_first_beat_cycle_ = cycle_at(sc_time_stamp() + delay);
    }
    beat_buffer_.insert(beat_buffer_.end(), word.begin(), word.end());
    if (!last) return;
    const uint64_t start = std::max(fast_first_beat_cycle_, fast_next_stream_cycle_);
    fast_next_stream_cycle_ = start + std::max<uint64_t>(beats_per_tensor, static_cast<uint64_t>(net_.expected_ii()));
    const uint64_t done = std::max(start + fast_latency(), cycle_at(sc_time_stamp() + delay) +
                                                               static_cast<uint64_t>(net_.expected_latency()));
    stream_results_.push_back(Result{forward(model_, beat_buffer_), cycles_of(done, net_.period())});
    ++completed_;
    queue_changed_.notify(sc_core::SC_ZERO_TIME);
}

void Accelerator::stream_out_transport(tlm::tlm_generic_payload& p, sc_time& delay) {
    const size_t len = output_words() * word_bytes_;
    if (p.is_write()) return p.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
    if (!p.is_read()) return p.set_response_status(tlm::TLM_OK_RESPONSE);
    if (p.get_byte_enable_ptr() != nullptr) return p.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    if (p.get_data_length() != len || p.get_streaming_width() < len)
        return p.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
    sync(delay);
    while (stream_results_.empty()) wait(queue_changed_);
    if (stream_results_.front().ready > sc_time_stamp()) wait(stream_results_.front().ready - sc_time_stamp());
    Result r = std::move(stream_results_.front());
    stream_results_.pop_front();
    unsigned char* d = p.get_data_ptr();
    for (size_t i = 0; i < r.data.size(); ++i) to_word(r.data[i], d + i * word_bytes_);
    delay += net_.period();  // one beat
    p.set_response_status(tlm::TLM_OK_RESPONSE);
}

}  // namespace tlm4ml
