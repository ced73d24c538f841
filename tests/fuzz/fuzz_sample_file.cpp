// libFuzzer target: sample files (read_samples, quantized into the input type) and expected-output files
// (read_real_rows). The first byte picks the row width (1..16) and the input type's width, so that rows of
// several widths and saturating / wrapping types are reached.
#include <cstdint>
#include <string>

#include "rtl_models/precision.h"
#include "testbenches/data/sample_io.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    static const tlm4ml_fuzz::InputFile file(".dat");
    const size_t width = 1 + data[0] % 16;
    const tlm4ml::Precision p = tlm4ml::Precision::parse(data[0] & 0x80 ? "ap_fixed<16,6,AP_RND,AP_SAT>" : "ap_fixed<8,3>");
    file.write(data + 1, size - 1);
    tlm4ml_fuzz::expect_result_or_refusal([&] { tlm4ml::read_samples(file.path, width, p, 64); });
    tlm4ml_fuzz::expect_result_or_refusal([&] { tlm4ml::read_real_rows(file.path, width, 64); });
    return 0;
}
