// SPEC §6 rows of one person: the row builder, the registry row, the headers, and
// evaluate_person(), which runs §4 and R1–R9 in order.
#include <algorithm>
#include <charconv>

#include "canbao/core/text.h"
#include "rules_internal.h"

namespace canbao {

const char kRegistryHeader[] =
    "id,name,sex,birth,home_district,alive,state,records,assisted,student,employed,pensioner\n";
const char kOutreachHeader[] = "id,name,home_district,address,state,group,suggested_scheme,channel\n";
const char kDuplicatesHeader[] = "id,name,type,records,kept,terminated,resolution,rule\n";
const char kActionsHeader[] =
    "id,record_id,action,handler,deadline,escalation,refund,subsidy_deduction_yuan,rule\n";
const char kBenefitsHeader[] = "id,record_id,scheme,start,paid_on,prior_months,gap_months,benefit_start\n";
const char kPlanHeader[] =
    "district,target,insured,lapsed,never,rate,target_rate,gap,duplicates,subsidy_deduction_yuan\n";

void PersonOutcome::clear() {
  registry.clear();
  outreach.clear();
  duplicates.clear();
  actions.clear();
  benefits.clear();
  in_plan = false;
  plan_district = kNoRegion;
  plan = PlanTally{};
  status.target = false;
  status.alive = true;
  status.state = {};
  status.home_district = kNoRegion;
  status.normal.clear();
}

namespace rules_internal {

void append_int(std::string& out, int64_t value) {
  char buf[24];
  const auto result = std::to_chars(buf, buf + sizeof(buf), value);
  out.append(buf, result.ptr);
}

void join_record_ids(const Eval& ev, std::vector<uint32_t>& indices, std::string& out) {
  out.clear();
  std::sort(indices.begin(), indices.end(),
            [&](uint32_t a, uint32_t b) { return ev.rec(a).record_id < ev.rec(b).record_id; });
  for (size_t pos = 0; pos < indices.size(); ++pos) {
    if (pos > 0) out.push_back(';');
    out.append(ev.rec(indices[pos]).record_id);
  }
}

void append_handler(const Eval& ev, Region region, std::string& out) {
  if (ev.is_local(region)) {
    out.append("local");
  } else {
    out.append("region:");
    append_int(out, region);
  }
}

Scratch& thread_scratch() {
  thread_local Scratch scratch;
  return scratch;
}

// ---- RowSet -----------------------------------------------------------------------------------

void RowSet::begin_row() {
  if (count_ == rows_.size()) rows_.emplace_back();
  rows_[count_].clear();
  ++count_;
  first_cell_ = true;
}

void RowSet::separator() {
  if (!first_cell_) rows_[count_ - 1].push_back('\0');
  first_cell_ = false;
}

void RowSet::cell(std::string_view text) {
  separator();
  rows_[count_ - 1].append(text);
}

void RowSet::cell_int(int64_t value) {
  separator();
  append_int(rows_[count_ - 1], value);
}

void RowSet::cell_date(Day day) {
  separator();
  append_date(rows_[count_ - 1], day);
}

void RowSet::cell_region(Region region) {
  separator();
  if (region != kNoRegion) append_int(rows_[count_ - 1], region);
}

void RowSet::cell_bool(bool value) { cell(value ? "true" : "false"); }

// SPEC §6: rows sorted by their cells from left to right as strings.
void RowSet::flush_sorted(std::string& out) {
  order_.clear();
  for (uint32_t idx = 0; idx < count_; ++idx) order_.push_back(idx);
  std::sort(order_.begin(), order_.end(), [&](uint32_t a, uint32_t b) { return rows_[a] < rows_[b]; });
  for (uint32_t idx : order_) {
    const std::string_view row = rows_[idx];
    size_t begin = 0;
    while (true) {
      const size_t end = row.find('\0', begin);
      append_csv_cell(out, row.substr(begin, end == std::string_view::npos ? row.npos : end - begin));
      if (end == std::string_view::npos) break;
      out.push_back(',');
      begin = end + 1;
    }
    out.push_back('\n');
  }
  reset();
}

namespace {

bool holds_local_record(const Eval& ev) {
  for (const EnrollFacts& rf : ev.scratch.enroll)
    if (rf.local) return true;
  return false;
}

// registry.csv: one row per target person or holder of a local enrollment record (any status).
void registry_row(Eval& ev) {
  if (!ev.facts.target && !holds_local_record(ev)) return;
  RowSet& rows = ev.scratch.rows;
  std::vector<uint32_t>& all = ev.scratch.work;
  all.clear();
  for (uint32_t idx = 0; idx < ev.person.enrollment.size(); ++idx) all.push_back(idx);
  join_record_ids(ev, all, ev.scratch.text);
  rows.begin_row();
  rows.cell(ev.id());
  rows.cell(ev.facts.name);
  rows.cell(id_is_male(ev.person.key) ? "M" : "F");
  rows.cell_date(id_birth(ev.person.key));
  rows.cell_region(ev.facts.home_district);
  rows.cell_bool(ev.facts.alive);
  rows.cell(coverage_state_name(ev.state));
  rows.cell(ev.scratch.text);
  rows.cell_bool(ev.facts.assisted);
  rows.cell_bool(ev.facts.student);
  rows.cell_bool(ev.facts.employed);
  rows.cell_bool(ev.facts.pensioner);
  rows.flush_sorted(ev.out.registry);
}

}  // namespace

}  // namespace rules_internal

void evaluate_person(const PersonView& person, const RunSettings& settings, PersonOutcome& out) {
  using namespace rules_internal;
  Scratch& scratch = thread_scratch();
  scratch.rows.reset();
  scratch.actions.reset();
  Eval ev{person, settings, scratch, out};
  ev.d = settings.as_of;
  ev.month_d = month_of_day(ev.d);
  ev.year_d = ymd_from_day(ev.d).year;
  ev.plan_year = settings.plan_year != 0 ? settings.plan_year : ev.year_d + 1;
  format_citizen_id(person.key, ev.id_text);

  compute_facts(ev);              // §4
  compute_enrollment_facts(ev);   // §4 paid / normal
  ev.state = r1_coverage_state(ev);
  PersonStatus& status = out.status;
  status.target = ev.facts.target;
  status.alive = ev.facts.alive;
  status.state = coverage_state_name(ev.state);
  status.home_district = ev.facts.home_district;
  status.normal.clear();
  for (uint32_t idx = 0; idx < person.enrollment.size(); ++idx)
    if (scratch.enroll[idx].normal) status.normal.push_back(idx);
  registry_row(ev);
  r2_outreach(ev);
  int64_t subsidy_yuan = 0;
  const bool has_case = r3_duplicate_cases(ev, subsidy_yuan);  // R3, R3b, R4, R5
  r6_benefit_rows(ev);
  r7_benefit_suspension(ev);
  r8_deceased_still_enrolled(ev);
  scratch.actions.flush_sorted(out.actions);
  r9_plan_contribution(ev, has_case, subsidy_yuan);
}

}  // namespace canbao
