#include "wave_writer.h"

#include "testbenches/fst_writer.h"
#include "testbenches/vcd_writer.h"

namespace tlm4ml {

std::unique_ptr<WaveWriter> make_wave_writer(const std::string& path, const std::string& format_path) {
    if (wants_fst(format_path)) return std::make_unique<FstWriter>(path);
    return std::make_unique<VcdWriter>(path);
}

}  // namespace tlm4ml
