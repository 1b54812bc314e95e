// The rules R1–R9 of SPEC §5 applied to one person, and the plan table they add up to.
//
// evaluate_person() is a pure function of (PersonView, RunSettings): it is called once per person,
// concurrently from several workers (each with its own PersonOutcome), and writes that person's
// rows of registry/outreach/duplicates/actions/benefits.csv plus their contribution to plan.csv.
// The rule code lives in engine/src/rules/, one section per SPEC rule number.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "canbao/rules/person_view.h"

namespace canbao {

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

/// What a real-time lookup reports of a person (issue #5), filled by evaluate_person.
struct PersonStatus {
  bool target = false;               // §4 target population
  bool alive = true;                 // §4 alive
  std::string_view state;            // R1: insured / lapsed / never
  Region home_district = kNoRegion;  // §4 home district (kNoRegion: none)
  std::vector<uint32_t> normal;      // §4 normal records: indices into PersonView::enrollment
};

/// What one person contributes to the outputs.
struct PersonOutcome {
  // Complete CSV lines ('\n'-terminated, no header), in SPEC §6 order within this person.
  std::string registry, outreach, duplicates, actions, benefits;
  /// True when the person adds to plan.csv; plan_district is the home district, or kNoRegion
  /// for the `unassigned` row.
  bool in_plan = false;
  Region plan_district = kNoRegion;
  PlanTally plan;
  PersonStatus status;

  void clear();
};

/// Evaluates SPEC §4 facts and R1–R8 for one person, and their R9 plan contribution.
/// REQUIRES: person.key is a valid key and the person has at least one record.
void evaluate_person(const PersonView& person, const RunSettings& settings, PersonOutcome& out);

/// CSV header lines ('\n'-terminated) of the per-person outputs, SPEC §6 column order.
extern const char kRegistryHeader[];
extern const char kOutreachHeader[];
extern const char kDuplicatesHeader[];
extern const char kActionsHeader[];
extern const char kBenefitsHeader[];
extern const char kPlanHeader[];

/// Sums plan contributions per district (R9). Not thread-safe: one per worker, then merge().
class PlanTable {
 public:
  void add(const PersonOutcome& outcome);
  void merge(const PlanTable& other);
  /// plan.csv with its header: districts ascending, then `unassigned` (always), then `total`.
  std::string to_csv(const RunSettings& settings) const;
  const std::map<Region, PlanTally>& districts() const { return districts_; }
  const PlanTally& unassigned() const { return unassigned_; }

 private:
  std::map<Region, PlanTally> districts_;
  PlanTally unassigned_;
};

}  // namespace canbao
