// FPGA parts and their capacities, so a resource estimate can be shown as % of the part in the config.
// Capacities are the device totals of the AMD/Xilinx data sheets (README, "Resources: what the network
// needs"). A part is named as hls4ml's `Part` / Vivado's part string: the device, then package, speed grade
// and temperature (xcku115-flvb2104-2-i); the device name alone is accepted too.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

namespace tlm4ml {

struct FpgaPart {
    std::string device;  // e.g. "xcvu9p"
    std::string family;  // e.g. "Virtex UltraScale+"
    size_t lut = 0;
    size_t ff = 0;
    size_t dsp = 0;
    size_t bram18 = 0;  // 18 Kb block RAMs (two per 36 Kb tile)
    size_t uram = 0;    // 288 Kb UltraRAM blocks
};

class UnknownPartError : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

// Every part tlm4ml knows, smallest device name first.
const std::vector<FpgaPart>& known_fpga_parts();

// The part a part string names: the longest known device the text before the first '-' starts with
// (case-insensitive).
// Throws UnknownPartError naming the part string and listing the known devices.
const FpgaPart& find_fpga_part(const std::string& part_string);

}  // namespace tlm4ml
