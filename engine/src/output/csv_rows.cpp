#include "canbao/output/csv_rows.h"

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "canbao/core/text.h"

namespace canbao {

const char* const kOutputNames[kOutputFileCount] = {"registry.csv", "outreach.csv", "duplicates.csv", "actions.csv",
                                                    "benefits.csv"};
const char* const kOutputHeaders[kOutputFileCount] = {
    "id,name,sex,birth,home_district,alive,state,records,assisted,student,employed,pensioner\n",
    "id,name,home_district,address,state,group,suggested_scheme,channel\n",
    "id,name,type,records,kept,terminated,resolution,rule\n",
    "id,record_id,action,handler,deadline,escalation,refund,subsidy_deduction_yuan,rule\n",
    "id,record_id,scheme,start,paid_on,prior_months,gap_months,benefit_start\n"};
const char kPlanHeader[] =
    "district,target,insured,lapsed,never,rate,target_rate,gap,duplicates,subsidy_deduction_yuan\n";
const char kNewbornsHeader[] = "birth_cert,name,sex,birth,mother_id_masked,home_district,channel\n";

namespace {

void append_int(std::string& out, int64_t value) {
  char buf[24];
  const auto result = std::to_chars(buf, buf + sizeof(buf), value);
  out.append(buf, result.ptr);
}

}  // namespace

void OutcomeText::clear() {
  for (std::string& file : text) file.clear();
  rows.fill(0);
}

// ---- RowSet -----------------------------------------------------------------------------------

void CsvFormatter::RowSet::begin_row() {
  if (count_ == rows_.size()) rows_.emplace_back();
  rows_[count_].clear();
  ++count_;
  first_cell_ = true;
}

void CsvFormatter::RowSet::separator() {
  if (!first_cell_) rows_[count_ - 1].push_back('\0');
  first_cell_ = false;
}

void CsvFormatter::RowSet::cell(std::string_view text) {
  separator();
  rows_[count_ - 1].append(text);
}

void CsvFormatter::RowSet::cell_int(int64_t value) {
  separator();
  append_int(rows_[count_ - 1], value);
}

void CsvFormatter::RowSet::cell_date(Day day) {
  separator();
  append_date(rows_[count_ - 1], day);
}

void CsvFormatter::RowSet::cell_region(Region region) {
  separator();
  if (region != kNoRegion) append_int(rows_[count_ - 1], region);
}

void CsvFormatter::RowSet::cell_bool(bool value) { cell(value ? "true" : "false"); }

// SPEC §6: rows sorted by their cells from left to right as strings. Cells are '\0'-separated, and
// NUL sorts before every other byte, so comparing two row strings compares their cells in order.
uint64_t CsvFormatter::RowSet::flush_sorted(std::string& out) {
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
  const uint64_t written = count_;
  count_ = 0;
  return written;
}

// ---- cells ------------------------------------------------------------------------------------

void format_handler(Region handler_region, std::string& out) {
  out.clear();
  if (handler_region == kNoRegion) {
    out.append("local");
  } else {
    out.append("region:");
    append_int(out, handler_region);
  }
}

// `;`-joined record_ids in ascending order (SPEC §6).
void sort_by_record_id(const PersonView& person, std::vector<uint32_t>& indices) {
  std::sort(indices.begin(), indices.end(),
            [&](uint32_t a, uint32_t b) { return person.enrollment[a].record_id < person.enrollment[b].record_id; });
}

std::string_view CsvFormatter::record_ids(const PersonView& person, const std::vector<uint32_t>& indices) {
  work_ = indices;
  sort_by_record_id(person, work_);
  text_.clear();
  for (size_t pos = 0; pos < work_.size(); ++pos) {
    if (pos > 0) text_.push_back(';');
    text_.append(person.enrollment[work_[pos]].record_id);
  }
  return text_;
}

std::string_view CsvFormatter::handler(Region handler_region) {
  format_handler(handler_region, text_);
  return text_;
}

void format_channel(const PersonOutcome& outcome, std::string& out) {
  out.clear();
  switch (outcome.outreach.channel) {
    case ChannelKind::kUnit: out.append("unit:").append(outcome.outreach.channel_code); break;
    case ChannelKind::kSchool: out.append("school:").append(outcome.outreach.channel_code); break;
    case ChannelKind::kBusiness: out.append("business:").append(outcome.outreach.channel_code); break;
    case ChannelKind::kCommunity:
      out.append("community:");
      append_int(out, outcome.home_district);
      break;
  }
}

std::string_view CsvFormatter::channel(const PersonOutcome& outcome) {
  format_channel(outcome, text_);
  return text_;
}

// ---- rows -------------------------------------------------------------------------------------

void CsvFormatter::append_outreach(const PersonView& person, const PersonOutcome& outcome, const RowMasking& masking,
                                   std::string& out) {
  format_citizen_id(person.key, id_);
  const std::string_view id(id_, sizeof(id_));
  rows_.begin_row();
  if (masking.ids) {
    rows_.cell(mask_id(id));
  } else {
    rows_.cell(id);
  }
  if (masking.names) {
    rows_.cell(mask_name(outcome.name));
  } else {
    rows_.cell(outcome.name);
  }
  rows_.cell_region(outcome.home_district);
  rows_.cell(outcome.address);
  rows_.cell(coverage_state_name(outcome.state));
  rows_.cell(outreach_group_name(outcome.outreach.group));
  rows_.cell(suggested_scheme_name(outcome.outreach.scheme));
  rows_.cell(channel(outcome));
  rows_.flush_sorted(out);
}

void CsvFormatter::append(const PersonView& person, const PersonOutcome& outcome, OutcomeText& out) {
  format_citizen_id(person.key, id_);
  const std::string_view id(id_, sizeof(id_));
  if (outcome.in_registry) {  // registry.csv
    rows_.begin_row();
    rows_.cell(id);
    rows_.cell(outcome.name);
    rows_.cell(id_is_male(person.key) ? "M" : "F");
    rows_.cell_date(id_birth(person.key));
    rows_.cell_region(outcome.home_district);
    rows_.cell_bool(outcome.alive);
    rows_.cell(coverage_state_name(outcome.state));
    all_.clear();
    for (uint32_t idx = 0; idx < person.enrollment.size(); ++idx) all_.push_back(idx);
    rows_.cell(record_ids(person, all_));
    rows_.cell_bool(outcome.assisted);
    rows_.cell_bool(outcome.student);
    rows_.cell_bool(outcome.employed);
    rows_.cell_bool(outcome.pensioner);
    out.rows[kRegistryCsv] += rows_.flush_sorted(out.text[kRegistryCsv]);
  }
  if (outcome.in_outreach) {  // outreach.csv
    append_outreach(person, outcome, RowMasking{}, out.text[kOutreachCsv]);
    ++out.rows[kOutreachCsv];
  }
  for (const DuplicateCase& dup : outcome.cases) {  // duplicates.csv
    rows_.begin_row();
    rows_.cell(id);
    rows_.cell(outcome.name);
    rows_.cell(case_type_name(dup.type));
    rows_.cell(record_ids(person, dup.records));
    rows_.cell(record_ids(person, dup.kept));
    rows_.cell(record_ids(person, dup.terminated));
    rows_.cell(dup.resolution);
    rows_.cell(dup.rule);
  }
  out.rows[kDuplicatesCsv] += rows_.flush_sorted(out.text[kDuplicatesCsv]);
  for (const ActionRow& action : outcome.actions) {  // actions.csv
    rows_.begin_row();
    rows_.cell(id);
    rows_.cell(person.enrollment[action.record].record_id);
    rows_.cell(action_kind_name(action.action));
    rows_.cell(handler(action.handler_region));
    rows_.cell_date(action.deadline);
    rows_.cell(escalation_name(action.escalation));
    rows_.cell(refund_name(action.refund));
    rows_.cell_int(action.subsidy_deduction_yuan);
    rows_.cell(action.rule);
  }
  out.rows[kActionsCsv] += rows_.flush_sorted(out.text[kActionsCsv]);
  for (const BenefitRow& benefit : outcome.benefits) {  // benefits.csv
    const Enrollment& record = person.enrollment[benefit.record];
    rows_.begin_row();
    rows_.cell(id);
    rows_.cell(record.record_id);
    rows_.cell(scheme_name(record.scheme));
    rows_.cell_date(record.start);
    rows_.cell_date(benefit.paid_on);
    rows_.cell_int(benefit.prior_months);
    if (benefit.gap_months >= 0) {
      rows_.cell_int(benefit.gap_months);
    } else {
      rows_.cell({});
    }
    rows_.cell_date(benefit.benefit_start);
  }
  out.rows[kBenefitsCsv] += rows_.flush_sorted(out.text[kBenefitsCsv]);
}

// ---- plan.csv ---------------------------------------------------------------------------------

std::string plan_row_label(const PlanRow& row) {
  if (!row.label.empty()) return std::string(row.label);
  std::string label;
  append_int(label, row.district);
  return label;
}

std::string format_plan_rate(const PlanRow& row) {
  std::string out;
  if (!row.has_rate) return out;
  append_int(out, row.rate_per_10000 / 10000);
  out.push_back('.');
  const int64_t frac = row.rate_per_10000 % 10000;
  for (int64_t pow10 = 1000; pow10 > 0; pow10 /= 10) out.push_back(static_cast<char>('0' + frac / pow10 % 10));
  return out;
}

std::vector<std::string> plan_row_cells(const PlanRow& row, const RunSettings& settings) {
  std::string target_rate = settings.target_rate_text;  // as written in the manifest
  if (target_rate.empty()) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%g", settings.target_rate);
    target_rate = buf;
  }
  const PlanTally& tally = row.tally;
  return {plan_row_label(row),          std::to_string(tally.target),     std::to_string(tally.insured),
          std::to_string(tally.lapsed), std::to_string(tally.never),      format_plan_rate(row),
          target_rate,                  std::to_string(row.gap),          std::to_string(tally.duplicates),
          std::to_string(tally.subsidy_deduction_yuan)};
}

std::string format_plan_csv(const std::vector<PlanRow>& rows, const RunSettings& settings) {
  std::string out = kPlanHeader;
  for (const PlanRow& row : rows) {
    bool first = true;
    for (const std::string& cell : plan_row_cells(row, settings)) {
      if (!first) out.push_back(',');
      first = false;
      append_csv_cell(out, cell);
    }
    out.push_back('\n');
  }
  return out;
}

void append_newborn_row(const NewbornRow& row, const RowMasking& masking, std::string& out) {
  const auto cell = [&](std::string_view text, char after) {
    append_csv_cell(out, text);
    out += after;
  };
  cell(row.birth_cert, ',');
  cell(masking.names ? mask_name(row.name) : std::string(row.name), ',');
  cell(row.sex == Sex::kMale ? "M" : row.sex == Sex::kFemale ? "F" : "", ',');
  cell(row.birth == kNoDay ? std::string() : format_date(row.birth), ',');
  cell(row.mother_id.empty() ? std::string() : mask_id(row.mother_id), ',');  // always masked (SPEC §9)
  if (row.home_district != kNoRegion) {
    const std::string district = std::to_string(row.home_district);
    cell(district, ',');
    cell("community:" + district, '\n');
  } else {
    cell("", ',');
    cell("hospital:" + (row.hospital == kNoRegion ? std::string() : std::to_string(row.hospital)), '\n');
  }
}

std::string format_newborns_csv(const std::vector<NewbornRow>& rows) {
  std::string out = kNewbornsHeader;
  for (const NewbornRow& row : rows) append_newborn_row(row, RowMasking{}, out);
  return out;
}

}  // namespace canbao
