#include "models/keras/keras_archive.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <system_error>
#include <memory>

#include <fmt/format.h>
#include <zip.h>

#include "models/model.h"

namespace tlm4ml {

namespace {
struct ZipCloser {
    void operator()(zip_t* z) const { zip_discard(z); }
};
struct ZipFileCloser {
    void operator()(zip_file_t* f) const { zip_fclose(f); }
};

bool read_member(zip_t* z, const std::string& archive, const char* name, std::string& out) {
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat(z, name, 0, &st) != 0) return false;
    if (!(st.valid & ZIP_STAT_SIZE))
        throw ModelError(fmt::format("{}: member {} has no recorded size", archive, name));
    // The recorded size is only a claim: memory grows with the bytes actually decompressed.
    constexpr zip_uint64_t kMaxMemberBytes = zip_uint64_t{1} << 31;
    if (st.size > kMaxMemberBytes)
        throw ModelError(fmt::format("{}: member {} claims {} bytes (more than 2 GiB)", archive, name, st.size));
    std::unique_ptr<zip_file_t, ZipFileCloser> f(zip_fopen(z, name, 0));
    if (!f) throw ModelError(fmt::format("{}: cannot open member {}: {}", archive, name, zip_strerror(z)));
    out.clear();
    const size_t want = static_cast<size_t>(st.size);
    while (out.size() < want) {
        const size_t at = out.size(), chunk = std::min<size_t>(want - at, size_t{1} << 20);
        out.resize(at + chunk);
        const zip_int64_t n = zip_fread(f.get(), out.data() + at, chunk);
        if (n <= 0)
            throw ModelError(fmt::format("{}: member {} is truncated or corrupt ({} of {} bytes read)", archive, name,
                                         at, want));
        out.resize(at + static_cast<size_t>(n));
    }
    return true;
}
}  // namespace

KerasArchive read_keras_archive(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        throw ModelError(fmt::format("{}: cannot open the Keras archive ({})", path,
                                     ec && ec != std::errc::no_such_file_or_directory ? ec.message()
                                                                                         : "missing or not a regular file"));
    int err = 0;
    std::unique_ptr<zip_t, ZipCloser> z(zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &err));
    if (!z) {
        zip_error_t e;
        zip_error_init_with_code(&e, err);
        const std::string why = zip_error_strerror(&e);
        zip_error_fini(&e);
        throw ModelError(fmt::format("{}: not a readable .keras (zip) archive: {}", path, why));
    }
    KerasArchive a;
    a.path = path;
    if (!read_member(z.get(), path, "config.json", a.config_json))
        throw ModelError(fmt::format("{}: no config.json in the archive (not a Keras 3 model?)", path));
    std::string weights;
    if (!read_member(z.get(), path, "model.weights.h5", weights))
        throw ModelError(fmt::format("{}: no model.weights.h5 in the archive", path));
    a.weights.assign(weights.begin(), weights.end());
    read_member(z.get(), path, "metadata.json", a.metadata_json);
    return a;
}

std::string keras3_snake_case(const std::string& name) {
    // Keras' naming.to_snake_case: an underscore before each capitalised word ("Dense" in "QDense") and
    // between a lower-case letter and a capital, then lower case.
    std::string s;
    for (size_t i = 0; i < name.size(); ++i) {
        const char c = name[i];
        const bool upper = std::isupper(static_cast<unsigned char>(c)) != 0;
        if (upper && i > 0) {
            const bool word_start = i + 1 < name.size() && std::islower(static_cast<unsigned char>(name[i + 1]));
            const bool after_lower = std::islower(static_cast<unsigned char>(name[i - 1])) != 0;
            if (word_start || after_lower) s += '_';
        }
        s += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return s;
}

}  // namespace tlm4ml
