// Ctrl-C and SIGTERM: the handler removes every temporary the command has open (output_files.h), passes
// the signal on to a child (the --fifo-depths auto re-run) and waits for it, prints one line saying what
// was interrupted, and exits with 128 + the signal's number (130 for SIGINT, 143 for SIGTERM), as shells do.
// It runs inside the signal handler, so everything it reads is prepared beforehand by the main thread.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <cstddef>
#include <string>

namespace tlm4ml {

void install_interrupt_handlers();

// What the command is doing now, for the handler's line ("simulating jet_tagger.json").
void set_activity(const std::string& what);
// The progress the handler reports ("at 345 of 1000 samples"); total 0: none.
void set_activity_progress(size_t done, size_t total);

// Temporaries the handler removes. register_temporary returns a handle for forget_temporary.
size_t register_temporary(const std::string& path);
void forget_temporary(size_t handle);

// Holds SIGINT / SIGTERM back while the output files are moved into place (a signal then arrives after
// the move, and the handler's line says the files were written).
class InterruptsHeld {
public:
    InterruptsHeld();
    ~InterruptsHeld();
    InterruptsHeld(const InterruptsHeld&) = delete;
    InterruptsHeld& operator=(const InterruptsHeld&) = delete;

private:
    sigset_t old_;
};
void set_outputs_written();

// A child that reports to its parent prints nothing when interrupted (the parent prints the one line).
void set_interrupt_silent(bool silent);

// A child process the signal is passed on to (0: none).
void set_child_process(pid_t pid);

}  // namespace tlm4ml
