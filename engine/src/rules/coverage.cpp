// R1 coverage state and R2 outreach list (SPEC §5, N 三 精准锁定未参保人员).
#include "rules_internal.h"

namespace canbao::rules_internal {

std::string_view coverage_state_name(CoverageState state) {
  switch (state) {
    case CoverageState::kInsured: return "insured";
    case CoverageState::kLapsed: return "lapsed";
    case CoverageState::kNever: break;
  }
  return "never";
}

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

enum class Group : uint8_t { kNewborn, kAssisted, kStudent, kEmployed, kPensioner, kOther };

// R2 group: the first of newborn (under 1 year at d), assisted, student, employed, pensioner, other.
Group r2_group(const Eval& ev) {
  const Day birth = id_birth(ev.person.key);
  if (ev.d < add_months(birth, 12)) return Group::kNewborn;
  if (ev.facts.assisted) return Group::kAssisted;
  if (ev.facts.student) return Group::kStudent;
  if (ev.facts.employed) return Group::kEmployed;
  if (ev.facts.pensioner) return Group::kPensioner;
  return Group::kOther;
}

}  // namespace

// R2: every lapsed/never target person, with group, suggested_scheme and channel of that group.
void r2_outreach(Eval& ev) {
  if (!ev.facts.target || ev.state == CoverageState::kInsured) return;
  const Group group = r2_group(ev);
  std::string_view group_name = "other";
  std::string_view scheme = "resident";
  std::string& channel = ev.scratch.text;
  channel.clear();
  switch (group) {
    case Group::kNewborn: group_name = "newborn"; break;
    case Group::kAssisted:
      group_name = "assisted";
      scheme = "resident_funded";
      break;
    case Group::kStudent:
      group_name = "student";
      for (const Education& edu : ev.person.education) {
        if (edu.status == EduStatus::kEnrolled && !edu.school.empty()) {
          channel.append("school:").append(edu.school);
          break;
        }
      }
      break;
    case Group::kEmployed:
      group_name = "employed";
      scheme = "employee";
      for (uint32_t idx : ev.scratch.employments) {
        if (!ev.person.hr[idx].unit.empty()) {
          channel.append("unit:").append(ev.person.hr[idx].unit);
          break;
        }
      }
      break;
    case Group::kPensioner:
      group_name = "pensioner";
      scheme = "employee";
      break;
    case Group::kOther: break;
  }
  if (channel.empty()) {  // community channel; also when no unit/school code is known
    channel.append("community:");
    append_int(channel, ev.facts.home_district);
  }

  RowSet& rows = ev.scratch.rows;
  rows.begin_row();
  rows.cell(ev.id());
  rows.cell(ev.facts.name);
  rows.cell_region(ev.facts.home_district);
  rows.cell(ev.facts.address);
  rows.cell(coverage_state_name(ev.state));
  rows.cell(group_name);
  rows.cell(scheme);
  rows.cell(channel);
  rows.flush_sorted(ev.out.outreach);
}

}  // namespace canbao::rules_internal
