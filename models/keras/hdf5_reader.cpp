#include "models/keras/hdf5_reader.h"

#include <cstring>

#include <hdf5.h>

#include <filesystem>
#include <system_error>
#include <memory>
#include <type_traits>

#include <fmt/format.h>

#include "models/model.h"

namespace tlm4ml {

static_assert(std::is_same_v<hid_t, int64_t>, "hid_t is expected to be a 64-bit id (HDF5 >= 1.10)");

namespace {

// The innermost message of HDF5's error stack (e.g. "truncated file: eof = ..."), or "".
std::string hdf5_reason() {
    std::string msg;
    H5Ewalk2(
        H5E_DEFAULT, H5E_WALK_DOWNWARD,
        [](unsigned n, const H5E_error2_t* e, void* data) -> herr_t {
            auto* out = static_cast<std::string*>(data);
            if (e && e->desc && *e->desc) *out = (n == 0 ? "" : *out + "; ") + e->desc;
            return 0;
        },
        &msg);
    H5Eclear2(H5E_DEFAULT);
    return msg.empty() ? "" : " (HDF5: " + msg + ")";
}

// Closes an HDF5 id on scope exit.
struct Id {
    hid_t id;
    herr_t (*close)(hid_t);
    Id(hid_t i, herr_t (*c)(hid_t)) : id(i), close(c) {}
    ~Id() {
        if (id >= 0) close(id);
    }
    Id(const Id&) = delete;
    Id& operator=(const Id&) = delete;
    bool ok() const { return id >= 0; }
};

}  // namespace

H5Reader::H5Reader(const std::string& path) : path_(path) {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // errors become exceptions, not prints
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        throw ModelError(fmt::format("{}: cannot open the HDF5 file ({})", path,
                                     ec && ec != std::errc::no_such_file_or_directory ? ec.message()
                                                                                         : "missing or not a regular file"));
    if (H5Fis_hdf5(path.c_str()) <= 0)
        throw ModelError(fmt::format("{}: not an HDF5 file (no HDF5 signature){}", path, hdf5_reason()));
    file_ = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file_ < 0)
        throw ModelError(fmt::format("{}: cannot open the HDF5 file (corrupt or truncated?){}", path, hdf5_reason()));
}

H5Reader::H5Reader(const std::string& label, const std::vector<unsigned char>& image) : path_(label) {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    if (image.size() < 8 || std::memcmp(image.data(), "\x89HDF\r\n\x1a\n", 8) != 0)
        throw ModelError(fmt::format("{}: not an HDF5 file (no HDF5 signature)", label));
    // The core driver reads the image in place of a file (no backing store).
    const hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0 || H5Pset_fapl_core(fapl, 1 << 16, 0) < 0 ||
        H5Pset_file_image(fapl, const_cast<unsigned char*>(image.data()), image.size()) < 0) {
        if (fapl >= 0) H5Pclose(fapl);
        throw ModelError(fmt::format("{}: cannot set up an in-memory HDF5 file{}", label, hdf5_reason()));
    }
    file_ = H5Fopen(label.c_str(), H5F_ACC_RDONLY, fapl);
    H5Pclose(fapl);
    if (file_ < 0)
        throw ModelError(fmt::format("{}: cannot open the HDF5 file (corrupt or truncated?){}", label, hdf5_reason()));
}

H5Reader::~H5Reader() {
    if (file_ >= 0) H5Fclose(file_);
}

bool H5Reader::exists(const std::string& object) const {
    if (object.empty() || object == "/") return true;
    // H5Lexists needs every intermediate link to exist: walk the path.
    std::string prefix;
    size_t pos = object[0] == '/' ? 1 : 0;
    while (pos <= object.size()) {
        const size_t next = object.find('/', pos);
        const std::string part = object.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
        prefix += "/" + part;
        if (H5Lexists(file_, prefix.c_str(), H5P_DEFAULT) <= 0) {
            H5Eclear2(H5E_DEFAULT);
            return false;
        }
        if (H5Oexists_by_name(file_, prefix.c_str(), H5P_DEFAULT) <= 0) {
            H5Eclear2(H5E_DEFAULT);
            return false;
        }
        if (next == std::string::npos) break;
        pos = next + 1;
    }
    return true;
}

bool H5Reader::has_attribute(const std::string& object, const std::string& name) const {
    if (!exists(object)) return false;
    const htri_t r = H5Aexists_by_name(file_, object.c_str(), name.c_str(), H5P_DEFAULT);
    H5Eclear2(H5E_DEFAULT);
    return r > 0;
}

std::vector<std::string> H5Reader::string_list_attribute(const std::string& object, const std::string& name) const {
    const std::string where = fmt::format("{}: attribute \"{}\" of {}", path_, name, object);
    Id attr(H5Aopen_by_name(file_, object.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
    if (!attr.ok()) throw ModelError(fmt::format("{}: missing or unreadable{}", where, hdf5_reason()));
    Id type(H5Aget_type(attr.id), H5Tclose);
    Id space(H5Aget_space(attr.id), H5Sclose);
    if (!type.ok() || !space.ok()) throw ModelError(fmt::format("{}: unreadable{}", where, hdf5_reason()));
    if (H5Tget_class(type.id) != H5T_STRING) throw ModelError(fmt::format("{}: not a string attribute", where));
    const hssize_t n = H5Sget_simple_extent_npoints(space.id);
    if (n < 0) throw ModelError(fmt::format("{}: unreadable dataspace{}", where, hdf5_reason()));
    std::vector<std::string> out;
    const htri_t variable = H5Tis_variable_str(type.id);
    if (variable > 0) {
        Id mem(H5Tcopy(H5T_C_S1), H5Tclose);
        H5Tset_size(mem.id, H5T_VARIABLE);
        std::vector<char*> ptrs(static_cast<size_t>(n), nullptr);
        if (H5Aread(attr.id, mem.id, ptrs.data()) < 0)
            throw ModelError(fmt::format("{}: cannot read{}", where, hdf5_reason()));
        for (char* p : ptrs) out.emplace_back(p ? p : "");
        H5Dvlen_reclaim(mem.id, space.id, H5P_DEFAULT, ptrs.data());
    } else {
        const size_t size = H5Tget_size(type.id);
        if (size == 0) throw ModelError(fmt::format("{}: zero-size string type", where));
        if (static_cast<uint64_t>(n) > (uint64_t{1} << 30) / size)
            throw ModelError(fmt::format("{}: {} strings of {} bytes (more than 1 GiB)", where, n, size));
        Id mem(H5Tcopy(H5T_C_S1), H5Tclose);
        H5Tset_size(mem.id, size);
        H5Tset_strpad(mem.id, H5T_STR_NULLPAD);
        std::vector<char> buf(size * static_cast<size_t>(n) + 1, '\0');
        if (H5Aread(attr.id, mem.id, buf.data()) < 0)
            throw ModelError(fmt::format("{}: cannot read{}", where, hdf5_reason()));
        for (hssize_t i = 0; i < n; ++i) {
            std::string s(buf.data() + static_cast<size_t>(i) * size, size);
            s.resize(s.find('\0') == std::string::npos ? s.size() : s.find('\0'));
            out.push_back(s);
        }
    }
    return out;
}

std::string H5Reader::string_attribute(const std::string& object, const std::string& name) const {
    const auto v = string_list_attribute(object, name);
    if (v.size() != 1)
        throw ModelError(fmt::format("{}: attribute \"{}\" of {}: expected one string, got {}", path_, name, object,
                                     v.size()));
    return v[0];
}

H5Array H5Reader::dataset(const std::string& object) const {
    const std::string where = fmt::format("{}: dataset {}", path_, object);
    if (!exists(object)) throw ModelError(fmt::format("{}: missing", where));
    Id ds(H5Dopen2(file_, object.c_str(), H5P_DEFAULT), H5Dclose);
    if (!ds.ok()) throw ModelError(fmt::format("{}: cannot open{}", where, hdf5_reason()));
    Id type(H5Dget_type(ds.id), H5Tclose);
    Id space(H5Dget_space(ds.id), H5Sclose);
    if (!type.ok() || !space.ok()) throw ModelError(fmt::format("{}: unreadable{}", where, hdf5_reason()));
    const H5T_class_t cls = H5Tget_class(type.id);
    if (cls != H5T_FLOAT && cls != H5T_INTEGER) throw ModelError(fmt::format("{}: not a numeric dataset", where));
    const int rank = H5Sget_simple_extent_ndims(space.id);
    if (rank < 0) throw ModelError(fmt::format("{}: unreadable dataspace{}", where, hdf5_reason()));
    std::vector<hsize_t> dims(static_cast<size_t>(rank));
    H5Sget_simple_extent_dims(space.id, dims.data(), nullptr);
    H5Array a;
    // A compressed dataset may claim any shape in a few bytes: bounded before allocating (as model files).
    constexpr uint64_t kMaxElements = uint64_t{1} << 28;
    uint64_t n = 1;
    for (hsize_t d : dims) {
        a.shape.push_back(static_cast<size_t>(d));
        if (d != 0 && n > kMaxElements / d)
            throw ModelError(fmt::format("{}: more than {} elements (2^28), far beyond an FPGA design", where,
                                         kMaxElements));
        n *= d;
    }
    a.values.assign(n, 0.0);
    if (n > 0 && H5Dread(ds.id, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, a.values.data()) < 0)
        throw ModelError(fmt::format("{}: cannot read (corrupt or truncated file?){}", where, hdf5_reason()));
    return a;
}

}  // namespace tlm4ml
