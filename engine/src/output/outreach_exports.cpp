#include "canbao/output/outreach_exports.h"

#include <filesystem>

namespace canbao {

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

Status OutreachExportWriter::open(const std::string& dir) {
  folder_ = dir + "/outreach";
  std::error_code ec;
  std::filesystem::create_directories(folder_, ec);
  if (ec) return Status::Error(folder_ + ": cannot create directory: " + ec.message());
  return Status::OK();
}

Status OutreachExportWriter::write(const DistrictRows& rows) {
  for (const auto& [district, text] : rows.text) {
    auto& file = files_[district];
    if (!file) {
      file = std::make_unique<BufferedFile>();
      CANBAO_RETURN_IF_ERROR(file->open(folder_ + "/" + std::to_string(district) + ".csv"));
      CANBAO_RETURN_IF_ERROR(file->write(kOutputHeaders[kOutreachCsv]));
    }
    CANBAO_RETURN_IF_ERROR(file->write(text));
  }
  for (const auto& [district, count] : rows.rows) rows_[district] += count;
  return Status::OK();
}

Status OutreachExportWriter::close(std::map<std::string, uint64_t>& rows_by_district) {
  rows_by_district.clear();
  for (auto& [district, file] : files_) CANBAO_RETURN_IF_ERROR(file->close());
  for (const auto& [district, count] : rows_) rows_by_district[std::to_string(district)] = count;
  return Status::OK();
}

}  // namespace canbao
