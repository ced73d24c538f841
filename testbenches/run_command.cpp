#include "run_command.h"

#include <stdexcept>

namespace tlm4ml {

CLI::App* add_run_command(CLI::App& app, RunOptions& o) {
    auto* run = app.add_subcommand("run", "Simulate the clocked network (not yet available)");
    run->add_option("model", o.model, "Model file")->required();
    return run;
}

int run_command(const RunOptions&) { throw std::runtime_error("run: not implemented yet"); }

}  // namespace tlm4ml
