// Run-wide settings of SPEC §1 (city, as_of, plan year, target rate, subsidy, notice days): read
// from the manifest (manifest/), used by the rules and stored with the index (index/).
#pragma once

#include <cstdint>
#include <string>

#include "canbao/records/records.h"

namespace canbao {

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
