// Shared by the libFuzzer targets: readers that take a path get the input through a file of this
// process, and only the errors a reader documents (std::runtime_error and its ModelError / SampleFileError)
// count as a clean refusal. Anything else escaping (std::logic_error, std::bad_alloc, a JSON type_error, a
// crash, a sanitizer report) is a finding.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace tlm4ml_fuzz {

// A file in the temporary folder, named after the process (libFuzzer's -jobs run one process each),
// removed when the fuzzer exits.
struct InputFile {
    explicit InputFile(const char* extension)
        : path((std::filesystem::temp_directory_path() / ("tlm4ml_fuzz_" + std::to_string(::getpid()) + extension))
                   .string()) {}
    ~InputFile() { std::remove(path.c_str()); }
    void write(const uint8_t* data, size_t size) const {
        std::ofstream f(path, std::ios::binary | std::ios::trunc);
        f.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    }
    const std::string path;
};

// Runs a reader; a documented refusal is fine.
template <typename Reader>
void expect_result_or_refusal(Reader&& read) {
    try {
        read();
    } catch (const std::runtime_error&) {
    }
}

}  // namespace tlm4ml_fuzz
