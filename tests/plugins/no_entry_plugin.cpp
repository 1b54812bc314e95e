// A shared library that is not a canbao adapter (no entry symbol).
extern "C" __attribute__((visibility("default"))) int something_else(void) { return 42; }
