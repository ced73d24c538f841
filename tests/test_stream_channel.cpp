// StreamChannel (rtl_models/stream_channel.cpp) and LayerModule (layers/layer_module.cpp) in small scripted
// SystemC benches. SystemC elaborates only once per process, so every bench runs in a forked child that
// elaborates, simulates and sends its observations (JSON) back through a pipe; the parent asserts.
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <systemc>

#include "layers/activation.h"
#include "layers/layer_module.h"
#include "rtl_models/stream_channel.h"

using namespace tlm4ml;
using nlohmann::json;

namespace {

// Runs `bench` in a forked child and returns the JSON it produced. A child that crashes, throws or exits
// otherwise fails the test (and returns null).
json in_child(const std::function<json()>& bench) {
    int fd[2];
    if (pipe(fd) != 0) {
        ADD_FAILURE() << "pipe failed";
        return nullptr;
    }
    std::fflush(stdout);
    std::fflush(stderr);
    const pid_t pid = fork();
    if (pid < 0) {
        ADD_FAILURE() << "fork failed";
        return nullptr;
    }
    if (pid == 0) {
        close(fd[0]);
        alarm(30);  // a bench that hangs dies (SIGALRM) and fails the test instead of blocking it
        std::string out;
        try {
            out = bench().dump();
        } catch (const std::exception& e) {
            out = json{{"exception", e.what()}}.dump();
        }
        size_t done = 0;
        while (done < out.size()) {
            const ssize_t n = write(fd[1], out.data() + done, out.size() - done);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) _exit(2);
            done += static_cast<size_t>(n);
        }
        close(fd[1]);
        std::fflush(stdout);
        _exit(0);
    }
    close(fd[1]);
    std::string text;
    char buf[4096];
    while (true) {
        const ssize_t n = read(fd[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        text.append(buf, static_cast<size_t>(n));
    }
    close(fd[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the SystemC child did not exit cleanly (status "
                                                                << status << ")";
    if (text.empty()) {
        ADD_FAILURE() << "the SystemC child sent nothing";
        return nullptr;
    }
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded()) {
        ADD_FAILURE() << "the SystemC child sent malformed JSON: " << text;
        return nullptr;
    }
    if (j.is_object() && j.contains("exception")) {
        ADD_FAILURE() << "exception in the child: " << j["exception"];
        return nullptr;
    }
    return j;
}

const sc_core::sc_time kPeriod(10, sc_core::SC_NS);

uint64_t now_cycle() { return cycle_of(sc_core::sc_time_stamp(), kPeriod); }

// Inside an SC_THREAD: wait until the rising edge of cycle c, then `deltas` delta cycles more (delta 0 is
// the evaluation phase right at the edge; pushes and pops of delta k are committed before delta k+1).
void at_cycle(uint64_t c, int deltas = 0) {
    const sc_core::sc_time t = cycles_of(c, kPeriod);
    if (t > sc_core::sc_time_stamp()) sc_core::wait(t - sc_core::sc_time_stamp());
    for (int i = 0; i < deltas; ++i) sc_core::wait(sc_core::SC_ZERO_TIME);
}

// A thread that runs a script.
struct Script : sc_core::sc_module {
    SC_HAS_PROCESS(Script);
    Script(sc_core::sc_module_name n, std::function<void()> body) : sc_core::sc_module(n), body_(std::move(body)) {
        SC_THREAD(run);
    }
    void run() { body_(); }
    std::function<void()> body_;
};

Token token(uint64_t sample, int64_t value) {
    Token t;
    t.sample = sample;
    t.data = {value, -value};
    return t;
}

json stats_json(const StreamChannel& ch) {
    const auto& s = ch.stats();
    return {{"transfers", s.transfers},
            {"max_occupancy", s.max_occupancy},
            {"cycles_full", s.cycles_full},
            {"cycles_empty", s.cycles_empty}};
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------
// StreamChannel

TEST(StreamChannel, PushIsVisibleToPopOnlyAfterLatencyCycles) {
    json r = in_child([] {
        auto* ch = new StreamChannel("ch", 4, 3, kPeriod, 2);
        auto* zero = new StreamChannel("zero", 4, 0, kPeriod, 2);
        json out;
        new Script("producer", [=, &out] {
            at_cycle(0);
            ch->push(token(0, 10), now_cycle());
            at_cycle(1);
            ch->push(token(1, 11), now_cycle());
            at_cycle(2);
            zero->push(token(7, 17), now_cycle());
        });
        new Script("consumer", [=, &out] {
            json can_pop = json::array(), pops = json::array(), visible = json::array();
            for (uint64_t c = 0; c < 8; ++c) {
                at_cycle(c, 2);  // after the producer's pushes of this cycle are committed
                can_pop.push_back(ch->can_pop(c));
                const uint64_t v = ch->front_visible_cycle();
                visible.push_back(v == UINT64_MAX ? json(nullptr) : json(v));
                if (ch->can_pop(c)) {
                    const Token t = ch->pop();
                    pops.push_back({{"sample", t.sample}, {"cycle", c}, {"data", t.data}});
                }
            }
            out["can_pop"] = can_pop;
            out["visible"] = visible;
            out["pops"] = pops;
        });
        new Script("zero_consumer", [=, &out] {
            at_cycle(2, 2);
            out["zero_can_pop_same_cycle"] = zero->can_pop(2);
            out["zero_pop_sample"] = zero->pop().sample;
        });
        new Script("written_watch", [=, &out] {
            sc_core::wait(ch->written_event());
            out["written_cycle"] = now_cycle();
        });
        sc_core::sc_start(cycles_of(10, kPeriod));
        return out;
    });
    ASSERT_TRUE(r.is_object());
    // Pushed at 0 and 1 with latency 3: visible at 3 and 4, not before.
    EXPECT_EQ(r["can_pop"], json({false, false, false, true, true, false, false, false}));
    EXPECT_EQ(r["visible"][0], 3);
    EXPECT_EQ(r["visible"][1], 3);
    EXPECT_EQ(r["visible"][2], 3);
    ASSERT_EQ(r["pops"].size(), 2u);
    EXPECT_EQ(r["pops"][0]["sample"], 0);
    EXPECT_EQ(r["pops"][0]["cycle"], 3);
    EXPECT_EQ(r["pops"][0]["data"], json({10, -10}));
    EXPECT_EQ(r["pops"][1]["sample"], 1);
    EXPECT_EQ(r["pops"][1]["cycle"], 4);
    EXPECT_EQ(r["written_cycle"], 0);
    // Latency 0: a combinational hand-off, visible in the cycle it was pushed.
    EXPECT_EQ(r["zero_can_pop_same_cycle"], true);
    EXPECT_EQ(r["zero_pop_sample"], 7);
}

TEST(StreamChannel, DepthLimitsPushes) {
    json r = in_child([] {
        auto* ch = new StreamChannel("ch", 2, 0, kPeriod, 2);
        json out;
        new Script("producer", [=, &out] {
            at_cycle(0);
            out["c0_before"] = ch->can_push();
            ch->push(token(0, 1), 0);
            out["c0_after_one"] = ch->can_push();  // staged pushes count
            ch->push(token(1, 2), 0);
            out["c0_after_two"] = ch->can_push();
            at_cycle(1, 1);
            out["c1"] = ch->can_push();
            out["c1_ready"] = ch->ready();
            out["c1_size"] = ch->size();
            out["c1_full"] = ch->full();
            // Cycle 3: the consumer pops in delta 0. The producer looks again in later deltas of the same
            // cycle, after the pop was committed: still no push this cycle.
            at_cycle(3, 2);
            out["c3_later_delta"] = ch->can_push();
            out["c3_later_delta_ready"] = ch->ready();
            sc_core::wait(sc_core::SC_ZERO_TIME);
            sc_core::wait(sc_core::SC_ZERO_TIME);
            out["c3_even_later_delta"] = ch->can_push();
            at_cycle(4);
            out["c4"] = ch->can_push();
            out["c4_ready"] = ch->ready();
            if (ch->can_push()) ch->push(token(2, 3), 4);
            out["c4_after_push"] = ch->can_push();
        });
        // A producer blocked on the full channel sleeps on the read event: when it fires, there is room.
        new Script("blocked_producer", [=, &out] {
            at_cycle(2);
            sc_core::wait(ch->read_event());
            out["read_event_cycle"] = now_cycle();
            out["can_push_on_read_event"] = ch->can_push();
        });
        new Script("consumer", [=, &out] {
            json pops = json::array();
            at_cycle(3);
            out["c3_consumer_sees_full"] = ch->full();
            pops.push_back({ch->pop().sample, now_cycle()});
            for (uint64_t c = 5; c < 8; ++c) {
                at_cycle(c);
                if (ch->can_pop(c)) pops.push_back({ch->pop().sample, now_cycle()});
            }
            out["pops"] = pops;
        });
        sc_core::sc_start(cycles_of(10, kPeriod));
        out["stats"] = stats_json(*ch);
        return out;
    });
    ASSERT_TRUE(r.is_object());
    EXPECT_EQ(r["c0_before"], true);
    EXPECT_EQ(r["c0_after_one"], true);
    EXPECT_EQ(r["c0_after_two"], false);
    EXPECT_EQ(r["c1"], false);
    EXPECT_EQ(r["c1_ready"], false);
    EXPECT_EQ(r["c1_size"], 2);
    EXPECT_EQ(r["c1_full"], true);
    EXPECT_EQ(r["c3_consumer_sees_full"], true);
    // A full channel popped in cycle 3 accepts no push in cycle 3 (the producer saw it full at the edge) ...
    EXPECT_EQ(r["c3_later_delta"], false);
    EXPECT_EQ(r["c3_later_delta_ready"], false);
    EXPECT_EQ(r["c3_even_later_delta"], false);
    // ... and the read event wakes a blocked producer when it can push (not in a cycle where it cannot).
    EXPECT_GE(r["read_event_cycle"].get<uint64_t>(), 3u);
    EXPECT_LE(r["read_event_cycle"].get<uint64_t>(), 4u);
    EXPECT_EQ(r["can_push_on_read_event"], true);
    // ... but does in cycle 4, and is then full again.
    EXPECT_EQ(r["c4"], true);
    EXPECT_EQ(r["c4_ready"], true);
    EXPECT_EQ(r["c4_after_push"], false);
    // FIFO order: 0 at 3, then 1 and 2 at 5 and 6.
    EXPECT_EQ(r["pops"], json({{0, 3}, {1, 5}, {2, 6}}));
    EXPECT_EQ(r["stats"]["transfers"], 3);
    EXPECT_EQ(r["stats"]["max_occupancy"], 2);
}

TEST(StreamChannel, StatisticsOfAScriptedProducerAndConsumer) {
    // depth 2, latency 1. Producer pushes at cycles 0, 1 and 6 (and finds the channel full at 2);
    // consumer pops at 3, 4 and 7. Occupancy after the transfers of each cycle 0..9:
    //   1 2 2 1 0 0 1 0 0 0   -> full in cycles 1, 2 (2 cycles); empty in 4, 5, 7, 8, 9 (5 cycles).
    json r = in_child([] {
        auto* ch = new StreamChannel("ch", 2, 1, kPeriod, 2);
        json out;
        new Script("producer", [=, &out] {
            for (uint64_t c : {0, 1, 2, 6}) {
                at_cycle(c);
                if (c == 2) {  // full: no push
                    out["can_push_at_2"] = ch->can_push();
                    continue;
                }
                if (!ch->can_push()) {
                    out["push_refused_at"] = c;
                    continue;
                }
                ch->push(token(c, static_cast<int64_t>(c)), c);
            }
        });
        new Script("consumer", [=, &out] {
            json pops = json::array();
            for (uint64_t c : {3, 4, 7}) {
                at_cycle(c);
                if (ch->can_pop(c)) pops.push_back({ch->pop().sample, c});
            }
            out["pops"] = pops;
        });
        sc_core::sc_start(cycles_of(10, kPeriod));
        ch->finish(now_cycle());
        out["end_cycle"] = now_cycle();
        out["stats"] = stats_json(*ch);
        return out;
    });
    ASSERT_TRUE(r.is_object());
    EXPECT_FALSE(r.contains("push_refused_at"));
    EXPECT_EQ(r["can_push_at_2"], false);
    EXPECT_EQ(r["pops"], json({{0, 3}, {1, 4}, {6, 7}}));
    EXPECT_EQ(r["end_cycle"], 10);
    EXPECT_EQ(r["stats"]["transfers"], 3);
    EXPECT_EQ(r["stats"]["max_occupancy"], 2);
    EXPECT_EQ(r["stats"]["cycles_full"], 2);
    EXPECT_EQ(r["stats"]["cycles_empty"], 5);
}

// ---------------------------------------------------------------------------------------------------------
// LayerModule

namespace {

struct LayerBenchOptions {
    LayerTiming timing;
    size_t samples = 12;
    uint64_t sink_starts = 0;  // the sink pops nothing before this cycle
    uint64_t cycles = 200;
};

// relu over 2 elements (ap_fixed<16,6>): sample k enters as {k - 3, 3 - k}. A source pushes one sample per
// cycle whenever the input channel (depth 2, latency 0) has room; the sink pops one per cycle from the
// output channel (depth 2, latency 0) from `sink_starts` on.
json layer_bench(const LayerBenchOptions& o) {
    return in_child([o] {
        ActivationConfig cfg;
        cfg.kind = ActivationKind::Relu;
        cfg.n_in = 2;
        cfg.data_t = Precision::fixed(16, 6);
        cfg.result_t = Precision::fixed(16, 6);
        auto* layer = new ActivationLayer("relu", cfg);
        auto* in = new StreamChannel("in", 2, 0, kPeriod, 2);
        auto* out = new StreamChannel("out", 2, 0, kPeriod, 2);
        auto* mod = new LayerModule("layer", *layer, o.timing, kPeriod, *in, *out);
        json res;
        auto* max_in_flight = new size_t(0);
        new Script("source", [=, &res] {
            json pushes = json::array();
            for (uint64_t k = 0; k < o.samples;) {
                const uint64_t c = now_cycle();
                if (in->can_push()) {
                    Token t;
                    t.sample = k;
                    t.data = {static_cast<int64_t>(k) - 3, 3 - static_cast<int64_t>(k)};
                    in->push(std::move(t), c);
                    pushes.push_back(c);
                    ++k;
                }
                at_cycle(c + 1);
            }
            res["pushes"] = pushes;
        });
        new Script("sink", [=, &res] {
            json pops = json::array();
            at_cycle(o.sink_starts);
            for (uint64_t c = o.sink_starts; c < o.cycles; ++c) {
                at_cycle(c, 3);  // late in the cycle: zero-latency results of this cycle are committed
                if (out->can_pop(c)) {
                    const Token t = out->pop();
                    pops.push_back({{"sample", t.sample}, {"cycle", c}, {"data", t.data}});
                }
            }
            res["pops"] = pops;
        });
        new Script("monitor", [=] {
            for (uint64_t c = 0; c < o.cycles; ++c) {
                at_cycle(c, 4);
                *max_in_flight = std::max(*max_in_flight, mod->in_flight());
            }
        });
        sc_core::sc_start(cycles_of(o.cycles, kPeriod));
        json ev = json::array();
        for (const auto& e : mod->events())
            ev.push_back({{"sample", e.sample},
                          {"available", e.available_cycle},
                          {"accept", e.accept_cycle},
                          {"emit", e.emit_cycle}});
        res["events"] = ev;
        res["max_in_flight"] = *max_in_flight;
        res["out_stats"] = stats_json(*out);
        return res;
    });
}

// Every sample arrives exactly once, in order, with relu applied.
void expect_complete_and_ordered(json r, size_t samples) {
    ASSERT_EQ(r["pops"].size(), samples);
    for (size_t k = 0; k < samples; ++k) {
        SCOPED_TRACE("sample " + std::to_string(k));
        const auto& p = r["pops"][k];
        EXPECT_EQ(p["sample"], k);
        const int64_t a = static_cast<int64_t>(k) - 3;
        EXPECT_EQ(p["data"], json({std::max<int64_t>(a, 0), std::max<int64_t>(-a, 0)}));
        if (k > 0) {
            EXPECT_GT(p["cycle"].get<uint64_t>(), r["pops"][k - 1]["cycle"].get<uint64_t>());
        }
    }
    ASSERT_EQ(r["events"].size(), samples);
    for (size_t k = 0; k < samples; ++k) EXPECT_EQ(r["events"][k]["sample"], k);
}

}  // namespace

TEST(LayerModule, IiOneLatencyThreeIsFullyPipelined) {
    LayerBenchOptions o;
    o.timing.ii = 1;
    o.timing.latency = 3;
    json r = layer_bench(o);
    ASSERT_TRUE(r.is_object());
    expect_complete_and_ordered(r, o.samples);
    const auto& ev = r["events"];
    for (size_t k = 0; k < o.samples; ++k) {
        SCOPED_TRACE("sample " + std::to_string(k));
        const uint64_t accept = ev[k]["accept"];
        EXPECT_EQ(accept, k);                            // one per cycle, from cycle 0
        EXPECT_EQ(ev[k]["emit"].get<uint64_t>(), accept + 3);  // exactly `latency` after accept
        EXPECT_EQ(r["pops"][k]["cycle"].get<uint64_t>(), accept + 3);
    }
    EXPECT_GE(r["max_in_flight"].get<size_t>(), 3u);  // several inferences in flight
}

TEST(LayerModule, IiThreeAcceptsAtMostOneInputPerThreeCycles) {
    LayerBenchOptions o;
    o.timing.ii = 3;
    o.timing.latency = 7;
    json r = layer_bench(o);
    ASSERT_TRUE(r.is_object());
    expect_complete_and_ordered(r, o.samples);
    const auto& ev = r["events"];
    for (size_t k = 0; k < o.samples; ++k) {
        SCOPED_TRACE("sample " + std::to_string(k));
        const uint64_t accept = ev[k]["accept"];
        EXPECT_EQ(accept, 3 * k);  // inputs wait in the channel: back-to-back at exactly II
        EXPECT_EQ(ev[k]["emit"].get<uint64_t>(), accept + 7);
        EXPECT_EQ(r["pops"][k]["cycle"].get<uint64_t>(), accept + 7);
    }
    EXPECT_GE(r["max_in_flight"].get<size_t>(), 3u);  // ceil(7 / 3) in the pipeline
}

TEST(LayerModule, ZeroLatencyPassesResultsOnInTheSameCycle) {
    LayerBenchOptions o;
    o.timing.ii = 1;
    o.timing.latency = 0;
    json r = layer_bench(o);
    ASSERT_TRUE(r.is_object());
    expect_complete_and_ordered(r, o.samples);
    for (size_t k = 0; k < o.samples; ++k) {
        EXPECT_EQ(r["events"][k]["accept"], k);
        EXPECT_EQ(r["events"][k]["emit"], k);
        EXPECT_EQ(r["pops"][k]["cycle"], k);
    }
}

TEST(LayerModule, StallsWhileTheOutputIsFullWithoutLosingOrReordering) {
    LayerBenchOptions o;
    o.timing.ii = 1;
    o.timing.latency = 2;
    o.samples = 16;
    o.sink_starts = 30;  // nothing leaves the output channel before cycle 30
    json r = layer_bench(o);
    ASSERT_TRUE(r.is_object());
    expect_complete_and_ordered(r, o.samples);
    const auto& ev = r["events"];
    // Capacity of the layer: ceil(latency / II) + 1 = 3 in flight, plus 2 in the output channel; the input
    // channel holds 2 more. Nothing else may be accepted before the sink starts.
    size_t accepted_before = 0, emitted_before = 0;
    for (const auto& e : ev) {
        const uint64_t accept = e["accept"], emit = e["emit"];
        EXPECT_GE(emit, accept + 2);
        if (accept < 30) ++accepted_before;
        if (emit < 30) ++emitted_before;
    }
    EXPECT_EQ(emitted_before, 2u);   // the output channel's depth
    EXPECT_EQ(accepted_before, 5u);  // + 3 in the layer's pipeline
    EXPECT_LE(r["max_in_flight"].get<size_t>(), 3u);
    EXPECT_EQ(r["out_stats"]["max_occupancy"], 2);
    EXPECT_GT(r["out_stats"]["cycles_full"].get<uint64_t>(), 20u);
    // The first two pops happen when the sink starts; the stalled layer refills the channel no earlier
    // than the cycle after it was popped (a full channel takes no push in the cycle it is popped).
    EXPECT_EQ(r["pops"][0]["cycle"], 30);
    EXPECT_EQ(ev[2]["emit"].get<uint64_t>(), 31u);
    // After the stall the pipeline drains and the source refills it: every sample leaves, one per cycle at
    // best.
    for (size_t k = 1; k < o.samples; ++k)
        EXPECT_GE(r["pops"][k]["cycle"].get<uint64_t>(), r["pops"][k - 1]["cycle"].get<uint64_t>() + 1);
}

TEST(LayerModule, SlowSinkThrottlesButNothingIsLost) {
    // II 2, latency 5, sink from cycle 12: a mix of pipelining, waiting inputs and a late sink.
    LayerBenchOptions o;
    o.timing.ii = 2;
    o.timing.latency = 5;
    o.samples = 20;
    o.sink_starts = 12;
    json r = layer_bench(o);
    ASSERT_TRUE(r.is_object());
    expect_complete_and_ordered(r, o.samples);
    const auto& ev = r["events"];
    for (size_t k = 1; k < o.samples; ++k)
        EXPECT_GE(ev[k]["accept"].get<uint64_t>(), ev[k - 1]["accept"].get<uint64_t>() + 2);
    for (const auto& e : ev) EXPECT_GE(e["emit"].get<uint64_t>(), e["accept"].get<uint64_t>() + 5);
    // Before the sink starts, inputs at II 2 from cycle 0: accepts at 0, 2, 4, ... emit at 5, 7: then full.
    EXPECT_EQ(ev[0]["emit"], 5);
    EXPECT_EQ(ev[1]["emit"], 7);
}
