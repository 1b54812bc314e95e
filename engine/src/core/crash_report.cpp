#include "canbao/core/crash_report.h"

#include <signal.h>
#include <unistd.h>

#include <cstring>
#include <initializer_list>

namespace canbao {

namespace {

thread_local const CrashContext* current = nullptr;

// Async-signal-safe output: appends to a fixed buffer, written with one write(2).
struct Line {
  char text[1024];
  size_t size = 0;
  void add(const char* part) {
    if (part == nullptr) part = "?";
    for (; *part != '\0' && size + 1 < sizeof(text); ++part) text[size++] = *part;
  }
  void add(size_t value) {
    char digits[24];
    int count = 0;
    do {
      digits[count++] = static_cast<char>('0' + value % 10);
      value /= 10;
    } while (value != 0);
    while (count > 0 && size + 1 < sizeof(text)) text[size++] = digits[--count];
  }
};

const char* signal_name(int signal) {
  switch (signal) {
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGILL: return "SIGILL";
    case SIGABRT: return "SIGABRT";
    default: return "a fatal signal";
  }
}

void on_fatal_signal(int signal) {
  Line line;
  if (const CrashContext* context = current) {
    line.add(context->feed);
    line.add(": adapter '");
    line.add(context->adapter);
    line.add("' crashed (");
    line.add(signal_name(signal));
    line.add(") in bytes ");
    line.add(context->begin);
    line.add("-");
    line.add(context->end);
    line.add("; no outputs were written\n");
  } else {
    line.add("canbao: crashed (");
    line.add(signal_name(signal));
    line.add("); no outputs were written\n");
  }
  [[maybe_unused]] const ssize_t written = ::write(STDERR_FILENO, line.text, line.size);
  // SA_RESETHAND restored the default action: the re-raised signal ends the process as before.
  ::raise(signal);
}

}  // namespace

CrashContext::CrashContext(const char* feed_path, const char* adapter_name, size_t begin_byte, size_t end_byte)
    : feed(feed_path), adapter(adapter_name), begin(begin_byte), end(end_byte), previous_(current) {
  current = this;
}

CrashContext::~CrashContext() { current = previous_; }

void install_crash_reporter() {
  struct sigaction action;
  std::memset(&action, 0, sizeof(action));
  action.sa_handler = on_fatal_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESETHAND | SA_NODEFER;
  for (int signal : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) ::sigaction(signal, &action, nullptr);
}

}  // namespace canbao
