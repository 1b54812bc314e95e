#include "canbao/output/outreach_exports.h"

#include <algorithm>
#include <filesystem>

#include "canbao/core/text.h"
#include "canbao/output/output_file.h"

namespace canbao {

namespace {

bool is_district_code(std::string_view text) {
  if (text.size() != 6) return false;
  for (char c : text)
    if (c < '0' || c > '9') return false;
  return true;
}

// Columns of outreach.csv (SPEC §6).
constexpr size_t kIdColumn = 0, kNameColumn = 1, kDistrictColumn = 2;

}  // namespace

std::string mask_name(std::string_view name) {
  name = trim_space(name);
  if (name.empty()) return {};
  const size_t first = std::min(name.size(), utf8_len(static_cast<unsigned char>(name[0])));
  std::string out;
  size_t pos = first;
  if (pos >= name.size()) return "*";  // a one-character name would be shown whole
  out.append(name.substr(0, first));
  while (pos < name.size()) {
    pos += std::min(name.size() - pos, utf8_len(static_cast<unsigned char>(name[pos])));
    out.push_back('*');
  }
  return out;
}

Status write_outreach_exports(std::string_view outreach_csv, const std::string& dir,
                              const OutreachExportOptions& options, std::map<std::string, uint64_t>& rows_by_district) {
  rows_by_district.clear();
  if (!options.split_by_district) return Status::OK();
  const std::string folder = dir + "/outreach";
  std::error_code ec;
  std::filesystem::create_directories(folder, ec);
  if (ec) return Status::Error(folder + ": cannot create directory: " + ec.message());
  size_t pos = 0;
  std::vector<std::string> cells;
  if (!next_csv_record(outreach_csv, pos, cells)) return Status::Error("outreach.csv: no header");
  std::string header;
  for (size_t idx = 0; idx < cells.size(); ++idx) {
    if (idx) header.push_back(',');
    append_csv_cell(header, cells[idx]);
  }
  header.push_back('\n');
  std::map<std::string, std::string> files;  // district → rows (a city has a handful of districts)
  for (uint64_t line = 2; pos < outreach_csv.size(); ++line) {
    if (!next_csv_record(outreach_csv, pos, cells) || cells.size() <= kDistrictColumn)
      return Status::Error("outreach.csv:" + std::to_string(line) + ": malformed row");
    const std::string& district = cells[kDistrictColumn];
    if (!is_district_code(district))
      return Status::Error("outreach.csv:" + std::to_string(line) + ": home_district '" + district +
                           "' is not a 6-digit district code");
    if (options.mask_ids) cells[kIdColumn] = mask_id(cells[kIdColumn]);
    if (options.mask_names) cells[kNameColumn] = mask_name(cells[kNameColumn]);
    std::string& out = files[district];
    if (out.empty()) out = header;
    for (size_t idx = 0; idx < cells.size(); ++idx) {
      if (idx) out.push_back(',');
      append_csv_cell(out, cells[idx]);
    }
    out.push_back('\n');
    ++rows_by_district[district];
  }
  for (const auto& [district, text] : files)
    CANBAO_RETURN_IF_ERROR(write_text_file(folder + "/" + district + ".csv", text));
  return Status::OK();
}

}  // namespace canbao
