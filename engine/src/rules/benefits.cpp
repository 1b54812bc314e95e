// R6 benefit start (SPEC §5, N 四 做好参保待遇衔接).
#include "rules_internal.h"

namespace canbao::rules_internal {

// R6: C = coverage-history run ending at the last covered month before the start month (the
// record itself excluded), G = months strictly between. employee: C ≥ 24 and G ≤ 3 → first day
// of the start month, else start + 6 months (N 四(一)). resident: 1 January start paid in the
// 集中缴费期 → 1 January; else C ≥ 24 and G ≤ 3 → paid_on + 1 day; else paid_on + 6 months
// (N 四(二)).
BenefitStart r6_benefit_start(Eval& ev, uint32_t rec_idx) {
  const Enrollment& record = ev.rec(rec_idx);
  return r6_benefit_start(ev, record.scheme, record.start, rec_idx);
}

// R6 of a record of `scheme` starting on `start`, coverage history without `exclude_idx`; for
// resident, `paid_on` when given (§8: t), else from the tax rows.
BenefitStart r6_benefit_start(Eval& ev, Scheme scheme, Day start, uint32_t exclude_idx, Day paid_on) {
  BenefitStart result;
  const Month start_month = month_of_day(start);
  Month run_end = 0;
  if (coverage_run_before(ev, exclude_idx, start_month - 1, result.prior_months, run_end)) {
    result.gap_months = start_month - run_end - 1;
  } else {
    result.prior_months = 0;
    result.gap_months = -1;
  }
  const bool continuous = result.prior_months >= 24 && result.gap_months >= 0 && result.gap_months <= 3;

  if (scheme != Scheme::kResident) {  // employee
    result.benefit_start = continuous ? first_day_of_month(start_month) : add_months(start, 6);
    return result;
  }

  // paid_on: given by the caller, else the earliest paid_on of the local resident-scheme tax rows
  // covering the start month.
  result.paid_on = paid_on;
  if (paid_on == kNoDay) {
    for (const Tax& tax : ev.person.tax) {
      if (tax.scheme != Scheme::kResident || !ev.is_local(tax.region) || tax.paid_on == kNoDay) continue;
      if (tax.from == kNoMonth || tax.to == kNoMonth || tax.from > start_month || start_month > tax.to) continue;
      if (result.paid_on == kNoDay || tax.paid_on < result.paid_on) result.paid_on = tax.paid_on;
    }
  }
  if (result.paid_on == kNoDay) result.paid_on = start;

  const Ymd start_ymd = ymd_from_day(start);
  if (start_ymd.month == 1 && start_ymd.day == 1 && result.paid_on >= day_from_ymd(start_ymd.year - 1, 9, 1) &&
      result.paid_on <= day_from_ymd(start_ymd.year - 1, 12, 31)) {
    result.benefit_start = start;  // 集中缴费期 (N 四(二))
  } else if (continuous) {
    result.benefit_start = result.paid_on + 1;
  } else {
    result.benefit_start = add_months(result.paid_on, 6);
  }
  return result;
}

// R6 rows: every local active record whose start falls in the year of d.
void r6_benefit_rows(Eval& ev) {
  const auto& records = ev.person.enrollment;
  for (uint32_t idx = 0; idx < records.size(); ++idx) {
    const Enrollment& record = records[idx];
    if (!ev.rec_facts(idx).local || record.status != EnrollStatus::kActive || record.start == kNoDay) continue;
    if (ymd_from_day(record.start).year != ev.year_d) continue;
    if (record.scheme != Scheme::kEmployee && record.scheme != Scheme::kResident) continue;
    const BenefitStart benefit = r6_benefit_start(ev, idx);
    BenefitRow& row = ev.out.benefits.emplace_back();
    row.record = idx;
    row.paid_on = record.scheme == Scheme::kResident ? benefit.paid_on : kNoDay;
    row.prior_months = benefit.prior_months;
    row.gap_months = benefit.gap_months;
    row.benefit_start = benefit.benefit_start;
  }
}

}  // namespace canbao::rules_internal
