// A simple memory-mapped bus for the example platforms: one initiator side, targets at address windows.
// A transaction is forwarded to the target whose window holds its whole range, with the address made
// relative to the window's base and the bus's own delay added; anything else gets
// TLM_ADDRESS_ERROR_RESPONSE (as an AXI interconnect's decode error).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

namespace tlm4ml::platform {

class Router : public sc_core::sc_module {
public:
    Router(sc_core::sc_module_name name, const sc_core::sc_time& hop_delay)
        : sc_core::sc_module(name), from_initiator("from_initiator"), to_targets("to_targets"), hop_(hop_delay) {
        from_initiator.register_b_transport(this, &Router::b_transport);
    }

    tlm_utils::simple_target_socket<Router> from_initiator;
    tlm_utils::multi_passthrough_initiator_socket<Router> to_targets;

    // Window k goes to the k-th target bound to to_targets.
    void map(uint64_t base, uint64_t size) { windows_.push_back({base, size}); }

private:
    struct Window {
        uint64_t base, size;
    };
    void b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay) {
        const uint64_t a = p.get_address(), len = p.get_data_length();
        for (size_t k = 0; k < windows_.size(); ++k) {
            const Window& w = windows_[k];
            if (a < w.base || a - w.base >= w.size || len > w.size - (a - w.base)) continue;
            delay += hop_;
            p.set_address(a - w.base);
            to_targets[static_cast<int>(k)]->b_transport(p, delay);
            p.set_address(a);
            return;
        }
        p.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    }

    sc_core::sc_time hop_;
    std::vector<Window> windows_;
};

// Plain memory (the readout buffer the trigger path writes its results to).
class Memory : public sc_core::sc_module {
public:
    Memory(sc_core::sc_module_name name, size_t bytes, const sc_core::sc_time& access)
        : sc_core::sc_module(name), socket("socket"), data_(bytes), access_(access) {
        socket.register_b_transport(this, &Memory::b_transport);
    }
    tlm_utils::simple_target_socket<Memory> socket;
    const std::vector<unsigned char>& bytes() const { return data_; }

private:
    void b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay) {
        const uint64_t a = p.get_address(), len = p.get_data_length();
        if (p.get_byte_enable_ptr() || p.get_streaming_width() < len) {
            p.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
            return;
        }
        if (a > data_.size() || len > data_.size() - a) {
            p.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
            return;
        }
        if (p.is_write()) std::copy(p.get_data_ptr(), p.get_data_ptr() + len, data_.begin() + static_cast<long>(a));
        if (p.is_read()) std::copy(data_.begin() + static_cast<long>(a), data_.begin() + static_cast<long>(a + len),
                                   p.get_data_ptr());
        delay += access_;
        p.set_response_status(tlm::TLM_OK_RESPONSE);
    }
    std::vector<unsigned char> data_;
    sc_core::sc_time access_;
};

}  // namespace tlm4ml::platform
