// libFuzzer target: the hls4ml YAML configuration reader and the import behind it (load_model on a .yml);
// the Keras files it names resolve against the temporary folder, where there are none.
#include <cstdint>
#include <string>

#include "models/load_model.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const tlm4ml_fuzz::InputFile file(".yml");
    file.write(data, size);
    tlm4ml_fuzz::expect_result_or_refusal([&] { tlm4ml::load_model(file.path); });
    return 0;
}
