// The tlm4ml command line.
//   tlm4ml predict MODEL --inputs F [--outputs F] [--trace DIR]   untimed bit-true reference
//   tlm4ml run MODEL ...                                            the clocked SystemC network
//   tlm4ml import CONFIG.yml -o MODEL.json                          Keras + hls4ml config -> model file
//   tlm4ml help [SUBCOMMAND], tlm4ml --version
// MODEL is tlm4ml's JSON model file or an hls4ml YAML configuration (.yml / .yaml).
// Exit codes: 0 success; 1 bad input (what a file holds, or an option that does not fit the model); 2 the
// command line is wrong whatever the files hold (unknown, missing, conflicting or dangling options, option
// values out of range); 3 a check failed
// (--check-ii, --expected, reference, deadlock, FIFO sizing); 130 / 143 interrupted by SIGINT / SIGTERM.
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <new>

#include <CLI/CLI.hpp>
#include <systemc>
#include <fmt/format.h>

#include "models/model.h"
#include "layers/arithmetic/reference.h"
#include "models/load_model.h"
#include "testbenches/cli/interrupt.h"
#include "testbenches/cli/option_checks.h"
#include "testbenches/cli/output_files.h"
#include "testbenches/cli/progress.h"
#include "testbenches/cli/run_command.h"
#include "models/checks/degenerate_firmware.h"
#include "layers/arithmetic/overflow_profile.h"
#include "testbenches/cli/scoreboard.h"
#include "testbenches/data/sample_io.h"
#include "testbenches/data/sample_stream.h"
#include "testbenches/data/sample_writer.h"
#include "testbenches/sweep/sweep_command.h"

namespace {

using namespace tlm4ml;

// SystemC prints its banner before sc_main runs; a static initializer is early enough to turn it off.
const bool kQuietBanner = setenv("SC_COPYRIGHT_MESSAGE", "DISABLE", 1) == 0;

constexpr const char* kExitCodes =
    "Exit codes: 0 success; 1 bad input (what a model, sample, label or depths file holds, or an option\n"
    "that does not fit the model); 2 usage error (unknown, missing, conflicting or dangling options, option\n"
    "values out of range: whatever the files hold);\n"
    "3 a check failed (--check-ii, --expected, the untimed reference, deadlock, --fifo-depths auto);\n"
    "130 / 143 interrupted by SIGINT (Ctrl-C) / SIGTERM: nothing written, temporaries removed.\n"
    "'tlm4ml help SUBCOMMAND' describes a subcommand's options.";

int predict(const std::string& model_path, const std::string& inputs_option, const std::string& outputs,
            const std::string& trace_dir, const std::string& trace_format, size_t samples) {
    set_activity("loading " + model_path);
    const Model model = load_model(model_path);
    for (const auto& w : model.warnings) std::cerr << "warning: " << w << "\n";
    // Without --inputs, the YAML's InputData (hls4ml's testbench input file).
    if (inputs_option.empty() && model.input_data_path.empty())
        throw UsageError(fmt::format("--inputs is required ({} names no InputData)", model_path));
    const std::string inputs = inputs_option.empty() ? model.input_data_path : inputs_option;
    // Every file at once, or none (output_files.h); the trace folder is made only then. A wrong --outputs is
    // refused before the work.
    OutputFiles files;
    const std::string destination = outputs.empty() ? "-" : outputs;
    RowWriter out(files.stage(destination), destination, model.output_size());
    std::vector<std::unique_ptr<RowWriter>> trace;
    for (const auto& layer : model.layers)
        if (!trace_dir.empty()) {
            const std::string file = (std::filesystem::path(trace_dir) / (layer->name() + "." + trace_format)).string();
            trace.push_back(std::make_unique<RowWriter>(files.stage(file, true), file, layer->n_out()));
        }
    set_activity("reading " + inputs);
    // One sample at a time: read, computed, written (flat memory over any number of samples).
    FileSamples in(inputs, model.input_size(), model.input_precision, samples);
    // hls4ml's OutputPredictions go with its InputData: their agreement is reported, not checked.
    std::unique_ptr<RowReader> keras;
    if (inputs_option.empty() && !model.output_predictions_path.empty())
        keras = open_output_predictions(model.output_predictions_path, model.output_size(), in.size());
    KerasAgreement agreement;
    std::vector<double> keras_row(model.output_size());

    std::vector<int64_t> input;
    std::vector<std::vector<int64_t>> layer_outputs;
    OutputConstancy constancy(model);
    OverflowProfile overflows(model_path, model);
    const Precision& op = model.output_precision();
    {
        ProgressBar bar("predicting " + model.name, in.size());
        for (size_t k = 0; k < in.size(); ++k) {
            bar.update(k);
            in.read(input);
            const auto result = forward(model, input, &layer_outputs);
            constancy.observe(result);
            overflows.observe(input, layer_outputs);
            out.write(result, op);
            for (size_t l = 0; l < trace.size(); ++l)
                trace[l]->write(layer_outputs[l], model.layers[l]->output_precision());
            if (keras && k < keras->rows()) {
                keras->next(keras_row.data());
                agreement.observe(result, op, keras_row.data());
            }
        }
    }
    set_activity("writing the output files");
    out.close();
    for (auto& t : trace) t->close();
    files.commit();
    if (keras) {
        agreement.file = keras->path();
        std::cerr << "note: " << agreement.summary() << "\n";
    }
    if (const std::string w = constancy.warning(); !w.empty()) std::cerr << "warning: " << w << "\n";
    for (const auto& w : overflows.warnings(0.01)) std::cerr << "warning: " << w << "\n";
    return 0;
}

// SystemC wraps an exception thrown inside a process: "Error: (E549) uncaught exception: <what>\nIn file: ...".
// The user gets <what>.
std::string unwrap_systemc(const std::string& what) {
    const std::string tag = "(E549) uncaught exception: ";
    const size_t at = what.find(tag);
    if (at == std::string::npos) return what;
    std::string inner = what.substr(at + tag.size());
    const size_t in_file = inner.find("\nIn file:");
    if (in_file != std::string::npos) inner.resize(in_file);
    while (!inner.empty() && (inner.back() == '\n' || inner.back() == ' ')) inner.pop_back();
    return inner;
}

}  // namespace

int sc_main(int argc, char* argv[]) {
    install_interrupt_handlers();
    CLI::App app{"tlm4ml: clocked SystemC simulation of hls4ml-style quantized neural-network firmware"};
    app.require_subcommand(1);
    app.set_version_flag("--version", std::string("tlm4ml ") + TLM4ML_VERSION);
    app.footer(kExitCodes);

    std::string model, inputs, outputs, trace_dir, trace_format = "dat";
    size_t samples = 0;
    auto* pred = app.add_subcommand("predict", "Untimed bit-true reference: outputs of every sample, exactly");
    pred->add_option("model", model, "Model file (tlm4ml JSON) or hls4ml configuration (.yml)")->required();
    pred->add_option("--inputs", inputs,
                     "Input samples: text, one per line, values separated by spaces or commas; or NumPy (.npy, "
                     ".npz[:NAME]) [samples, ...values] (default: the YAML's InputData)");
    pred->add_option("--outputs", outputs,
                     "Write outputs here: text, every value exact; NumPy float64 when the name ends in .npy "
                     "(default, or '-': standard output)");
    auto* trace_option = pred->add_option("--trace", trace_dir, "Write every layer's output to DIR/<layer>.dat");
    pred->add_option("--trace-format", trace_format, "The --trace files: dat (text, default) or npy (NumPy float64)")
        ->check(CLI::IsMember({"dat", "npy"}))
        ->needs(trace_option);
    pred->add_option("--samples", samples, "Use only the first K samples")->check(kNonNegativeInteger);

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

    std::string help_topic;
    auto* help = app.add_subcommand("help", "Describe tlm4ml, or one subcommand and its options");
    help->add_option("subcommand", help_topic, "predict, run or import");
    for (auto* sub : {pred, imp, run}) sub->footer(kExitCodes);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : 2;
    }
    try {
        if (*help) {
            if (help_topic.empty()) {
                // app.help() would describe the selected subcommand, `help` itself.
                std::cout << app.get_formatter()->make_help(&app, app.get_name(), CLI::AppFormatMode::Normal);
                return 0;
            }
            for (auto* sub : {pred, imp, run})
                if (sub->get_name() == help_topic) {
                    std::cout << sub->help();
                    return 0;
                }
            std::cerr << fmt::format("error: help {}: no such subcommand (predict, run, import)\n", help_topic);
            return 2;
        }
        if (*pred) return predict(model, inputs, outputs, trace_dir, trace_format, samples);
        if (*run) return run_command(run_opts);
        if (*sweep) return sweep_command(sweep_opts);
        if (*imp) {
            set_activity("importing " + import_config);
            for (const auto& w : import_to_model_file(import_config, import_out)) std::cerr << "warning: " << w << "\n";
            return 0;
        }
    } catch (const UsageError& e) {
        std::cerr << "error: " << e.what() << "\n";
        return 2;
    } catch (const std::bad_alloc&) {
        std::cerr << "error: out of memory: the model or the inputs need more memory than this machine has\n";
        return 1;
    } catch (const std::filesystem::filesystem_error& e) {
        std::cerr << fmt::format("error: {}: {}\n", e.path1().string(), e.code().message());
        return 1;
    } catch (const std::exception& e) {
        // std::stoul and friends say only their own name.
        const std::string what = e.what();
        if (what.rfind("sto", 0) == 0 && what.find(' ') == std::string::npos) {
            std::cerr << fmt::format("error: a number in the input files is malformed or out of range ({})\n", what);
            return 1;
        }
        std::cerr << "error: " << unwrap_systemc(e.what()) << "\n";
        return 1;
    }
    return 0;
}
