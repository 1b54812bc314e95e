// Bad input (issue #6) through the real CLI: `canbao run MANIFEST --out DIR` on tiny feeds that are
// broken in the ways agency exports break. Record-level damage must end up in quarantine.csv with the
// feed's path as written in the manifest, the 1-based physical line, the agency and the reason, and
// summary.json's per-feed counts must add up (SPEC §2 "nothing is lost": read = accepted + linked +
// quarantined). File-level damage must be one clear line naming the file, a non-zero exit, and no
// output directory.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <filesystem>
#include <string>

#include "test_util.h"

namespace canbao {
namespace {

using testing::cli;
using testing::read_file;
using testing::run_command;
using testing::TempDir;
using testing::write_file;
namespace fs = std::filesystem;

// Valid 18-digit citizen IDs from shared/examples/sample-city.
constexpr const char* kShen = "350206195302260871";   // 沈雪水
constexpr const char* kZhu = "350213197109130912";    // 朱静建
constexpr const char* kHuang = "350203196208279651";  // 黄雨金
constexpr const char* kZheng = "350211196912098459";  // 郑燕新
constexpr const char* kKe = "310104196606173936";     // 柯磊
constexpr const char* kYang = "350206196605206252";   // 杨清明
constexpr const char* kGuo = "350203198805208738";    // 郭桐娟

// The manifest shape of shared/examples/sample-city/manifest.json with the given feeds.
std::string manifest_with(const std::string& feeds) {
  return R"({"city": "350200", "as_of": "2026-11-22",
  "settings": {"target_rate": 0.95, "resident_subsidy_yuan": 700, "notice_days": 30},
  "feeds": [)" + feeds + "]}\n";
}

// One tax row (SPEC §3), every field given as the JSON text to put after the key.
std::string tax_line(const std::string& id, const std::string& name, const std::string& from = "\"2026-03\"",
                     const std::string& to = "\"2026-03\"", const std::string& paid_on = "\"2026-03-15\"",
                     const std::string& amount = "612.5") {
  return R"({"id": ")" + id + R"(", "name": ")" + name + R"(", "scheme": "employee", "region": "350206", "from": )" +
         from + R"(, "to": )" + to + R"(, "paid_on": )" + paid_on + R"(, "amount": )" + amount + "}";
}

using testing::CommandResult;

CommandResult run_canbao(const TempDir& tmp, const std::string& manifest_name = "manifest.json") {
  return run_command(cli() + " run " + tmp / manifest_name + " --out " + tmp / "out");
}

struct FeedCounts {
  bool found = false;
  uint64_t read = 0, accepted = 0, linked = 0, quarantined = 0, lines = 0;
};

FeedCounts feed_counts(const std::string& summary_text, const std::string& path) {
  FeedCounts counts;
  simdjson::dom::parser parser;
  simdjson::dom::element summary;
  if (parser.parse(summary_text).get(summary)) return counts;
  simdjson::dom::array feeds;
  if (summary["feeds"].get_array().get(feeds)) return counts;
  for (simdjson::dom::element feed : feeds) {
    std::string_view feed_path;
    if (feed["path"].get_string().get(feed_path) || feed_path != path) continue;
    counts.found = true;
    counts.read = feed["read"].get_uint64().value_unsafe();
    counts.accepted = feed["accepted"].get_uint64().value_unsafe();
    counts.linked = feed["linked"].get_uint64().value_unsafe();
    counts.quarantined = feed["quarantined"].get_uint64().value_unsafe();
    counts.lines = feed["lines"].get_uint64().value_unsafe();
  }
  return counts;
}

// Exact per-feed counts from OUT/summary.json, and SPEC §2's identity on them.
void expect_counts(const TempDir& tmp, const std::string& path, uint64_t read, uint64_t accepted, uint64_t linked,
                   uint64_t quarantined) {
  const std::string summary = read_file(tmp / "out/summary.json");
  const FeedCounts counts = feed_counts(summary, path);
  ASSERT_TRUE(counts.found) << path << " not in summary.json:\n" << summary;
  EXPECT_EQ(counts.read, read) << path;
  EXPECT_EQ(counts.accepted, accepted) << path;
  EXPECT_EQ(counts.linked, linked) << path;
  EXPECT_EQ(counts.quarantined, quarantined) << path;
  EXPECT_EQ(counts.read, counts.accepted + counts.linked + counts.quarantined) << path << ": counts do not add up";
}

std::string quarantine_of(const TempDir& tmp) { return read_file(tmp / "out/quarantine.csv"); }

constexpr const char* kQuarantineHeader = "feed,line,agency,reason,id_masked\n";

// The registry.csv row of `id` (empty when none).
std::string registry_row(const TempDir& tmp, const std::string& id) {
  const std::string registry = read_file(tmp / "out/registry.csv");
  const size_t at = registry.find("\n" + id + ",");
  if (at == std::string::npos) return {};
  const size_t end = registry.find('\n', at + 1);
  return registry.substr(at + 1, end - at - 1);
}

// A file-level error: non-zero exit, exactly one line `canbao: <message>`, no output directory.
void expect_file_level_error(const TempDir& tmp, const CommandResult& run, const std::string& message) {
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_EQ(run.output, "canbao: " + message + "\n");
  EXPECT_EQ(std::count(run.output.begin(), run.output.end(), '\n'), 1) << run.output;
  EXPECT_FALSE(fs::exists(tmp / "out")) << "an output directory was created";
  EXPECT_FALSE(fs::exists(tmp / "out.index")) << "an empty index directory was left";
}

// ---------------------------------------------------------------------------------------------
// 1. NDJSON
// ---------------------------------------------------------------------------------------------

// #6 bad input (1): NDJSON whose last line is a JSON object cut off mid-way, no trailing newline;
// SPEC §2 nothing is lost (the cut line is quarantined at its physical line).
TEST(BadInput, NdjsonTruncatedLastLineIsQuarantined) {
  TempDir tmp;
  const std::string full = tax_line(kGuo, "郭桐娟");
  write_file(tmp / "tax.ndjson", tax_line(kShen, "沈雪水") + "\n" + tax_line(kZhu, "朱静建") + "\n" +
                                     full.substr(0, full.size() / 2));  // ends inside a value
  write_file(tmp / "manifest.json", manifest_with(R"({"agency": "tax", "path": "tax.ndjson"})"));
  const CommandResult run = run_canbao(tmp);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(quarantine_of(tmp), std::string(kQuarantineHeader) + "tax.ndjson,3,tax,bad_json,350203********8738\n");
  expect_counts(tmp, "tax.ndjson", 3, 2, 0, 1);
}

// #6 bad input (1): invalid JSON in the middle of an NDJSON feed; SPEC §2 nothing is lost (the
// lines after it are still read, with their physical line numbers).
TEST(BadInput, NdjsonInvalidJsonInTheMiddleIsQuarantined) {
  TempDir tmp;
  write_file(tmp / "tax.ndjson",
             tax_line(kShen, "沈雪水") + "\n" +
                 R"({"id": "350213197109130912", "name": "朱静建", "scheme": "employee",, "region": "350213"})" + "\n" +
                 "\n" +  // a blank line is not a record but still counts as a line
                 R"({"id": "350203196208279651" "name": "黄雨金"})" + "\n" +  // missing ','
                 "not json at all\n" + tax_line(kZheng, "郑燕新") + "\n");
  write_file(tmp / "manifest.json", manifest_with(R"({"agency": "tax", "path": "tax.ndjson"})"));
  const CommandResult run = run_canbao(tmp);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(quarantine_of(tmp), std::string(kQuarantineHeader) +
                                    "tax.ndjson,2,tax,bad_json,350213********0912\n"
                                    "tax.ndjson,4,tax,bad_json,350203********9651\n"
                                    "tax.ndjson,5,tax,bad_json,\n");
  expect_counts(tmp, "tax.ndjson", 5, 2, 0, 3);
}

// #6 bad input (1): an NDJSON line with invalid UTF-8 bytes (in a name, and inside the ID itself);
// SPEC §2 nothing is lost.
TEST(BadInput, NdjsonInvalidUtf8IsQuarantined) {
  TempDir tmp;
  write_file(tmp / "tax.ndjson", tax_line(kShen, "沈雪水") + "\n" + tax_line(kHuang, "黄\xff\xfe金") + "\n" +
                                     tax_line("3502131971\xc0\x80" "09130912", "朱静建") + "\n" +
                                     tax_line(kZheng, "郑燕新") + "\n");
  write_file(tmp / "manifest.json", manifest_with(R"({"agency": "tax", "path": "tax.ndjson"})"));
  const CommandResult run = run_canbao(tmp);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  // The unreadable ID is not echoed (masked or not): id_masked stays empty.
  EXPECT_EQ(quarantine_of(tmp), std::string(kQuarantineHeader) +
                                    "tax.ndjson,2,tax,bad_encoding,350203********9651\n"
                                    "tax.ndjson,3,tax,bad_encoding,\n");
  expect_counts(tmp, "tax.ndjson", 4, 2, 0, 2);
}

// ---------------------------------------------------------------------------------------------
// 2. Declared encoding does not match the bytes
// ---------------------------------------------------------------------------------------------

// #6 bad input (2): a GBK CSV declared "encoding": "utf-8" (ASCII header); SPEC §1 encoding,
// §2 nothing is lost: every row with GBK bytes is bad_encoding, pure-ASCII rows are still read.
TEST(BadInput, GbkCsvDeclaredUtf8QuarantinesItsNonAsciiRows) {
  TempDir tmp;
  write_file(tmp / "ps.csv", std::string("id,name,residence_region\n") +
                                 kKe + ",\xbf\xc2\xc0\xda,350206\n" +        // 柯磊 in GBK
                                 kYang + ",\xd1\xee\xc7\xe5\xc3\xf7,350206\n" +  // 杨清明 in GBK
                                 kShen + ",John,350206\n");
  write_file(tmp / "manifest.json",
             manifest_with(R"({"agency": "public_security", "path": "ps.csv", "encoding": "utf-8"})"));
  const CommandResult run = run_canbao(tmp);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(quarantine_of(tmp), std::string(kQuarantineHeader) +
                                    "ps.csv,2,public_security,bad_encoding,310104********3936\n"
                                    "ps.csv,3,public_security,bad_encoding,350206********6252\n");
  expect_counts(tmp, "ps.csv", 3, 1, 0, 2);
  EXPECT_EQ(registry_row(tmp, kShen), std::string(kShen) + ",John,M,1953-02-26,350206,true,never,,false,false,false,false");
}

// #6 bad input (2): a GBK CSV with Chinese headers (the usual export) declared utf-8: the header
// cannot be read, so the whole file is refused; SPEC §1 encoding.
TEST(BadInput, GbkCsvWithChineseHeaderDeclaredUtf8IsOneClearLine) {
  TempDir tmp;
  // 身份证号,姓名,救助类别,所属区县 in GBK.
  write_file(tmp / "ca.csv", std::string("\xc9\xed\xb7\xdd\xd6\xa4\xba\xc5,\xd0\xd5\xc3\xfb,"
                                         "\xbe\xc8\xd6\xfa\xc0\xe0\xb1\xf0,\xcb\xf9\xca\xf4\xc7\xf8\xcf\xd8\n") +
                                 kKe + ",\xbf\xc2\xc0\xda,dibao,350206\n");
  write_file(tmp / "manifest.json", manifest_with(R"({"agency": "civil_affairs", "path": "ca.csv", "encoding": "utf-8",
     "columns": {"id": "身份证号", "name": "姓名", "category": "救助类别", "region": "所属区县"}})"));
  expect_file_level_error(tmp, run_canbao(tmp), "ca.csv:1: header is not valid UTF-8");
}

// #6 bad input (2): a UTF-8 CSV with Chinese text declared "gbk" (ASCII header); SPEC §1 encoding,
// §3 never guessed. Read as GBK, 陈浩 (E9 99 88 E6 B5 A9) would decode to 闄堟旦 and be accepted:
// a file declared gbk whose non-ASCII text is all valid UTF-8 is refused as a whole instead.
// (Regression: it used to be accepted as mojibake.)
TEST(BadInput, Utf8CsvDeclaredGbkIsOneClearLine) {
  TempDir tmp;
  write_file(tmp / "ps.csv", std::string("id,name,residence_region\n") + kKe + ",陈浩,350206\n" + kYang +
                                 ",柯磊,350206\n" + kShen + ",John,350206\n");
  write_file(tmp / "manifest.json",
             manifest_with(R"({"agency": "public_security", "path": "ps.csv", "encoding": "gbk"})"));
  expect_file_level_error(tmp, run_canbao(tmp),
                          "ps.csv: declared gbk, but the file is UTF-8 (its non-ASCII text is all valid UTF-8); "
                          "set \"encoding\": \"utf-8\" in the manifest");
}

// #6 bad input (2): a GBK file that is pure ASCII is the same bytes in UTF-8: accepted as it is.
TEST(BadInput, AsciiCsvDeclaredGbkIsRead) {
  TempDir tmp;
  write_file(tmp / "ps.csv", std::string("id,name,residence_region\n") + kShen + ",John,350206\n");
  write_file(tmp / "manifest.json",
             manifest_with(R"({"agency": "public_security", "path": "ps.csv", "encoding": "gbk"})"));
  const CommandResult run = run_canbao(tmp);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  expect_counts(tmp, "ps.csv", 1, 1, 0, 0);
}

// #6 bad input (2): a UTF-8 CSV with Chinese headers declared gbk: refused as a whole; SPEC §1.
TEST(BadInput, Utf8CsvWithChineseHeaderDeclaredGbkIsOneClearLine) {
  TempDir tmp;
  write_file(tmp / "ca.csv", std::string("身份证号,姓名,救助类别,所属区县\n") + kKe + ",柯磊,dibao,350206\n");
  write_file(tmp / "manifest.json", manifest_with(R"({"agency": "civil_affairs", "path": "ca.csv", "encoding": "gbk",
     "columns": {"id": "身份证号", "name": "姓名", "category": "救助类别", "region": "所属区县"}})"));
  expect_file_level_error(tmp, run_canbao(tmp),
                          "ca.csv: declared gbk, but the file is UTF-8 (its non-ASCII text is all valid UTF-8); "
                          "set \"encoding\": \"utf-8\" in the manifest");
}

// ---------------------------------------------------------------------------------------------
// 3. CSV shape
// ---------------------------------------------------------------------------------------------

// #6 bad input (3): CSV rows with a missing and with an extra column; SPEC §2 nothing is lost
// (those rows quarantined at their lines, the others accepted).
TEST(BadInput, CsvRowsWithMissingOrExtraColumnsAreQuarantined) {
  TempDir tmp;
  write_file(tmp / "ca.csv", std::string("id,name,category,region\n") + kKe + ",柯磊,dibao,350206\n" + kYang +
                                 ",杨清明,dibao\n" + kShen + ",沈雪水,dibao,350206,extra\n" + kZhu +
                                 ",朱静建,tekun,350213\n");
  write_file(tmp / "manifest.json", manifest_with(R"({"agency": "civil_affairs", "path": "ca.csv"})"));
  const CommandResult run = run_canbao(tmp);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(quarantine_of(tmp), std::string(kQuarantineHeader) +
                                    "ca.csv,3,civil_affairs,bad_columns,350206********6252\n"
                                    "ca.csv,4,civil_affairs,bad_columns,350206********0871\n");
  expect_counts(tmp, "ca.csv", 4, 2, 0, 2);
}

// #6 bad input (3): a CSV header without a required column and no `columns` mapping; SPEC §3
// required fields, §2 nothing is lost. The run goes on and every row is quarantined
// (bad_field:category; without an `id` column, `missing`) — not a file-level error.
TEST(BadInput, CsvHeaderWithoutRequiredColumnQuarantinesEveryRow) {
  TempDir tmp;
  write_file(tmp / "nocat.csv",
             std::string("id,name,region\n") + kKe + ",柯磊,350206\n" + kYang + ",杨清明,350206\n");
  write_file(tmp / "noid.csv", "name,category,region\n柯磊,dibao,350206\n杨清明,dibao,350206\n");
  write_file(tmp / "manifest.json", manifest_with(R"({"agency": "civil_affairs", "path": "nocat.csv"},
     {"agency": "civil_affairs", "path": "noid.csv"})"));
  const CommandResult run = run_canbao(tmp);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(quarantine_of(tmp), std::string(kQuarantineHeader) +
                                    "nocat.csv,2,civil_affairs,bad_field:category,310104********3936\n"
                                    "nocat.csv,3,civil_affairs,bad_field:category,350206********6252\n"
                                    "noid.csv,2,civil_affairs,missing,\n"
                                    "noid.csv,3,civil_affairs,missing,\n");
  expect_counts(tmp, "nocat.csv", 2, 0, 0, 2);
  expect_counts(tmp, "noid.csv", 2, 0, 0, 2);
  // The run summary points at the likely cause of a feed with nothing accepted.
  EXPECT_NE(run.output.find("  warning: nocat.csv: every record was quarantined (mostly bad_field:category: 2); "
                            "check its header, \"columns\" and \"agency\" in the manifest\n"),
            std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find("  warning: noid.csv: every record was quarantined (mostly missing: 2)"), std::string::npos);
}

// #6 bad input (3): a CSV header without a column the manifest's `columns` names: file-level,
// one line with file and line; SPEC §1 columns.
TEST(BadInput, CsvHeaderWithoutMappedColumnIsOneClearLine) {
  TempDir tmp;
  write_file(tmp / "ca.csv", std::string("身份证号,姓名,所属区县\n") + kKe + ",柯磊,350206\n");
  write_file(tmp / "manifest.json", manifest_with(R"({"agency": "civil_affairs", "path": "ca.csv",
     "columns": {"id": "身份证号", "name": "姓名", "category": "救助类别", "region": "所属区县"}})"));
  expect_file_level_error(tmp, run_canbao(tmp), "ca.csv:1: column '救助类别' (field category) not in header");
}

// #6 bad input (3): an opening quote that nothing closes; SPEC §2 nothing is lost. Only its own
// line is quarantined (bad_quote); the rows after it are read as records again. (Regression: the
// stray quote used to swallow the rest of the file into one quarantined record.)
TEST(BadInput, CsvUnclosedQuoteQuarantinesOnlyItsLine) {
  TempDir tmp;
  write_file(tmp / "ca.csv", std::string("id,name,category,region\n") + kKe + ",柯磊,dibao,350206\n" + kYang +
                                 ",\"杨清明,dibao,350206\n" + kShen + ",沈雪水,dibao,350206\n" + kZhu +
                                 ",朱静建,tekun,350213\n");
  write_file(tmp / "manifest.json", manifest_with(R"({"agency": "civil_affairs", "path": "ca.csv"})"));
  const CommandResult run = run_canbao(tmp);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(quarantine_of(tmp), std::string(kQuarantineHeader) + "ca.csv,3,civil_affairs,bad_quote,\n");
  expect_counts(tmp, "ca.csv", 4, 3, 0, 1);
  EXPECT_EQ(feed_counts(read_file(tmp / "out/summary.json"), "ca.csv").lines, 5u);
}

// #6 bad input: a 100 MB single line, in NDJSON (a valid object with a 100 MB name, and 100 MB of
// garbage) and in CSV (a 100 MB cell); SPEC §2 nothing is lost, §3 never guessed. The line is
// quarantined as line_too_long at its physical line — never parsed into a 16 MiB-truncated name —
// and the records around it are read. (Regression: NDJSON said bad_json; CSV truncated silently.)
TEST(BadInput, HundredMegabyteSingleLineIsLineTooLong) {
  TempDir tmp;
  const std::string huge(size_t{100} << 20, 'A');
  write_file(tmp / "tax.ndjson", tax_line(kShen, "沈雪水") + "\n" + tax_line(kGuo, huge) + "\n" + huge + "\n" +
                                     tax_line(kZhu, "朱静建") + "\n");
  write_file(tmp / "ca.csv", std::string("id,name,category,region\n") + kKe + ",柯磊,dibao,350206\n" + kYang + "," +
                                 huge + ",dibao,350206\n" + kShen + ",沈雪水,dibao,350206\n");
  write_file(tmp / "manifest.json", manifest_with(R"({"agency": "tax", "path": "tax.ndjson"},
     {"agency": "civil_affairs", "path": "ca.csv"})"));
  const CommandResult run = run_canbao(tmp);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(quarantine_of(tmp), std::string(kQuarantineHeader) + "tax.ndjson,2,tax,line_too_long,\n" +
                                    "tax.ndjson,3,tax,line_too_long,\n" + "ca.csv,3,civil_affairs,line_too_long,\n");
  expect_counts(tmp, "tax.ndjson", 4, 2, 0, 2);
  expect_counts(tmp, "ca.csv", 3, 2, 0, 1);
}

// ---------------------------------------------------------------------------------------------
// 4. Empty feeds
// ---------------------------------------------------------------------------------------------

// #6 bad input (4): a 0-byte NDJSON feed, and one holding only blank lines; SPEC §2 counts
// (read = 0, nothing quarantined, the run succeeds).
TEST(BadInput, EmptyNdjsonFeedReadsZero) {
  TempDir tmp;
  write_file(tmp / "empty.ndjson", "");
  write_file(tmp / "blank.ndjson", "\n\n");
  write_file(tmp / "tax.ndjson", tax_line(kShen, "沈雪水") + "\n");
  write_file(tmp / "manifest.json", manifest_with(R"({"agency": "tax", "path": "empty.ndjson"},
     {"agency": "tax", "path": "blank.ndjson"}, {"agency": "tax", "path": "tax.ndjson"})"));
  const CommandResult run = run_canbao(tmp);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(quarantine_of(tmp), kQuarantineHeader);
  expect_counts(tmp, "empty.ndjson", 0, 0, 0, 0);
  expect_counts(tmp, "blank.ndjson", 0, 0, 0, 0);
  expect_counts(tmp, "tax.ndjson", 1, 1, 0, 0);
}

// #6 bad input (4): a 0-byte CSV feed (no `columns` mapping); SPEC §2 counts.
TEST(BadInput, EmptyCsvFeedReadsZero) {
  TempDir tmp;
  write_file(tmp / "empty.csv", "");
  write_file(tmp / "manifest.json", manifest_with(R"({"agency": "civil_affairs", "path": "empty.csv"},
     {"agency": "civil_affairs", "path": "gbk.csv", "encoding": "gbk"})"));
  write_file(tmp / "gbk.csv", "");
  const CommandResult run = run_canbao(tmp);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(quarantine_of(tmp), kQuarantineHeader);
  expect_counts(tmp, "empty.csv", 0, 0, 0, 0);
  expect_counts(tmp, "gbk.csv", 0, 0, 0, 0);
}

// #6 bad input (4): a 0-byte (or blank) CSV feed WITH a `columns` mapping (the usual shape for
// Chinese-header exports, SPEC §1) reads zero records like an unmapped one. (Regression: it used to
// stop the run with "column ... not in header" for a file that has no header.)
TEST(BadInput, EmptyCsvFeedWithColumnMappingReadsZero) {
  TempDir tmp;
  write_file(tmp / "empty.csv", "");
  write_file(tmp / "blank.csv", "\n \r\n");
  write_file(tmp / "manifest.json", manifest_with(R"({"agency": "civil_affairs", "path": "empty.csv",
     "columns": {"id": "身份证号", "category": "救助类别"}},
     {"agency": "civil_affairs", "path": "blank.csv", "columns": {"id": "身份证号", "category": "救助类别"}})"));
  const CommandResult run = run_canbao(tmp);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(quarantine_of(tmp), kQuarantineHeader);
  expect_counts(tmp, "empty.csv", 0, 0, 0, 0);
  expect_counts(tmp, "blank.csv", 0, 0, 0, 0);
}

// #6 bad input (4): a CSV that has only its header line (with and without the final newline, and
// with a mapped Chinese header behind a UTF-8 BOM); SPEC §2 counts.
TEST(BadInput, HeaderOnlyCsvReadsZero) {
  TempDir tmp;
  write_file(tmp / "h1.csv", "id,name,category,region\n");
  write_file(tmp / "h2.csv", "id,name,category,region");
  write_file(tmp / "h3.csv", "\xef\xbb\xbf身份证号,姓名,救助类别,所属区县\r\n");
  write_file(tmp / "manifest.json", manifest_with(R"({"agency": "civil_affairs", "path": "h1.csv"},
     {"agency": "civil_affairs", "path": "h2.csv"},
     {"agency": "civil_affairs", "path": "h3.csv",
      "columns": {"id": "身份证号", "name": "姓名", "category": "救助类别", "region": "所属区县"}})"));
  const CommandResult run = run_canbao(tmp);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(quarantine_of(tmp), kQuarantineHeader);
  for (const char* path : {"h1.csv", "h2.csv", "h3.csv"}) expect_counts(tmp, path, 0, 0, 0, 0);
}

// ---------------------------------------------------------------------------------------------
// 5. Dates, months, amounts
// ---------------------------------------------------------------------------------------------

// #6 bad input (5): impossible dates (2026-02-30, 2025-13-01, 20250229) in a tax feed's
// paid_on and an enrollment feed's start/end; SPEC §3 "never guessed": bad_field:<name>.
TEST(BadInput, ImpossibleDatesAreBadField) {
  TempDir tmp;
  write_file(tmp / "tax.ndjson", tax_line(kShen, "沈雪水", "\"2026-03\"", "\"2026-03\"", "\"2026-02-30\"") + "\n" +
                                     tax_line(kZhu, "朱静建", "\"2026-03\"", "\"2026-03\"", "\"2025-13-01\"") + "\n" +
                                     tax_line(kHuang, "黄雨金", "\"2026-03\"", "\"2026-03\"", "\"20250229\"") + "\n" +
                                     tax_line(kZheng, "郑燕新", "\"2026-03\"", "\"2026-03\"", "\"2024/02/29\"") + "\n");
  write_file(tmp / "enrollment.ndjson",
             std::string(R"({"record_id": "R1", "id": ")") + kKe +
                 R"(", "scheme": "resident", "region": "350206", "status": "active", "start": "2026-02-30"})" + "\n" +
                 R"({"record_id": "R2", "id": ")" + kYang +
                 R"(", "scheme": "resident", "region": "350206", "status": "active", "start": "2026-01-01", "end": "2025-13-01"})" +
                 "\n" + R"({"record_id": "R3", "id": ")" + kGuo +
                 R"(", "scheme": "resident", "region": "350203", "status": "active", "start": "2026-01-01"})" + "\n");
  write_file(tmp / "manifest.json", manifest_with(R"({"agency": "tax", "path": "tax.ndjson"},
     {"agency": "enrollment", "path": "enrollment.ndjson"})"));
  const CommandResult run = run_canbao(tmp);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(quarantine_of(tmp), std::string(kQuarantineHeader) +
                                    "tax.ndjson,1,tax,bad_field:paid_on,350206********0871\n"
                                    "tax.ndjson,2,tax,bad_field:paid_on,350213********0912\n"
                                    "tax.ndjson,3,tax,bad_field:paid_on,350203********9651\n"
                                    "enrollment.ndjson,1,enrollment,bad_field:start,310104********3936\n"
                                    "enrollment.ndjson,2,enrollment,bad_field:end,350206********6252\n");
  expect_counts(tmp, "tax.ndjson", 4, 1, 0, 3);  // 2024/02/29 is a real (leap) day
  expect_counts(tmp, "enrollment.ndjson", 3, 1, 0, 2);
}

// #6 bad input (5): months out of range in a tax feed's from/to (2026-13, 202600, 2026-00);
// SPEC §3 "never guessed": bad_field:from / bad_field:to.
TEST(BadInput, OutOfRangeMonthsAreBadField) {
  TempDir tmp;
  write_file(tmp / "tax.ndjson", tax_line(kShen, "沈雪水", "\"2026-13\"", "\"2026-12\"") + "\n" +
                                     tax_line(kZhu, "朱静建", "\"202601\"", "\"202600\"") + "\n" +
                                     tax_line(kHuang, "黄雨金", "\"2026-00\"", "\"2026-01\"") + "\n" +
                                     tax_line(kZheng, "郑燕新", "202601", "202612") + "\n");  // JSON numbers: fine
  write_file(tmp / "manifest.json", manifest_with(R"({"agency": "tax", "path": "tax.ndjson"})"));
  const CommandResult run = run_canbao(tmp);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(quarantine_of(tmp), std::string(kQuarantineHeader) +
                                    "tax.ndjson,1,tax,bad_field:from,350206********0871\n"
                                    "tax.ndjson,2,tax,bad_field:to,350213********0912\n"
                                    "tax.ndjson,3,tax,bad_field:from,350203********9651\n");
  expect_counts(tmp, "tax.ndjson", 4, 1, 0, 3);
}

// #6 bad input (5): a negative tax amount, as a JSON number and as a string; SPEC §3 "never
// guessed", docs/DECISIONS.md "negative amounts are bad_field:amount".
TEST(BadInput, NegativeAmountIsBadField) {
  TempDir tmp;
  write_file(tmp / "tax.ndjson", tax_line(kKe, "柯磊", "\"2026-03\"", "\"2026-03\"", "\"2026-03-15\"", "-612.5") +
                                     "\n" +
                                     tax_line(kYang, "杨清明", "\"2026-03\"", "\"2026-03\"", "\"2026-03-15\"", "\"-612.5\"") +
                                     "\n" + tax_line(kGuo, "郭桐娟") + "\n");
  write_file(tmp / "manifest.json", manifest_with(R"({"agency": "tax", "path": "tax.ndjson"})"));
  const CommandResult run = run_canbao(tmp);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(quarantine_of(tmp), std::string(kQuarantineHeader) +
                                    "tax.ndjson,1,tax,bad_field:amount,310104********3936\n"
                                    "tax.ndjson,2,tax,bad_field:amount,350206********6252\n");
  expect_counts(tmp, "tax.ndjson", 3, 1, 0, 2);
}

// ---------------------------------------------------------------------------------------------
// 6. Manifest
// ---------------------------------------------------------------------------------------------

// #6 bad input (6): a feed path with `..` that leaves the manifest's directory (also hidden behind
// a subdirectory); SPEC §1 "paths are relative to the manifest", docs/DECISIONS.md manifest paths.
TEST(BadInput, ManifestPathOutsideItsDirectoryIsOneClearLine) {
  TempDir tmp;
  write_file(tmp / "x.ndjson", tax_line(kShen, "沈雪水") + "\n");  // exists: the path is refused, not missing
  write_file(tmp / "city/manifest.json", manifest_with(R"({"agency": "tax", "path": "../x.ndjson"})"));
  write_file(tmp / "city/sub/keep", "");
  write_file(tmp / "city/m2.json", manifest_with(R"({"agency": "tax", "path": "sub/../../x.ndjson"})"));
  for (const auto& [manifest, path] : {std::pair<std::string, std::string>{"manifest.json", "../x.ndjson"},
                                       {"m2.json", "sub/../../x.ndjson"}}) {
    const auto result = run_command(cli() + " run " + tmp / ("city/" + manifest) + " --out " + tmp / "out");
    expect_file_level_error(tmp, result,
                            manifest + ": feeds[0]: path '" + path + "' points outside the manifest's directory");
    EXPECT_FALSE(fs::exists(tmp / "out.index"));
  }
}

// #6 bad input (6): an absolute feed path; SPEC §1, docs/DECISIONS.md manifest paths.
TEST(BadInput, ManifestAbsolutePathIsOneClearLine) {
  TempDir tmp;
  write_file(tmp / "tax.ndjson", tax_line(kShen, "沈雪水") + "\n");
  const std::string absolute = tmp / "tax.ndjson";
  write_file(tmp / "manifest.json", manifest_with(R"({"agency": "tax", "path": ")" + absolute + "\"}"));
  expect_file_level_error(tmp, run_canbao(tmp),
                          "manifest.json: feeds[0]: path '" + absolute + "' points outside the manifest's directory");
  EXPECT_FALSE(fs::exists(tmp / "out.index"));
}

// #6 bad input (6): an unknown agency name; SPEC §3 agencies.
TEST(BadInput, UnknownAgencyIsOneClearLine) {
  TempDir tmp;
  write_file(tmp / "tax.ndjson", tax_line(kShen, "沈雪水") + "\n");
  write_file(tmp / "manifest.json", manifest_with(R"({"agency": "tax", "path": "tax.ndjson"},
     {"agency": "police", "path": "tax.ndjson"})"));
  expect_file_level_error(tmp, run_canbao(tmp), "manifest.json: feeds[1]: unknown agency 'police'");
  EXPECT_FALSE(fs::exists(tmp / "out.index"));
}

}  // namespace
}  // namespace canbao
