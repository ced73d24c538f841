// Which hls4ml backend a model was written for, and the timing profile that follows from it.
//
// hls4ml's Vivado and VivadoAccelerator backends run Vivado HLS (vivado_backend.py build: `vivado_hls -f
// build_prj.tcl`) on the vivado/ templates; its Vitis backend runs Vitis HLS on the same templates with the
// vitis/ overrides. Their C++ arithmetic is the same; the scheduling tool and its conventions differ, so the
// backend picks the device profile: Vivado / VivadoAccelerator -> vivado2019, Vitis -> vitis. `--profile`
// overrides the choice. A YAML without Backend is built by hls4ml's default backend, Vivado
// (model/graph.py HLSConfig.__init__: `get_backend(self.config.get('Backend', 'Vivado'))`).
#pragma once

#include <string>
#include <vector>

#include "models/model.h"
#include "rtl_models/cost_model.h"

namespace tlm4ml {

// hls4ml's backend name as written (compared without case, as get_backend lower-cases it) -> "Vivado",
// "VivadoAccelerator" or "Vitis". hls4ml's other backends (Quartus, oneAPI, Catapult, Libero,
// SymbolicExpression) and unknown names throw ModelError naming `where` (e.g. "cfg.yml: Backend") and why.
std::string canonical_backend(const std::string& value, const std::string& where);

struct ProfileChoice {
    DeviceProfile profile;
    std::string source;              // why this profile, for the run summary
    std::string uncertainty_source;  // where its clock uncertainty comes from
    // Layers whose II the profile's rules cannot promise: under Vivado HLS, the io_stream layers whose
    // template loops carry no PIPELINE pragma (zero padding, global pooling's read loop).
    std::vector<std::string> notes;
};

// `option` is --profile ("" when not given): "vitis", "vivado2019" or a profile JSON file. Without it, the
// model's backend decides (a model without one, e.g. a hand-written model file: vitis, tlm4ml's default).
// The model's ClockUncertainty, when it has one, replaces the profile's (hls4ml writes it into the build
// script as the scheduling constraint whatever the tool). Throws std::runtime_error for a bad profile file.
ProfileChoice choose_device_profile(const std::string& option, const Model& m);

}  // namespace tlm4ml
