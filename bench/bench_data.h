// Name pools shared by the benchmarks' generated feeds (shaped like the sample city's).
#pragma once

#include <iterator>
#include <random>
#include <string>

namespace canbao::bench {

inline const char* const kSurnames[] = {"柯", "黄", "潘", "陈", "胡", "周", "曾", "翁", "李", "郭", "沈", "朱", "迪丽热巴·"};
inline const char* const kGiven[] = {"嘉嘉", "娟婷", "磊", "浩磊", "俊", "晨梓", "宇浩", "志春", "玲", "远", "雪水", "静建", "艾力"};

/// A random name: surname then given name (two draws, in that order).
inline std::string person_name(std::mt19937_64& rng) {
  std::string name = kSurnames[rng() % std::size(kSurnames)];
  return name + kGiven[rng() % std::size(kGiven)];
}

}  // namespace canbao::bench
