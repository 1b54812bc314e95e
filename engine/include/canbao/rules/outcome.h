// What the rules decide for one person, as typed values: the SPEC §4 facts that reach an output,
// the R1 state, the R2 outreach row, the R3/R3b cases with their R4 resolutions, the R5/R3b/R7/R8
// actions, the R6 benefit rows and the R9 plan contribution. evaluate_person() (rules.h) fills a
// PersonOutcome; output/csv_rows.h formats it as the SPEC §6 CSV rows, and every other reader
// (statistics, report.html, query/serve, the outreach exports) reads these values, never the CSV.
//
// Record references are indices into the PersonView::enrollment vector the outcome was computed
// from; string views point into that view (the mapped index) or at static tokens, so an outcome is
// valid as long as its PersonView is.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "canbao/records/records.h"

namespace canbao {

/// R1 coverage state.
enum class CoverageState : uint8_t { kInsured, kLapsed, kNever };
std::string_view coverage_state_name(CoverageState state);  // insured / lapsed / never

/// R2 group, in the order R2 tries them (SPEC §9 puts self_employed after employed).
enum class OutreachGroup : uint8_t { kNewborn, kAssisted, kStudent, kEmployed, kSelfEmployed, kPensioner, kOther };
std::string_view outreach_group_name(OutreachGroup group);

/// R2 suggested scheme.
enum class SuggestedScheme : uint8_t { kEmployee, kResident, kResidentFunded };
std::string_view suggested_scheme_name(SuggestedScheme scheme);

/// R2 channel: `unit:<code>`, `school:<code>`, `business:<code>` (SPEC §9) or
/// `community:<home district>`.
enum class ChannelKind : uint8_t { kUnit, kSchool, kBusiness, kCommunity };

/// R3 case types (R3b: kNextYearResident).
enum class CaseType : uint8_t { kCrossScheme, kEmployeeEmployee, kNextYearResident, kResidentResident };
std::string_view case_type_name(CaseType type);

/// actions.csv `action`.
enum class ActionKind : uint8_t { kTerminate, kSuspend, kSuspendBenefits, kTerminateDeceased };

/// SPEC §7 case ledger (X 五 清理程序): a case's status; all but kResolved are "active".
enum class CaseStatus : uint8_t { kOpen, kEscalated, kOverdue, kExempt, kResolved };
std::string_view case_status_name(CaseStatus status);
/// Parses open / escalated / overdue / exempt / resolved; false otherwise.
bool parse_case_status(std::string_view text, CaseStatus& out);
/// Parses cross_scheme / employee_employee / next_year_resident / resident_resident.
bool parse_case_type(std::string_view text, CaseType& out);

/// A case's row in the ledger at one run (SPEC §7 cases.csv dates); kNoDay = empty cell.
struct LedgerRow {
  CaseStatus status = CaseStatus::kOpen;
  Day opened_on = kNoDay, deadline = kNoDay, escalated_on = kNoDay, resolved_on = kNoDay;
  bool active() const { return status != CaseStatus::kResolved; }
};
std::string_view action_kind_name(ActionKind kind);

/// actions.csv `escalation` (X 五(三)); kNone is an empty cell.
enum class Escalation : uint8_t { kNone, kTaxStop, kNotifyRegion };
std::string_view escalation_name(Escalation escalation);

/// actions.csv `refund` (N 六(一)3, X 四(二)); kNone is an empty cell.
enum class Refund : uint8_t { kNone, kRefundable, kNotRefundable, kAccountBalance, kTransferAccount };
std::string_view refund_name(Refund refund);

/// The R2 row of an uninsured target person.
struct OutreachRow {
  OutreachGroup group = OutreachGroup::kOther;
  SuggestedScheme scheme = SuggestedScheme::kResident;
  ChannelKind channel = ChannelKind::kCommunity;
  std::string_view channel_code;  // unit, school or business code (kUnit / kSchool / kBusiness)
};

/// SPEC §9 newborns.csv: one newborn without ID (the latest record of its birth_cert). Views point
/// into the mapped index.
struct NewbornRow {
  std::string_view birth_cert, name, mother_id;  // mother_id as delivered (masked when written)
  Sex sex = Sex::kNone;
  Day birth = kNoDay;
  Region home_district = kNoRegion;  // the mother's home district; kNoRegion: none
  Region hospital = kNoRegion;       // the record's region (issuing hospital), for `hospital:`
};

/// One R3/R3b case and its R4 resolution. Record lists hold enrollment indices in record order.
struct DuplicateCase {
  CaseType type = CaseType::kCrossScheme;
  std::string_view resolution;  // R4 token (`keep_employee`, …; R3b `suspend_next_year`)
  std::string_view rule;        // clause (`N5`, `X3.1.3`, …)
  std::vector<uint32_t> records, kept, terminated;
  LedgerRow ledger;             // SPEC §7: its row in the case ledger at this run
};

/// One actions.csv row.
struct ActionRow {
  uint32_t record = 0;       // enrollment index
  ActionKind action = ActionKind::kTerminate;
  Region handler_region = kNoRegion;  // kNoRegion: `local`; else `region:<code>`
  Day deadline = kNoDay;              // kNoDay: empty (R7/R8)
  Escalation escalation = Escalation::kNone;
  Refund refund = Refund::kNone;
  int64_t subsidy_deduction_yuan = 0;
  std::string_view rule;
  int case_index = -1;  // R5 terminate / R3b suspend: its case in PersonOutcome::cases (deadline from the ledger)
};

/// One benefits.csv row (R6).
struct BenefitRow {
  uint32_t record = 0;       // enrollment index
  Day paid_on = kNoDay;      // resident records only
  int prior_months = 0;      // C
  int gap_months = -1;       // G; -1 when there is no prior cover (empty cell)
  Day benefit_start = kNoDay;
};

/// One plan.csv row's counters (SPEC R9).
struct PlanTally {
  int64_t target = 0;
  int64_t insured = 0;
  int64_t lapsed = 0;
  int64_t never = 0;
  int64_t duplicates = 0;  // persons with at least one R3/R3b case
  int64_t subsidy_deduction_yuan = 0;

  PlanTally& operator+=(const PlanTally& other);
};

/// The SPEC §4 facts of a person that reach an output (the rules' own Facts extend them).
struct PersonFacts {
  bool target = false;               // §4 target population: alive, valid ID, home district
  bool alive = true;
  bool assisted = false;
  bool student = false;              // enrolled student
  bool employed = false;             // active employment
  bool pensioner = false;            // latest pension record is `receiving`
  bool self_employed = false;        // SPEC §9: a market record in business at d
  Region home_district = kNoRegion;  // kNoRegion: none
  std::string_view name;             // §6 name cell, trimmed
  std::string_view address;          // first public-security address, trimmed
};

/// Everything the rules decided for one person: its §4 facts, then the rules' results.
struct PersonOutcome : PersonFacts {
  CoverageState state = CoverageState::kNever;  // R1 (meaningful for registry persons)
  std::vector<uint32_t> normal;      // §4 normal records, enrollment indices ascending

  bool in_registry = false;   // target person or holder of a local enrollment record (registry.csv)
  bool in_outreach = false;   // R2
  OutreachRow outreach;
  std::vector<DuplicateCase> cases;  // R3/R3b in the order found (R3 same-scheme, cross_scheme, R3b)
  std::vector<ActionRow> actions;    // R5, R3b, R7, R8
  std::vector<BenefitRow> benefits;  // R6

  /// R9: whether the person adds to plan.csv; plan_district is the home district, or kNoRegion
  /// for the `unassigned` row.
  bool in_plan = false;
  Region plan_district = kNoRegion;
  PlanTally plan;

  /// Resets for the next person, keeping vector capacity.
  void clear();
};

}  // namespace canbao
