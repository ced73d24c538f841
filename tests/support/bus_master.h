// A loosely-timed TLM initiator for tests: one socket, one SC_THREAD running a scripted body, a local time
// offset carried from transaction to transaction (temporal decoupling) that sync() waits out.
#pragma once

#include <cstdint>
#include <cstring>
#include <functional>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

namespace tlm4ml_test {

class BusMaster : public sc_core::sc_module {
public:
    SC_HAS_PROCESS(BusMaster);
    BusMaster(sc_core::sc_module_name name, std::function<void(BusMaster&)> body)
        : sc_core::sc_module(name), socket("socket"), body_(std::move(body)) {
        SC_THREAD(run);
    }

    tlm_utils::simple_initiator_socket<BusMaster> socket;
    sc_core::sc_time local = sc_core::SC_ZERO_TIME;  // ahead of sc_time_stamp()

    // Sends one transaction; returns its response status.
    tlm::tlm_response_status transport(tlm::tlm_command cmd, uint64_t address, unsigned char* data, unsigned length,
                                       unsigned char* byte_enables = nullptr, unsigned streaming_width = 0) {
        tlm::tlm_generic_payload p;
        p.set_command(cmd);
        p.set_address(address);
        p.set_data_ptr(data);
        p.set_data_length(length);
        p.set_streaming_width(streaming_width ? streaming_width : length);
        p.set_byte_enable_ptr(byte_enables);
        p.set_byte_enable_length(byte_enables ? length : 0);
        p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        socket->b_transport(p, local);
        return p.get_response_status();
    }
    tlm::tlm_response_status write32(uint64_t address, uint32_t v) {
        unsigned char b[4];
        std::memcpy(b, &v, 4);
        return transport(tlm::TLM_WRITE_COMMAND, address, b, 4);
    }
    // The register's value; a failed read is reported as 0xDEADBEEF with `status` set.
    uint32_t read32(uint64_t address, tlm::tlm_response_status* status = nullptr) {
        unsigned char b[4] = {0xEF, 0xBE, 0xAD, 0xDE};
        const auto s = transport(tlm::TLM_READ_COMMAND, address, b, 4);
        if (status) *status = s;
        uint32_t v;
        std::memcpy(&v, b, 4);
        return v;
    }
    // Words of `bytes` each (4 or 8), sign-extended values.
    tlm::tlm_response_status write_words(uint64_t address, const std::vector<int64_t>& values, size_t bytes,
                                         tlm::tlm_command cmd = tlm::TLM_WRITE_COMMAND) {
        std::vector<unsigned char> d(values.size() * bytes);
        for (size_t i = 0; i < values.size(); ++i) std::memcpy(d.data() + i * bytes, &values[i], bytes);  // little end
        return transport(cmd, address, d.data(), static_cast<unsigned>(d.size()));
    }
    std::vector<int64_t> read_words(uint64_t address, size_t count, size_t bytes,
                                    tlm::tlm_response_status* status = nullptr) {
        std::vector<unsigned char> d(count * bytes);
        const auto s = transport(tlm::TLM_READ_COMMAND, address, d.data(), static_cast<unsigned>(d.size()));
        if (status) *status = s;
        std::vector<int64_t> out(count);
        for (size_t i = 0; i < count; ++i) {
            if (bytes == 4) {
                int32_t w;
                std::memcpy(&w, d.data() + i * 4, 4);
                out[i] = w;
            } else {
                std::memcpy(&out[i], d.data() + i * 8, 8);
            }
        }
        return out;
    }
    void sync() {
        wait(local);
        local = sc_core::SC_ZERO_TIME;
    }
    sc_core::sc_time now() const { return sc_core::sc_time_stamp() + local; }
    bool finished() const { return finished_; }

private:
    void run() {
        body_(*this);
        finished_ = true;
    }
    std::function<void(BusMaster&)> body_;
    bool finished_ = false;
};

}  // namespace tlm4ml_test
