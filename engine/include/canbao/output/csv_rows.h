// SPEC §6 CSV text of the per-person outputs: the one place where a typed PersonOutcome
// (rules/outcome.h) becomes registry/outreach/duplicates/actions/benefits.csv rows, and where
// plan.csv is written from the plan rows. Cells follow SPEC §6 (dates YYYY-MM-DD, booleans
// true/false, RFC 4180 quoting); a person's rows of one file are sorted by their cells left to
// right as strings, and persons come in key order (= `id` order), so every file is sorted as §6
// says without a global sort.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "canbao/rules/rules.h"

namespace canbao {

/// The per-person outputs, in this order.
enum OutputFile : int { kRegistryCsv = 0, kOutreachCsv, kDuplicatesCsv, kActionsCsv, kBenefitsCsv, kOutputFileCount };
/// `registry.csv`, … per OutputFile.
extern const char* const kOutputNames[kOutputFileCount];
/// Header lines ('\n'-terminated) per OutputFile, SPEC §6 column order.
extern const char* const kOutputHeaders[kOutputFileCount];
extern const char kPlanHeader[];

/// Rows of the per-person outputs, appended person after person.
struct OutcomeText {
  std::array<std::string, kOutputFileCount> text;
  std::array<uint64_t, kOutputFileCount> rows{};
  void clear();
};

/// Masking of the copies of outreach rows that leave the bureau (issue #5).
struct RowMasking {
  bool ids = false;    // SPEC §6 id_masked form
  bool names = false;  // surname kept, every other character `*`
};

/// Formats outcomes as SPEC §6 rows. Not thread-safe: one per worker (it keeps scratch buffers).
class CsvFormatter {
 public:
  /// Appends the person's rows of every per-person output to `out`.
  void append(const PersonView& person, const PersonOutcome& outcome, OutcomeText& out);
  /// Appends the person's outreach.csv row (REQUIRES outcome.in_outreach), masked as asked.
  void append_outreach(const PersonView& person, const PersonOutcome& outcome, const RowMasking& masking,
                       std::string& out);

 private:
  /// Collects one file's rows of a person as '\0'-separated cells, then writes them sorted.
  class RowSet {
   public:
    void begin_row();
    void cell(std::string_view text);
    void cell_int(int64_t value);
    void cell_date(Day day);          // empty for kNoDay
    void cell_region(Region region);  // empty for kNoRegion
    void cell_bool(bool value);
    /// Appends the rows sorted by their cells as RFC 4180 lines; returns how many; then resets.
    uint64_t flush_sorted(std::string& out);

   private:
    void separator();
    std::vector<std::string> rows_;
    std::vector<uint32_t> order_;
    size_t count_ = 0;
    bool first_cell_ = true;
  };

  std::string_view record_ids(const PersonView& person, const std::vector<uint32_t>& indices);
  std::string_view handler(Region handler_region);
  std::string_view channel(const PersonOutcome& outcome);

  RowSet rows_;
  std::string text_;
  std::vector<uint32_t> work_, all_;
  char id_[18] = {};
};

/// `local` for kNoRegion, else `region:<code>` (R5 handler), into `out` (cleared first).
void format_handler(Region handler_region, std::string& out);
/// The R2 `channel` cell of an outreach row (`unit:`, `school:`, `business:` or
/// `community:<home district>`), into `out` (cleared first).
void format_channel(const PersonOutcome& outcome, std::string& out);
/// Orders enrollment indices by record_id, as §6 lists them in `records`/`kept`/`terminated`.
void sort_by_record_id(const PersonView& person, std::vector<uint32_t>& indices);

/// A plan row's `rate` cell: insured/target with 4 decimals (`0.9523`), empty without a target.
std::string format_plan_rate(const PlanRow& row);
/// The cells of a plan.csv row, in SPEC §6 column order.
std::vector<std::string> plan_row_cells(const PlanRow& row, const RunSettings& settings);
/// plan.csv with its header (R9): districts ascending, `unassigned`, `total`.
std::string format_plan_csv(const std::vector<PlanRow>& rows, const RunSettings& settings);
/// The first cell of a plan row: the district code, `unassigned` or `total`.
std::string plan_row_label(const PlanRow& row);

/// SPEC §9 newborns.csv header line.
extern const char kNewbornsHeader[];
/// Appends one newborns.csv line (mother_id always masked as id_masked; names masked on request):
/// `community:<home district>` when the mother's home district is known, else an empty district
/// and `hospital:<region>`.
void append_newborn_row(const NewbornRow& row, const RowMasking& masking, std::string& out);
/// newborns.csv with its header; rows in the order given (by birth_cert).
std::string format_newborns_csv(const std::vector<NewbornRow>& rows);

}  // namespace canbao
