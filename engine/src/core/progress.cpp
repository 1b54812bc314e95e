#include "canbao/core/progress.h"

#include <cstdio>

namespace canbao {

void Progress::start(const std::string& stage, uint64_t total, const char* unit) {
  stage_ = stage;
  unit_ = unit;
  total_ = total;
  done_ = 0;
  started_ = std::chrono::steady_clock::now();
  drawn_ = started_ - std::chrono::seconds(1);
  if (enabled_) draw(false);
}

void Progress::update(uint64_t done) {
  done_ = done;
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - drawn_ < std::chrono::milliseconds(100)) return;
  draw(false);
}

void Progress::finish() {
  if (!enabled_) return;
  done_ = total_;
  draw(true);
}

void Progress::draw(bool final_draw) {
  const auto now = std::chrono::steady_clock::now();
  drawn_ = now;
  const double elapsed = std::chrono::duration<double>(now - started_).count();
  const double fraction = total_ ? static_cast<double>(done_) / static_cast<double>(total_) : 1.0;
  constexpr int kWidth = 30;
  char bar[kWidth + 1];
  const int filled = static_cast<int>(fraction * kWidth);
  for (int idx = 0; idx < kWidth; ++idx) bar[idx] = idx < filled ? '#' : '-';
  bar[kWidth] = '\0';
  const double rate = elapsed > 0 ? static_cast<double>(done_) / elapsed : 0;
  const double eta = rate > 0 && total_ > done_ ? static_cast<double>(total_ - done_) / rate : 0;
  const char* scale = "";
  double shown = rate;
  if (shown >= 1e9) { shown /= 1e9; scale = "G"; }
  else if (shown >= 1e6) { shown /= 1e6; scale = "M"; }
  else if (shown >= 1e3) { shown /= 1e3; scale = "k"; }
  std::fprintf(stderr, "\r%-22s [%s] %5.1f%%  %7.1f %s%s/s  ETA %4.0fs %s", stage_.c_str(), bar, 100 * fraction, shown,
               scale, unit_, eta, final_draw ? "\n" : "");
  std::fflush(stderr);
}

}  // namespace canbao
