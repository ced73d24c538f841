// libsystemc.so refers to sc_main (its own main() calls it); libFuzzer's main() runs instead, so this
// one only satisfies the linker.
extern "C" int sc_main(int, char*[]) { return 0; }
