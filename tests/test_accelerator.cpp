// The TLM-2.0 accelerator (layers/accelerator.h): its register map, a jet through it against the untimed
// reference and `tlm4ml run`'s latency, every bad transaction, random stalls and back-to-back starts, the
// fast mode, and images streamed into the io_stream CNN. Each bench elaborates in a forked child
// (tests/support/sc_child.h); the parent computes the expected values with forward() and the tlm4ml program.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "layers/accelerator.h"
#include "layers/arithmetic/reference.h"
#include "models/load_model.h"
#include "testbenches/data/sample_io.h"
#include "tests/support/bus_master.h"
#include "tests/support/sc_child.h"
#include "tests/support/test_support.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace tlm4ml;
using namespace tlm4ml::accel_reg;
using namespace tlm4ml_test;

namespace {

const fs::path kModels = fs::path(TLM4ML_SOURCE_DIR) / "testbenches" / "models";
const std::string kJet = (kModels / "jet_tagger.json").string();
const std::string kJetInputs = (kModels / "jet_tagger_inputs.dat").string();
const std::string kSvhn = (kModels / "svhn_cnn.json").string();
const std::string kSvhnInputs = (kModels / "svhn_cnn_inputs.dat").string();

// `tlm4ml run MODEL --inputs F --samples 1`: the first-output latency it reports, in cycles.
uint64_t run_first_output_latency(const std::string& model, const std::string& inputs) {
    const fs::path report = fs::temp_directory_path() / ("tlm4ml_accel_" + std::to_string(getpid()) + ".json");
    const std::string cmd = shell_quote(TLM4ML_BINARY) + " run " + shell_quote(model) + " --inputs " +
                            shell_quote(inputs) + " --samples 1 --quiet --report " + shell_quote(report.string()) +
                            " >/dev/null 2>&1";
    const int rc = std::system(cmd.c_str());
    EXPECT_EQ(rc, 0) << cmd;
    std::ifstream f(report);
    const json r = json::parse(f, nullptr, false);
    fs::remove(report);
    if (r.is_discarded()) {
        ADD_FAILURE() << "no report from " << cmd;
        return 0;
    }
    return r["latency"]["first_output_cycles"].get<uint64_t>();
}

uint64_t ps(const sc_core::sc_time& t) { return t.value() / sc_core::sc_time(1, sc_core::SC_PS).value(); }

// One memory-mapped inference the way firmware drives it: input burst, start, interrupt, clear, output.
struct Inference {
    std::vector<int64_t> output;
    uint64_t start_ps = 0, irq_ps = 0;
    uint32_t latency = 0, isr = 0, ctrl_after_done = 0, ctrl_second_read = 0;
    tlm::tlm_response_status status = tlm::TLM_OK_RESPONSE;
};

Inference infer_with_interrupt(BusMaster& m, const Accelerator& acc, sc_core::sc_signal<bool>& irq,
                               const std::vector<int64_t>& input) {
    Inference r;
    const auto worst = [&](tlm::tlm_response_status s) {
        if (s != tlm::TLM_OK_RESPONSE) r.status = s;
    };
    worst(m.write_words(acc.input_base(), input, acc.word_bytes()));
    worst(m.write32(kGie, 1));
    worst(m.write32(kIer, kIsrDone));
    worst(m.write32(kApCtrl, kApStart));
    r.start_ps = ps(m.now());
    m.sync();
    if (!irq.read()) sc_core::wait(irq.posedge_event());
    r.irq_ps = ps(sc_core::sc_time_stamp());
    r.isr = m.read32(kIsr);
    worst(m.write32(kIsr, r.isr));  // toggle on write: clears
    r.ctrl_after_done = m.read32(kApCtrl);
    r.ctrl_second_read = m.read32(kApCtrl);
    r.latency = m.read32(kLatency);
    tlm::tlm_response_status s;
    r.output = m.read_words(acc.output_base(), acc.output_words(), acc.word_bytes(), &s);
    worst(s);
    return r;
}

json to_json(const Inference& r) {
    return {{"output", r.output},   {"start_ps", r.start_ps}, {"irq_ps", r.irq_ps},
            {"latency", r.latency}, {"isr", r.isr},           {"ctrl_after_done", r.ctrl_after_done},
            {"ctrl_second_read", r.ctrl_second_read}, {"status", static_cast<int>(r.status)}};
}

uint64_t edge_ps(uint64_t t_ps, uint64_t period_ps) { return (t_ps + period_ps - 1) / period_ps * period_ps; }

}  // namespace

TEST(Accelerator, RegisterMapReadsAsDocumented) {
    const json r = in_child([] {
        const Model model = load_model(kJet);
        Accelerator acc("acc", model);
        sc_core::sc_signal<bool>& irq = acc.interrupt;
        json out;
        BusMaster m("cpu", [&](BusMaster& m) {
            for (uint64_t a : {kApCtrl, kGie, kIer, kIsr, kInputWords, kOutputWords, kWordBytes, kLatency,
                               kInputBase, kOutputBase})
                out["reset"].push_back(m.read32(a));
            out["gie_write"] = m.write32(kGie, 0xFFFFFFFF);
            out["ier_write"] = m.write32(kIer, 0xFFFFFFFF);
            out["gie"] = m.read32(kGie);
            out["ier"] = m.read32(kIer);
            // ISR toggles on write: a 1 sets a clear bit (raising the interrupt), a second 1 clears it.
            m.write32(kIsr, kIsrDone);
            out["isr_set"] = m.read32(kIsr);
            m.sync();
            sc_core::wait(sc_core::SC_ZERO_TIME);
            sc_core::wait(sc_core::SC_ZERO_TIME);
            out["irq_set"] = irq.read();
            m.write32(kIsr, kIsrDone);
            out["isr_cleared"] = m.read32(kIsr);
            m.sync();
            sc_core::wait(sc_core::SC_ZERO_TIME);
            sc_core::wait(sc_core::SC_ZERO_TIME);
            out["irq_cleared"] = irq.read();
            // Read-only registers refuse writes and keep their value.
            out["ro_write"] = m.write32(kInputWords, 99);
            out["input_words_after"] = m.read32(kInputWords);
            // Each register access costs one clock period of annotated delay.
            const sc_core::sc_time before = m.local;
            m.read32(kApCtrl);
            out["access_ps"] = ps(m.local - before);
        });
        m.socket.bind(acc.control);
        sc_core::sc_start();
        return out;
    });
    ASSERT_TRUE(r.is_object());
    // AP_CTRL idle, GIE/IER/ISR clear, 16 inputs, 5 outputs, 4-byte words, no latency yet, buffers at
    // 0x1000 and 0x2000 (64 input bytes rounded up to 4 KiB).
    EXPECT_EQ(r["reset"], json({kApIdle, 0, 0, 0, 16, 5, 4, 0, 0x1000, 0x2000}));
    EXPECT_EQ(r["gie_write"], tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(r["ier_write"], tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(r["gie"], 1);
    EXPECT_EQ(r["ier"], 3);
    EXPECT_EQ(r["isr_set"], 1);
    EXPECT_EQ(r["irq_set"], true);
    EXPECT_EQ(r["isr_cleared"], 0);
    EXPECT_EQ(r["irq_cleared"], false);
    EXPECT_EQ(r["ro_write"], tlm::TLM_COMMAND_ERROR_RESPONSE);
    EXPECT_EQ(r["input_words_after"], 16);
    EXPECT_EQ(r["access_ps"], 5000);  // the jet tagger's 5 ns clock
}

TEST(Accelerator, JetsEqualPredictWithRunsCycleLatency) {
    const Model model = load_model(kJet);
    const auto samples = read_samples(kJetInputs, model.input_size(), model.input_precision, 20);
    ASSERT_EQ(samples.size(), 20u);
    const uint64_t run_latency = run_first_output_latency(kJet, kJetInputs);
    ASSERT_EQ(run_latency, 14u);  // the README's figure for this model

    const json r = in_child([&] {
        const Model m = load_model(kJet);
        Accelerator acc("acc", m);
        sc_core::sc_signal<bool>& irq = acc.interrupt;
        json out = json::array();
        BusMaster cpu("cpu", [&](BusMaster& bus) {
            for (const auto& s : samples) {
                out.push_back(to_json(infer_with_interrupt(bus, acc, irq, s)));
                bus.local += sc_core::sc_time(7, sc_core::SC_NS);  // off the clock grid on purpose
            }
        });
        cpu.socket.bind(acc.control);
        sc_core::sc_start();
        return out;
    });
    ASSERT_EQ(r.size(), samples.size());
    const uint64_t period_ps = 5000;
    for (size_t k = 0; k < samples.size(); ++k) {
        SCOPED_TRACE("sample " + std::to_string(k));
        const json& x = r[k];
        EXPECT_EQ(x["status"], tlm::TLM_OK_RESPONSE);
        EXPECT_EQ(x["output"].get<std::vector<int64_t>>(), forward(model, samples[k]));
        EXPECT_EQ(x["latency"], run_latency);
        // The interrupt rises at the edge where the output register hands the result out.
        EXPECT_EQ(x["irq_ps"].get<uint64_t>(), edge_ps(x["start_ps"], period_ps) + run_latency * period_ps);
        EXPECT_EQ(x["isr"], kIsrDone);
        EXPECT_EQ(x["ctrl_after_done"], kApDone | kApIdle | kApReady);
        EXPECT_EQ(x["ctrl_second_read"], kApIdle);  // done and ready clear on read
    }
}

TEST(Accelerator, BadTransactionsGetTheirResponseStatus) {
    const json r = in_child([] {
        const Model model = load_model(kJet);
        Accelerator acc("acc", model);
        json out;
        BusMaster cpu("cpu", [&](BusMaster& m) {
            using tlm::TLM_READ_COMMAND;
            using tlm::TLM_WRITE_COMMAND;
            unsigned char b[16] = {};
            unsigned char be[16] = {0xFF, 0xFF, 0xFF, 0xFF};
            const std::vector<int64_t> input(16, 0x0123);
            m.write_words(acc.input_base(), input, 4);
            auto st = [&](tlm::tlm_command c, uint64_t a, unsigned len, unsigned char* enables = nullptr,
                          unsigned sw = 0) { return static_cast<int>(m.transport(c, a, b, len, enables, sw)); };
            out["unmapped_register"] = st(TLM_READ_COMMAND, 0x40, 4);
            out["misaligned_register"] = st(TLM_READ_COMMAND, 0x02, 4);
            out["register_length_8"] = st(TLM_READ_COMMAND, kApCtrl, 8);
            out["register_length_2"] = st(TLM_WRITE_COMMAND, kGie, 2);
            out["byte_enables"] = st(TLM_READ_COMMAND, kApCtrl, 4, be);
            out["byte_enables_buffer"] = st(TLM_WRITE_COMMAND, 0x1000, 4, be);
            out["streaming_width"] = st(TLM_READ_COMMAND, 0x1000, 8, nullptr, 4);
            out["read_only_register"] = st(TLM_WRITE_COMMAND, kOutputBase, 4);
            out["write_output_buffer"] = st(TLM_WRITE_COMMAND, acc.output_base(), 4);
            out["misaligned_buffer"] = st(TLM_READ_COMMAND, 0x1002, 4);
            out["buffer_length_6"] = st(TLM_READ_COMMAND, 0x1000, 6);
            out["buffer_length_0"] = st(TLM_READ_COMMAND, 0x1000, 0);
            out["past_input_end"] = st(TLM_READ_COMMAND, 0x1000 + 15 * 4, 8);
            out["between_buffers"] = st(TLM_READ_COMMAND, 0x1000 + 16 * 4, 4);
            out["past_output_end"] = st(TLM_READ_COMMAND, acc.output_base() + 5 * 4, 4);
            out["far_away"] = st(TLM_READ_COMMAND, 0xFFFFFFFFFFFFFFF0ull, 4);
            out["ignore"] = st(tlm::TLM_IGNORE_COMMAND, 0x40, 4);
            // The input survived all of it.
            out["input_intact"] = m.read_words(acc.input_base(), 16, 4) == input;
            // Busy: a second start and input writes are refused until done.
            out["start"] = m.write32(kApCtrl, kApStart);
            out["start_while_busy"] = m.write32(kApCtrl, kApStart);
            out["input_while_busy"] = m.write_words(acc.input_base(), {1}, 4);
            out["output_read_while_busy"] = st(TLM_READ_COMMAND, acc.output_base(), 4);
            while (!(m.read32(kApCtrl) & kApIdle)) m.local += sc_core::sc_time(5, sc_core::SC_NS);
            out["input_after_done"] = m.write_words(acc.input_base(), input, 4);
            out["start_after_done"] = m.write32(kApCtrl, kApStart);
            m.sync();
            // A memory-mapped start while the jet streamed at 2 us is in flight.
            sc_core::wait(sc_core::sc_time(2010, sc_core::SC_NS) - sc_core::sc_time_stamp());
            out["start_while_streaming"] = m.write32(kApCtrl, kApStart);
            out["input_while_streaming"] = m.write_words(0x1000, {1}, 4);
        });
        cpu.socket.bind(acc.control);
        // The streaming sockets: wrong commands and lengths, and mixing the two faces.
        BusMaster streamer("streamer", [&](BusMaster& m) {
            unsigned char b[64] = {};
            out["stream_in_read"] = m.transport(tlm::TLM_READ_COMMAND, 0, b, 64);
            out["stream_in_length"] = m.transport(tlm::TLM_WRITE_COMMAND, 0, b, 60);
            unsigned char be[64] = {0xFF};
            out["stream_in_byte_enables"] = m.transport(tlm::TLM_WRITE_COMMAND, 0, b, 64, be);
            m.local += sc_core::sc_time(2, sc_core::SC_US);  // after the memory-mapped runs
            m.sync();
            out["stream_beat"] = m.transport(tlm::TLM_WRITE_COMMAND, 0, b, 64);  // a whole jet: one beat
        });
        streamer.socket.bind(acc.stream_in);
        BusMaster reader("reader", [&](BusMaster& m) {
            unsigned char b[20] = {};
            out["stream_out_write"] = m.transport(tlm::TLM_WRITE_COMMAND, 0, b, 20);
            out["stream_out_length"] = m.transport(tlm::TLM_READ_COMMAND, 0, b, 16);
        });
        reader.socket.bind(acc.stream_out);
        sc_core::sc_start();
        return out;
    });
    ASSERT_TRUE(r.is_object());
    const int address = tlm::TLM_ADDRESS_ERROR_RESPONSE, burst = tlm::TLM_BURST_ERROR_RESPONSE,
              enables = tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE, command = tlm::TLM_COMMAND_ERROR_RESPONSE,
              generic = tlm::TLM_GENERIC_ERROR_RESPONSE, ok = tlm::TLM_OK_RESPONSE;
    EXPECT_EQ(r["unmapped_register"], address);
    EXPECT_EQ(r["misaligned_register"], address);
    EXPECT_EQ(r["register_length_8"], burst);
    EXPECT_EQ(r["register_length_2"], burst);
    EXPECT_EQ(r["byte_enables"], enables);
    EXPECT_EQ(r["byte_enables_buffer"], enables);
    EXPECT_EQ(r["streaming_width"], burst);
    EXPECT_EQ(r["read_only_register"], command);
    EXPECT_EQ(r["write_output_buffer"], command);
    EXPECT_EQ(r["misaligned_buffer"], address);
    EXPECT_EQ(r["buffer_length_6"], burst);
    EXPECT_EQ(r["buffer_length_0"], burst);
    EXPECT_EQ(r["past_input_end"], address);
    EXPECT_EQ(r["between_buffers"], address);
    EXPECT_EQ(r["past_output_end"], address);
    EXPECT_EQ(r["far_away"], address);
    EXPECT_EQ(r["ignore"], ok);
    EXPECT_EQ(r["input_intact"], true);
    EXPECT_EQ(r["start"], ok);
    EXPECT_EQ(r["start_while_busy"], generic);
    EXPECT_EQ(r["input_while_busy"], generic);
    EXPECT_EQ(r["output_read_while_busy"], ok);  // reads the previous result
    EXPECT_EQ(r["input_after_done"], ok);
    EXPECT_EQ(r["start_after_done"], ok);
    EXPECT_EQ(r["stream_in_read"], command);
    EXPECT_EQ(r["stream_in_length"], burst);
    EXPECT_EQ(r["stream_in_byte_enables"], enables);
    EXPECT_EQ(r["stream_beat"], ok);
    EXPECT_EQ(r["stream_out_write"], command);
    EXPECT_EQ(r["stream_out_length"], burst);
    EXPECT_EQ(r["start_while_streaming"], generic);
    EXPECT_EQ(r["input_while_streaming"], ok);  // the buffer is free: only a start would mix the faces
}

TEST(Accelerator, RandomStallsAndBackToBackStartsKeepOutputsAndLatency) {
    // Random input words (all 32 bits: the accelerator keeps the low 16 of ap_fixed<16,6>), random gaps
    // (0 = back to back, off the clock grid), polling or the interrupt, extra starts while busy, and a
    // quantum keeper-like sync every 200 ns of local time.
    const unsigned seed = 20261204;
    std::cout << "seed " << seed << "\n";
    const Model model = load_model(kJet);
    std::mt19937_64 rng(seed);
    constexpr size_t kRuns = 40;
    std::vector<std::vector<int64_t>> words(kRuns, std::vector<int64_t>(16));
    std::vector<uint64_t> gaps_ps(kRuns);
    std::vector<int> use_irq(kRuns), extra_starts(kRuns);
    for (size_t k = 0; k < kRuns; ++k) {
        for (auto& w : words[k]) w = static_cast<int32_t>(rng());
        gaps_ps[k] = rng() % 3 == 0 ? 0 : rng() % 200000;
        use_irq[k] = static_cast<int>(rng() % 2);
        extra_starts[k] = static_cast<int>(rng() % 3);
    }
    const uint64_t run_latency = run_first_output_latency(kJet, kJetInputs);

    const json r = in_child([&] {
        const Model m = load_model(kJet);
        Accelerator acc("acc", m);
        sc_core::sc_signal<bool>& irq = acc.interrupt;
        json out = json::array();
        BusMaster cpu("cpu", [&](BusMaster& bus) {
            const sc_core::sc_time quantum(200, sc_core::SC_NS);
            bus.write32(kGie, 1);
            bus.write32(kIer, kIsrDone);
            for (size_t k = 0; k < kRuns; ++k) {
                bus.local += sc_core::sc_time(static_cast<double>(gaps_ps[k]), sc_core::SC_PS);
                json x;
                x["write"] = bus.write_words(acc.input_base(), words[k], 4);
                x["start"] = bus.write32(kApCtrl, kApStart);
                const uint64_t start = ps(bus.now());
                for (int e = 0; e < extra_starts[k]; ++e) x["refused"].push_back(bus.write32(kApCtrl, kApStart));
                if (use_irq[k]) {
                    bus.sync();
                    if (!irq.read()) sc_core::wait(irq.posedge_event());
                    x["done_ps"] = ps(sc_core::sc_time_stamp());
                    bus.write32(kIsr, kIsrDone);
                    // ap_done is clear-on-read only: the handler reads it, or the next poll would see it.
                    x["ctrl"] = bus.read32(kApCtrl);
                } else {
                    while (!(bus.read32(kApCtrl) & kApDone)) {
                        bus.local += sc_core::sc_time(3, sc_core::SC_NS);
                        if (bus.local > quantum) bus.sync();
                    }
                    bus.write32(kIsr, kIsrDone);
                }
                x["start_ps"] = start;
                x["latency"] = bus.read32(kLatency);
                x["output"] = bus.read_words(acc.output_base(), 5, 4);
                if (bus.local > quantum) bus.sync();
                out.push_back(x);
            }
        });
        cpu.socket.bind(acc.control);
        sc_core::sc_start();
        return out;
    });
    ASSERT_EQ(r.size(), kRuns);
    for (size_t k = 0; k < kRuns; ++k) {
        SCOPED_TRACE("run " + std::to_string(k) + " (seed " + std::to_string(seed) + ")");
        // What the firmware's 16-bit port keeps of each 32-bit word, computed independently.
        std::vector<int64_t> kept(16);
        for (size_t i = 0; i < 16; ++i) kept[i] = static_cast<int16_t>(static_cast<uint16_t>(words[k][i] & 0xFFFF));
        const json& x = r[k];
        EXPECT_EQ(x["write"], tlm::TLM_OK_RESPONSE);
        EXPECT_EQ(x["start"], tlm::TLM_OK_RESPONSE);
        for (const auto& s : x.value("refused", json::array())) EXPECT_EQ(s, tlm::TLM_GENERIC_ERROR_RESPONSE);
        EXPECT_EQ(x["output"].get<std::vector<int64_t>>(), forward(model, kept));
        EXPECT_EQ(x["latency"], run_latency);
        if (x.contains("done_ps")) {
            EXPECT_EQ(x["ctrl"], kApDone | kApIdle | kApReady);
            EXPECT_EQ(x["done_ps"].get<uint64_t>(), edge_ps(x["start_ps"], 5000) + run_latency * 5000);
        }
    }
}

TEST(Accelerator, FastModeGivesTheReferenceAtTheCostModelsLatency) {
    const Model model = load_model(kJet);
    const auto samples = read_samples(kJetInputs, model.input_size(), model.input_precision, 10);
    const json r = in_child([&] {
        const Model m = load_model(kJet);
        AcceleratorOptions o;
        o.timing = AcceleratorTiming::Fast;
        Accelerator acc("acc", m, DeviceProfile::vitis_default(), o);
        sc_core::sc_signal<bool>& irq = acc.interrupt;
        json out = json::array();
        BusMaster cpu("cpu", [&](BusMaster& bus) {
            for (const auto& s : samples) {
                out.push_back(to_json(infer_with_interrupt(bus, acc, irq, s)));
                bus.local += sc_core::sc_time(13, sc_core::SC_NS);
            }
        });
        cpu.socket.bind(acc.control);
        sc_core::sc_start();
        return json{{"runs", out}, {"expected_latency", acc.network().expected_latency()}};
    });
    ASSERT_TRUE(r.is_object());
    EXPECT_EQ(r["expected_latency"], 14);
    for (size_t k = 0; k < samples.size(); ++k) {
        SCOPED_TRACE("sample " + std::to_string(k));
        const json& x = r["runs"][k];
        EXPECT_EQ(x["status"], tlm::TLM_OK_RESPONSE);
        EXPECT_EQ(x["output"].get<std::vector<int64_t>>(), forward(model, samples[k]));
        EXPECT_EQ(x["latency"], 14);
        EXPECT_EQ(x["irq_ps"].get<uint64_t>(), edge_ps(x["start_ps"], 5000) + 14 * 5000);
        EXPECT_EQ(x["ctrl_after_done"], kApDone | kApIdle | kApReady);
    }
}

TEST(Accelerator, ImagesStreamedIntoTheCnnEqualPredictWithRunsLatency) {
    // Three 32x32x3 images, a pixel (3 values) per stream_in write, results from stream_out.
    const Model model = load_model(kSvhn);
    const auto images = read_samples(kSvhnInputs, model.input_size(), model.input_precision, 3);
    ASSERT_EQ(images.size(), 3u);
    const uint64_t run_latency = run_first_output_latency(kSvhn, kSvhnInputs);
    const json r = in_child([&] {
        const Model m = load_model(kSvhn);
        Accelerator acc("acc", m);
        json first_beat = json::array(), results = json::array(), ready = json::array();
        BusMaster writer("dma_in", [&](BusMaster& bus) {
            const size_t beat = acc.stream_beat_words();
            for (const auto& img : images) {
                for (size_t i = 0; i < img.size(); i += beat) {
                    const std::vector<int64_t> px(img.begin() + static_cast<std::ptrdiff_t>(i),
                                                  img.begin() + static_cast<std::ptrdiff_t>(i + beat));
                    if (bus.write_words(0, px, acc.word_bytes()) != tlm::TLM_OK_RESPONSE)
                        throw std::runtime_error("stream_in refused a beat");
                    if (i == 0) first_beat.push_back(ps(bus.now()));
                    if (bus.local > sc_core::sc_time(1, sc_core::SC_US)) bus.sync();
                }
            }
            bus.sync();
        });
        writer.socket.bind(acc.stream_in);
        BusMaster reader("dma_out", [&](BusMaster& bus) {
            for (size_t k = 0; k < images.size(); ++k) {
                tlm::tlm_response_status s;
                results.push_back(bus.read_words(0, acc.output_words(), acc.word_bytes(), &s));
                ready.push_back(ps(sc_core::sc_time_stamp()));  // the reader waited: the result's time
                if (s != tlm::TLM_OK_RESPONSE) throw std::runtime_error("stream_out read failed");
                bus.sync();
            }
        });
        reader.socket.bind(acc.stream_out);
        sc_core::sc_start();
        return json{{"first_beat", first_beat}, {"results", results}, {"ready", ready}, {"beat", acc.stream_beat_words()}};
    }, 120);
    ASSERT_TRUE(r.is_object());
    EXPECT_EQ(r["beat"], 3);
    for (size_t k = 0; k < images.size(); ++k) {
        SCOPED_TRACE("image " + std::to_string(k));
        EXPECT_EQ(r["results"][k].get<std::vector<int64_t>>(), forward(model, images[k]));
    }
    // Pixels come one per clock (a beat costs one period), as `run`'s splitter feeds them: from the first
    // image's first pixel to its scores takes run's first-output latency.
    EXPECT_EQ(r["ready"][0].get<uint64_t>(), edge_ps(r["first_beat"][0], 5000) + run_latency * 5000);
    // Later images queue behind the earlier ones in the network's FIFOs: never faster than that.
    for (size_t k = 1; k < images.size(); ++k)
        EXPECT_GE(r["ready"][k].get<uint64_t>(), edge_ps(r["first_beat"][k], 5000) + run_latency * 5000);
}

TEST(Accelerator, ReadyInterruptRisesWhenTheInputIsTakenAndDoneStaysMasked) {
    // IER = ready only: the interrupt rises at the start edge (the network took the input); done sets no
    // ISR bit, so after the inference ISR still holds only ready.
    const json r = in_child([] {
        const Model model = load_model(kJet);
        Accelerator acc("acc", model);
        json out;
        BusMaster cpu("cpu", [&](BusMaster& m) {
            m.write32(kGie, 1);
            m.write32(kIer, kIsrReady);
            m.local += sc_core::sc_time(3, sc_core::SC_NS);
            m.write32(kApCtrl, kApStart);
            out["start_ps"] = ps(m.now());
            m.sync();
            if (!acc.interrupt.read()) sc_core::wait(acc.interrupt.posedge_event());
            out["irq_ps"] = ps(sc_core::sc_time_stamp());
            out["isr_at_ready"] = m.read32(kIsr);
            while (!(m.read32(kApCtrl) & kApIdle)) m.local += sc_core::sc_time(5, sc_core::SC_NS);
            out["isr_after_done"] = m.read32(kIsr);
            m.write32(kIsr, kIsrReady);
            out["isr_cleared"] = m.read32(kIsr);
            m.sync();
            sc_core::wait(sc_core::SC_ZERO_TIME);
            sc_core::wait(sc_core::SC_ZERO_TIME);
            out["irq_cleared"] = acc.interrupt.read();
        });
        cpu.socket.bind(acc.control);
        sc_core::sc_start();
        return out;
    });
    ASSERT_TRUE(r.is_object());
    EXPECT_EQ(r["irq_ps"].get<uint64_t>(), edge_ps(r["start_ps"], 5000));
    EXPECT_EQ(r["isr_at_ready"], kIsrReady);
    EXPECT_EQ(r["isr_after_done"], kIsrReady);
    EXPECT_EQ(r["isr_cleared"], 0);
    EXPECT_EQ(r["irq_cleared"], false);
}

TEST(Accelerator, FastModeStreamsGiveTheReferenceAtTheEstimatedLatency) {
    // Fast mode on the io_stream CNN: the scores are forward()'s, the first out the cost model's latency plus
    // one cycle per input word after the first pixel's edge.
    const Model model = load_model(kSvhn);
    const auto images = read_samples(kSvhnInputs, model.input_size(), model.input_precision, 2);
    const json r = in_child([&] {
        const Model m = load_model(kSvhn);
        AcceleratorOptions o;
        o.timing = AcceleratorTiming::Fast;
        Accelerator acc("acc", m, DeviceProfile::vitis_default(), o);
        json first_beat = json::array(), results = json::array(), ready = json::array();
        BusMaster writer("dma_in", [&](BusMaster& bus) {
            for (const auto& img : images)
                for (size_t i = 0; i < img.size(); i += 3) {
                    bus.write_words(0, {img[i], img[i + 1], img[i + 2]}, acc.word_bytes());
                    if (i == 0) first_beat.push_back(ps(bus.now()));
                }
            bus.sync();
        });
        writer.socket.bind(acc.stream_in);
        BusMaster reader("dma_out", [&](BusMaster& bus) {
            for (size_t k = 0; k < images.size(); ++k) {
                results.push_back(bus.read_words(0, acc.output_words(), acc.word_bytes()));
                ready.push_back(ps(sc_core::sc_time_stamp()));
                bus.sync();
            }
        });
        reader.socket.bind(acc.stream_out);
        sc_core::sc_start();
        return json{{"first_beat", first_beat}, {"results", results}, {"ready", ready},
                    {"expected_latency", acc.network().expected_latency()}};
    });
    ASSERT_TRUE(r.is_object());
    for (size_t k = 0; k < images.size(); ++k)
        EXPECT_EQ(r["results"][k].get<std::vector<int64_t>>(), forward(model, images[k])) << "image " << k;
    const uint64_t words = model.input_size() / 3;
    EXPECT_EQ(r["ready"][0].get<uint64_t>(),
              edge_ps(r["first_beat"][0], 5000) + (r["expected_latency"].get<uint64_t>() + words) * 5000);
}
