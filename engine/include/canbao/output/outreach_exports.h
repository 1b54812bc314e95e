// Outreach lists for the districts' community workers (issue #5): the R2 rows of outreach.csv
// split into outreach/<district>.csv, optionally with masked IDs and names for lists that leave
// the bureau. The bureau's own outreach.csv keeps full IDs and names. Rows are formatted from the
// typed outcome (rules/outcome.h) by each worker; the writer appends them in key order.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "canbao/core/status.h"
#include "canbao/output/csv_rows.h"
#include "canbao/output/output_file.h"

namespace canbao {

struct OutreachExportOptions {
  bool split_by_district = false;  // write outreach/<home_district>.csv
  bool mask_ids = false;           // SPEC §6 id_masked form: first 6 and last 4 characters kept
  bool mask_names = false;         // first character (the surname) kept, every other one `*`
  bool csv = true;                 // outreach/<district>.csv (--split-format csv|both)
  bool xlsx = false;               // outreach/<district>.xlsx (--split-format xlsx|both, issue #15)
};

/// Display width of a cell in spreadsheet column units: a wide (CJK, full-width) code point
/// counts 2, any other 1.
size_t display_width(std::string_view text);

/// The district-list rows one worker gathered for a partition: home district → CSV lines.
struct DistrictRows {
  std::map<Region, std::string> text;
  std::map<Region, uint64_t> rows;
  void clear();
  /// Appends the person's outreach row (masked as the options say) to its district's lines.
  /// REQUIRES: outcome.in_outreach (an R2 person always has a home district).
  void add(CsvFormatter& formatter, const PersonView& person, const PersonOutcome& outcome,
           const OutreachExportOptions& options);
  /// SPEC §9: appends a newborns.csv row to the list of the mother's home district, else of the
  /// issuing hospital's district, else `unassigned` (kNoRegion).
  void add_newborn(const NewbornRow& row, const RunSettings& settings, const OutreachExportOptions& options);
};

/// What a kind of district list is called: its folder, header line and workbook sheet.
struct DistrictList {
  const char* folder;  // `outreach` / `newborns`
  const char* header;  // the CSV header line ('\n'-terminated)
  const char* sheet;   // 外展名单 / 新生儿名单
};
extern const DistrictList kOutreachList;  // R2 outreach rows: outreach/<district>.csv
extern const DistrictList kNewbornsList;  // SPEC §9 newborns rows: newborns/<district>.csv
/// A district list's file name without extension: the code, or `unassigned` for kNoRegion.
std::string district_file_stem(Region district);

class DistrictWorkbook;

/// Writes `dir`/outreach/<district>.csv and/or .xlsx (options.csv, options.xlsx), or the lists of
/// another DistrictList: one per district, the list's header, rows in the order given (key order). A workbook has one
/// sheet 外展名单, a bold frozen header row, every cell a string, columns as wide as their longest
/// cell (capped at kMaxColumnWidth). Every failure names the file.
class OutreachExportWriter {
 public:
  static constexpr size_t kMaxColumnWidth = 60;
  OutreachExportWriter();
  ~OutreachExportWriter();
  /// Creates `dir`/<list.folder>; with `bom` every CSV list starts with kUtf8Bom.
  Status open(const std::string& dir, const OutreachExportOptions& options = {}, bool bom = false,
              const DistrictList& list = kOutreachList);
  /// Appends a partition's rows, opening a district's file (with the header) at its first row.
  Status write(const DistrictRows& rows);
  /// Closes every file (a workbook is assembled here); rows_by_district receives the row count of
  /// each district written.
  Status close(std::map<std::string, uint64_t>& rows_by_district);

 private:
  const DistrictList* list_ = &kOutreachList;
  std::string folder_;
  bool csv_ = true, xlsx_ = false, bom_ = false;
  std::map<Region, std::unique_ptr<BufferedFile>> files_;
  std::map<Region, std::unique_ptr<DistrictWorkbook>> workbooks_;
  std::map<Region, uint64_t> rows_;
};

}  // namespace canbao
