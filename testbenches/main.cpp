// The tlm4ml command line.
//   tlm4ml predict MODEL --inputs F [--outputs F] [--trace DIR]   untimed bit-true reference
//   tlm4ml run MODEL ...                                            the clocked SystemC network
//   tlm4ml import CONFIG.yml -o MODEL.json                          Keras + hls4ml config -> model file
// MODEL is tlm4ml's JSON model file or an hls4ml YAML configuration (.yml / .yaml).
// Exit codes: 0 success; 1 bad input (model, sample file, option value); 2 command-line usage error;
// 3 a check failed (--check-ii, --expected, deadlock).
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include <CLI/CLI.hpp>
#include <systemc>
#include <fmt/format.h>

#include "layers/model.h"
#include "layers/reference.h"
#include "models/load_model.h"
#include "testbenches/run_command.h"
#include "testbenches/sample_io.h"
#include "testbenches/sweep_command.h"

namespace {

using namespace tlm4ml;

// SystemC prints its banner before sc_main runs; a static initializer is early enough to turn it off.
const bool kQuietBanner = setenv("SC_COPYRIGHT_MESSAGE", "DISABLE", 1) == 0;

int predict(const std::string& model_path, const std::string& inputs, const std::string& outputs,
            const std::string& trace_dir, size_t samples) {
    const Model model = load_model(model_path);
    for (const auto& w : model.warnings) std::cerr << "warning: " << w << "\n";
    const auto in = read_samples(inputs, model.input_size(), model.input_precision, samples);

    std::string out_text;
    std::vector<std::string> trace_text(model.layers.size());
    std::vector<std::vector<int64_t>> trace;
    for (const auto& sample : in) {
        const auto out = forward(model, sample, trace_dir.empty() ? nullptr : &trace);
        out_text += format_sample(out, model.output_precision());
        for (size_t l = 0; l < trace.size(); ++l)
            trace_text[l] += format_sample(trace[l], model.layers[l]->output_precision());
    }
    std::vector<std::pair<std::string, std::string>> files;
    if (!trace_dir.empty()) {
        std::filesystem::create_directories(trace_dir);
        for (size_t l = 0; l < model.layers.size(); ++l)
            files.emplace_back((std::filesystem::path(trace_dir) / (model.layers[l]->name() + ".dat")).string(),
                               trace_text[l]);
    }
    const bool to_stdout = outputs.empty() || outputs == "-";
    if (!to_stdout) files.emplace_back(outputs, out_text);
    write_files_atomically(files);
    if (to_stdout) std::cout << out_text;
    return 0;
}

}  // namespace

int sc_main(int argc, char* argv[]) {
    CLI::App app{"tlm4ml: clocked SystemC simulation of hls4ml-style quantized neural-network firmware"};
    app.require_subcommand(1);
    app.footer(
        "Exit codes: 0 success, 1 bad input (model, samples, option values), 2 usage error,\n"
        "3 a check failed (--check-ii, --expected, deadlock).");

    std::string model, inputs, outputs, trace_dir;
    size_t samples = 0;
    auto* pred = app.add_subcommand("predict", "Untimed bit-true reference: outputs of every sample, exactly");
    pred->add_option("model", model, "Model file (tlm4ml JSON) or hls4ml configuration (.yml)")->required();
    pred->add_option("--inputs", inputs, "Input samples: one per line, values separated by spaces or commas")
        ->required();
    pred->add_option("--outputs", outputs, "Write outputs here (default: standard output)");
    pred->add_option("--trace", trace_dir, "Write every layer's output to DIR/<layer>.dat");
    pred->add_option("--samples", samples, "Use only the first K samples")->check(CLI::NonNegativeNumber);

    std::string import_config, import_out;
    auto* imp = app.add_subcommand("import", "Import a Keras model through its hls4ml YAML configuration and write "
                                             "tlm4ml's JSON model file");
    imp->add_option("config", import_config, "hls4ml configuration (.yml / .yaml: KerasJson + KerasH5 or KerasModel)")
        ->required();
    imp->add_option("-o,--output", import_out, "The tlm4ml model file to write")->required();

    RunOptions run_opts;
    run_opts.argv.assign(argv, argv + argc);
    auto* run = add_run_command(app, run_opts);
    SweepOptions sweep_opts;
    auto* sweep = add_sweep_command(app, sweep_opts);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : 2;
    }
    try {
        if (*pred) return predict(model, inputs, outputs, trace_dir, samples);
        if (*run) return run_command(run_opts);
        if (*sweep) return sweep_command(sweep_opts);
        if (*imp) {
            for (const auto& w : import_to_model_file(import_config, import_out)) std::cerr << "warning: " << w << "\n";
            return 0;
        }
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
