// Lists that open right in the offices that use them (issue #15): `--bom` puts the UTF-8
// byte-order mark before every CSV; `--split-format xlsx|both` writes outreach/<district>.xlsx,
// read back here without Excel (an xlsx is a zip of XML: python3 zipfile + xml.etree).
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "canbao/core/text.h"
#include "canbao/output/output_file.h"
#include "canbao/output/outreach_exports.h"
#include "test_util.h"

namespace canbao {
namespace {

using testing::cli;
using testing::read_file;
using testing::run_command;
using testing::sample_city;
using testing::TempDir;
using testing::write_file;
namespace fs = std::filesystem;

// Prints the workbook's sheet names, pane, column widths, cell types and header styles, and
// writes the first sheet's cells as CSV to argv[2].
const char* kReadXlsx = R"PY(
import csv, re, sys, zipfile
import xml.etree.ElementTree as ET
M = '{http://schemas.openxmlformats.org/spreadsheetml/2006/main}'
z = zipfile.ZipFile(sys.argv[1])
for s in ET.fromstring(z.read('xl/workbook.xml')).iter(M + 'sheet'):
    print('SHEET', s.get('name'))
shared = []
if 'xl/sharedStrings.xml' in z.namelist():
    for si in ET.fromstring(z.read('xl/sharedStrings.xml')).findall(M + 'si'):
        shared.append(''.join(t.text or '' for t in si.iter(M + 't')))
styles = ET.fromstring(z.read('xl/styles.xml'))
fonts = styles.find(M + 'fonts').findall(M + 'font')
xfs = styles.find(M + 'cellXfs').findall(M + 'xf')
ws = ET.fromstring(z.read('xl/worksheets/sheet1.xml'))
for p in ws.iter(M + 'pane'):
    print('PANE', p.get('ySplit'), p.get('state'), p.get('topLeftCell'), p.get('xSplit') or '-')
for c in ws.iter(M + 'col'):
    print('COL', c.get('min'), c.get('max'), c.get('width'))
def col_index(ref):
    n = 0
    for ch in re.match('[A-Z]+', ref).group():
        n = n * 26 + ord(ch) - 64
    return n - 1
types = set()
rows = []
for r in ws.iter(M + 'row'):
    cells = []
    for c in r.findall(M + 'c'):
        t = c.get('t') or 'n'
        types.add(t)
        if t == 's':
            value = shared[int(c.find(M + 'v').text)]
        elif t == 'inlineStr':
            value = ''.join(x.text or '' for x in c.find(M + 'is').iter(M + 't'))
        else:
            value = c.find(M + 'v').text if c.find(M + 'v') is not None else ''
        index = col_index(c.get('r'))
        cells += [''] * (index - len(cells))
        cells.append(value)
        if r.get('r') == '1':
            xf = xfs[int(c.get('s') or 0)]
            font = fonts[int(xf.get('fontId') or 0)]
            print('HEADER_BOLD', 'yes' if font.find(M + 'b') is not None else 'no')
    rows.append(cells)
print('TYPES', ' '.join(sorted(types)))
with open(sys.argv[2], 'w', encoding='utf-8', newline='') as out:
    csv.writer(out, lineterminator='\n').writerows(rows)
)PY";

struct Workbook {
  std::vector<std::string> sheets;
  std::vector<std::string> panes;               // "ySplit state topLeftCell xSplit"
  std::map<int, double> widths;                 // 0-based column → width
  std::set<std::string> types, header_bold;
  std::vector<std::vector<std::string>> rows;  // cells
};

std::vector<std::vector<std::string>> csv_rows(std::string_view text) {
  if (text.substr(0, kUtf8Bom.size()) == kUtf8Bom) text.remove_prefix(kUtf8Bom.size());
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> cells;
  size_t pos = 0;
  while (next_csv_record(text, pos, cells)) rows.push_back(cells);
  return rows;
}

Workbook read_workbook(const TempDir& tmp, const std::string& path) {
  write_file(tmp / "read_xlsx.py", kReadXlsx);
  const std::string cells = tmp / "cells.csv";
  const auto result = run_command("python3 " + tmp / "read_xlsx.py" + " " + path + " " + cells);
  EXPECT_EQ(result.exit_code, 0) << result.output;
  Workbook book;
  size_t start = 0;
  const std::string& out = result.output;
  while (start < out.size()) {
    size_t end = out.find('\n', start);
    if (end == std::string::npos) end = out.size();
    const std::string line = out.substr(start, end - start);
    start = end + 1;
    const std::string tag = line.substr(0, line.find(' '));
    const std::string rest = line.size() > tag.size() ? line.substr(tag.size() + 1) : "";
    if (tag == "SHEET") book.sheets.push_back(rest);
    if (tag == "PANE") book.panes.push_back(rest);
    if (tag == "HEADER_BOLD") book.header_bold.insert(rest);
    if (tag == "TYPES") {
      size_t p = 0;
      while (p < rest.size()) {
        size_t q = rest.find(' ', p);
        if (q == std::string::npos) q = rest.size();
        book.types.insert(rest.substr(p, q - p));
        p = q + 1;
      }
    }
    if (tag == "COL") {
      int min = 0, max = 0;
      double width = 0;
      if (std::sscanf(rest.c_str(), "%d %d %lf", &min, &max, &width) == 3)
        for (int col = min; col <= max; ++col) book.widths[col - 1] = width;
    }
  }
  book.rows = csv_rows(read_file(cells));
  return book;
}

// `canbao run` of the worked example into tmp/<name> with `args`.
testing::CommandResult run_sample(const TempDir& tmp, const std::string& name, const std::string& args) {
  return run_command(cli() + " run " + sample_city() + "/manifest.json --out " + tmp / name + " " + args);
}

bool starts_with_bom(const std::string& path) { return read_file(path).substr(0, 3) == "\xEF\xBB\xBF"; }

std::vector<std::string> csv_files(const std::string& dir) {
  std::vector<std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir))
    if (entry.path().extension() == ".csv") files.push_back(fs::relative(entry.path(), dir).string());
  return files;
}

TEST(Xlsx, DisplayWidthCountsCjkTwice) {
  EXPECT_EQ(display_width(""), 0u);
  EXPECT_EQ(display_width("350203198805208731"), 18u);
  EXPECT_EQ(display_width("陈晓明"), 6u);
  EXPECT_EQ(display_width("思明区, 湖滨南路 1 号"), 21u);
  EXPECT_EQ(display_width("ＡＢ"), 4u);  // full-width forms
  EXPECT_EQ(display_width("迪丽热巴·迪力木拉提"), 19u);  // the middle dot is narrow
}

// Every CSV the run writes starts with EF BB BF under --bom and is otherwise byte-identical to the
// run without it; without --bom no file starts with it.
TEST(Xlsx, BomStartsEveryCsvOnlyWhenAsked) {
  if (!fs::exists(sample_city() + "/manifest.json")) GTEST_SKIP() << "shared/examples/sample-city not found";
  TempDir tmp;
  for (const char* args : {"plain --split-by district", "bom --split-by district --bom"}) {
    const std::string name(args, std::string_view(args).find(' '));
    const auto run = run_sample(tmp, name, std::string(args).substr(name.size() + 1));
    ASSERT_EQ(run.exit_code, 0) << run.output;
  }

  const std::vector<std::string> files = csv_files(tmp / "plain");
  EXPECT_EQ(files.size(), csv_files(tmp / "bom").size());
  size_t district_files = 0;
  for (const char* name : {"registry.csv", "outreach.csv", "duplicates.csv", "actions.csv", "benefits.csv",
                           "plan.csv", "quarantine.csv"})
    EXPECT_TRUE(fs::exists(tmp / "bom/" + name)) << name;
  for (const std::string& file : files) {
    district_files += file.rfind("outreach/", 0) == 0;
    EXPECT_FALSE(starts_with_bom(tmp / "plain/" + file)) << file;
    ASSERT_TRUE(starts_with_bom(tmp / "bom/" + file)) << file;
    EXPECT_EQ(read_file(tmp / "bom/" + file).substr(3), read_file(tmp / "plain/" + file)) << file;
  }
  EXPECT_GE(district_files, 2u);
  EXPECT_NE(read_file(tmp / "bom/summary.json").find("\"bom\": true"), std::string::npos);
  EXPECT_EQ(read_file(tmp / "plain/summary.json").find("\"bom\""), std::string::npos);
}

void expect_workbook_matches_csv(const TempDir& tmp, const std::string& xlsx, const std::string& csv,
                                 const std::string& header) {
  SCOPED_TRACE(xlsx);
  const Workbook book = read_workbook(tmp, xlsx);
  EXPECT_EQ(book.sheets, std::vector<std::string>{"外展名单"});
  ASSERT_EQ(book.panes.size(), 1u);
  EXPECT_EQ(book.panes[0].substr(0, book.panes[0].find(' ', book.panes[0].find(' ') + 1)), "1 frozen");
  EXPECT_EQ(book.header_bold, std::set<std::string>{"yes"});
  // Every cell a string (shared or inline), never a number.
  for (const std::string& type : book.types) EXPECT_TRUE(type == "s" || type == "inlineStr") << type;

  const auto expected = csv_rows(read_file(csv));
  ASSERT_GE(expected.size(), 2u);
  ASSERT_EQ(book.rows.size(), expected.size());
  EXPECT_EQ(book.rows[0], csv_rows(header)[0]);
  for (size_t row = 0; row < expected.size(); ++row) {
    EXPECT_EQ(book.rows[row], expected[row]) << "row " << row;
    if (row > 0) {
      EXPECT_EQ(book.rows[row][0].size(), 18u) << book.rows[row][0];  // the ID, intact
    }
  }
  for (size_t col = 0; col < expected[0].size(); ++col) {
    size_t longest = 0;
    for (const auto& row : expected) longest = std::max(longest, display_width(row[col]));
    ASSERT_TRUE(book.widths.count(static_cast<int>(col))) << "column " << col;
    EXPECT_GE(book.widths.at(static_cast<int>(col)),
              static_cast<double>(std::min(longest, OutreachExportWriter::kMaxColumnWidth)))
        << "column " << col;
  }
}

// --split-format both: each outreach/<district>.xlsx holds exactly its CSV list, cell for cell;
// --mask-ids/--mask-names apply to the workbooks as to the CSV lists.
TEST(Xlsx, SampleCityWorkbooksEqualTheCsvLists) {
  if (!fs::exists(sample_city() + "/manifest.json")) GTEST_SKIP() << "shared/examples/sample-city not found";
  TempDir tmp;
  const auto both = run_sample(tmp, "both", "--split-by district --split-format both");
  ASSERT_EQ(both.exit_code, 0) << both.output;
  const auto masked = run_sample(tmp, "masked", "--split-by district --split-format both --mask-ids --mask-names");
  ASSERT_EQ(masked.exit_code, 0) << masked.output;
  const std::string header = read_file(tmp / "both/outreach.csv").substr(0, read_file(tmp / "both/outreach.csv").find('\n') + 1);

  for (const char* run : {"both", "masked"}) {
    size_t workbooks = 0;
    for (const auto& entry : fs::directory_iterator(tmp / std::string(run) + "/outreach")) {
      if (entry.path().extension() != ".csv") {
        EXPECT_EQ(entry.path().extension(), ".xlsx") << entry.path();  // no temporary files left
        continue;
      }
      std::string xlsx = entry.path().string();
      xlsx.replace(xlsx.size() - 4, 4, ".xlsx");
      ASSERT_TRUE(fs::exists(xlsx)) << xlsx;
      ++workbooks;
      expect_workbook_matches_csv(tmp, xlsx, entry.path().string(), header);
    }
    EXPECT_GE(workbooks, 2u) << run;
    const std::string summary = read_file(tmp / std::string(run) + "/summary.json");
    EXPECT_NE(summary.find("\"format\": \"both\""), std::string::npos);
    EXPECT_NE(summary.find(".xlsx\": "), std::string::npos) << summary;
  }
  // Masked workbooks carry no full ID of outreach.csv.
  const auto outreach = csv_rows(read_file(tmp / "both/outreach.csv"));
  for (const auto& entry : fs::directory_iterator(tmp / "masked/outreach")) {
    if (entry.path().extension() != ".xlsx") continue;
    const Workbook book = read_workbook(tmp, entry.path().string());
    std::set<std::string> cells;
    for (const auto& row : book.rows) cells.insert(row.begin(), row.end());
    for (size_t row = 1; row < outreach.size(); ++row) EXPECT_FALSE(cells.count(outreach[row][0])) << outreach[row][0];
    for (size_t row = 1; row < book.rows.size(); ++row) EXPECT_NE(book.rows[row][0].find('*'), std::string::npos);
  }
}

TEST(Xlsx, XlsxOnlyWritesNoCsvListsAndNeedsSplit) {
  if (!fs::exists(sample_city() + "/manifest.json")) GTEST_SKIP() << "shared/examples/sample-city not found";
  TempDir tmp;
  const auto xlsx = run_sample(tmp, "x", "--split-by district --split-format xlsx");
  ASSERT_EQ(xlsx.exit_code, 0) << xlsx.output;
  size_t workbooks = 0;
  for (const auto& entry : fs::directory_iterator(tmp / "x/outreach")) {
    EXPECT_EQ(entry.path().extension(), ".xlsx") << entry.path();
    ++workbooks;
  }
  EXPECT_GE(workbooks, 2u);
  EXPECT_NE(read_file(tmp / "x/summary.json").find("\"format\": \"xlsx\""), std::string::npos);

  const auto refused = run_sample(tmp, "y", "--split-format xlsx");
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.output.find("--split-by district"), std::string::npos) << refused.output;
  EXPECT_FALSE(fs::exists(tmp / "y"));
}

// A workbook that cannot be created is an error naming the file.
TEST(Xlsx, AnUncreatableWorkbookIsAnErrorNamingIt) {
  TempDir tmp;
  OutreachExportWriter writer;
  OutreachExportOptions options;
  options.csv = false;
  options.xlsx = true;
  ASSERT_TRUE(writer.open(tmp.path(), options).ok());
  fs::create_directories(tmp / "outreach/350203.xlsx");  // a directory where the file goes
  DistrictRows rows;
  rows.text[350203] = "350203198805208731,x\n";
  rows.rows[350203] = 1;
  Status status = writer.write(rows);
  if (status.ok()) {
    std::map<std::string, uint64_t> by_district;
    status = writer.close(by_district);
  }
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("350203.xlsx"), std::string::npos) << status.message();
}

// SPEC §9 newborns.csv split like the outreach lists (issue #15): newborns/<district>.csv and
// .xlsx — the mother's home district, else the issuing hospital's district, else unassigned —
// names masked on request, mother IDs always masked.
TEST(Xlsx, NewbornsListsPerDistrict) {
  TempDir tmp;
  const std::string manifest = std::string(CANBAO_SOURCE_DIR) + "/tests/golden/h9_newborns_without_id/manifest.json";
  const auto run = run_command(cli() + " run " + manifest + " --out " + tmp / "out" +
                               " --split-by district --split-format both --mask-names");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  std::map<std::string, std::vector<std::string>> certs;  // file → birth_certs
  for (const auto& entry : fs::directory_iterator(tmp / "out/newborns")) {
    if (entry.path().extension() != ".csv") continue;
    const auto rows = csv_rows(read_file(entry.path().string()));
    ASSERT_GE(rows.size(), 2u);
    EXPECT_EQ(rows[0], csv_rows(kNewbornsHeader)[0]);
    for (size_t row = 1; row < rows.size(); ++row) {
      certs[entry.path().stem().string()].push_back(rows[row][0]);
      EXPECT_EQ(rows[row][1].find('*'), utf8_len(static_cast<unsigned char>(rows[row][1][0]))) << rows[row][1];
    }
    std::string xlsx = entry.path().string();
    xlsx.replace(xlsx.size() - 4, 4, ".xlsx");
    const Workbook book = read_workbook(tmp, xlsx);
    EXPECT_EQ(book.sheets, std::vector<std::string>{"新生儿名单"});
    EXPECT_EQ(book.rows, rows) << xlsx;
    for (const std::string& type : book.types) EXPECT_TRUE(type == "s" || type == "inlineStr") << type;
  }
  const std::map<std::string, std::vector<std::string>> expected = {
      {"350205", {"B001", "B008"}},           // community: the mother's district
      {"350206", {"B002", "B006", "B011"}},   // hospital:350206
      {"350203", {"B003"}},                   // unknown mother, hospital:350203
      {"350211", {"B005"}},                   // mother without a district, hospital:350211
      {"unassigned", {"B004"}}};              // no mother, no hospital region
  EXPECT_EQ(certs, expected);
  const std::string summary = read_file(tmp / "out/summary.json");
  EXPECT_NE(summary.find("\"newborns\": {\"records_without_id\": 14, \"rows\": 8, \"community\": 2, \"hospital\": 6}"),
            std::string::npos) << summary;
  EXPECT_NE(summary.find("\"newborns/unassigned.xlsx\": 1"), std::string::npos) << summary;
  // Every record is accepted, linked or quarantined: health 16 = 15 + 0 + 1.
  EXPECT_NE(summary.find("\"agency\": \"health\", \"mode\": \"append\", \"read\": 16, \"accepted\": 15, \"linked\": 0, \"quarantined\": 1"),
            std::string::npos) << summary;
}

}  // namespace
}  // namespace canbao
