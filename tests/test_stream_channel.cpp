// The clocked engine: StreamChannel (rtl_models/stream_channel.cpp), LayerModule (layers/modules/layer_module.cpp)
// and ClockDomain (rtl_models/clock_domain.cpp) with the testbench's Source and Sink.
//
// Channels and layer modules need no SystemC simulation: the tests call push / pop / tick / next_wake with
// explicit cycle numbers, evaluating parts in the order a ClockDomain does (producer before consumer).
// Only the ClockDomain tests call sc_start; SystemC elaborates once per process, so each of them runs in a
// forked child that elaborates, simulates and sends its observations (JSON) back through a pipe. The parent
// never calls sc_start, so it may construct modules (and fork) as often as it likes.
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <functional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <systemc>

#include "layers/arithmetic/activation.h"
#include "layers/modules/layer_module.h"
#include "rtl_models/clock_domain.h"
#include "rtl_models/stream_channel.h"
#include "testbenches/stimulus.h"
#include "tests/support/sc_child.h"

using namespace tlm4ml;
using nlohmann::json;

namespace {

// A bench that hangs dies after 30 s and fails the test instead of blocking it.
json in_child(const std::function<json()>& bench) { return tlm4ml_test::in_child(bench, 30); }

const sc_core::sc_time kPeriod(10, sc_core::SC_NS);
constexpr uint64_t kEmpty = UINT64_MAX;  // front_visible_cycle() of an empty channel

Token token(uint64_t sample, int64_t value) {
    Token t;
    t.sample = sample;
    t.data = {value, -value};
    return t;
}

// relu over 2 elements (ap_fixed<16,6> in and out: the raw integers are clamped at 0).
ActivationLayer make_relu(const std::string& name = "relu") {
    ActivationConfig cfg;
    cfg.kind = ActivationKind::Relu;
    cfg.n_in = 2;
    cfg.data_t = Precision::fixed(16, 6);
    cfg.result_t = Precision::fixed(16, 6);
    return ActivationLayer(name, cfg);
}

// Sample k of the layer benches: {k - 3, 3 - k}, and what relu makes of it.
std::vector<int64_t> bench_input(uint64_t k) { return {static_cast<int64_t>(k) - 3, 3 - static_cast<int64_t>(k)}; }
std::vector<int64_t> relu_of(const std::vector<int64_t>& v) {
    std::vector<int64_t> r;
    for (int64_t x : v) r.push_back(std::max<int64_t>(x, 0));
    return r;
}

json stats_json(const StreamChannel& ch) {
    const auto& s = ch.stats();
    return {{"transfers", s.transfers},
            {"max_occupancy", s.max_occupancy},
            {"cycles_full", s.cycles_full},
            {"cycles_empty", s.cycles_empty}};
}

// A module's event log is opt-in (LayerModule::set_event_log_limit); these tests read it.
constexpr size_t kLoggedEvents = 10000;

json events_json(const LayerModule& m) {
    json ev = json::array();
    for (const auto& e : m.events())
        ev.push_back({{"sample", e.sample},
                      {"available", e.available_cycle},
                      {"accept", e.accept_cycle},
                      {"emit", e.emit_cycle == kNever ? json(nullptr) : json(e.emit_cycle)}});
    return ev;
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------
// StreamChannel

TEST(StreamChannel, PushIsVisibleToPopExactlyLatencyCyclesLater) {
    StreamChannel ch("ch", 4, 3, 2);
    std::vector<bool> can_pop;
    std::vector<uint64_t> visible;
    std::vector<std::pair<Token, uint64_t>> pops;
    for (uint64_t c = 0; c < 8; ++c) {
        // Producer first, then the consumer (the ClockDomain's order).
        if (c == 0) ch.push(token(0, 10), c);
        if (c == 1) ch.push(token(1, 11), c);
        visible.push_back(ch.front_visible_cycle());
        can_pop.push_back(ch.can_pop(c));
        if (ch.can_pop(c)) pops.emplace_back(ch.pop(c), c);
    }
    // Pushed at 0 and 1 with latency 3: visible at 3 and 4, not before.
    EXPECT_EQ(can_pop, (std::vector<bool>{false, false, false, true, true, false, false, false}));
    EXPECT_EQ(visible, (std::vector<uint64_t>{3, 3, 3, 3, 4, kEmpty, kEmpty, kEmpty}));
    ASSERT_EQ(pops.size(), 2u);
    EXPECT_EQ(pops[0].first.sample, 0u);
    EXPECT_EQ(pops[0].second, 3u);
    EXPECT_EQ(pops[0].first.visible_cycle, 3u);
    EXPECT_EQ(pops[0].first.data, (std::vector<int64_t>{10, -10}));
    EXPECT_EQ(pops[1].first.sample, 1u);
    EXPECT_EQ(pops[1].second, 4u);
    EXPECT_EQ(pops[1].first.visible_cycle, 4u);
    EXPECT_EQ(pops[1].first.data, (std::vector<int64_t>{11, -11}));
    // Items in flight count as occupancy: 1 2 2 1 0 0 0 0 after the transfers of cycles 0..7.
    ch.finish(8);
    EXPECT_EQ(stats_json(ch), json({{"transfers", 2}, {"max_occupancy", 2}, {"cycles_full", 0}, {"cycles_empty", 4}}));
}

TEST(StreamChannel, LatencyZeroIsACombinationalHandOff) {
    StreamChannel zero("zero", 4, 0, 2);
    EXPECT_FALSE(zero.can_pop(2));
    zero.push(token(7, 17), 2);
    EXPECT_EQ(zero.front_visible_cycle(), 2u);
    EXPECT_TRUE(zero.can_pop(2));  // the consumer, evaluated after the producer, takes it in the same cycle
    const Token t = zero.pop(2);
    EXPECT_EQ(t.sample, 7u);
    EXPECT_EQ(t.data, (std::vector<int64_t>{17, -17}));
    EXPECT_EQ(zero.size(), 0u);
    // Pushed and popped in the same cycle: the channel never held it across a clock edge.
    zero.finish(5);
    EXPECT_EQ(stats_json(zero),
              json({{"transfers", 1}, {"max_occupancy", 0}, {"cycles_full", 0}, {"cycles_empty", 5}}));
}

TEST(StreamChannel, DepthLimitsPushesAndAFullFlagIsRegistered) {
    StreamChannel ch("ch", 2, 0, 2);
    std::vector<std::pair<uint64_t, uint64_t>> pops;  // (sample, cycle)
    // Cycles 0 and 1: one push each fills the channel; nobody pops before cycle 3.
    EXPECT_TRUE(ch.can_push(0));
    ch.push(token(0, 1), 0);
    EXPECT_TRUE(ch.can_push(1));
    ch.push(token(1, 2), 1);
    EXPECT_EQ(ch.size(), 2u);
    EXPECT_FALSE(ch.can_push(1));
    EXPECT_FALSE(ch.can_push(2));  // full
    EXPECT_EQ(ch.occupancy_at_edge(2), 2u);
    // Cycle 3: the producer (evaluated first) sees the channel full at the edge and does not push; the
    // consumer pops afterwards.
    EXPECT_FALSE(ch.can_push(3));
    ASSERT_TRUE(ch.can_pop(3));
    pops.emplace_back(ch.pop(3).sample, 3);
    EXPECT_TRUE(ch.popped_in(3));
    EXPECT_EQ(ch.size(), 1u);
    EXPECT_EQ(ch.occupancy_at_edge(3), 2u);  // what the channel held at the rising edge of cycle 3
    // Cycle 4: the slot freed in cycle 3 is seen by the producer; the channel is full again after the push.
    ASSERT_TRUE(ch.can_push(4));
    ch.push(token(2, 3), 4);
    EXPECT_FALSE(ch.can_push(4));
    EXPECT_EQ(ch.occupancy_at_edge(4), 1u);
    EXPECT_FALSE(ch.can_push(5));
    // FIFO order: 0 at 3, then 1 and 2 at 5 and 6.
    for (uint64_t c = 5; c < 8; ++c)
        if (ch.can_pop(c)) pops.emplace_back(ch.pop(c).sample, c);
    EXPECT_EQ(pops, (std::vector<std::pair<uint64_t, uint64_t>>{{0, 3}, {1, 5}, {2, 6}}));
    // Occupancy after each cycle 0..7: 1 2 2 1 2 1 0 0.
    ch.finish(8);
    EXPECT_EQ(stats_json(ch), json({{"transfers", 3}, {"max_occupancy", 2}, {"cycles_full", 3}, {"cycles_empty", 2}}));
}

TEST(StreamChannel, AtMostOnePushAndOnePopPerCycle) {
    StreamChannel ch("ch", 4, 0, 2);
    ch.keep_last_popped(true);
    ch.push(token(0, 5), 0);
    EXPECT_TRUE(ch.pushed_in(0));
    EXPECT_FALSE(ch.can_push(0));  // room for three more, but one push per cycle
    EXPECT_TRUE(ch.can_push(1));
    ch.push(token(1, 6), 1);
    EXPECT_FALSE(ch.pushed_in(0));
    // Cycle 2: a push and a pop in the same cycle are fine; a second pop is not, though another item is
    // visible.
    ch.push(token(2, 7), 2);
    ASSERT_TRUE(ch.can_pop(2));
    EXPECT_EQ(ch.pop(2).sample, 0u);
    EXPECT_EQ(ch.last_popped(), (std::vector<int64_t>{5, -5}));
    EXPECT_EQ(ch.size(), 2u);
    EXPECT_EQ(ch.front_visible_cycle(), 1u);
    EXPECT_FALSE(ch.can_pop(2));
    EXPECT_FALSE(ch.can_push(2));
    ASSERT_TRUE(ch.can_pop(3));
    EXPECT_EQ(ch.pop(3).sample, 1u);
    EXPECT_EQ(ch.last_popped(), (std::vector<int64_t>{6, -6}));
    EXPECT_FALSE(ch.can_pop(3));
    EXPECT_TRUE(ch.can_pop(4));
}

TEST(StreamChannel, StatisticsOfAScriptedProducerAndConsumer) {
    // depth 2, latency 1. The producer pushes at cycles 0, 1 and 6 (and finds the channel full at 2);
    // the consumer pops at 3, 4 and 7. Occupancy held across the edge after each cycle 0..9:
    //   1 2 2 1 0 0 1 0 0 0   -> full after cycles 1, 2 (2 cycles); empty after 4, 5, 7, 8, 9 (5 cycles).
    StreamChannel ch("ch", 2, 1, 2);
    std::vector<std::pair<uint64_t, uint64_t>> pops;
    for (uint64_t c = 0; c < 10; ++c) {
        if (c == 0 || c == 1 || c == 6) {
            EXPECT_TRUE(ch.can_push(c)) << "cycle " << c;
            if (ch.can_push(c)) ch.push(token(c, static_cast<int64_t>(c)), c);
        }
        if (c == 2) {
            EXPECT_FALSE(ch.can_push(c));
        }
        if ((c == 3 || c == 4 || c == 7) && ch.can_pop(c)) pops.emplace_back(ch.pop(c).sample, c);
    }
    ch.finish(10);
    EXPECT_EQ(pops, (std::vector<std::pair<uint64_t, uint64_t>>{{0, 3}, {1, 4}, {6, 7}}));
    EXPECT_EQ(stats_json(ch), json({{"transfers", 3}, {"max_occupancy", 2}, {"cycles_full", 2}, {"cycles_empty", 5}}));
}

TEST(StreamChannel, PushAndPopEveryCycleNeverHoldsAnything) {
    // latency 0, depth 1: an item per cycle streams through; none is held across an edge.
    StreamChannel ch("ch", 1, 0, 2);
    for (uint64_t c = 0; c < 10; ++c) {
        ASSERT_TRUE(ch.can_push(c));
        ch.push(token(c, 1), c);
        ASSERT_TRUE(ch.can_pop(c));
        EXPECT_EQ(ch.pop(c).sample, c);
    }
    ch.finish(10);
    EXPECT_EQ(stats_json(ch),
              json({{"transfers", 10}, {"max_occupancy", 0}, {"cycles_full", 0}, {"cycles_empty", 10}}));
}

TEST(StreamChannel, PushIntervalSpacesPushesWhateverTheRoom) {
    // An io_parallel pipeline at II 3 reads its input every 3 cycles: the channel takes a push no sooner.
    StreamChannel ch("ch", 2, 0, 2);
    ch.set_push_interval(3);
    EXPECT_EQ(ch.next_push_cycle(), 0u);
    std::vector<uint64_t> pushed;
    for (uint64_t c = 0; c < 10; ++c) {
        if (ch.can_push(c)) {
            ch.push(token(c, 1), c);
            pushed.push_back(c);
        }
        if (ch.can_pop(c)) ch.drop(c);  // the consumer takes each at once: the room is never the limit
    }
    EXPECT_EQ(pushed, (std::vector<uint64_t>{0, 3, 6, 9}));
    EXPECT_EQ(ch.next_push_cycle(), 12u);
}

TEST(StreamChannel, ReservedSlotsAreReadInPlaceAndReused) {
    StreamChannel ch("ch", 2, 1, 3);
    // A producer with two results in its pipeline: both slots reserved behind the (empty) channel. A
    // reserve() may move the slots reserved before it (the ring grows), so each is written right away.
    std::copy_n(std::vector<int64_t>{1, 2, 3}.data(), 3, ch.reserve(5));
    int64_t* b = ch.reserve(6);
    std::copy_n(std::vector<int64_t>{4, 5, 6}.data(), 3, b);
    EXPECT_EQ(ch.size(), 0u);  // reserved slots are not in the channel yet
    EXPECT_EQ(ch.reserved(), 2u);
    EXPECT_EQ(ch.front_visible_cycle(), kEmpty);
    ch.commit(0);  // the oldest reserved slot is pushed first
    EXPECT_EQ(ch.size(), 1u);
    EXPECT_EQ(ch.reserved(), 1u);
    EXPECT_FALSE(ch.can_pop(0));  // latency 1
    ASSERT_TRUE(ch.can_pop(1));
    EXPECT_EQ(ch.front_sample(), 5u);
    EXPECT_EQ(std::vector<int64_t>(ch.front_data(), ch.front_data() + 3), (std::vector<int64_t>{1, 2, 3}));
    ch.drop(1);
    ch.commit(1);
    ASSERT_TRUE(ch.can_pop(2));
    EXPECT_EQ(ch.front_sample(), 6u);
    EXPECT_EQ(ch.front_data(), b);  // read where the producer wrote it
    EXPECT_EQ(std::vector<int64_t>(ch.front_data(), ch.front_data() + 3), (std::vector<int64_t>{4, 5, 6}));
    // A copy cannot overtake a reserved slot.
    ch.reserve(7);
    EXPECT_THROW(ch.push(token(8, 1), 2), std::logic_error);
    ch.commit(2);
    // Sliding along with at most two slots in use (an item and the next result), the channel keeps writing
    // into the same two slots: no storage is allocated per item, and none is spare.
    std::vector<const int64_t*> seen;
    for (uint64_t c = 3; c < 40; ++c) {
        ch.drop(c);
        int64_t* s = ch.reserve(c);
        s[0] = static_cast<int64_t>(c);
        ch.commit(c);
        if (std::find(seen.begin(), seen.end(), s) == seen.end()) seen.push_back(s);
    }
    EXPECT_EQ(seen.size(), 2u);
    // A copy of the wrong width is refused, naming the channel.
    StreamChannel empty("empty", 2, 0, 3);
    try {
        empty.push(token(0, 1), 0);  // two values
        FAIL() << "expected std::logic_error";
    } catch (const std::logic_error& e) {
        EXPECT_STREQ(e.what(), "channel empty: a token of 2 values pushed into words of 3");
    }
}

// ---------------------------------------------------------------------------------------------------------
// LayerModule, ticked by hand

namespace {

struct LayerBenchOptions {
    LayerTiming timing;
    size_t samples = 12;
    uint64_t sink_starts = 0;  // the sink pops nothing before this cycle ...
    uint64_t sink_every = 1;   // ... and afterwards only in every n-th cycle
    uint64_t cycles = 200;
};

struct Pop {
    uint64_t sample;
    uint64_t cycle;
    std::vector<int64_t> data;
};

struct LayerBenchResult {
    std::vector<uint64_t> pushes;  // cycle in which the source pushed sample k
    std::vector<Pop> pops;
    std::vector<LayerEvent> events;
    LayerStats stats;
    size_t max_in_flight = 0;
    std::vector<uint64_t> stalled_cycles;  // cycles after whose tick a due result waited for the output
    ChannelStats out_stats;
};

// A relu layer between two channels (depth 2, latency 0). Every cycle, in the ClockDomain's order: the
// source pushes the next sample whenever the input channel has room, the layer ticks, the sink pops one
// result if it is ready in this cycle.
LayerBenchResult run_layer_bench(const LayerBenchOptions& o) {
    const ActivationLayer relu = make_relu();
    StreamChannel in("in", 2, 0, 2), out("out", 2, 0, 2);
    LayerModule mod("bench_layer", relu, o.timing, in, out);
    mod.set_event_log_limit(kLoggedEvents);
    LayerBenchResult r;
    for (uint64_t c = 0; c < o.cycles; ++c) {
        if (r.pushes.size() < o.samples && in.can_push(c)) {
            Token t;
            t.sample = r.pushes.size();
            t.data = bench_input(t.sample);
            in.push(std::move(t), c);
            r.pushes.push_back(c);
        }
        mod.tick(c);
        if (c >= o.sink_starts && (c - o.sink_starts) % o.sink_every == 0 && out.can_pop(c)) {
            Token t = out.pop(c);
            r.pops.push_back({t.sample, c, std::move(t.data)});
        }
        r.max_in_flight = std::max(r.max_in_flight, mod.in_flight());
        if (mod.stalled(c)) r.stalled_cycles.push_back(c);
        EXPECT_GT(mod.next_wake(c), c) << "next_wake must lie in the future";
    }
    out.finish(o.cycles);
    r.events = mod.events();
    r.stats = mod.stats();
    r.out_stats = out.stats();
    return r;
}

// Every sample arrives exactly once, in order, with relu applied.
void expect_complete_and_ordered(const LayerBenchResult& r, size_t samples) {
    ASSERT_EQ(r.pops.size(), samples);
    for (size_t k = 0; k < samples; ++k) {
        SCOPED_TRACE("sample " + std::to_string(k));
        EXPECT_EQ(r.pops[k].sample, k);
        EXPECT_EQ(r.pops[k].data, relu_of(bench_input(k)));
        if (k > 0) {
            EXPECT_GT(r.pops[k].cycle, r.pops[k - 1].cycle);
        }
    }
    ASSERT_EQ(r.events.size(), samples);
    for (size_t k = 0; k < samples; ++k) {
        EXPECT_EQ(r.events[k].sample, k);
        EXPECT_EQ(r.events[k].available_cycle, r.pushes[k]);  // latency-0 input channel
        EXPECT_GE(r.events[k].accept_cycle, r.events[k].available_cycle);
    }
    EXPECT_EQ(r.stats.inferences, samples);
    EXPECT_EQ(r.stats.emitted, samples);
}

}  // namespace

TEST(LayerModule, IiOneLatencyThreeIsFullyPipelined) {
    LayerBenchOptions o;
    o.timing.ii = 1;
    o.timing.latency = 3;
    const LayerBenchResult r = run_layer_bench(o);
    expect_complete_and_ordered(r, o.samples);
    for (size_t k = 0; k < o.samples; ++k) {
        SCOPED_TRACE("sample " + std::to_string(k));
        EXPECT_EQ(r.pushes[k], k);
        EXPECT_EQ(r.events[k].accept_cycle, k);     // one per cycle, from cycle 0
        EXPECT_EQ(r.events[k].emit_cycle, k + 3);   // exactly `latency` after accept
        EXPECT_EQ(r.pops[k].cycle, k + 3);
    }
    EXPECT_EQ(r.max_in_flight, 3u);  // accepted in c-2, c-1 and c while c-3's result leaves
    EXPECT_TRUE(r.stalled_cycles.empty());
    EXPECT_EQ(r.stats.measured_ii(), 1);
    EXPECT_EQ(r.stats.latency_min(), 3);
    EXPECT_EQ(r.stats.latency_max(), 3);
}

TEST(LayerModule, IiThreeAcceptsAtMostOneInputPerThreeCycles) {
    LayerBenchOptions o;
    o.timing.ii = 3;
    o.timing.latency = 7;
    const LayerBenchResult r = run_layer_bench(o);
    expect_complete_and_ordered(r, o.samples);
    for (size_t k = 0; k < o.samples; ++k) {
        SCOPED_TRACE("sample " + std::to_string(k));
        EXPECT_EQ(r.events[k].accept_cycle, 3 * k);  // inputs wait in the channel: back-to-back at exactly II
        EXPECT_EQ(r.events[k].emit_cycle, 3 * k + 7);
        EXPECT_EQ(r.pops[k].cycle, 3 * k + 7);
    }
    // The source fills the depth-2 input channel at 0, 1, 2; then each pop (at 3k) frees a slot that the
    // source sees one cycle later (registered full flag): sample k >= 3 is pushed at 3(k-2)+1.
    EXPECT_EQ(std::vector<uint64_t>(r.pushes.begin(), r.pushes.begin() + 5), (std::vector<uint64_t>{0, 1, 2, 4, 7}));
    for (size_t k = 3; k < o.samples; ++k) EXPECT_EQ(r.pushes[k], 3 * k - 5);
    EXPECT_EQ(r.max_in_flight, 3u);  // ceil(7 / 3) in the pipeline
    EXPECT_EQ(r.stats.measured_ii(), 3);
    EXPECT_EQ(r.stats.latency_min(), 7);
    EXPECT_EQ(r.stats.latency_max(), 7);
}

TEST(LayerModule, ZeroLatencyPassesResultsOnInTheSameCycle) {
    LayerBenchOptions o;
    o.timing.ii = 1;
    o.timing.latency = 0;
    const LayerBenchResult r = run_layer_bench(o);
    expect_complete_and_ordered(r, o.samples);
    for (size_t k = 0; k < o.samples; ++k) {
        EXPECT_EQ(r.events[k].accept_cycle, k);
        EXPECT_EQ(r.events[k].emit_cycle, k);
        EXPECT_EQ(r.pops[k].cycle, k);
    }
    EXPECT_EQ(r.max_in_flight, 0u);  // nothing stays in the pipeline across an edge
    EXPECT_EQ(r.out_stats.max_occupancy, 0u);
    EXPECT_EQ(r.stats.latency_max(), 0);
}

TEST(LayerModule, StallsWhileTheOutputIsFullWithoutLosingOrReordering) {
    LayerBenchOptions o;
    o.timing.ii = 1;
    o.timing.latency = 2;
    o.samples = 16;
    o.sink_starts = 30;  // nothing leaves the output channel before cycle 30
    o.cycles = 60;
    const LayerBenchResult r = run_layer_bench(o);
    expect_complete_and_ordered(r, o.samples);
    // The layer holds ceil(latency / II) + 1 = 3 inferences; the output channel 2 results. Accepts at 0..4,
    // emits at 2 and 3; from cycle 4 on the head result (sample 2) waits for the full output.
    size_t accepted_before = 0, emitted_before = 0;
    for (const auto& e : r.events) {
        EXPECT_GE(e.emit_cycle, e.accept_cycle + 2);
        if (e.accept_cycle < 30) ++accepted_before;
        if (e.emit_cycle < 30) ++emitted_before;
    }
    EXPECT_EQ(emitted_before, 2u);   // the output channel's depth
    EXPECT_EQ(accepted_before, 5u);  // + 3 in the layer's pipeline
    EXPECT_EQ(r.max_in_flight, 3u);
    ASSERT_FALSE(r.stalled_cycles.empty());
    EXPECT_EQ(r.stalled_cycles.front(), 4u);
    for (uint64_t c = 4; c <= 30; ++c)
        EXPECT_TRUE(std::binary_search(r.stalled_cycles.begin(), r.stalled_cycles.end(), c)) << "cycle " << c;
    // The sink pops sample 0 at 30; the stalled layer refills the channel no earlier than the cycle after
    // (a full channel takes no push in the cycle it is popped). From then on one result per cycle:
    // sample k (k >= 2) is emitted at 29 + k and popped at 30 + k.
    for (size_t k = 0; k < o.samples; ++k) {
        SCOPED_TRACE("sample " + std::to_string(k));
        EXPECT_EQ(r.pops[k].cycle, 30 + k);
        if (k >= 2) {
            EXPECT_EQ(r.events[k].emit_cycle, 29 + k);
        }
    }
    EXPECT_EQ(r.events[2].emit_cycle, 31u);
    // Output channel: 2 held across the edges after cycles 3..29 (27 cycles), empty after 0, 1 and 45..59.
    EXPECT_EQ(r.out_stats.max_occupancy, 2u);
    EXPECT_EQ(r.out_stats.cycles_full, 27u);
    EXPECT_EQ(r.out_stats.cycles_empty, 17u);
    EXPECT_EQ(r.out_stats.transfers, 16u);
    EXPECT_EQ(r.stats.latency_min(), 2);
    EXPECT_EQ(r.stats.latency_max(), 31 - 2);  // sample 2: accepted at 2, emitted at 31
}

TEST(LayerModule, LateSinkThrottlesButNothingIsLost) {
    // II 2, latency 5, sink from cycle 12: a mix of pipelining, waiting inputs and a late sink.
    LayerBenchOptions o;
    o.timing.ii = 2;
    o.timing.latency = 5;
    o.samples = 20;
    o.sink_starts = 12;
    const LayerBenchResult r = run_layer_bench(o);
    expect_complete_and_ordered(r, o.samples);
    for (size_t k = 1; k < o.samples; ++k) EXPECT_GE(r.events[k].accept_cycle, r.events[k - 1].accept_cycle + 2);
    for (const auto& e : r.events) EXPECT_GE(e.emit_cycle, e.accept_cycle + 5);
    // Before the sink starts, inputs at II 2 from cycle 0: accepts at 0, 2, 4, 6, 8, emits at 5, 7: then the
    // output is full; the pipeline (capacity ceil(5/2) + 1 = 4) still takes sample 5 at 10, then is full.
    EXPECT_EQ(r.events[0].emit_cycle, 5u);
    EXPECT_EQ(r.events[1].emit_cycle, 7u);
    for (size_t k = 0; k < 6; ++k) EXPECT_EQ(r.events[k].accept_cycle, 2 * k);
    EXPECT_EQ(r.max_in_flight, 4u);
    // The sink pops at 12; the head result (sample 2) follows at 13, and the pipeline then has room again.
    EXPECT_EQ(r.pops[0].cycle, 12u);
    EXPECT_EQ(r.events[2].emit_cycle, 13u);
    EXPECT_EQ(r.events[6].accept_cycle, 13u);
    // Once drained, the layer runs at its II again.
    for (size_t k = 9; k < o.samples; ++k) EXPECT_EQ(r.events[k].accept_cycle, r.events[k - 1].accept_cycle + 2);
}

TEST(LayerModule, SlowSinkThrottlesTheLayerToItsRate) {
    // II 1, latency 3, but the sink takes a result only every 4th cycle: after the buffers fill, the layer
    // accepts one input per 4 cycles, and every result still arrives.
    LayerBenchOptions o;
    o.timing.ii = 1;
    o.timing.latency = 3;
    o.samples = 20;
    o.sink_every = 4;
    const LayerBenchResult r = run_layer_bench(o);
    expect_complete_and_ordered(r, o.samples);
    for (size_t k = 0; k < o.samples; ++k) EXPECT_EQ(r.pops[k].cycle, 4 * (k + 1)) << "sample " << k;
    for (size_t k = 8; k < o.samples; ++k)
        EXPECT_EQ(r.events[k].accept_cycle, r.events[k - 1].accept_cycle + 4) << "sample " << k;
    EXPECT_EQ(r.max_in_flight, 4u);  // ceil(3 / 1) + 1
    EXPECT_EQ(r.stats.measured_ii(), 1);
}

TEST(LayerModule, NextWakeIsTheDueCycleTheVisibleCycleOrNever) {
    // II 3, latency 5; input channel latency 2; an output channel of depth 1 popped only when told.
    const ActivationLayer relu = make_relu();
    StreamChannel in("in", 4, 2, 2), out("out", 1, 0, 2);
    LayerTiming timing;
    timing.ii = 3;
    timing.latency = 5;
    LayerModule mod("wake_layer", relu, timing, in, out);
    mod.set_event_log_limit(kLoggedEvents);
    auto push = [&](uint64_t sample, uint64_t c) {
        Token t;
        t.sample = sample;
        t.data = bench_input(sample);
        ASSERT_TRUE(in.can_push(c));
        in.push(std::move(t), c);
    };

    mod.tick(0);
    EXPECT_EQ(mod.next_wake(0), kNever);  // nothing in flight, nothing waiting
    push(0, 1);                             // visible at 3
    mod.tick(1);
    EXPECT_EQ(mod.next_wake(1), 3u);  // the input's visible cycle
    mod.tick(2);
    EXPECT_EQ(mod.in_flight(), 0u);
    EXPECT_EQ(mod.next_wake(2), 3u);
    push(1, 3);  // visible at 5
    mod.tick(3);
    ASSERT_EQ(mod.in_flight(), 1u);  // sample 0 accepted at 3, due at 8; next accept no sooner than 6
    EXPECT_EQ(mod.next_wake(3), 6u);  // sample 1 is visible at 5, but the II allows it only at 6
    mod.tick(6);
    ASSERT_EQ(mod.in_flight(), 2u);  // sample 1 accepted at 6, due at 11
    EXPECT_EQ(mod.next_wake(6), 8u);  // the due cycle of sample 0
    mod.tick(7);
    EXPECT_TRUE(out.size() == 0 && !mod.stalled(7));
    EXPECT_EQ(mod.next_wake(7), 8u);
    mod.tick(8);
    EXPECT_EQ(out.size(), 1u);  // sample 0 emitted: the depth-1 output is now full
    EXPECT_EQ(mod.events().at(0).emit_cycle, 8u);
    EXPECT_EQ(mod.next_wake(8), 11u);
    push(2, 9);  // visible at 11
    mod.tick(9);
    EXPECT_EQ(mod.next_wake(9), 11u);  // due of sample 1 and visibility of sample 2 coincide
    mod.tick(11);
    // Sample 1 is due but the output is full: it waits (stalled) for the consumer, asking for no wake of
    // its own. Sample 2 was accepted meanwhile (the pipeline has room).
    EXPECT_TRUE(mod.stalled(11));
    EXPECT_EQ(mod.events().at(1).emit_cycle, kNever);
    EXPECT_EQ(mod.events().at(2).accept_cycle, 11u);
    EXPECT_EQ(mod.next_wake(11), kNever);
    mod.tick(12);
    EXPECT_EQ(mod.events().at(1).emit_cycle, kNever);  // full at the edge of 12: the pop comes after the tick
    ASSERT_TRUE(out.can_pop(12));
    EXPECT_EQ(out.pop(12).sample, 0u);
    EXPECT_EQ(mod.next_wake(12), 13u);
    mod.tick(13);
    EXPECT_EQ(mod.events().at(1).emit_cycle, 13u);
    EXPECT_FALSE(mod.stalled(13));
    EXPECT_EQ(mod.next_wake(13), 16u);  // sample 2 due at 16
    ASSERT_TRUE(out.can_pop(14));
    EXPECT_EQ(out.pop(14).sample, 1u);
    mod.tick(16);
    EXPECT_EQ(mod.events().at(2).emit_cycle, 16u);
    EXPECT_EQ(mod.in_flight(), 0u);
    EXPECT_EQ(mod.next_wake(16), kNever);  // drained
    EXPECT_EQ(out.pop(16).data, relu_of(bench_input(2)));
}

TEST(LayerModule, AFullPipelineWaitsOnlyForItsEmission) {
    // II 1, latency 1: capacity ceil(1/1) + 1 = 2. The depth-1 output is never popped.
    const ActivationLayer relu = make_relu();
    StreamChannel in("in", 4, 0, 2), out("out", 1, 0, 2);
    LayerTiming timing;
    timing.ii = 1;
    timing.latency = 1;
    LayerModule mod("full_layer", relu, timing, in, out);
    mod.set_event_log_limit(kLoggedEvents);
    for (uint64_t c = 0; c < 4; ++c) {
        Token t;
        t.sample = c;
        t.data = bench_input(c);
        in.push(std::move(t), c);
        mod.tick(c);
    }
    // Accepted 0, 1, 2; emitted 0 at 1; samples 1 and 2 fill the pipeline; sample 3 waits in the channel.
    EXPECT_EQ(mod.in_flight(), 2u);
    EXPECT_EQ(in.size(), 1u);
    EXPECT_EQ(mod.events().size(), 3u);
    // The blocked head waits for the consumer; the visible input cannot be taken: no wake of its own.
    EXPECT_EQ(mod.next_wake(3), kNever);
    for (uint64_t c = 4; c < 10; ++c) mod.tick(c);
    EXPECT_EQ(mod.events().size(), 3u);
    EXPECT_EQ(in.size(), 1u);
    EXPECT_EQ(mod.next_wake(9), kNever);
}

TEST(LayerModule, EventLogIsLimitedButStatisticsCountEverything) {
    LayerBenchOptions o;
    o.timing.ii = 1;
    o.timing.latency = 2;
    const ActivationLayer relu = make_relu();
    StreamChannel in("in", 2, 0, 2), out("out", 2, 0, 2);
    LayerModule mod("log_layer", relu, o.timing, in, out);
    mod.set_event_log_limit(3);
    size_t received = 0;
    for (uint64_t c = 0, k = 0; c < 30; ++c) {
        if (k < 10 && in.can_push(c)) {
            Token t;
            t.sample = k;
            t.data = bench_input(k);
            in.push(std::move(t), c);
            ++k;
        }
        mod.tick(c);
        if (out.can_pop(c)) {
            EXPECT_EQ(out.pop(c).sample, received);
            ++received;
        }
    }
    EXPECT_EQ(received, 10u);
    EXPECT_EQ(mod.events().size(), 3u);
    EXPECT_EQ(mod.stats().inferences, 10u);
    EXPECT_EQ(mod.stats().emitted, 10u);
    EXPECT_EQ(mod.stats().latency_max(), 2);
}

TEST(Stimulus, SourceAndSinkWakeOnTheirScheduleAndTheChannel) {
    const std::vector<std::vector<int64_t>> samples = {{1, 2}, {3, 4}, {5, 6}};
    StreamChannel ch("ch", 1, 2, 2);
    SourceSchedule every5;
    every5.every_n_cycles = 5;
    Source source("wake_source", ch, samples, every5);
    Sink sink("wake_sink", ch, samples.size(), 0.0, 1);
    EXPECT_EQ(source.offer_cycles(), (std::vector<uint64_t>{0, 5, 10}));
    source.tick(0);
    sink.tick(0);
    EXPECT_EQ(source.sent(), 1u);
    EXPECT_EQ(source.next_wake(0), 5u);
    EXPECT_EQ(sink.next_wake(0), 2u);  // the item becomes visible at 2 (channel latency 2)
    sink.tick(2);
    EXPECT_EQ(sink.received(), 1u);
    EXPECT_EQ(sink.next_wake(2), kNever);
    // The offer at 5 is refused by a full channel: the source waits for the consumer's pop.
    Token blocker;
    blocker.sample = 99;
    blocker.data = {0, 0};
    ch.push(std::move(blocker), 4);
    source.tick(5);
    EXPECT_EQ(source.sent(), 1u);
    EXPECT_EQ(source.next_wake(5), kNever);
    EXPECT_EQ(sink.next_wake(5), 6u);  // visible at 6
    source.tick(6);
    sink.tick(6);  // takes the blocker; the source sees the room only at 7
    EXPECT_EQ(source.sent(), 1u);
    source.tick(7);
    EXPECT_EQ(source.sent(), 2u);
    EXPECT_EQ(source.push_cycles()[1], 7u);
    EXPECT_EQ(source.next_wake(7), 10u);
    source.tick(10);  // full again: wait for the pop
    EXPECT_EQ(source.next_wake(10), kNever);
    sink.tick(10);
    source.tick(11);
    EXPECT_EQ(source.sent(), 3u);
    EXPECT_EQ(source.next_wake(11), kNever);
}

// ---------------------------------------------------------------------------------------------------------
// ClockDomain (sc_start: in forked children)

namespace {

// A part that records every tick in a shared log and wakes at scripted cycles.
class ScriptedPart : public Clocked {
public:
    // wake(c): the cycle this part asks for after cycle c.
    ScriptedPart(std::string name, std::vector<std::string>& log, std::function<uint64_t(uint64_t)> wake)
        : name_(std::move(name)), log_(log), wake_(std::move(wake)) {}
    void tick(uint64_t cycle) override { log_.push_back(name_ + "@" + std::to_string(cycle)); }
    uint64_t next_wake(uint64_t cycle) const override { return wake_(cycle); }

private:
    std::string name_;
    std::vector<std::string>& log_;
    std::function<uint64_t(uint64_t)> wake_;
};

// The first of `cycles` after c, or kNever.
std::function<uint64_t(uint64_t)> wake_at(std::vector<uint64_t> cycles) {
    return [cycles](uint64_t c) {
        for (uint64_t w : cycles)
            if (w > c) return w;
        return kNever;
    };
}

json layer_stats_json(const LayerStats& s) {
    auto opt = [](const std::optional<int>& v) { return v ? json(*v) : json(nullptr); };
    return {{"inferences", s.inferences},
            {"emitted", s.emitted},
            {"measured_ii", opt(s.measured_ii())},
            {"latency_min", opt(s.latency_min())},
            {"latency_max", opt(s.latency_max())}};
}

json sink_json(const Sink& sink) {
    json pops = json::array();
    for (size_t i = 0; i < sink.received(); ++i)
        pops.push_back({{"sample", sink.sample_of(i)}, {"cycle", sink.pop_cycles()[i]}, {"data", sink.result(i)}});
    return pops;
}

std::vector<std::vector<int64_t>> bench_samples(size_t n) {
    std::vector<std::vector<int64_t>> s;
    for (size_t k = 0; k < n; ++k) s.push_back(bench_input(k));
    return s;
}

}  // namespace

TEST(ClockDomain, EvaluatesEveryPartInOrderOnlyAtWakeCycles) {
    json r = in_child([] {
        std::vector<std::string> log;
        ScriptedPart a("a", log, wake_at({5, 17}));
        ScriptedPart b("b", log, wake_at({3, 5}));
        // Asks for "now" (already past): the domain moves on to the next cycle instead.
        ScriptedPart now("now", log, [](uint64_t c) { return c < 2 ? c : kNever; });
        ClockDomain clock("clock", kPeriod);
        clock.add(a);
        clock.add(b);
        clock.add(now);
        json observed = json::array();
        clock.set_observer([&](uint64_t c) { observed.push_back(c); });
        sc_core::sc_start();
        return json{{"log", log},
                    {"observed", observed},
                    {"evaluated", clock.evaluated_cycles()},
                    {"last_cycle", clock.last_cycle()},
                    {"time_ps", sc_core::sc_time_stamp().value() / sc_core::sc_time(1, sc_core::SC_PS).value()},
                    {"stalled", clock.stalled()}};
    });
    ASSERT_TRUE(r.is_object());
    EXPECT_EQ(r["observed"], json({0, 1, 2, 3, 5, 17}));
    json expected_log = json::array();
    for (int c : {0, 1, 2, 3, 5, 17})
        for (const char* p : {"a", "b", "now"}) expected_log.push_back(std::string(p) + "@" + std::to_string(c));
    EXPECT_EQ(r["log"], expected_log);
    EXPECT_EQ(r["evaluated"], 6);
    EXPECT_EQ(r["last_cycle"], 17);
    EXPECT_EQ(r["time_ps"], 170000);  // sc_start returned at the last evaluated edge
    EXPECT_EQ(r["stalled"], false);
}

TEST(ClockDomain, RunsAChainToCompletionWithTheLayerTiming) {
    // Source (a sample per cycle) -> input register (depth 2, latency 1) -> relu (II 3, latency 4)
    // -> output register (depth 2, latency 1) -> sink. sc_start() returns by itself once the sink has all.
    json r = in_child([] {
        const auto samples = bench_samples(10);
        const ActivationLayer relu = make_relu();
        StreamChannel in("in", 2, 1, 2), out("out", 2, 1, 2);
        LayerTiming timing;
        timing.ii = 3;
        timing.latency = 4;
        ClockDomain clock("clock", kPeriod);
        Source source("source", in, samples, SourceSchedule{});
        LayerModule layer("relu", relu, timing, in, out);
        layer.set_event_log_limit(kLoggedEvents);
        Sink sink("sink", out, samples.size(), 0.0, 1);
        clock.add(source);
        clock.add(layer);
        clock.add(sink);
        uint64_t observed = 0, last_observed = 0;
        bool increasing = true;
        clock.set_observer([&](uint64_t c) {
            if (observed > 0 && c <= last_observed) increasing = false;
            ++observed;
            last_observed = c;
        });
        sc_core::sc_start();
        return json{{"done", sink.done()},
                    {"push_cycles", source.push_cycles()},
                    {"events", events_json(layer)},
                    {"stats", layer_stats_json(layer.stats())},
                    {"pops", sink_json(sink)},
                    {"observed", observed},
                    {"increasing", increasing},
                    {"evaluated", clock.evaluated_cycles()},
                    {"last_cycle", clock.last_cycle()},
                    {"stalled", clock.stalled()}};
    });
    ASSERT_TRUE(r.is_object());
    EXPECT_EQ(r["done"], true);
    EXPECT_EQ(r["stalled"], false);
    const auto& ev = r["events"];
    const auto& pops = r["pops"];
    ASSERT_EQ(ev.size(), 10u);
    ASSERT_EQ(pops.size(), 10u);
    for (uint64_t k = 0; k < 10; ++k) {
        SCOPED_TRACE("sample " + std::to_string(k));
        // Pushed at 0, 1, 2, then whenever the layer's pop freed a slot one cycle before.
        const uint64_t push = k < 3 ? k : 3 * k - 4;
        EXPECT_EQ(r["push_cycles"][k], push);
        EXPECT_EQ(ev[k]["sample"], k);
        EXPECT_EQ(ev[k]["available"], push + 1);  // input register
        EXPECT_EQ(ev[k]["accept"], 1 + 3 * k);    // first visible at 1, then one per II
        EXPECT_EQ(ev[k]["emit"], 5 + 3 * k);      // accept + latency
        EXPECT_EQ(pops[k]["sample"], k);
        EXPECT_EQ(pops[k]["cycle"], 6 + 3 * k);   // output register
        EXPECT_EQ(pops[k]["data"], relu_of(bench_input(k)));
    }
    EXPECT_EQ(r["stats"], json({{"inferences", 10}, {"emitted", 10}, {"measured_ii", 3}, {"latency_min", 4},
                                {"latency_max", 4}}));
    EXPECT_EQ(r["last_cycle"], 6 + 3 * 9);  // the last pop ends the run
    EXPECT_EQ(r["observed"], r["evaluated"]);
    EXPECT_EQ(r["increasing"], true);
    EXPECT_LE(r["evaluated"].get<uint64_t>(), r["last_cycle"].get<uint64_t>() + 1);
}

TEST(ClockDomain, ZeroLatencyHandOffsFollowTheOrderOfAdd) {
    // Source -> relu -> relu -> sink, all channels and layers latency 0. Added in dataflow order, a sample
    // crosses the chain in the cycle it is offered; added backwards, every hand-off costs a cycle.
    json r = in_child([] {
        const auto samples = bench_samples(5);
        const ActivationLayer relu = make_relu();
        LayerTiming timing;  // II 1, latency 0
        struct Chain {
            StreamChannel c0{"c0", 2, 0, 2}, c1{"c1", 2, 0, 2}, c2{"c2", 2, 0, 2};
        };
        Chain fwd, bwd;
        ClockDomain forward("forward", kPeriod), backward("backward", kPeriod);
        Source fs("fwd_source", fwd.c0, samples, SourceSchedule{});
        LayerModule fl1("fwd_l1", relu, timing, fwd.c0, fwd.c1), fl2("fwd_l2", relu, timing, fwd.c1, fwd.c2);
        fl1.set_event_log_limit(kLoggedEvents);
        fl2.set_event_log_limit(kLoggedEvents);
        Sink fk("fwd_sink", fwd.c2, samples.size(), 0.0, 1);
        forward.add(fs);
        forward.add(fl1);
        forward.add(fl2);
        forward.add(fk);
        Source bs("bwd_source", bwd.c0, samples, SourceSchedule{});
        LayerModule bl1("bwd_l1", relu, timing, bwd.c0, bwd.c1), bl2("bwd_l2", relu, timing, bwd.c1, bwd.c2);
        bl1.set_event_log_limit(kLoggedEvents);
        bl2.set_event_log_limit(kLoggedEvents);
        Sink bk("bwd_sink", bwd.c2, samples.size(), 0.0, 1);
        backward.add(bk);
        backward.add(bl2);
        backward.add(bl1);
        backward.add(bs);
        sc_core::sc_start();
        return json{{"forward", sink_json(fk)},
                    {"forward_l2", events_json(fl2)},
                    {"backward", sink_json(bk)},
                    {"backward_l2", events_json(bl2)}};
    });
    ASSERT_TRUE(r.is_object());
    ASSERT_EQ(r["forward"].size(), 5u);
    ASSERT_EQ(r["backward"].size(), 5u);
    for (uint64_t k = 0; k < 5; ++k) {
        SCOPED_TRACE("sample " + std::to_string(k));
        EXPECT_EQ(r["forward"][k]["cycle"], k);
        EXPECT_EQ(r["forward_l2"][k]["accept"], k);
        EXPECT_EQ(r["forward_l2"][k]["emit"], k);
        EXPECT_EQ(r["forward"][k]["data"], relu_of(bench_input(k)));
        // Backwards: the source pushes at k, layer 1 passes it on at k+1, layer 2 at k+2, the sink at k+3.
        EXPECT_EQ(r["backward"][k]["cycle"], k + 3);
        EXPECT_EQ(r["backward_l2"][k]["accept"], k + 2);
        EXPECT_EQ(r["backward"][k]["data"], relu_of(bench_input(k)));
    }
}

TEST(ClockDomain, SkipsIdleCycles) {
    // One sample every 1000 cycles through relu (II 1, latency 3) with latency-0 channels: the domain
    // evaluates only the offer cycle and the cycle the result falls due, two per sample.
    json r = in_child([] {
        const auto samples = bench_samples(10);
        const ActivationLayer relu = make_relu();
        StreamChannel in("in", 2, 0, 2), out("out", 2, 0, 2);
        LayerTiming timing;
        timing.ii = 1;
        timing.latency = 3;
        SourceSchedule sched;
        sched.every_n_cycles = 1000;
        ClockDomain clock("clock", kPeriod);
        Source source("source", in, samples, sched);
        LayerModule layer("relu", relu, timing, in, out);
        layer.set_event_log_limit(kLoggedEvents);
        Sink sink("sink", out, samples.size(), 0.0, 1);
        clock.add(source);
        clock.add(layer);
        clock.add(sink);
        json observed = json::array();
        clock.set_observer([&](uint64_t c) { observed.push_back(c); });
        // Every evaluated cycle moves something, so even a limit of one idle evaluation never fires: the
        // limit counts evaluated cycles, not the skipped ones.
        clock.set_stall_limit(1, [&] { return in.stats().transfers + out.stats().transfers; });
        sc_core::sc_start();
        return json{{"done", sink.done()},
                    {"events", events_json(layer)},
                    {"pops", sink_json(sink)},
                    {"observed", observed},
                    {"evaluated", clock.evaluated_cycles()},
                    {"last_cycle", clock.last_cycle()},
                    {"stalled", clock.stalled()}};
    });
    ASSERT_TRUE(r.is_object());
    EXPECT_EQ(r["done"], true);
    EXPECT_EQ(r["stalled"], false);
    ASSERT_EQ(r["events"].size(), 10u);
    ASSERT_EQ(r["pops"].size(), 10u);
    json expected_observed = json::array();
    for (uint64_t k = 0; k < 10; ++k) {
        SCOPED_TRACE("sample " + std::to_string(k));
        EXPECT_EQ(r["events"][k]["accept"], 1000 * k);
        EXPECT_EQ(r["events"][k]["emit"], 1000 * k + 3);
        EXPECT_EQ(r["pops"][k]["cycle"], 1000 * k + 3);
        EXPECT_EQ(r["pops"][k]["data"], relu_of(bench_input(k)));
        expected_observed.push_back(1000 * k);
        expected_observed.push_back(1000 * k + 3);
    }
    EXPECT_EQ(r["last_cycle"], 9003);
    EXPECT_EQ(r["evaluated"], 20);
    EXPECT_EQ(r["observed"], expected_observed);
}

TEST(ClockDomain, AStuckChainEndsByItself) {
    // Source (3 samples) -> channel (depth 2) -> relu (II 1, latency 1) -> channel of depth 1 that nobody
    // reads. Sample 0 fills the output at cycle 1; samples 1 and 2 are accepted at 1 and 2 and then wait for
    // a pop that never comes. Nobody asks for another cycle, so the simulation runs out of events at once:
    // the run ends without the stall limit, and the caller sees the work left undone.
    json r = in_child([] {
        const auto samples = bench_samples(3);
        const ActivationLayer relu = make_relu();
        StreamChannel in("in", 2, 0, 2), out("out", 1, 0, 2);
        LayerTiming timing;
        timing.ii = 1;
        timing.latency = 1;
        ClockDomain clock("clock", kPeriod);
        Source source("source", in, samples, SourceSchedule{});
        LayerModule layer("relu", relu, timing, in, out);
        layer.set_event_log_limit(kLoggedEvents);
        clock.add(source);
        clock.add(layer);
        clock.set_stall_limit(50, [&] { return in.stats().transfers + out.stats().transfers; });
        sc_core::sc_start();
        return json{{"stalled", clock.stalled()},
                    {"evaluated", clock.evaluated_cycles()},
                    {"last_cycle", clock.last_cycle()},
                    {"sent", source.sent()},
                    {"events", events_json(layer)},
                    {"in_flight", layer.in_flight()},
                    {"out_size", out.size()}};
    });
    ASSERT_TRUE(r.is_object());
    EXPECT_EQ(r["stalled"], false);
    EXPECT_EQ(r["last_cycle"], 2);
    EXPECT_EQ(r["evaluated"], 3);
    EXPECT_EQ(r["sent"], 3);
    EXPECT_EQ(r["in_flight"], 2);
    EXPECT_EQ(r["out_size"], 1);
    ASSERT_EQ(r["events"].size(), 3u);
    EXPECT_EQ(r["events"][0]["accept"], 0);
    EXPECT_EQ(r["events"][0]["emit"], 1);
    EXPECT_EQ(r["events"][1]["accept"], 1);
    EXPECT_EQ(r["events"][1]["emit"], nullptr);
    EXPECT_EQ(r["events"][2]["accept"], 2);
    EXPECT_EQ(r["events"][2]["emit"], nullptr);
}

// A part that asks for every next cycle but never moves anything (a livelock).
class Spinner : public Clocked {
public:
    void tick(uint64_t) override { ++ticks; }
    uint64_t next_wake(uint64_t cycle) const override { return cycle + 1; }
    uint64_t ticks = 0;
};

TEST(ClockDomain, StallLimitStopsCyclesWithoutProgress) {
    json r = in_child([] {
        Spinner spin;
        ClockDomain clock("clock", kPeriod);
        clock.add(spin);
        clock.set_stall_limit(50, [] { return uint64_t{0}; });
        sc_core::sc_start();
        return json{{"stalled", clock.stalled()}, {"evaluated", clock.evaluated_cycles()},
                    {"last_cycle", clock.last_cycle()}, {"ticks", spin.ticks}};
    });
    ASSERT_TRUE(r.is_object());
    EXPECT_EQ(r["stalled"], true);
    EXPECT_EQ(r["evaluated"], 50);
    EXPECT_EQ(r["last_cycle"], 49);
    EXPECT_EQ(r["ticks"], 50);
}

TEST(ClockDomain, RandomBackPressureLosesNothing) {
    // relu (II 1, latency 2) behind a source offering a sample per cycle, in front of a sink that refuses
    // 70% of the cycles: throttled, every result arrives once, in order, right, and the run ends by itself.
    json r = in_child([] {
        const auto samples = bench_samples(40);
        const ActivationLayer relu = make_relu();
        StreamChannel in("in", 2, 0, 2), out("out", 2, 1, 2);
        LayerTiming timing;
        timing.ii = 1;
        timing.latency = 2;
        ClockDomain clock("clock", kPeriod);
        Source source("source", in, samples, SourceSchedule{});
        LayerModule layer("relu", relu, timing, in, out);
        layer.set_event_log_limit(kLoggedEvents);
        Sink sink("sink", out, samples.size(), 0.7, 7);
        clock.add(source);
        clock.add(layer);
        clock.add(sink);
        sc_core::sc_start();
        return json{{"done", sink.done()},
                    {"pops", sink_json(sink)},
                    {"refused", sink.refused_cycles()},
                    {"stalled", clock.stalled()},
                    {"last_cycle", clock.last_cycle()}};
    });
    ASSERT_TRUE(r.is_object());
    EXPECT_EQ(r["done"], true);
    EXPECT_GT(r["refused"].get<uint64_t>(), 0u);
    ASSERT_EQ(r["pops"].size(), 40u);
    for (uint64_t k = 0; k < 40; ++k) {
        EXPECT_EQ(r["pops"][k]["sample"], k);
        EXPECT_EQ(r["pops"][k]["data"], relu_of(bench_input(k)));
        if (k > 0) {
            EXPECT_GT(r["pops"][k]["cycle"].get<uint64_t>(), r["pops"][k - 1]["cycle"].get<uint64_t>());
        }
    }
    EXPECT_EQ(r["last_cycle"], r["pops"][39]["cycle"]);
    EXPECT_GT(r["last_cycle"].get<uint64_t>(), 60u);  // well below one result per cycle
}
