// Internals of the reference oracle (tools/synth/src/oracle*.cpp): the per-person context that
// evaluate() threads through SPEC §4 facts and R1–R8, one file per rule family, the way
// engine/src/rules/ is split. Not installed.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "synth_internal.h"

namespace canbao::synth::oracle {

/// One person under evaluation: its accepted records, the §4 facts the rules read, and the
/// Outcome being filled. Built by evaluate(); each step reads what the earlier steps set.
struct Ctx {
  const SPerson& p;
  const Settings& s;
  Day d;
  Month md;
  int year;
  Outcome& out;

  // Accepted records (clean ones and those linked by fallback).
  std::vector<const SEnroll*> enr;
  std::vector<const STax*> tax;
  std::vector<const SHr*> hr;
  std::vector<const SPs*> ps;
  std::vector<const SEdu*> edu;
  std::vector<const SDis*> dis;
  std::vector<const SCiv*> civ;
  std::vector<const SHealth*> health;  // the person's own health records (by ID or linked)
  std::vector<const SMarket*> market;

  // §4 facts.
  const SHr* employment = nullptr;  // the active employment
  const SHr* pension = nullptr;     // the latest pension record
  Region pension_region = 0;
  const SEdu* school = nullptr;     // the enrolled student's school
  const SMarket* business = nullptr;  // the first self-employed market record (SPEC §9)
  Region habitual = 0;              // habitual residence

  bool insured = false;                          // R1: some normal record (read by R3b)
  std::map<const SEnroll*, Day> benefit_start;   // R6 benefit start per record (read by R5)

  void flag(const std::string& why) {
    if (out.ambiguity.empty()) out.ambiguity = why;
  }

  // §4 paid / normal of an enrollment record at d.
  bool paid(const SEnroll& e) const;
  bool normal(const SEnroll& e) const;
  /// Employee continuity (months) of an employee record (flags other-region records near 12).
  int continuity(const SEnroll& e);

  std::string rid(const SEnroll* e) const { return p.record_id(*e); }
  std::vector<std::string> sorted_ids(const std::vector<const SEnroll*>& list) const;
};

bool covers(const SEnroll& e, Day t);
/// Under 1 year at d (SPEC R2 newborn, §9 home district): born less than a year before d.
bool under_one(Day birth, Day d);
bool tax_covers(const STax& t, Month m);
std::string handler_of(const Settings& s, Region region);

// The steps of evaluate(), in order.
bool collect_records(Ctx& c);  // false: the person has no accepted record
void derive_facts(Ctx& c);     // §4 facts, habitual residence, home district, target
void r1_state(Ctx& c);
void r2_outreach(Ctx& c);
void r6_benefits(Ctx& c);      // before R3–R5: R5 refunds read the benefit starts
void r3_r5_duplicates(Ctx& c);
void r3b_next_year_resident(Ctx& c);
void r7_suspend_benefits(Ctx& c);
void r8_deceased(Ctx& c);
void newborns_without_id(Ctx& c);  // SPEC §9 newborns.csv rows of the records this block wrote

}  // namespace canbao::synth::oracle
