// libFuzzer target: numpy .npy arrays (header parsing, every size checked against the bytes there), read whole
// as a weight file and row by row as a sample file (testbenches/data/sample_reader.h).
#include <cstdint>
#include <string>

#include <vector>

#include "models/npy.h"
#include "testbenches/data/sample_reader.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    tlm4ml_fuzz::expect_result_or_refusal([&] {
        tlm4ml::read_npy_bytes(std::string(reinterpret_cast<const char*>(data), size), "fuzz.npy");
    });
    static const tlm4ml_fuzz::InputFile file(".npy");
    file.write(data, size);
    tlm4ml_fuzz::expect_result_or_refusal([&] {
        const auto rows = tlm4ml::RowReader::open(file.path, 0, 64, tlm4ml::RowReader::Values::float_inputs);
        std::vector<double> row(rows->width());
        for (size_t k = 0; k < rows->rows(); ++k) rows->next(row.data());
    });
    return 0;
}
