// libFuzzer target: tlm4ml's JSON model file (the bounded JSON parse, then every validation rule and the
// construction of every layer). Side files ("file": "x.npy") resolve against a folder that does not exist.
#include <cstdint>
#include <string>

#include "models/json_input.h"
#include "models/model.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    tlm4ml_fuzz::expect_result_or_refusal([&] {
        const std::string text(reinterpret_cast<const char*>(data), size);
        const nlohmann::json j = tlm4ml::parse_json_bounded(text, "fuzz.json");
        tlm4ml::load_model_json(j, "fuzz.json", "/nonexistent-tlm4ml-fuzz");
    });
    return 0;
}
