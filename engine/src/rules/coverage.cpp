// R1 coverage state and R2 outreach list (SPEC §5, N 三 精准锁定未参保人员).
#include "rules_internal.h"

namespace canbao::rules_internal {

// R1: insured (≥1 normal record, any region); else lapsed (a record covers a day in the 365 days
// up to d, or a local active record is unpaid); else never.
CoverageState r1_coverage_state(const Eval& ev) {
  const auto& records = ev.person.enrollment;
  for (uint32_t idx = 0; idx < records.size(); ++idx)
    if (ev.rec_facts(idx).normal) return CoverageState::kInsured;
  const Day window_first = ev.d - 364;  // the 365 days d-364 .. d
  for (uint32_t idx = 0; idx < records.size(); ++idx) {
    const Enrollment& record = records[idx];
    if (record.start != kNoDay && record.start <= ev.d &&
        (record.end == kNoDay || (record.end >= window_first && record.end >= record.start)))
      return CoverageState::kLapsed;
    const EnrollFacts& rf = ev.rec_facts(idx);
    if (rf.local && record.status == EnrollStatus::kActive && !rf.paid) return CoverageState::kLapsed;
  }
  return CoverageState::kNever;
}

namespace {

// R2 group: the first of newborn (under 1 year at d), assisted, student, employed, self_employed
// (SPEC §9), pensioner, other.
OutreachGroup r2_group(const Eval& ev) {
  const Day birth = id_birth(ev.person.key);
  if (ev.d < add_months(birth, 12)) return OutreachGroup::kNewborn;
  if (ev.facts.assisted) return OutreachGroup::kAssisted;
  if (ev.facts.student) return OutreachGroup::kStudent;
  if (ev.facts.employed) return OutreachGroup::kEmployed;
  if (ev.facts.self_employed) return OutreachGroup::kSelfEmployed;
  if (ev.facts.pensioner) return OutreachGroup::kPensioner;
  return OutreachGroup::kOther;
}

}  // namespace

// R2: every lapsed/never target person, with group, suggested_scheme and channel of that group
// (a community channel also when no unit/school code is known).
void r2_outreach(Eval& ev) {
  if (!ev.facts.target || ev.state == CoverageState::kInsured) return;
  OutreachRow& row = ev.out.outreach;
  ev.out.in_outreach = true;
  row = OutreachRow{};
  row.group = r2_group(ev);
  switch (row.group) {
    case OutreachGroup::kAssisted: row.scheme = SuggestedScheme::kResidentFunded; break;
    case OutreachGroup::kStudent:
      for (const Education& edu : ev.person.education) {
        if (edu.status == EduStatus::kEnrolled && !edu.school.empty()) {
          row.channel = ChannelKind::kSchool;
          row.channel_code = edu.school;
          break;
        }
      }
      break;
    case OutreachGroup::kEmployed:
      row.scheme = SuggestedScheme::kEmployee;
      for (uint32_t idx : ev.scratch.employments) {
        if (!ev.person.hr[idx].unit.empty()) {
          row.channel = ChannelKind::kUnit;
          row.channel_code = ev.person.hr[idx].unit;
          break;
        }
      }
      break;
    case OutreachGroup::kSelfEmployed:  // 灵活就业 (N 八): employee scheme, via the business
      row.scheme = SuggestedScheme::kEmployee;
      row.channel = ChannelKind::kBusiness;
      row.channel_code = ev.facts.business->unit;
      break;
    case OutreachGroup::kPensioner: row.scheme = SuggestedScheme::kEmployee; break;
    case OutreachGroup::kNewborn:
    case OutreachGroup::kOther: break;
  }
}

}  // namespace canbao::rules_internal
