// R9 annual plan (SPEC §5, N 三 年度参保扩面计划): per-district counters, the `unassigned` row and
// the `total` row of plan.csv.
#include <cmath>
#include <cstdint>
#include <cstdlib>

#include "rules_internal.h"

namespace canbao {

PlanTally& PlanTally::operator+=(const PlanTally& other) {
  target += other.target;
  insured += other.insured;
  lapsed += other.lapsed;
  never += other.never;
  duplicates += other.duplicates;
  subsidy_deduction_yuan += other.subsidy_deduction_yuan;
  return *this;
}

void PlanTable::add(const PersonOutcome& outcome) {
  if (!outcome.in_plan) return;
  if (outcome.plan_district == kNoRegion) {
    unassigned_ += outcome.plan;
  } else {
    districts_[outcome.plan_district] += outcome.plan;
  }
}

void PlanTable::merge(const PlanTable& other) {
  for (const auto& [district, tally] : other.districts_) districts_[district] += tally;
  unassigned_ += other.unassigned_;
}

void PlanTable::merge_row(Region district, const PlanTally& tally) {
  (district == kNoRegion ? unassigned_ : districts_[district]) += tally;
}

PlanTally PlanTable::total() const {
  PlanTally total;
  for (const auto& [region, tally] : districts_) total += tally;
  total += unassigned_;
  return total;
}

namespace {

/// ⌈rate·target⌉ computed exactly from the rate as written (`0.95` is 95/100, so 0.95·100 is 95,
/// not 95.00000000000001); falls back to the double for a text that is not a plain decimal.
int64_t required_insured(const RunSettings& settings, int64_t target) {
  const std::string& text = settings.target_rate_text;
  int64_t numerator = 0;
  int64_t denominator = 1;
  bool ok = !text.empty();
  bool seen_dot = false;
  int digits = 0;
  for (char c : text) {
    if (c == '.' && !seen_dot) {
      seen_dot = true;
    } else if (c >= '0' && c <= '9' && digits < 15) {
      numerator = numerator * 10 + (c - '0');
      if (seen_dot) denominator *= 10;
      ++digits;
    } else {
      ok = false;
      break;
    }
  }
  if (ok && digits > 0 && target <= INT64_MAX / (numerator + 1)) {
    const int64_t product = numerator * target;
    return product / denominator + (product % denominator != 0 ? 1 : 0);
  }
  return static_cast<int64_t>(std::ceil(settings.target_rate * static_cast<double>(target) - 1e-9));
}

// R9 row: rate = insured/target (4 decimals, nearest; none when target is 0),
// gap = max(0, ⌈target_rate·target⌉ − insured).
PlanRow plan_row(Region district, std::string_view label, const PlanTally& tally, const RunSettings& settings) {
  PlanRow row;
  row.district = district;
  row.label = label;
  row.tally = tally;
  row.has_rate = tally.target > 0;
  // round(insured·10000 / target), halves up, in integers.
  if (row.has_rate) row.rate_per_10000 = (tally.insured * 20000 + tally.target) / (2 * tally.target);
  const int64_t gap = required_insured(settings, tally.target) - tally.insured;
  row.gap = gap > 0 ? gap : 0;
  return row;
}

}  // namespace

// R9: one row per local home district (ascending), `unassigned` (always), `total` (its rate and
// gap from its own sums).
std::vector<PlanRow> PlanTable::rows(const RunSettings& settings) const {
  std::vector<PlanRow> rows;
  rows.reserve(districts_.size() + 2);
  for (const auto& [region, tally] : districts_) rows.push_back(plan_row(region, {}, tally, settings));
  rows.push_back(plan_row(kNoRegion, "unassigned", unassigned_, settings));
  rows.push_back(plan_row(kNoRegion, "total", total(), settings));
  return rows;
}

namespace rules_internal {

// R9 contribution: a target person counts in their home district's target and state columns; a
// person with an R3/R3b case counts in `duplicates` and subsidy of their home district, or of
// `unassigned` without one.
void r9_plan_contribution(Eval& ev, bool has_case, int64_t subsidy_yuan) {
  PersonOutcome& out = ev.out;
  out.in_plan = ev.facts.target || has_case;
  out.plan_district = ev.facts.home_district;
  out.plan = PlanTally{};
  if (ev.facts.target) {
    out.plan.target = 1;
    out.plan.insured = ev.state == CoverageState::kInsured;
    out.plan.lapsed = ev.state == CoverageState::kLapsed;
    out.plan.never = ev.state == CoverageState::kNever;
  }
  out.plan.duplicates = has_case ? 1 : 0;
  out.plan.subsidy_deduction_yuan = subsidy_yuan;
}

}  // namespace rules_internal

}  // namespace canbao
