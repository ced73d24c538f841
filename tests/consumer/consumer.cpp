// An external SystemC program built against the installed tlm4ml package: its own sc_main and its own
// modules (a readout processor with a TLM initiator, an interrupt counter), a shipped model loaded into the
// accelerator, and every result checked against tlm4ml's untimed reference. Exit 0 when all match and the
// accelerator's latency is the cost model's (the jet tagger's clocked latency equals it), 1 otherwise.
#include <cstring>
#include <iostream>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include <tlm4ml/layers/accelerator.h>
#include <tlm4ml/layers/arithmetic/reference.h>
#include <tlm4ml/models/load_model.h>
#include <tlm4ml/testbenches/data/sample_io.h>

// The user's own module: counts rising edges of a wire.
struct EdgeCounter : sc_core::sc_module {
    SC_HAS_PROCESS(EdgeCounter);
    sc_core::sc_in<bool> line{"line"};
    int rises = 0;
    explicit EdgeCounter(sc_core::sc_module_name n) : sc_core::sc_module(n) {
        SC_METHOD(count);
        sensitive << line.pos();
        dont_initialize();
    }
    void count() { ++rises; }
};

// The user's processor: writes each jet, starts, waits for the interrupt, reads the scores.
struct Readout : sc_core::sc_module {
    SC_HAS_PROCESS(Readout);
    tlm_utils::simple_initiator_socket<Readout> bus{"bus"};
    sc_core::sc_in<bool> irq{"irq"};
    const std::vector<std::vector<int64_t>>& jets;
    std::vector<std::vector<int64_t>> scores;
    std::vector<uint32_t> latencies;
    size_t outputs;
    bool failed = false;

    Readout(sc_core::sc_module_name n, const std::vector<std::vector<int64_t>>& j, size_t n_out)
        : sc_core::sc_module(n), jets(j), outputs(n_out) {
        SC_THREAD(run);
    }
    void access(tlm::tlm_command cmd, uint64_t a, void* data, size_t len, sc_core::sc_time& t) {
        tlm::tlm_generic_payload p;
        p.set_command(cmd);
        p.set_address(a);
        p.set_data_ptr(static_cast<unsigned char*>(data));
        p.set_data_length(static_cast<unsigned>(len));
        p.set_streaming_width(static_cast<unsigned>(len));
        p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        bus->b_transport(p, t);
        if (p.is_response_error()) {
            std::cerr << "transaction at 0x" << std::hex << a << std::dec << ": " << p.get_response_string() << "\n";
            failed = true;
        }
    }
    void run() {
        using namespace tlm4ml::accel_reg;
        sc_core::sc_time t = sc_core::SC_ZERO_TIME;
        uint32_t v = 1;
        access(tlm::TLM_WRITE_COMMAND, kGie, &v, 4, t);
        v = kIsrDone;
        access(tlm::TLM_WRITE_COMMAND, kIer, &v, 4, t);
        uint32_t in_base = 0, out_base = 0;
        access(tlm::TLM_READ_COMMAND, kInputBase, &in_base, 4, t);
        access(tlm::TLM_READ_COMMAND, kOutputBase, &out_base, 4, t);
        for (const auto& jet : jets) {
            std::vector<int32_t> words(jet.begin(), jet.end());
            access(tlm::TLM_WRITE_COMMAND, in_base, words.data(), words.size() * 4, t);
            v = kApStart;
            access(tlm::TLM_WRITE_COMMAND, kApCtrl, &v, 4, t);
            wait(t);
            t = sc_core::SC_ZERO_TIME;
            if (!irq.read()) wait(irq.posedge_event());
            v = kIsrDone;
            access(tlm::TLM_WRITE_COMMAND, kIsr, &v, 4, t);
            access(tlm::TLM_READ_COMMAND, kApCtrl, &v, 4, t);
            std::vector<int32_t> out(outputs);
            access(tlm::TLM_READ_COMMAND, out_base, out.data(), out.size() * 4, t);
            scores.emplace_back(out.begin(), out.end());
            uint32_t lat = 0;
            access(tlm::TLM_READ_COMMAND, kLatency, &lat, 4, t);
            latencies.push_back(lat);
            wait(t);
            t = sc_core::SC_ZERO_TIME;
        }
    }
};

int sc_main(int, char**) {
    const tlm4ml::Model model = tlm4ml::load_model(TLM4ML_MODELS "/jet_tagger.json");
    const auto jets = tlm4ml::read_samples(TLM4ML_MODELS "/jet_tagger_inputs.dat", model.input_size(),
                                           model.input_precision, 25);
    tlm4ml::Accelerator tagger("tagger", model);
    Readout cpu("cpu", jets, model.output_size());
    EdgeCounter counter("counter");
    cpu.bus.bind(tagger.control);
    cpu.irq.bind(tagger.interrupt);
    counter.line.bind(tagger.interrupt);
    sc_core::sc_trace_file* tf = sc_core::sc_create_vcd_trace_file("consumer");
    sc_core::sc_trace(tf, tagger.interrupt, "interrupt");
    sc_core::sc_trace(tf, tagger.busy(), "busy");
    sc_core::sc_start();
    sc_core::sc_close_vcd_trace_file(tf);

    int bad = cpu.failed ? 1 : 0;
    for (size_t k = 0; k < jets.size(); ++k) {
        if (k >= cpu.scores.size() || cpu.scores[k] != tlm4ml::forward(model, jets[k])) {
            std::cerr << "jet " << k << ": the accelerator's scores differ from the reference\n";
            bad = 1;
        } else if (cpu.latencies[k] != static_cast<uint32_t>(tagger.network().expected_latency())) {
            std::cerr << "jet " << k << ": latency " << cpu.latencies[k] << " cycles, expected "
                      << tagger.network().expected_latency() << "\n";
            bad = 1;
        }
    }
    if (counter.rises != static_cast<int>(jets.size())) {
        std::cerr << counter.rises << " interrupts for " << jets.size() << " jets\n";
        bad = 1;
    }
    std::cout << "consumer: " << cpu.scores.size() << " jets through tlm4ml::Accelerator, "
              << (bad ? "MISMATCH" : "all equal to the reference") << ", latency " << cpu.latencies.back()
              << " cycles, " << counter.rises << " interrupts\n";
    return bad;
}
