// hls4ml's reference folders (../shared/reference/<model>/: inputs.dat, outputs.dat and trace/<layer>.dat, the
// outputs of hls4ml's own C simulation with tracing on): `tlm4ml predict --trace` must reproduce them.
#pragma once

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "tests/support/test_support.h"

namespace tlm4ml_test {

#ifdef TLM4ML_BINARY
// `predict CONFIG --inputs REF/inputs.dat --trace` in `work` must reproduce REF/outputs.dat and every
// REF/trace file byte for byte (each trace file is named after an hls4ml layer).
inline void expect_predict_reproduces(const fs::path& config, const fs::path& ref, const fs::path& work) {
    const std::string label = ref.filename().string();
    const fs::path outputs = work / "outputs.dat", trace = work / "trace";
    const RunResult r = run_program(TLM4ML_BINARY,
                                    "predict " + shell_quote(config.string()) + " --inputs " +
                                        shell_quote((ref / "inputs.dat").string()) + " --outputs " +
                                        shell_quote(outputs.string()) + " --trace " + shell_quote(trace.string()),
                                    work);
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_TRUE(read_text(outputs) == read_text(ref / "outputs.dat")) << label << ": outputs differ";
    size_t n = 0;
    for (const auto& e : fs::directory_iterator(ref / "trace")) {
        ++n;
        const fs::path mine = trace / e.path().filename();
        ASSERT_TRUE(fs::exists(mine)) << "no trace file " << mine.filename() << " (hls4ml's layer name)";
        EXPECT_TRUE(read_text(mine) == read_text(e.path())) << label << ": trace " << e.path().filename() << " differs";
    }
    EXPECT_GT(n, 0u);
}
#endif

}  // namespace tlm4ml_test
