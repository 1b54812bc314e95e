// Outreach lists for the districts' community workers (issue #5): outreach.csv (SPEC §6, R2)
// split into outreach/<district>.csv, optionally with masked IDs and names for lists that leave
// the bureau. The bureau's own outreach.csv keeps full IDs and names.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "canbao/core/status.h"

namespace canbao {

struct OutreachExportOptions {
  bool split_by_district = false;  // write outreach/<home_district>.csv
  bool mask_ids = false;           // SPEC §6 id_masked form: first 6 and last 4 characters kept
  bool mask_names = false;         // first character (the surname) kept, every other one `*`
};

/// A name for lists that leave the bureau: the first character kept, every later one (UTF-8 code
/// point) replaced by `*` ("陈晓明" → "陈**"); a one-character name becomes "*"; trimmed first.
std::string mask_name(std::string_view name);

/// Reads `outreach_csv` (the run's outreach.csv) and writes `dir`/outreach/<district>.csv, one per
/// home district with the same header, rows in the same order. rows_by_district receives the row
/// count of every file written. An outreach row without a 6-digit home district is an error (the
/// SPEC gives every R2 person one).
Status write_outreach_exports(std::string_view outreach_csv, const std::string& dir,
                              const OutreachExportOptions& options, std::map<std::string, uint64_t>& rows_by_district);

}  // namespace canbao
