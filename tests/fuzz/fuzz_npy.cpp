// libFuzzer target: numpy .npy arrays (header parsing, every size checked against the bytes there).
#include <cstdint>
#include <string>

#include "models/npy.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    tlm4ml_fuzz::expect_result_or_refusal([&] {
        tlm4ml::read_npy_bytes(std::string(reinterpret_cast<const char*>(data), size), "fuzz.npy");
    });
    return 0;
}
