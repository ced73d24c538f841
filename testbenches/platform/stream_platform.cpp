// Example virtual platform: images streamed into an io_stream CNN (default: testbenches/models/svhn_cnn.json)
// through the accelerator's streaming face (layers/accelerator.h). A camera-side DMA writes one pixel (n_chan
// raw values) per stream_in transaction (a beat: one accelerator clock), with `--pixel-gap-ns` between
// pixels; a second DMA reads each image's scores from stream_out. Reports, per image, the time from its first
// and from its last pixel to its scores, the throughput, and checks every score against the untimed
// reference (`tlm4ml predict`). Exit 0 when all match, 3 when one does not,
// 1 on bad input, 2 on a usage error.
#include <algorithm>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "layers/accelerator.h"
#include "layers/arithmetic/reference.h"
#include "models/hls4ml/backend_profile.h"
#include "models/load_model.h"
#include "testbenches/data/sample_io.h"

namespace tlm4ml::platform {

using sc_core::sc_time;
using sc_core::SC_NS;

// A DMA engine on one streaming socket: a thread that runs `body`, keeping a local time offset.
class Dma : public sc_core::sc_module {
public:
    SC_HAS_PROCESS(Dma);
    Dma(sc_core::sc_module_name name, std::function<void(Dma&)> body)
        : sc_core::sc_module(name), socket("socket"), body_(std::move(body)) {
        SC_THREAD(run);
    }
    tlm_utils::simple_initiator_socket<Dma> socket;
    sc_time local = sc_core::SC_ZERO_TIME;

    void transfer(tlm::tlm_command cmd, std::vector<unsigned char>& data) {
        tlm::tlm_generic_payload p;
        p.set_command(cmd);
        p.set_address(0);
        p.set_data_ptr(data.data());
        p.set_data_length(static_cast<unsigned>(data.size()));
        p.set_streaming_width(static_cast<unsigned>(data.size()));
        p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        socket->b_transport(p, local);
        if (p.is_response_error())
            throw std::runtime_error(fmt::format("{}: {}", name(), p.get_response_string()));
    }

private:
    void run() { body_(*this); }
    std::function<void(Dma&)> body_;
};

int main_platform(int argc, char** argv) {
    CLI::App app{"tlm4ml example virtual platform: images streamed into an io_stream CNN"};
    std::string model_path = "testbenches/models/svhn_cnn.json", inputs = "testbenches/models/svhn_cnn_inputs.dat";
    double pixel_gap_ns = 0;
    bool fast = false;
    app.add_option("--model", model_path, "io_stream model (tlm4ml JSON or hls4ml YAML)");
    app.add_option("--inputs", inputs, "Images, one per line (raster order, channels last)");
    app.add_option("--pixel-gap-ns", pixel_gap_ns, "Idle time between the camera's pixels, ns (default 0: a pixel per clock)")
        ->check(CLI::NonNegativeNumber);
    app.add_flag("--fast", fast, "Accelerator in fast mode: the cost model's latency, no cycle simulation");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int rc = app.exit(e);
        return rc == 0 ? 0 : 2;
    }
    Model model;
    std::vector<std::vector<int64_t>> images;
    try {
        model = load_model(model_path);
        images = read_samples(inputs, model.input_size(), model.input_precision);
        if (images.empty()) throw std::runtime_error(inputs + ": no images");
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << "\n";
        return 1;
    }

    AcceleratorOptions ao;
    ao.timing = fast ? AcceleratorTiming::Fast : AcceleratorTiming::Cycle;
    // The timing profile as `tlm4ml run` picks it: the model's hls4ml backend (vitis for a tlm4ml model file).
    Accelerator acc("cnn", model, choose_device_profile("", model).profile, ao);
    const size_t wb = acc.word_bytes(), beat = acc.stream_beat_words();
    std::vector<sc_time> first_pixel(images.size()), last_pixel(images.size()), scored(images.size());
    std::vector<std::vector<int64_t>> scores(images.size());

    Dma camera("camera", [&](Dma& d) {
        std::vector<unsigned char> px(beat * wb);
        for (size_t k = 0; k < images.size(); ++k) {
            for (size_t i = 0; i < images[k].size(); i += beat) {
                for (size_t c = 0; c < beat; ++c) std::memcpy(px.data() + c * wb, &images[k][i + c], wb);  // little endian
                d.transfer(tlm::TLM_WRITE_COMMAND, px);
                if (i == 0) first_pixel[k] = sc_core::sc_time_stamp() + d.local;
                if (i + beat == images[k].size()) last_pixel[k] = sc_core::sc_time_stamp() + d.local;
                d.local += sc_time(pixel_gap_ns, SC_NS);
                if (d.local > sc_time(1, sc_core::SC_US)) {
                    wait(d.local);
                    d.local = sc_core::SC_ZERO_TIME;
                }
            }
        }
    });
    Dma readout("readout", [&](Dma& d) {
        std::vector<unsigned char> out(acc.output_words() * wb);
        for (size_t k = 0; k < images.size(); ++k) {
            d.transfer(tlm::TLM_READ_COMMAND, out);  // waits for the scores
            scored[k] = sc_core::sc_time_stamp();
            scores[k].resize(acc.output_words());
            for (size_t i = 0; i < scores[k].size(); ++i) {
                int64_t v = 0;
                std::memcpy(&v, out.data() + i * wb, wb);
                scores[k][i] = wb == 4 ? static_cast<int32_t>(v) : v;
            }
            wait(d.local);
            d.local = sc_core::SC_ZERO_TIME;
        }
    });
    camera.socket.bind(acc.stream_in);
    readout.socket.bind(acc.stream_out);
    try {
        sc_core::sc_start();
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << "\n";
        return 3;
    }

    std::cout << fmt::format("{}: {} images, a pixel ({} values) per stream transaction, {} ns between pixels, {} timing\n",
                             model.name, images.size(), beat, pixel_gap_ns, fast ? "fast (cost model)" : "cycle");
    std::cout << "image  first pixel ns  scores ns  cycles from first pixel  from last pixel  class  matches predict\n";
    size_t mismatches = 0;
    const double period_ns = model.clock_period_ns;
    for (size_t k = 0; k < images.size(); ++k) {
        const auto want = forward(model, images[k]);
        const bool same = scores[k] == want;
        mismatches += same ? 0 : 1;
        const size_t cls = static_cast<size_t>(std::max_element(scores[k].begin(), scores[k].end()) - scores[k].begin());
        const double t0 = first_pixel[k].to_seconds() * 1e9, t1 = last_pixel[k].to_seconds() * 1e9,
                     t2 = scored[k].to_seconds() * 1e9;
        std::cout << fmt::format("{:5}  {:14.0f}  {:9.0f}  {:23.0f}  {:15.0f}  {:5}  {}\n", k, t0, t2, (t2 - t0) / period_ns,
                                 (t2 - t1) / period_ns, cls, same ? "yes" : "NO");
        if (!same)
            std::cerr << fmt::format("error: image {}: accelerator [{}] reference [{}]\n", k,
                                     format_sample(scores[k], model.output_precision()),
                                     format_sample(want, model.output_precision()));
    }
    const double span = (scored.back() - sc_time(0, SC_NS)).to_seconds();
    std::cout << fmt::format("throughput   {:.3g} images/s ({} images in {:.0f} ns)\n", images.size() / span,
                             images.size(), span * 1e9);
    std::cout << fmt::format("reference    {} of {} images differ from the untimed reference (predict)\n", mismatches,
                             images.size());
    return mismatches ? 3 : 0;
}

}  // namespace tlm4ml::platform

int sc_main(int argc, char** argv) { return tlm4ml::platform::main_platform(argc, argv); }
