// Everything known about one person: their records from every agency, gathered by the
// cross-match (match/) and read by the rules (rules/). Vectors are reused from person to person
// by each worker, so filling a view allocates nothing once warmed up.
#pragma once

#include <string>
#include <vector>

#include "canbao/records/records.h"

namespace canbao {

struct PersonView {
  PersonKey key = kNoPerson;
  // Each vector is in (feed, line) order: manifest feed order, then line.
  std::vector<Enrollment> enrollment;
  std::vector<Tax> tax;
  std::vector<Hr> hr;
  std::vector<PublicSecurity> public_security;
  std::vector<Education> education;
  std::vector<Disability> disability;
  std::vector<CivilAffairs> civil_affairs;

  bool empty() const {
    return enrollment.empty() && tax.empty() && hr.empty() && public_security.empty() && education.empty() &&
           disability.empty() && civil_affairs.empty();
  }

  void clear() {
    key = kNoPerson;
    enrollment.clear();
    tax.clear();
    hr.clear();
    public_security.clear();
    education.clear();
    disability.clear();
    civil_affairs.clear();
  }
};

/// Run-wide settings from the manifest (SPEC §1).
struct RunSettings {
  Region city = 350200;
  Day as_of = kNoDay;
  int plan_year = 0;                      // year of as_of + 1
  double target_rate = 0.95;
  std::string target_rate_text = "0.95";  // as written in the manifest, for plan.csv
  int64_t resident_subsidy_yuan = 0;
  int notice_days = 30;

  /// A region is local when its first 4 digits equal the city's (SPEC §1).
  bool is_local(Region region) const { return region != kNoRegion && region / 100 == city / 100; }
};

}  // namespace canbao
