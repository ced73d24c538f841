#include "rtl_models/fpga_parts.h"

#include <algorithm>
#include <cctype>

namespace tlm4ml {

const std::vector<FpgaPart>& known_fpga_parts() {
    // Device totals: DS890 (UltraScale), DS923 (Virtex UltraScale+), DS891 (Zynq UltraScale+ MPSoC),
    // DS190 (Zynq-7000), DS962 (Alveo U250: the XCVU13P die). hls4ml's synthesis baselines report the same
    // xcvu13p totals (AvailableLUT 1728000, AvailableDSP 12288, AvailableBRAM_18K 5376).
    static const std::vector<FpgaPart> parts = {
        {"xc7z020", "Zynq-7000", 53200, 106400, 220, 280, 0},
        {"xcku115", "Kintex UltraScale", 663360, 1326720, 5520, 4320, 0},
        {"xcu250", "Alveo U250 (XCVU13P)", 1728000, 3456000, 12288, 5376, 1280},
        {"xcvu13p", "Virtex UltraScale+", 1728000, 3456000, 12288, 5376, 1280},
        {"xcvu9p", "Virtex UltraScale+", 1182240, 2364480, 6840, 4320, 960},
        {"xczu9eg", "Zynq UltraScale+ MPSoC", 274080, 548160, 2520, 1824, 0},
    };
    return parts;
}

const FpgaPart& find_fpga_part(const std::string& part_string) {
    std::string device = part_string.substr(0, part_string.find('-'));
    std::transform(device.begin(), device.end(), device.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    // Zynq-7000 strings run the package into the device name (xc7z020clg400-1): take the longest known
    // device the text starts with.
    const FpgaPart* best = nullptr;
    for (const FpgaPart& p : known_fpga_parts())
        if (device.compare(0, p.device.size(), p.device) == 0 && (!best || p.device.size() > best->device.size()))
            best = &p;
    if (best) return *best;
    std::string known;
    for (const FpgaPart& p : known_fpga_parts()) known += (known.empty() ? "" : ", ") + p.device;
    throw UnknownPartError("unknown FPGA part '" + part_string + "' (device '" + device + "'); known devices: " +
                           known);
}

}  // namespace tlm4ml
