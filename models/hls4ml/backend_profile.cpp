#include "models/hls4ml/backend_profile.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "layers/arithmetic/pooling.h"
#include "layers/arithmetic/zero_padding.h"

namespace tlm4ml {

namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

std::string percent(double share) { return fmt::format("{:g}%", share * 100.0); }

}  // namespace

std::string canonical_backend(const std::string& value, const std::string& where) {
    // hls4ml's built-in backends (backends/__init__.py _register_builtin_backends).
    const std::string b = lower(value);
    if (b == "vivado") return "Vivado";
    if (b == "vivadoaccelerator") return "VivadoAccelerator";  // VivadoBackend's build plus AXI wrappers
    if (b == "vitis") return "Vitis";
    if (b == "quartus" || b == "oneapi" || b == "catapult" || b == "libero" || b == "symbolicexpression")
        throw ModelError(fmt::format(
            "{}: \"{}\": hls4ml's {} backend writes its own templates for another tool; tlm4ml models the Vivado, "
            "VivadoAccelerator and Vitis backends (the vivado/ and vitis/ nnet_utils templates)",
            where, value, value));
    throw ModelError(fmt::format("{}: \"{}\": not an hls4ml backend tlm4ml knows (it models Vivado, "
                                 "VivadoAccelerator and Vitis)",
                                 where, value));
}

ProfileChoice choose_device_profile(const std::string& option, const Model& m) {
    ProfileChoice c;
    const bool vivado_backend = m.backend == "Vivado" || m.backend == "VivadoAccelerator";
    if (!option.empty()) {
        if (option == "vitis") c.profile = DeviceProfile::vitis_default();
        else if (option == "vivado2019") c.profile = DeviceProfile::vivado_2019();
        else c.profile = DeviceProfile::load(option);
        c.source = "--profile " + option;
        if (!m.backend.empty()) c.source += fmt::format(" (overrides {})", m.backend_origin);
    } else if (vivado_backend) {
        // Vivado HLS: pragma-less loops are not pipelined; zero padding and global pooling's read loop have none.
        c.profile = DeviceProfile::vivado_2019();
        c.source = m.backend_origin + ": Vivado HLS";
    } else if (m.backend == "Vitis") {
        c.profile = DeviceProfile::vitis_default();
        c.source = m.backend_origin + ": Vitis HLS";
    } else {
        c.profile = DeviceProfile::vitis_default();
        c.source = "tlm4ml's default (no backend named)";
    }
    if (m.clock_uncertainty) {
        c.profile.clock_uncertainty = *m.clock_uncertainty;
        c.uncertainty_source = fmt::format("ClockUncertainty of {}", m.source_file);
    } else if (option.empty() && !m.backend.empty()) {
        // hls4ml writes its backend's default into the build script: vivado_backend.py create_initial_config
        // '12.5%' (VivadoAccelerator inherits it), vitis_backend.py '27%'; the profiles carry the same figures.
        c.uncertainty_source = fmt::format("hls4ml's {} default", vivado_backend ? "Vivado" : "Vitis");
    } else {
        c.uncertainty_source = "the profile's default";
    }
    c.uncertainty_source = percent(c.profile.clock_uncertainty) + ", " + c.uncertainty_source;
    // io_stream rules assume every loop pipelined at II 1; Vitis HLS pipelines pragma-less loops itself
    // (config_compile -pipeline_loops), Vivado HLS does not. Every other stream template loop has its pragma.
    const bool vivado_hls = c.profile.name.rfind("vivado", 0) == 0;
    if (vivado_hls && m.io_type == IoType::Stream)
        for (const auto& l : m.layers) {
            const auto* pool = dynamic_cast<const PoolingLayer*>(l.get());
            if (dynamic_cast<const ZeroPaddingLayer*>(l.get()))
                c.notes.push_back(fmt::format(
                    "layer \"{}\" ({}): hls4ml's zeropad1d_cl / zeropad2d_cl (nnet_padding_stream.h) loops carry no "
                    "PIPELINE pragma and Vivado HLS does not pipeline them: its II of 1 word per cycle is a lower bound "
                    "under {}",
                    l->name(), l->class_name(), c.profile.name));
            else if (pool && pool->config().global)
                c.notes.push_back(fmt::format(
                    "layer \"{}\" ({}): the read loop of hls4ml's global_pooling{}d_cl (nnet_pooling_stream.h) carries "
                    "no PIPELINE pragma and Vivado HLS does not pipeline it: its one word per cycle is a lower bound "
                    "under {}",
                    l->name(), l->class_name(), pool->config().one_d ? 1 : 2, c.profile.name));
        }
    return c;
}

}  // namespace tlm4ml
