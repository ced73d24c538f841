// The network as an hls4ml IP sits in a system: a TLM-2.0 target with Vitis' AXI-lite control registers
// (ap_ctrl_hs with GIE/IER/ISR), an input and an output buffer of raw fixed-point words, an interrupt line, and a
// streaming face (one AXI-Stream beat per transaction) for io_stream designs. Loosely timed: b_transport
// annotates the bus delay, and the network's own timing decides when done rises.
//
// Timing modes:
//   Cycle  the clocked Network runs inside, in its own ClockDomain: a start pushes the input into the network
//          at the first rising edge at or after the start's time, done rises at the edge where the network's
//          output register hands the result out. Start-to-done equals `tlm4ml run`'s first-output latency.
//   Fast   no cycle simulation: the result is the untimed reference's (forward()), and done rises the cost
//          model's expected latency after the start (Network::expected_latency(), plus one cycle per input
//          word in io_stream, where the tensor enters a word per cycle; stream tensors also keep the expected
//          II, at least one cycle per word, between them). Bit-identical outputs, estimated timing: in
//          io_stream the layers' pipelining is not modelled and the estimate is low (svhn_cnn: 1053 vs 1214).
//
// Register map of the `control` socket (byte addresses, 32-bit registers, as Vitis' s_axi_control):
//   0x00 AP_CTRL  bit0 ap_start (W: 1 starts; R: 1 until the network took the input)
//                 bit1 ap_done (R, cleared on read)  bit2 ap_idle (R)  bit3 ap_ready (R, cleared on read)
//                 other bits read 0 and are ignored on write (auto_restart is not modelled)
//   0x04 GIE      bit0 global interrupt enable
//   0x08 IER      bit0 interrupt on ap_done, bit1 interrupt on ap_ready
//   0x0C ISR      bit0 ap_done, bit1 ap_ready: set when the event happens and its IER bit is set; a write
//                 toggles the bits written as 1 (write the bit back to clear it). interrupt = GIE && ISR != 0.
//   0x10 INPUT_WORDS   (RO) values in the input buffer       0x14 OUTPUT_WORDS (RO) values in the output buffer
//   0x18 WORD_BYTES    (RO) bytes per value (4, or 8 when a precision is wider than 32 bits)
//   0x1C LATENCY       (RO) the last memory-mapped inference's start-to-done latency, in clock cycles
//   0x20 INPUT_BASE    (RO) byte address of the input buffer (0x1000)
//   0x24 OUTPUT_BASE   (RO) byte address of the output buffer (0x1000 + the input buffer rounded up to 4 KiB)
// Buffers: value i at base + i * WORD_BYTES, in the model's flat (row-major, channels last) order, as a raw
// two's-complement integer of its ap_fixed type (the value times 2^F), sign-extended to the word, host byte
// order (TLM's convention). A write keeps the low W bits of each word, as the firmware's port does.
// The input buffer is read/write, the output buffer read-only; the output holds the last result until the
// next one is done.
//
// Transactions (every one gets a response status; nothing throws):
//   registers: 4 bytes, 4-aligned; buffers: a whole number of words, word-aligned, inside the buffer.
//   TLM_ADDRESS_ERROR_RESPONSE     unmapped, misaligned or running past the buffer's end
//   TLM_BURST_ERROR_RESPONSE       a wrong length, or a streaming width shorter than the length
//   TLM_BYTE_ENABLE_ERROR_RESPONSE any byte enable pointer
//   TLM_COMMAND_ERROR_RESPONSE     a write to a read-only register or the output buffer, a read of stream_in or a
//                                  write of stream_out
//   TLM_GENERIC_ERROR_RESPONSE     busy: ap_start or an input-buffer write while an inference is in flight, a
//                                  memory-mapped start while stream inferences are in flight and vice versa
//   TLM_IGNORE_COMMAND is answered OK and changes nothing.
// Delays: a control transaction adds one clock period per 32-bit bus beat (AXI-lite) to the annotated
// delay, a streaming transaction one period (one beat).
// A transaction whose answer depends on the network (a status read while busy, a stream read) first waits
// out the annotated delay (b_transport may wait in the loosely-timed style) so that it sees the network at
// the initiator's local time.
//
// Streaming face: a write to `stream_in` is one beat, one clock period: one input word, i.e. a pixel's
// n_chan values (the last axis of an image input) or the whole flat input, as hls4ml's io_stream top level
// takes it. In an io_stream network each word enters the input FIFO at the first edge at or after its beat
// (one word per cycle), so pixels are processed as they arrive; in io_parallel the tensor enters when its
// beat arrives. Back-pressure: when `stream_queue_depth` beats wait at the face (the input FIFO is full),
// a write waits. A read of `stream_out` returns one output tensor (all output values: hls4ml's flat output
// word), waiting until one is there. Same word format as the buffers. With pixels one per cycle from an idle
// network, first word to result equals `tlm4ml run`'s first-output latency.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "models/model.h"
#include "layers/network.h"
#include "rtl_models/clock_domain.h"
#include "rtl_models/cost_model.h"

namespace tlm4ml {

enum class AcceleratorTiming { Cycle, Fast };

struct AcceleratorOptions {
    AcceleratorTiming timing = AcceleratorTiming::Cycle;
    size_t stream_queue_depth = 2;  // beats waiting at the streaming face (a skid buffer) before a write waits
};

namespace accel_reg {
constexpr uint64_t kApCtrl = 0x00, kGie = 0x04, kIer = 0x08, kIsr = 0x0C, kInputWords = 0x10, kOutputWords = 0x14,
                   kWordBytes = 0x18, kLatency = 0x1C, kInputBase = 0x20, kOutputBase = 0x24;
constexpr uint32_t kApStart = 1u << 0, kApDone = 1u << 1, kApIdle = 1u << 2, kApReady = 1u << 3;
constexpr uint32_t kIsrDone = 1u << 0, kIsrReady = 1u << 1;
constexpr uint64_t kBufferBase = 0x1000;
}  // namespace accel_reg

class Accelerator : public sc_core::sc_module {
public:
    SC_HAS_PROCESS(Accelerator);
    // The model must outlive the accelerator.
    Accelerator(sc_core::sc_module_name name, const Model& model,
                const DeviceProfile& profile = DeviceProfile::vitis_default(), const AcceleratorOptions& options = {});
    ~Accelerator() override;

    // Bind the faces you use; the others may stay unbound.
    tlm_utils::simple_target_socket_optional<Accelerator> control;     // registers and buffers
    tlm_utils::simple_target_socket_optional<Accelerator> stream_in;   // one input word per write
    tlm_utils::simple_target_socket_optional<Accelerator> stream_out;  // one output tensor per read
    // Level interrupt: GIE && ISR != 0. Bind an sc_in<bool> to it, or wait on its posedge_event().
    sc_core::sc_signal<bool> interrupt;

    // The layout the register map also reports.
    uint64_t input_base() const { return accel_reg::kBufferBase; }
    uint64_t output_base() const { return output_base_; }
    size_t word_bytes() const { return word_bytes_; }
    size_t input_words() const { return model_.input_size(); }
    size_t output_words() const { return model_.output_size(); }
    size_t stream_beat_words() const { return beat_words_; }
    const sc_core::sc_time& period() const { return net_.period(); }
    AcceleratorTiming timing() const { return options_.timing; }

    // High from a start until done (memory-mapped) or while stream tensors are in flight: for sc_trace.
    const sc_core::sc_signal<bool>& busy() const { return busy_signal_; }
    const Network& network() const { return net_; }
    uint64_t completed() const { return completed_; }  // inferences finished, both faces

private:
    class Feed;
    class Drain;
    struct Pending {
        std::vector<int64_t> data;
        bool streamed = false;
        uint64_t earliest_cycle = 0;
        bool word = false;  // one word for the io_stream input FIFO, not a whole tensor
        bool last = true;   // the tensor's last word
    };
    struct Result {
        std::vector<int64_t> data;
        sc_core::sc_time ready;  // when the network handed it out
    };

    void control_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay);
    void stream_in_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay);
    void stream_out_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay);
    tlm::tlm_response_status register_access(tlm::tlm_generic_payload& p, const sc_core::sc_time& at);
    tlm::tlm_response_status buffer_access(tlm::tlm_generic_payload& p);
    tlm::tlm_response_status start(const sc_core::sc_time& at);
    // Fast mode: completes the memory-mapped inference if its done time has come at `at`.
    void catch_up(const sc_core::sc_time& at);
    // Cycle mode, called by the network's clock domain.
    void taken(bool streamed);
    void finished(std::vector<int64_t>&& data, bool streamed, uint64_t push_cycle, uint64_t pop_cycle);
    void complete_mmio(std::vector<int64_t>&& data, uint64_t latency_cycles);
    bool mmio_busy() const { return mmio_state_ != MmioState::Idle; }
    bool streams_in_flight() const;
    void raise(uint32_t isr_bits);
    void drive_outputs();  // the only writer of `interrupt` and `busy`
    void sync(sc_core::sc_time& delay);
    uint64_t cycle_at(const sc_core::sc_time& t) const;  // the first rising edge at or after t
    uint64_t fast_latency() const;                       // cycles from start to done in fast mode
    int64_t from_word(const unsigned char* bytes, const Precision& p) const;
    void to_word(int64_t raw, unsigned char* bytes) const;

    const Model& model_;
    AcceleratorOptions options_;
    Network net_;
    std::unique_ptr<ClockDomain> clock_;  // cycle mode only
    std::unique_ptr<Feed> feed_;
    std::unique_ptr<Drain> drain_;
    size_t word_bytes_;
    size_t beat_words_;
    uint64_t output_base_;

    enum class MmioState { Idle, Starting, Running };  // Starting: ap_start high, input not yet taken
    MmioState mmio_state_ = MmioState::Idle;
    std::vector<int64_t> input_;
    std::vector<int64_t> output_;
    uint32_t gie_ = 0, ier_ = 0, isr_ = 0;
    bool done_flag_ = false, ready_flag_ = false;  // clear-on-read AP_CTRL bits
    uint32_t last_latency_ = 0;
    // Fast mode: when the memory-mapped inference's input is taken and when it completes, and its result.
    sc_core::sc_time fast_start_, fast_done_;
    std::vector<int64_t> fast_result_;

    std::deque<Pending> pending_;  // waiting to enter the network
    std::vector<int64_t> beat_buffer_;
    size_t beats_ = 0;
    std::deque<Result> stream_results_;
    size_t streams_in_flight_ = 0;
    uint64_t fast_next_stream_cycle_ = 0;  // fast mode: the expected II after the last stream start
    uint64_t fast_first_beat_cycle_ = 0;   // fast mode: the edge of the current tensor's first beat
    sc_core::sc_event queue_changed_;  // a tensor entered the network or a stream result arrived
    uint64_t completed_ = 0;

    sc_core::sc_event outputs_changed_;
    sc_core::sc_signal<bool> busy_signal_;
};

}  // namespace tlm4ml
