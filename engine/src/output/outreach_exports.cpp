#include "canbao/output/outreach_exports.h"

#include <xlsxwriter.h>

#include <algorithm>
#include <filesystem>
#include <vector>

#include "canbao/core/private_files.h"
#include "canbao/core/text.h"

namespace canbao {

namespace {

bool is_wide(uint32_t cp) {
  return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) || (cp >= 0xAC00 && cp <= 0xD7A3) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
         (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x20000 && cp <= 0x3FFFD);
}

}  // namespace

size_t display_width(std::string_view text) {
  size_t width = 0;
  for (size_t pos = 0; pos < text.size();) {
    const auto lead = static_cast<unsigned char>(text[pos]);
    size_t len = std::min(utf8_len(lead), text.size() - pos);
    uint32_t cp = lead;
    if (len == 2) cp = lead & 0x1F;
    if (len == 3) cp = lead & 0x0F;
    if (len == 4) cp = lead & 0x07;
    for (size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(text[pos + k]) & 0x3F);
    width += len > 1 && is_wide(cp) ? 2 : 1;
    pos += len;
  }
  return width;
}

// One district's workbook, streamed: libxlsxwriter's constant_memory mode writes each row to a
// temporary file as soon as the next one starts (rows arrive in key order), so a large district
// costs one row of memory; the workbook is assembled at close().
class DistrictWorkbook {
 public:
  ~DistrictWorkbook() {
    if (workbook_) lxw_workbook_free(workbook_);  // only after an error (the run is abandoned)
  }
  /// `tmpdir`: where the rows wait for close() (the output's disk, not a tmpfs /tmp).
  Status open(const std::string& path, const std::string& tmpdir, const DistrictList& list) {
    path_ = path;
    tmpdir_ = tmpdir;
    lxw_workbook_options options{};
    options.constant_memory = LXW_TRUE;
    options.tmpdir = tmpdir_.data();
    workbook_ = workbook_new_opt(path.c_str(), &options);
    if (!workbook_) return Status::Error(path + ": cannot create workbook");
    sheet_ = workbook_add_worksheet(workbook_, list.sheet);
    bold_ = workbook_add_format(workbook_);
    if (!sheet_ || !bold_) return Status::Error(path + ": cannot create workbook");
    format_set_bold(bold_);
    worksheet_freeze_panes(sheet_, 1, 0);
    std::vector<std::string> header;
    split_csv_line(list.header, header);
    return add_row(header, bold_);
  }
  /// Appends the CSV lines of `text` as rows of string cells.
  Status add_rows(std::string_view text) {
    size_t pos = 0;
    while (next_csv_record(text, pos, cells_)) CANBAO_RETURN_IF_ERROR(add_row(cells_, nullptr));
    return Status::OK();
  }
  Status close() {
    for (size_t col = 0; col < widths_.size(); ++col) {
      const double width = static_cast<double>(std::min(widths_[col] + 2, OutreachExportWriter::kMaxColumnWidth));
      worksheet_set_column(sheet_, static_cast<lxw_col_t>(col), static_cast<lxw_col_t>(col), width, nullptr);
    }
    lxw_workbook* workbook = workbook_;
    workbook_ = nullptr;
    const lxw_error error = workbook_close(workbook);
    if (error != LXW_NO_ERROR) return Status::Error(path_ + ": cannot write workbook: " + lxw_strerror(error));
    // libxlsxwriter creates the file itself (fopen: 0666 less the umask); it lies in the run's
    // 0700 staging directory until it is narrowed here (issue #14).
    return make_file_private(path_);
  }

 private:
  Status add_row(const std::vector<std::string>& cells, lxw_format* format) {
    if (widths_.size() < cells.size()) widths_.resize(cells.size(), 0);
    for (size_t col = 0; col < cells.size(); ++col) {
      // Every cell a string: an 18-digit ID must never become a number Excel rounds to 15 digits.
      const lxw_error error = worksheet_write_string(sheet_, row_, static_cast<lxw_col_t>(col), cells[col].c_str(), format);
      if (error != LXW_NO_ERROR) return Status::Error(path_ + ": cannot write workbook: " + lxw_strerror(error));
      widths_[col] = std::max(widths_[col], display_width(cells[col]));
    }
    ++row_;
    return Status::OK();
  }

  std::string path_, tmpdir_;
  lxw_workbook* workbook_ = nullptr;
  lxw_worksheet* sheet_ = nullptr;
  lxw_format* bold_ = nullptr;
  lxw_row_t row_ = 0;
  std::vector<size_t> widths_;
  std::vector<std::string> cells_;
};

void DistrictRows::clear() {
  text.clear();
  rows.clear();
}

void DistrictRows::add(CsvFormatter& formatter, const PersonView& person, const PersonOutcome& outcome,
                       const OutreachExportOptions& options) {
  RowMasking masking;
  masking.ids = options.mask_ids;
  masking.names = options.mask_names;
  formatter.append_outreach(person, outcome, masking, text[outcome.home_district]);
  ++rows[outcome.home_district];
}

void DistrictRows::add_newborn(const NewbornRow& row, const RunSettings& settings, const OutreachExportOptions& options) {
  Region district = row.home_district;
  if (district == kNoRegion && settings.is_local(row.hospital) && row.hospital != settings.city) district = row.hospital;
  RowMasking masking;
  masking.names = options.mask_names;  // mother_id is masked in every newborns list
  append_newborn_row(row, masking, text[district]);
  ++rows[district];
}

const DistrictList kOutreachList{"outreach", kOutputHeaders[kOutreachCsv], "外展名单"};
const DistrictList kNewbornsList{"newborns", kNewbornsHeader, "新生儿名单"};

std::string district_file_stem(Region district) {
  return district == kNoRegion ? std::string("unassigned") : std::to_string(district);
}

OutreachExportWriter::OutreachExportWriter() = default;
OutreachExportWriter::~OutreachExportWriter() = default;

Status OutreachExportWriter::open(const std::string& dir, const OutreachExportOptions& options, bool bom,
                                  const DistrictList& list) {
  list_ = &list;
  folder_ = dir + "/" + list.folder;
  csv_ = options.csv;
  xlsx_ = options.xlsx;
  bom_ = bom;
  return make_private_dir(folder_);
}

Status OutreachExportWriter::write(const DistrictRows& rows) {
  for (const auto& [district, text] : rows.text) {
    if (csv_) {
      auto& file = files_[district];
      if (!file) {
        file = std::make_unique<BufferedFile>();
        CANBAO_RETURN_IF_ERROR(file->open(folder_ + "/" + district_file_stem(district) + ".csv", bom_));
        CANBAO_RETURN_IF_ERROR(file->write(list_->header));
      }
      CANBAO_RETURN_IF_ERROR(file->write(text));
    }
    if (xlsx_) {
      auto& workbook = workbooks_[district];
      if (!workbook) {
        workbook = std::make_unique<DistrictWorkbook>();
        CANBAO_RETURN_IF_ERROR(workbook->open(folder_ + "/" + district_file_stem(district) + ".xlsx", folder_, *list_));
      }
      CANBAO_RETURN_IF_ERROR(workbook->add_rows(text));
    }
  }
  for (const auto& [district, count] : rows.rows) rows_[district] += count;
  return Status::OK();
}

Status OutreachExportWriter::close(std::map<std::string, uint64_t>& rows_by_district) {
  rows_by_district.clear();
  for (auto& [district, file] : files_) CANBAO_RETURN_IF_ERROR(file->close());
  for (auto& [district, workbook] : workbooks_) CANBAO_RETURN_IF_ERROR(workbook->close());
  for (const auto& [district, count] : rows_) rows_by_district[district_file_stem(district)] = count;
  return Status::OK();
}

}  // namespace canbao
