// A progress bar on stderr for long stages: stage name, bar, items/s and ETA. Updated from serial
// pipeline stages only (not thread-safe). Prints nothing unless enabled (the CLI enables it when
// stderr is a terminal), so logs and CI stay quiet.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace canbao {

class Progress {
 public:
  explicit Progress(bool enabled) : enabled_(enabled) {}
  bool enabled() const { return enabled_; }

  /// Starts a stage with `total` units (e.g. bytes) described as `unit` for the rate.
  void start(const std::string& stage, uint64_t total, const char* unit);
  /// Sets the units done so far; redraws at most every 100 ms.
  void update(uint64_t done);
  /// Ends the stage (draws 100% and a newline).
  void finish();

 private:
  void draw(bool final_draw);
  bool enabled_;
  std::string stage_;
  const char* unit_ = "";
  uint64_t total_ = 0, done_ = 0;
  std::chrono::steady_clock::time_point started_, drawn_;
};

}  // namespace canbao
