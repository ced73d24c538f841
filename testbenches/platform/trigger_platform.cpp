// Example virtual platform: the trigger path of a detector readout board with the jet tagger as an hls4ml
// IP (layers/accelerator.h) behind a simple bus.
//
// Collisions come at the LHC's 40 MHz bunch crossings (every 25 ns); a crossing carries an event for this
// path with probability `occupancy`, so events arrive as a Bernoulli process on the crossing grid (the
// discrete Poisson process at rate 40 MHz x occupancy). Each event waits in a derandomizer buffer of
// `--buffer` events; an event that finds it full is dropped. The path's processor (a loosely-timed initiator
// with a quantum keeper) takes events one by one: it writes the jet into the accelerator's input buffer over
// the bus, sets ap_start, waits for the interrupt, clears it, reads the tag scores and writes them to the
// readout memory. Per occupancy it reports the latency from the crossing to the scores in memory
// (percentiles), the dead time (the fraction of time the buffer was full) and the dropped events, and checks
// every score against the untimed reference (`tlm4ml predict`). Every occupancy is its own copy of the
// platform, all in one simulation. Exit 0 when every score matches, 3 when one does not, 1 on bad input,
// 2 on a usage error.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <deque>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>

#include "layers/accelerator.h"
#include "layers/arithmetic/reference.h"
#include "models/hls4ml/backend_profile.h"
#include "models/load_model.h"
#include "testbenches/platform/router.h"
#include "testbenches/data/sample_io.h"

namespace tlm4ml::platform {

using sc_core::sc_time;
using sc_core::SC_NS;

constexpr uint64_t kAcceleratorBase = 0xA0000000, kReadoutBase = 0x00000000;
const sc_time kBunchSpacing(25, SC_NS);  // 40 MHz

struct PathOptions {
    double occupancy = 0.05;
    size_t events = 2000;
    size_t buffer = 4;
    unsigned seed = 1;
};

struct PathResult {
    size_t arrived = 0, processed = 0, dropped = 0, mismatches = 0;
    std::vector<double> latency_ns;  // crossing to scores in the readout memory
    sc_time full_time = sc_core::SC_ZERO_TIME, end_time = sc_core::SC_ZERO_TIME;
    uint32_t accel_latency_min = UINT32_MAX, accel_latency_max = 0;  // the LATENCY register, cycles
    std::string first_mismatch;
};

class TriggerPath : public sc_core::sc_module {
public:
    SC_HAS_PROCESS(TriggerPath);
    TriggerPath(sc_core::sc_module_name name, const Model& model, const std::vector<std::vector<int64_t>>& jets,
                const std::vector<std::vector<int64_t>>& expected, const Accelerator& acc, const PathOptions& o)
        : sc_core::sc_module(name), bus("bus"), irq("irq"), model_(model), jets_(jets), expected_(expected),
          acc_(acc), o_(o) {
        SC_THREAD(run);
    }

    tlm_utils::simple_initiator_socket<TriggerPath> bus;
    sc_core::sc_in<bool> irq;
    const PathResult& result() const { return r_; }

private:
    tlm::tlm_response_status transport(tlm::tlm_command cmd, uint64_t a, void* data, size_t len) {
        tlm::tlm_generic_payload p;
        p.set_command(cmd);
        p.set_address(a);
        p.set_data_ptr(static_cast<unsigned char*>(data));
        p.set_data_length(static_cast<unsigned>(len));
        p.set_streaming_width(static_cast<unsigned>(len));
        p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        sc_time local = qk_.get_local_time();
        bus->b_transport(p, local);
        qk_.set(local);
        if (qk_.need_sync()) qk_.sync();
        if (p.is_response_error())
            throw std::runtime_error(fmt::format("{}: {} at 0x{:x}: {}", name(), cmd == tlm::TLM_READ_COMMAND ? "read" : "write",
                                                 a, p.get_response_string()));
        return p.get_response_status();
    }
    void write32(uint64_t a, uint32_t v) { transport(tlm::TLM_WRITE_COMMAND, a, &v, 4); }
    uint32_t read32(uint64_t a) {
        uint32_t v = 0;
        transport(tlm::TLM_READ_COMMAND, a, &v, 4);
        return v;
    }

    void run() {
        using namespace accel_reg;
        qk_.reset();
        const size_t wb = acc_.word_bytes();
        write32(kAcceleratorBase + kGie, 1);
        write32(kAcceleratorBase + kIer, kIsrDone);

        // Arrival times: one Bernoulli trial per bunch crossing, i.e. geometric gaps in crossings.
        std::mt19937_64 rng(o_.seed);
        std::geometric_distribution<uint64_t> failures(o_.occupancy);
        std::vector<sc_time> arrival(o_.events);
        uint64_t bx = 0;
        for (auto& a : arrival) {
            bx += 1 + failures(rng);
            a = kBunchSpacing * static_cast<double>(bx);
        }
        r_.arrived = arrival.size();

        std::deque<size_t> queue;  // the derandomizer: accepted events not yet taken
        size_t next = 0;
        sc_time full_since;
        // Takes in every event that has arrived by `t`. Nothing leaves the buffer between two takes, so each
        // arrival finds the buffer as the earlier ones left it.
        auto admit = [&](const sc_time& t) {
            for (; next < arrival.size() && arrival[next] <= t; ++next) {
                if (queue.size() >= o_.buffer) {
                    ++r_.dropped;
                    continue;
                }
                queue.push_back(next);
                if (queue.size() == o_.buffer) full_since = arrival[next];
            }
        };
        std::vector<unsigned char> words(acc_.input_words() * wb), scores(acc_.output_words() * wb);
        while (true) {
            admit(qk_.get_current_time());
            if (queue.empty()) {
                if (next == arrival.size()) break;
                qk_.set(arrival[next] - sc_core::sc_time_stamp());  // idle until the next crossing with an event
                if (qk_.need_sync()) qk_.sync();
                continue;
            }
            if (queue.size() == o_.buffer) r_.full_time += qk_.get_current_time() - full_since;
            const size_t e = queue.front();
            queue.pop_front();
            const auto& jet = jets_[e % jets_.size()];
            for (size_t i = 0; i < jet.size(); ++i) std::memcpy(words.data() + i * wb, &jet[i], wb);  // little endian
            transport(tlm::TLM_WRITE_COMMAND, kAcceleratorBase + acc_.input_base(), words.data(), words.size());
            write32(kAcceleratorBase + kApCtrl, kApStart);
            qk_.sync();  // the interrupt is a wire: wait for it in simulated time
            if (!irq.read()) wait(irq.posedge_event());
            write32(kAcceleratorBase + kIsr, kIsrDone);  // toggle on write: clears the interrupt
            read32(kAcceleratorBase + kApCtrl);           // clears ap_done
            transport(tlm::TLM_READ_COMMAND, kAcceleratorBase + acc_.output_base(), scores.data(), scores.size());
            const uint32_t cycles = read32(kAcceleratorBase + kLatency);
            r_.accel_latency_min = std::min(r_.accel_latency_min, cycles);
            r_.accel_latency_max = std::max(r_.accel_latency_max, cycles);
            transport(tlm::TLM_WRITE_COMMAND, kReadoutBase + (e % 256) * scores.size(), scores.data(), scores.size());
            r_.latency_ns.push_back((qk_.get_current_time() - arrival[e]).to_seconds() * 1e9);
            ++r_.processed;

            std::vector<int64_t> got(acc_.output_words());
            for (size_t i = 0; i < got.size(); ++i) {
                int64_t v = 0;
                std::memcpy(&v, scores.data() + i * wb, wb);
                if (wb == 4) v = static_cast<int32_t>(v);
                got[i] = v;
            }
            const auto& want = expected_[e % jets_.size()];
            if (got != want) {
                if (r_.mismatches++ == 0)
                    r_.first_mismatch = fmt::format("event {} (jet {}): accelerator [{}] reference [{}]", e,
                                                    e % jets_.size(), format_sample(got, model_.output_precision()),
                                                    format_sample(want, model_.output_precision()));
            }
        }
        qk_.sync();
        r_.end_time = sc_core::sc_time_stamp();
    }

    const Model& model_;
    const std::vector<std::vector<int64_t>>& jets_;
    const std::vector<std::vector<int64_t>>& expected_;
    const Accelerator& acc_;
    PathOptions o_;
    tlm_utils::tlm_quantumkeeper qk_;
    PathResult r_;
};

double percentile(std::vector<double> v, double q) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const size_t k = static_cast<size_t>(std::ceil(q * static_cast<double>(v.size()))) - (q > 0 ? 1 : 0);
    return v[std::min(k, v.size() - 1)];
}

// One copy of the platform: processor, bus, accelerator, readout memory.
struct Board {
    std::unique_ptr<Accelerator> acc;
    std::unique_ptr<Router> router;
    std::unique_ptr<Memory> readout;
    std::unique_ptr<TriggerPath> path;
};

int main_platform(int argc, char** argv) {
    CLI::App app{"tlm4ml example virtual platform: the jet tagger on a trigger path (40 MHz bunch crossings)"};
    std::string model_path = "testbenches/models/jet_tagger.json", inputs = "testbenches/models/jet_tagger_inputs.dat";
    std::vector<double> occupancies = {0.01, 0.05, 0.1, 0.2};
    PathOptions o;
    bool fast = false;
    double quantum_ns = 100;
    app.add_option("--model", model_path, "Model (tlm4ml JSON or hls4ml YAML)");
    app.add_option("--inputs", inputs, "Jets, one per line (used in turn)");
    app.add_option("--occupancy", occupancies, "Events per bunch crossing, one platform each (default 0.01 0.05 0.1 0.2)")
        ->check(CLI::Range(1e-6, 1.0));
    app.add_option("--events", o.events, "Events per occupancy (default 2000)")->check(CLI::Range(1, 10000000));
    app.add_option("--buffer", o.buffer, "Derandomizer depth, events (default 4)")->check(CLI::Range(1, 1000000));
    app.add_option("--seed", o.seed, "Seed of the arrivals (default 1)");
    app.add_option("--quantum", quantum_ns, "Global quantum of the processors' quantum keepers, ns (default 100)")
        ->check(CLI::PositiveNumber);
    app.add_flag("--fast", fast, "Accelerator in fast mode: the cost model's latency, no cycle simulation");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int rc = app.exit(e);
        return rc == 0 ? 0 : 2;
    }

    Model model;
    std::vector<std::vector<int64_t>> jets, expected;
    try {
        model = load_model(model_path);
        jets = read_samples(inputs, model.input_size(), model.input_precision);
        if (jets.empty()) throw std::runtime_error(inputs + ": no jets");
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << "\n";
        return 1;
    }
    for (const auto& j : jets) expected.push_back(forward(model, j));

    tlm::tlm_global_quantum::instance().set(sc_time(quantum_ns, SC_NS));
    AcceleratorOptions ao;
    ao.timing = fast ? AcceleratorTiming::Fast : AcceleratorTiming::Cycle;
    std::vector<Board> boards(occupancies.size());
    for (size_t k = 0; k < occupancies.size(); ++k) {
        Board& b = boards[k];
        const std::string tag = fmt::format("board{}", k);
        PathOptions po = o;
        po.occupancy = occupancies[k];
        po.seed = o.seed + static_cast<unsigned>(k);
        // The timing profile as `tlm4ml run` picks it: the model's hls4ml backend (vitis for a tlm4ml model file).
        b.acc = std::make_unique<Accelerator>((tag + "_tagger").c_str(), model, choose_device_profile("", model).profile, ao);
        b.router = std::make_unique<Router>((tag + "_bus").c_str(), sc_time(2, SC_NS));
        b.readout = std::make_unique<Memory>((tag + "_readout").c_str(), 256 * model.output_size() * b.acc->word_bytes(),
                                             sc_time(5, SC_NS));
        b.path = std::make_unique<TriggerPath>((tag + "_cpu").c_str(), model, jets, expected, *b.acc, po);
        b.path->bus.bind(b.router->from_initiator);
        b.router->to_targets.bind(b.readout->socket);
        b.router->map(kReadoutBase, 0x10000);
        b.router->to_targets.bind(b.acc->control);
        b.router->map(kAcceleratorBase, 0x100000);
        b.path->irq.bind(b.acc->interrupt);
    }
    try {
        sc_core::sc_start();
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << "\n";
        return 3;
    }

    std::cout << fmt::format("{} on a trigger path: {} timing, {} events per occupancy, derandomizer {} events, seed {}\n",
                             model.name, fast ? "fast (cost model)" : "cycle", o.events, o.buffer, o.seed);
    std::cout << "occupancy  rate MHz  processed  dropped  dead time   latency ns p50    p90    p99    max  "
                 "accel cycles  mismatches\n";
    size_t mismatches = 0;
    for (size_t k = 0; k < boards.size(); ++k) {
        const PathResult& r = boards[k].path->result();
        const double dead = r.end_time > sc_core::SC_ZERO_TIME ? r.full_time / r.end_time : 0.0;
        const std::string cycles = r.processed == 0 ? "-"
                                   : r.accel_latency_min == r.accel_latency_max
                                       ? fmt::format("{}", r.accel_latency_min)
                                       : fmt::format("{}-{}", r.accel_latency_min, r.accel_latency_max);
        std::cout << fmt::format("{:9.3f}  {:8.2f}  {:9}  {:7}  {:8.2f}%  {:14.0f} {:6.0f} {:6.0f} {:6.0f}  {:>12}  {:10}\n",
                                 occupancies[k], 40.0 * occupancies[k], r.processed, r.dropped, 100.0 * dead,
                                 percentile(r.latency_ns, 0.5), percentile(r.latency_ns, 0.9),
                                 percentile(r.latency_ns, 0.99), percentile(r.latency_ns, 1.0), cycles, r.mismatches);
        if (r.mismatches) std::cerr << "error: occupancy " << occupancies[k] << ": " << r.first_mismatch << "\n";
        mismatches += r.mismatches;
    }
    std::cout << fmt::format("reference    {} of {} processed events differ from the untimed reference (predict)\n",
                             mismatches, [&] {
                                 size_t n = 0;
                                 for (const auto& b : boards) n += b.path->result().processed;
                                 return n;
                             }());
    return mismatches ? 3 : 0;
}

}  // namespace tlm4ml::platform

int sc_main(int argc, char** argv) { return tlm4ml::platform::main_platform(argc, argv); }
