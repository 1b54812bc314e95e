// Crash reports naming third-party adapter code (issue #6 "a plugin that crashes"). Adapters run
// in the engine's process (records cross the ABI without copies), so a plugin that dereferences
// a bad pointer takes the process down, and nothing can safely continue after that: the plugin
// may have corrupted any memory. What canbao does instead (docs/DECISIONS.md): a thread calling
// into an adapter records which feed, adapter and byte range it is in (CrashContext); the
// handler install_crash_reporter() sets for SIGSEGV, SIGBUS, SIGFPE, SIGILL and SIGABRT writes one
// line to stderr,
//   legacy.dat: adapter 'legacy-fixed-width' crashed (SIGSEGV) in bytes 0-4194304; no outputs were written
// and re-raises the signal, so the exit status still says how the process died. Outputs are
// staged and renamed into place at the end of a run, so a crash never leaves a partial set.
#pragma once

#include <cstddef>

namespace canbao {

/// While alive, crashes on this thread are reported as happening in `adapter` reading `feed`
/// bytes [begin, end). Nests (the innermost wins). The strings must outlive the object.
class CrashContext {
 public:
  CrashContext(const char* feed, const char* adapter, size_t begin, size_t end);
  ~CrashContext();
  CrashContext(const CrashContext&) = delete;
  CrashContext& operator=(const CrashContext&) = delete;

  const char* feed;
  const char* adapter;
  size_t begin, end;

 private:
  const CrashContext* previous_;
};

/// Installs the fatal-signal handler (the CLI does, once, at start).
void install_crash_reporter();

}  // namespace canbao
