#include "testbenches/cli/output_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>
#include <stdexcept>

#include <fmt/format.h>

#include "testbenches/cli/interrupt.h"

namespace tlm4ml {

namespace fs = std::filesystem;

namespace {

// Files get the permissions a plain creat() would give (mkstemp makes them 0600).
mode_t file_mode() {
    const mode_t mask = ::umask(0);
    ::umask(mask);
    return 0666 & ~mask;
}

// The first folder of `folder`'s ancestry that exists ("." for a relative path with none).
fs::path existing_folder(fs::path folder) {
    if (folder.empty()) return ".";
    std::error_code ec;
    while (!folder.empty() && !fs::exists(folder, ec)) {
        const fs::path up = folder.parent_path();
        if (up == folder) break;
        folder = up;
    }
    return folder.empty() ? fs::path(".") : folder;
}

void write_all(int fd, const char* data, size_t n, const std::string& what) {
    while (n > 0) {
        const ssize_t w = ::write(fd, data, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) throw std::runtime_error(fmt::format("{}: write failed: {}", what, std::strerror(errno)));
        data += w;
        n -= static_cast<size_t>(w);
    }
}

// Copies the file at `from` into the open descriptor `fd`.
void copy_into(const std::string& from, int fd, const std::string& what) {
    const int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
    if (in < 0) throw std::runtime_error(fmt::format("{}: cannot read back the temporary {}", what, from));
    char buf[1 << 16];
    for (;;) {
        const ssize_t r = ::read(in, buf, sizeof buf);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            ::close(in);
            throw std::runtime_error(fmt::format("{}: cannot read back the temporary {}", what, from));
        }
        if (r == 0) break;
        try {
            write_all(fd, buf, static_cast<size_t>(r), what);
        } catch (...) {
            ::close(in);
            throw;
        }
    }
    ::close(in);
}

}  // namespace

std::string destination_name(const std::string& destination) {
    return destination == "-" ? std::string("standard output") : destination;
}

OutputFiles::~OutputFiles() { discard(); }

void OutputFiles::discard() {
    for (auto& e : entries_) {
        if (!e.temporary.empty()) std::remove(e.temporary.c_str());
        forget_temporary(e.handle);
    }
    entries_.clear();
}

std::string OutputFiles::stage(const std::string& destination, bool make_folders) {
    if (destination.empty()) throw std::runtime_error("an output file name is empty");
    Entry e;
    e.destination = destination;
    fs::path folder;
    std::string base;
    struct stat st;
    if (destination == "-" || (::stat(destination.c_str(), &st) == 0 && !S_ISREG(st.st_mode))) {
        if (destination != "-" && S_ISDIR(st.st_mode))
            throw std::runtime_error(fmt::format("{}: is a folder, expected a file name", destination));
        e.copy_into = true;
        const char* tmpdir = std::getenv("TMPDIR");
        folder = tmpdir && *tmpdir ? tmpdir : "/tmp";
        base = "tlm4ml-output";
    } else {
        // A symbolic link to a regular file: write (and rename) in the folder of the file it names.
        const fs::path real = fs::weakly_canonical(fs::absolute(destination));
        folder = existing_folder(real.parent_path());
        if (!make_folders && folder != real.parent_path())
            throw std::runtime_error(fmt::format("{}: the folder {} does not exist", destination,
                                                 fs::path(destination).parent_path().string()));
        base = real.filename().string();
    }
    std::string pattern = (folder / ("." + base + ".XXXXXX")).string();
    std::vector<char> buf(pattern.begin(), pattern.end());
    buf.push_back('\0');
    const int fd = ::mkstemp(buf.data());
    if (fd < 0)
        throw std::runtime_error(fmt::format("{}: cannot create a file in {}: {}", destination_name(destination),
                                             folder.string(), std::strerror(errno)));
    ::fchmod(fd, file_mode());
    ::close(fd);
    e.temporary = buf.data();
    e.handle = register_temporary(e.temporary);
    entries_.push_back(e);
    return e.temporary;
}

void OutputFiles::stage_text(const std::string& destination, const std::string& text, bool make_folders) {
    write_text(stage(destination, make_folders), text, destination);
}

void OutputFiles::write_text(const std::string& tmp, const std::string& text, const std::string& destination) {
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd < 0) throw std::runtime_error(fmt::format("{}: cannot write the file", destination_name(destination)));
    try {
        write_all(fd, text.data(), text.size(), destination_name(destination));
    } catch (...) {
        ::close(fd);
        throw;
    }
    if (::close(fd) != 0)
        throw std::runtime_error(fmt::format("{}: write failed: {}", destination_name(destination), std::strerror(errno)));
}

void OutputFiles::commit() {
    // Renames first (they cannot fail half-way through a file), then the copies into devices and pipes. An
    // interrupt waits until the renames are done; a copy into a pipe nobody reads can still be interrupted.
    for (int pass = 0; pass < 2; ++pass) {
        std::optional<InterruptsHeld> held;
        if (pass == 0) held.emplace();
        if (pass == 1) set_outputs_written();
        for (auto& e : entries_) {
            if (e.copy_into != (pass == 1)) continue;
            if (!e.copy_into) {
                const fs::path real = fs::weakly_canonical(fs::absolute(e.destination));
                std::error_code ec;
                fs::create_directories(real.parent_path(), ec);
                if (ec || std::rename(e.temporary.c_str(), real.c_str()) != 0)
                    throw std::runtime_error(fmt::format("{}: cannot move the finished file into place: {}",
                                                         e.destination, ec ? ec.message() : std::strerror(errno)));
            } else if (e.destination == "-") {
                set_activity("writing to standard output");
                std::cout.flush();
                copy_into(e.temporary, STDOUT_FILENO, "standard output");
                std::remove(e.temporary.c_str());
            } else {
                set_activity("writing into " + e.destination);
                // Written into, never replaced or created: O_CREAT is absent on purpose.
                const int fd = ::open(e.destination.c_str(), O_WRONLY | O_CLOEXEC);
                if (fd < 0)
                    throw std::runtime_error(fmt::format("{}: cannot open it for writing: {}", e.destination,
                                                         std::strerror(errno)));
                try {
                    copy_into(e.temporary, fd, e.destination);
                } catch (...) {
                    ::close(fd);
                    throw;
                }
                ::close(fd);
                std::remove(e.temporary.c_str());
            }
            forget_temporary(e.handle);
            e.temporary.clear();
        }
    }
    entries_.clear();
    set_outputs_written();
}

}  // namespace tlm4ml
