// One clock and the parts it drives. At every rising edge where something can happen, the domain's single
// SystemC process evaluates each part once, in dataflow order (source, layers, sink): a producer therefore
// acts before its consumer in the same cycle, which gives zero-latency hand-offs (a ReLU chained into the
// next Dense) and registered full flags (a slot freed by a pop is seen by the producer one cycle later)
// without delta cycles. Cycles in which no part can do anything are skipped, so idle layers cost nothing.
// Parts that name their channels (Clocked::ports) are evaluated only when they are due or one of those
// channels moved; in a deep network most layers are idle in most cycles, and asking each one every cycle
// was a third of the simulation time.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include <systemc>

namespace tlm4ml {

class StreamChannel;

constexpr uint64_t kNever = UINT64_MAX;

// set_run_ahead() for the programs that drive a network on its own (run, sweep, the benchmarks): 64 busy
// cycles share one wake-up of the process, so SystemC's cost per cycle all but vanishes, and the state seen
// between sc_start slices stays within 64 cycles (a few hundred ns of simulated time) of SystemC's time.
constexpr uint64_t kStandaloneRunAhead = 64;

// SystemC counts simulated time in 64 bits of its resolution, 1 ps. A period under 1 ps rounds to zero
// (no cycle can be counted); 1 ms (a 1 kHz clock, far slower than any FPGA design) still leaves 2^34 cycles
// before the count overflows.
constexpr double kMinClockPeriodNs = 0.001;
constexpr double kMaxClockPeriodNs = 1e6;

// What is wrong with a clock period for simulation ("must be between ..."), or "" when it can be simulated.
std::string clock_period_problem(double period_ns);

// A simulated time that SystemC cannot represent (a cycle beyond 2^64 ps).
class SimulationTimeError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The last cycle whose start SystemC can represent with this period.
uint64_t last_representable_cycle(const sc_core::sc_time& period);

// A part of the design that works at rising clock edges.
class Clocked {
public:
    virtual ~Clocked() = default;
    // This cycle's work (accept, compute, emit). Called once per evaluated cycle.
    virtual void tick(uint64_t cycle) = 0;
    // After every part ticked: the earliest later cycle at which this part could act on its own state
    // (a result falling due, an input becoming visible, a retry), or kNever when it waits on others.
    virtual uint64_t next_wake(uint64_t cycle) const = 0;
    // The channels this part pops from (inputs) and pushes into (outputs), when tick() and next_wake()
    // depend on nothing else outside the part. Returning true lets the domain skip the part until it is due
    // or one of those channels moved; false (the default) has it evaluated in every active cycle.
    virtual bool ports(std::vector<StreamChannel*>& /*inputs*/, std::vector<StreamChannel*>& /*outputs*/) const {
        return false;
    }
};

class ClockDomain : public sc_core::sc_module {
public:
    SC_HAS_PROCESS(ClockDomain);
    // Throws std::invalid_argument for a zero period (see clock_period_problem).
    ClockDomain(sc_core::sc_module_name name, const sc_core::sc_time& period);

    // Parts are evaluated in the order they are added: add producers before their consumers.
    void add(Clocked& part) {
        parts_.push_back(&part);
        wired_ = false;
    }
    // Called at the end of every evaluated cycle (waveform sampling).
    void set_observer(std::function<void(uint64_t)> f) { observer_ = std::move(f); }
    // Lets one activation of the domain's process evaluate up to `cycles` consecutive cycles when every part
    // wants the very next edge and nothing else in the simulation is scheduled before that edge (SystemC's
    // own per-cycle cost, the process's wake-up, was a sixth of the engine's work beside the layers'
    // arithmetic in a busy io_parallel network). Nothing inside the simulation can tell: no other process
    // runs in between, and the parts see the cycle number they would have seen. What differs is SystemC's time while the parts tick (still the first cycle of
    // the run) and the state when an sc_start(duration) returns (up to `cycles` - 1 cycles ahead of
    // sc_time_stamp()): so only for domains whose parts do not read SystemC's time or notify events, driven
    // to the end or in slices that only report progress (the CLI's run, sweeps). 1 (the default): one cycle
    // per activation.
    void set_run_ahead(uint64_t cycles) { run_ahead_ = std::max<uint64_t>(1, cycles); }
    uint64_t run_ahead() const { return run_ahead_; }
    // Stops the clock after `cycles` evaluated cycles without any progress reported by `progress`.
    void set_stall_limit(uint64_t cycles, std::function<uint64_t()> progress) {
        stall_limit_ = cycles;
        progress_ = std::move(progress);
    }

    // For parts whose work arrives from outside the domain (a TLM target taking a start): evaluates the
    // first rising edge at or after now + delay that has not been evaluated yet, even if the clock had
    // stopped because nothing was left to do.
    void wake(const sc_core::sc_time& delay = sc_core::SC_ZERO_TIME);

    const sc_core::sc_time& period() const { return period_; }
    uint64_t cycle() const;
    uint64_t last_cycle() const { return last_cycle_; }
    uint64_t evaluated_cycles() const { return evaluated_; }
    // How often the domain's process evaluated cycles (one each, or several with set_run_ahead); a wake-up
    // within a cycle already evaluated does not count.
    uint64_t activations() const { return activations_; }
    bool stalled() const { return stalled_; }  // stopped by the stall limit
    // A part wanted a cycle beyond SystemC's time limit: step() threw SimulationTimeError with this reason
    // (SystemC hands it on from sc_start wrapped in its own report, E549).
    bool out_of_time() const { return !out_of_time_.empty(); }
    const std::string& out_of_time_reason() const { return out_of_time_; }

private:
    void step();
    // Ticks the parts due in cycle `c`, then asks each for its next wake: the earliest, kNever when none
    // wakes on its own (finished, or every part waits on another). Sets stalled_ when the stall limit stops
    // the clock.
    uint64_t evaluate(uint64_t c);
    // The first cycle whose edge is not before the next activity scheduled in the simulation (now: the
    // activation's time): the cycles before it may be evaluated in this activation.
    uint64_t first_cycle_not_alone(const sc_core::sc_time& now) const;
    void wire();  // watches the channels of the parts that name them

    sc_core::sc_time period_;
    uint64_t last_cycle_limit_;  // last_representable_cycle(period_), not divided out in every cycle
    std::vector<Clocked*> parts_;
    sc_core::sc_event wake_event_;
    bool wired_ = false;
    // One bit per part, 64 parts a word, so that a cycle visits only the parts that have something to do.
    std::vector<uint64_t> untracked_;  // evaluated in every cycle (they do not name their channels)
    std::vector<uint64_t> flagged_;    // a channel of the part moved (raised by the channel), or it just ticked
    std::vector<uint64_t> due_;        // scratch: the parts to tick in this cycle
    std::vector<uint64_t> wake_;       // each part's last next_wake()
    std::vector<uint64_t> timed_;      // the parts whose last next_wake() was not kNever
    std::function<void(uint64_t)> observer_;
    std::function<uint64_t()> progress_;
    uint64_t stall_limit_ = 0;
    uint64_t run_ahead_ = 1;
    uint64_t last_progress_ = 0;
    uint64_t idle_cycles_ = 0;
    uint64_t last_cycle_ = 0;
    uint64_t evaluated_ = 0;
    uint64_t activations_ = 0;
    bool stalled_ = false;
    std::string out_of_time_;
};

// `cycles` clock periods as an sc_time, without floating point. Throws SimulationTimeError when the time
// does not fit SystemC's 64 bits (it would wrap around to an earlier time).
inline sc_core::sc_time cycles_of(uint64_t cycles, const sc_core::sc_time& period) {
    if (cycles > last_representable_cycle(period))
        throw SimulationTimeError("simulated time of " + std::to_string(cycles) + " clock cycles of " +
                                  period.to_string() + " exceeds SystemC's 64-bit time limit");
    return sc_core::sc_time::from_value(period.value() * cycles);
}

}  // namespace tlm4ml
