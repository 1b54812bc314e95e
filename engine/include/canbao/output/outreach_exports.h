// Outreach lists for the districts' community workers (issue #5): the R2 rows of outreach.csv
// split into outreach/<district>.csv, optionally with masked IDs and names for lists that leave
// the bureau. The bureau's own outreach.csv keeps full IDs and names. Rows are formatted from the
// typed outcome (rules/outcome.h) by each worker; the writer appends them in key order.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "canbao/core/status.h"
#include "canbao/output/csv_rows.h"
#include "canbao/output/output_file.h"

namespace canbao {

struct OutreachExportOptions {
  bool split_by_district = false;  // write outreach/<home_district>.csv
  bool mask_ids = false;           // SPEC §6 id_masked form: first 6 and last 4 characters kept
  bool mask_names = false;         // first character (the surname) kept, every other one `*`
};

/// The district-list rows one worker gathered for a partition: home district → CSV lines.
struct DistrictRows {
  std::map<Region, std::string> text;
  std::map<Region, uint64_t> rows;
  void clear();
  /// Appends the person's outreach row (masked as the options say) to its district's lines.
  /// REQUIRES: outcome.in_outreach (an R2 person always has a home district).
  void add(CsvFormatter& formatter, const PersonView& person, const PersonOutcome& outcome,
           const OutreachExportOptions& options);
};

/// Writes `dir`/outreach/<district>.csv: one per home district, the outreach.csv header, rows in
/// the order given (key order). Every failure names the file.
class OutreachExportWriter {
 public:
  /// Creates `dir`/outreach.
  Status open(const std::string& dir);
  /// Appends a partition's rows, opening a district's file (with the header) at its first row.
  Status write(const DistrictRows& rows);
  /// Closes every file; rows_by_district receives the row count of each file written.
  Status close(std::map<std::string, uint64_t>& rows_by_district);

 private:
  std::string folder_;
  std::map<Region, std::unique_ptr<BufferedFile>> files_;
  std::map<Region, uint64_t> rows_;
};

}  // namespace canbao
