// Every file one command writes, all or nothing. Each destination gets a uniquely named temporary (mkstemp)
// in its own folder (the nearest existing one, when the folder is still to be made), and commit() moves all
// of them into place only once every one is complete; an OutputFiles destroyed without commit() removes its
// temporaries, as does the interrupt handler (interrupt.h). Destinations that are not regular files are
// written into, never replaced: "-" is standard output, and an existing path that is not a regular file
// (/dev/stdout, /dev/null, a FIFO) gets the content copied into it at commit() from a temporary in $TMPDIR.
#pragma once

#include <string>
#include <vector>

namespace tlm4ml {

class OutputFiles {
public:
    OutputFiles() = default;
    ~OutputFiles();
    OutputFiles(const OutputFiles&) = delete;
    OutputFiles& operator=(const OutputFiles&) = delete;

    // Reserves a temporary for `destination` and returns its path: the caller writes the content there.
    // Throws (naming the destination) when it cannot be written: a folder, an unwritable place, a missing
    // folder unless make_folders (waveforms and trace folders are made; a mistyped --outputs is not).
    std::string stage(const std::string& destination, bool make_folders = false);
    // stage() and write `text` now.
    void stage_text(const std::string& destination, const std::string& text, bool make_folders = false);
    // Writes `text` into a temporary stage() returned (staged early, so that a wrong path is refused before
    // a long simulation, and written at the end).
    static void write_text(const std::string& temporary, const std::string& text, const std::string& destination);
    // Moves every temporary to its destination (creating missing folders), in the order staged.
    void commit();

private:
    struct Entry {
        std::string destination;
        std::string temporary;
        bool copy_into = false;  // "-" or an existing non-regular file: copy the content, keep the file
        size_t handle = 0;       // interrupt.h's registration
    };
    void discard();
    std::vector<Entry> entries_;
};

// Exactly what a destination names ("-": standard output) for messages.
std::string destination_name(const std::string& destination);

}  // namespace tlm4ml
