// Injective person index → citizen ID mapping (see synth_internal.h).
#include <algorithm>

#include "synth_internal.h"

namespace canbao::synth {

namespace {

struct RegionWeight {
  Region code;
  int weight;
};

// Region codes (digits 1–6) of the IDs: where people were first registered. Xiamen's six districts,
// the rest of Fujian, other provinces, and a few foreigners' permanent-residence numbers (first
// digit 9). Weights per mille.
constexpr RegionWeight kIdRegions[] = {
    {350203, 125}, {350205, 70},  {350206, 110}, {350211, 105}, {350212, 95},  {350213, 75},
    {350102, 25},  {350103, 15},  {350104, 10},  {350503, 25},  {350583, 25},  {350524, 15},
    {350681, 25},  {350702, 15},  {350802, 15},  {350902, 10},  {110105, 8},   {310104, 8},
    {440106, 10},  {440305, 8},   {330106, 8},   {510107, 12},  {360102, 25},  {430102, 20},
    {410105, 20},  {420106, 15},  {500103, 15},  {340104, 15},  {370102, 10},  {450102, 10},
    {520102, 10},  {610113, 10},  {220102, 5},   {230102, 5},   {130102, 10},  {320102, 15},
    {935840, 1},   {933826, 1},
};

// Relative weight (per mille) of a birth day by age in whole years at as_of: Xiamen's young,
// migrant-heavy pyramid.
constexpr size_t kIdRegionsCount() { return sizeof(kIdRegions) / sizeof(kIdRegions[0]); }

int age_weight(int age) {
  if (age < 1) return 750;
  if (age < 6) return 950;
  if (age < 18) return 1100;
  if (age < 23) return 1200;
  if (age < 46) return 1900;
  if (age < 61) return 1300;
  if (age < 76) return 700;
  if (age < 86) return 300;
  if (age < 96) return 80;
  return 10;
}

uint64_t inverse_odd(uint64_t m) {
  uint64_t inv = m;
  for (int round = 0; round < 6; ++round) inv *= 2 - m * inv;
  return inv;
}

}  // namespace

bool IdMapper::init(uint64_t persons, Day as_of, uint64_t seed, std::string& error) {
  persons_ = persons;
  const Ymd d = ymd_from_day(as_of);
  first_day_ = day_from_ymd(d.year - 100, d.month, d.day == 29 && d.month == 2 ? 28 : d.day) + 1;
  const Day last_day = as_of - 3;  // nobody born in the last three days
  const int days = last_day - first_day_ + 1;
  std::vector<uint64_t> cum(static_cast<size_t>(days) + 1, 0);
  for (int k = 0; k < days; ++k) {
    const Ymd b = ymd_from_day(first_day_ + k);
    int age = d.year - b.year - ((d.month < b.month || (d.month == b.month && d.day < b.day)) ? 1 : 0);
    cum[static_cast<size_t>(k) + 1] = cum[static_cast<size_t>(k)] + static_cast<uint64_t>(age_weight(age));
  }
  const uint64_t total = cum.back();
  day_start_.assign(cum.size(), 0);
  uint64_t max_day = 0;
  for (size_t k = 0; k < cum.size(); ++k) {
    day_start_[k] = static_cast<uint64_t>((static_cast<unsigned __int128>(cum[k]) * persons) / total);
    if (k > 0) max_day = std::max(max_day, day_start_[k] - day_start_[k - 1]);
  }
  pattern_.clear();
  pattern_occ_.clear();
  for (const auto& rw : kIdRegions)
    for (int w = 0; w < rw.weight; ++w) {
      pattern_occ_.push_back(static_cast<uint16_t>(w));
      pattern_.push_back(rw.code);
    }
  // Interleave the regions so that any run of consecutive slots is representative.
  {
    Rng shuffle(0x5EED, 0x1D, 3);
    for (size_t k = pattern_.size(); k > 1; --k) {
      const size_t other = shuffle.below(static_cast<uint32_t>(k));
      std::swap(pattern_[k - 1], pattern_[other]);
    }
    std::vector<uint16_t> seen_per_region(kIdRegionsCount(), 0);
    for (size_t slot = 0; slot < pattern_.size(); ++slot) {
      for (size_t r = 0; r < kIdRegionsCount(); ++r)
        if (kIdRegions[r].code == pattern_[slot]) pattern_occ_[slot] = seen_per_region[r]++;
    }
  }
  pattern_count_.resize(pattern_.size());
  uint64_t max_count = 0;
  for (size_t slot = 0; slot < pattern_.size(); ++slot) {
    for (const auto& rw : kIdRegions)
      if (rw.code == pattern_[slot]) pattern_count_[slot] = static_cast<uint16_t>(rw.weight);
    max_count = std::max<uint64_t>(max_count, pattern_count_[slot]);
  }
  const uint64_t cycles = (max_day + 2 * pattern_.size() - 1) / pattern_.size();  // + the day offset
  if (cycles * max_count > 900) {
    error = "synth: " + std::to_string(persons) + " persons do not fit the citizen-ID space";
    return false;
  }
  bits_ = 1;
  while ((uint64_t{1} << bits_) < persons) ++bits_;
  mask_ = (bits_ >= 64) ? ~uint64_t{0} : ((uint64_t{1} << bits_) - 1);
  Rng rng(seed, 0xA11CE, 7);
  for (int round = 0; round < 3; ++round) {
    mul_[round] = rng.next() | 1;
    mul_inv_[round] = inverse_odd(mul_[round]);
    add_[round] = rng.next();
  }
  return true;
}

uint64_t IdMapper::round_fwd(uint64_t x) const {
  const int shift = bits_ / 2 + 1;
  for (int round = 0; round < 3; ++round) {
    x = (x * mul_[round]) & mask_;
    x = (x + add_[round]) & mask_;
    x ^= x >> shift;
  }
  return x;
}

uint64_t IdMapper::round_inv(uint64_t y) const {
  const int shift = bits_ / 2 + 1;
  for (int round = 2; round >= 0; --round) {
    uint64_t x = y;
    for (int step = 0; step * shift < bits_; ++step) x = y ^ (x >> shift);
    x = (x - add_[round]) & mask_;
    y = (x * mul_inv_[round]) & mask_;
  }
  return y;
}

uint64_t IdMapper::permute(uint64_t x) const {
  uint64_t y = round_fwd(x);
  while (y >= persons_) y = round_fwd(y);
  return y;
}

uint64_t IdMapper::unpermute(uint64_t y) const {
  uint64_t x = round_inv(y);
  while (x >= persons_) x = round_inv(x);
  return x;
}

uint32_t IdMapper::day_of_position(uint64_t pos) const {
  const auto it = std::upper_bound(day_start_.begin(), day_start_.end(), pos);
  return static_cast<uint32_t>(it - day_start_.begin() - 1);
}

void IdMapper::positions_born(Day first, Day last, uint64_t& lo, uint64_t& hi) const {
  const int64_t days = static_cast<int64_t>(day_start_.size()) - 1;
  const int64_t a = std::clamp<int64_t>(first - first_day_, 0, days);
  const int64_t b = std::clamp<int64_t>(last - first_day_ + 1, 0, days);
  lo = day_start_[static_cast<size_t>(a)];
  hi = day_start_[static_cast<size_t>(std::max(a, b))];
}

IdInfo IdMapper::map(uint64_t index) const {
  IdInfo info;
  info.perm = permute(index);
  const uint32_t day_idx = day_of_position(info.perm);
  info.birth = first_day_ + static_cast<Day>(day_idx);
  info.day_rank = static_cast<uint32_t>(info.perm - day_start_[day_idx]);
  // A per-day offset so that days with few persons still spread over every region.
  const uint64_t shifted = info.day_rank + mix64(day_idx * 0x9E3779B97F4A7C15ULL + 17) % pattern_.size();
  const size_t slot = shifted % pattern_.size();
  const uint64_t cycle = shifted / pattern_.size();
  const uint64_t j = cycle * pattern_count_[slot] + pattern_occ_[slot];
  const uint64_t seq = (j * 7 + day_idx % 900) % 900;
  info.id_region = pattern_[slot];
  const Ymd b = ymd_from_day(info.birth);
  const uint64_t ymd = static_cast<uint64_t>(b.year) * 10000 + static_cast<uint64_t>(b.month) * 100 +
                       static_cast<uint64_t>(b.day);
  info.key = static_cast<uint64_t>(info.id_region) * 100000000000ULL + ymd * 1000 + seq;
  return info;
}

}  // namespace canbao::synth
