// The built-in CSV adapter (adapters/csv_adapter.cpp) through its C ABI table.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "adapters_test_util.h"
#include "test_util.h"
#include "builtin_adapters.h"

namespace canbao::adapter_test {
namespace {

const canbao_adapter* csv() { return canbao_csv_adapter(); }

FeedResult run(std::string_view data, const FeedOptions& options = FeedOptions(), size_t target = 1 << 20,
               bool parallel = false) {
  return run_feed(csv(), options.get(), data, target, parallel);
}

TEST(AdapterCsv, TableHeader) {
  const canbao_adapter* adapter = csv();
  ASSERT_NE(adapter, nullptr);
  EXPECT_EQ(adapter->abi_version, CANBAO_ADAPTER_ABI_VERSION);
  EXPECT_GE(adapter->struct_size, sizeof(canbao_adapter));
  EXPECT_STREQ(adapter->name, "csv");
}

TEST(AdapterCsv, HeaderWithBomTrimmedCellsAndSpecNames) {
  FeedResult result = run("\xEF\xBB\xBF id , name ,\"region\",other\n350213196801189633,柯嘉嘉,350213,x\n");
  ASSERT_TRUE(result.open_error.empty()) << result.open_error;
  EXPECT_EQ(result.first_line, 2u);
  ASSERT_EQ(result.rows.size(), 1u);
  const Row& row = result.rows[0];
  EXPECT_EQ(row.line, 2u);
  EXPECT_EQ(row.at("id"), "350213196801189633");
  EXPECT_EQ(row.at("name"), "柯嘉嘉");
  EXPECT_EQ(row.at("region"), "350213");
  EXPECT_EQ(row.fields.size(), 3u);
}

// Regression: fields numbered 32 and above (SPEC §9 closed_on) reach the record, mapped by
// header and by `columns` (the explicit-column check used a 32-bit mask too).
TEST(AdapterCsv, ReadsFieldsNumberedAbove31) {
  FeedOptions options("utf-8", {{"closed_on", "注销日期"}});
  FeedResult result = run("id,unit,registered_on,注销日期\n350203198203031357,U1,2020-01-15,2026-12-31\n", options);
  ASSERT_TRUE(result.open_error.empty()) << result.open_error;
  ASSERT_EQ(result.rows.size(), 1u);
  EXPECT_EQ(result.rows[0].at("registered_on"), "2020-01-15");
  EXPECT_EQ(result.rows[0].at("closed_on"), "2026-12-31");
  EXPECT_FALSE(result.rows[0].has("record_id"));
  FeedResult missing = run("id,unit\n350203198203031357,U1\n", options);
  EXPECT_NE(missing.open_error.find("注销日期"), std::string::npos) << missing.open_error;  // a mapped column must exist
}
TEST(AdapterCsv, ChineseHeadersFromColumns) {
  FeedOptions options("utf-8", {{"id", "身份证号"}, {"name", "姓名"}, {"category", "救助类别"}, {"from", "救助开始日期"}});
  FeedResult result = run(
      "\xEF\xBB\xBF身份证号,姓名,救助类别,所属区县,救助开始日期,id\n"
      "310104196606173936,柯磊,dibao,350206,20230101,ignored\n",
      options);
  ASSERT_TRUE(result.open_error.empty()) << result.open_error;
  ASSERT_EQ(result.rows.size(), 1u);
  const Row& row = result.rows[0];
  EXPECT_EQ(row.at("id"), "310104196606173936");
  EXPECT_EQ(row.at("name"), "柯磊");
  EXPECT_EQ(row.at("category"), "dibao");
  EXPECT_EQ(row.at("from"), "20230101");
  EXPECT_FALSE(row.has("region"));  // 所属区县 is not mapped in this test
}

TEST(AdapterCsv, MissingExplicitColumnFailsOpen) {
  FeedOptions options("utf-8", {{"id", "公民身份号码"}}, "public_security.csv", "public_security");
  FeedResult result = run("姓名,身份证号\n柯磊,310104196606173936\n", options);
  EXPECT_EQ(result.open_error, "public_security.csv:1: column '公民身份号码' (field id) not in header");
}

TEST(AdapterCsv, MissingSpecColumnIsJustAbsent) {
  FeedResult result = run("id,name\n1,A\n");
  ASSERT_EQ(result.rows.size(), 1u);
  EXPECT_FALSE(result.rows[0].has("region"));
}

TEST(AdapterCsv, QuotedCommasNewlinesAndEscapes) {
  std::string data =
      "id,name,address\n"
      "1,\"Li, Lei\",\"line one\nline two\r\nline three\"\n"
      "2,\"say \"\"hi\"\"\",\"\"\n"
      "3,\"\"\"\",plain \"quote\" inside\n"
      "4,\"closed\"then,x\n";
  FeedResult result = run(data);
  EXPECT_TRUE(result.rejects.empty());
  ASSERT_EQ(result.rows.size(), 4u);
  EXPECT_EQ(result.rows[0].line, 2u);
  EXPECT_EQ(result.rows[0].at("name"), "Li, Lei");
  EXPECT_EQ(result.rows[0].at("address"), "line one\nline two\r\nline three");
  EXPECT_EQ(result.rows[1].line, 5u);  // the record's first physical line
  EXPECT_EQ(result.rows[1].at("name"), "say \"hi\"");
  EXPECT_EQ(result.rows[1].at("address"), "");
  EXPECT_EQ(result.rows[2].line, 6u);
  EXPECT_EQ(result.rows[2].at("name"), "\"");
  EXPECT_EQ(result.rows[2].at("address"), "plain \"quote\" inside");  // a quote inside a cell is data
  EXPECT_EQ(result.rows[3].at("name"), "closedthen");                   // text after the closing quote
  EXPECT_EQ(result.total_lines, 7u);
}

TEST(AdapterCsv, ParseReturnsPhysicalLines) {
  std::string data = "id,name\n1,\"a\nb\"\n\n2,c";
  char err[256];
  FeedOptions options;
  void* ctx = csv()->open(options.get(), data.data(), data.size(), err, sizeof err);
  ASSERT_NE(ctx, nullptr) << err;
  uint64_t first_line = 0;
  size_t body = csv()->body_start(ctx, &first_line);
  EXPECT_EQ(body, 8u);
  EXPECT_EQ(first_line, 2u);
  CollectingSink sink;
  canbao_record_sink abi_sink = sink.sink();
  EXPECT_EQ(csv()->parse(ctx, body, data.size(), &abi_sink, err, sizeof err), 4);
  ASSERT_EQ(sink.rows.size(), 2u);
  EXPECT_EQ(sink.rows[0].line, 0u);
  EXPECT_EQ(sink.rows[1].line, 3u);
  CollectingSink stopper;
  stopper.stop_after_emits = 1;
  canbao_record_sink stop_sink = stopper.sink();
  EXPECT_EQ(csv()->parse(ctx, body, data.size(), &stop_sink, err, sizeof err), 4);
  EXPECT_EQ(stopper.rows.size(), 1u);
  csv()->close(ctx);
}

TEST(AdapterCsv, EmptyCellsAreEmptyText) {
  FeedResult result = run("id,name,end\n1,,\n");
  ASSERT_EQ(result.rows.size(), 1u);
  EXPECT_EQ(result.rows[0].at("name"), "");
  EXPECT_EQ(result.rows[0].at("end"), "");
}

TEST(AdapterCsv, EmptyLinesAndCrlf) {
  FeedResult result = run("id,name\r\n\r\n1,A\r\n   \n\n2,B\r\n\n");
  EXPECT_TRUE(result.rejects.empty());
  ASSERT_EQ(result.rows.size(), 2u);
  EXPECT_EQ(result.rows[0].line, 3u);
  EXPECT_EQ(result.rows[0].at("name"), "A");
  EXPECT_EQ(result.rows[1].line, 6u);
  EXPECT_EQ(result.rows[1].at("name"), "B");
  EXPECT_EQ(result.total_lines, 7u);
}

TEST(AdapterCsv, BadColumns) {
  FeedResult result = run("name,id,region\nA,350213196801189633,350213\nB,350213196801189634\nC\nD,1,2,3\n,,\n");
  ASSERT_EQ(result.rows.size(), 2u);
  EXPECT_EQ(result.rows[1].line, 6u);
  ASSERT_EQ(result.rejects.size(), 3u);
  EXPECT_EQ(result.rejects[0].reason, "bad_columns");
  EXPECT_EQ(result.rejects[0].line, 3u);
  EXPECT_EQ(result.rejects[0].raw_id.value_or("<null>"), "350213196801189634");
  EXPECT_EQ(result.rejects[1].line, 4u);
  EXPECT_FALSE(result.rejects[1].raw_id.has_value());  // the ID column is not there
  EXPECT_EQ(result.rejects[2].line, 5u);
  EXPECT_EQ(result.rejects[2].raw_id.value_or("<null>"), "1");
}

TEST(AdapterCsv, InvalidUtf8IsBadEncoding) {
  FeedResult result = run("id,name\n350213196801189633,\xC0\xAF\n2,ok\n");
  ASSERT_EQ(result.rejects.size(), 1u);
  EXPECT_EQ(result.rejects[0].reason, "bad_encoding");
  EXPECT_EQ(result.rejects[0].line, 2u);
  EXPECT_EQ(result.rejects[0].raw_id.value_or("<null>"), "350213196801189633");
  ASSERT_EQ(result.rows.size(), 1u);
  EXPECT_EQ(result.rows[0].line, 3u);
}

TEST(AdapterCsv, InvalidHeaderEncodingFailsOpen) {
  FeedResult result = run("id,\xFF\n1,2\n", FeedOptions("utf-8", {}, "x.csv"));
  EXPECT_EQ(result.open_error, "x.csv:1: header is not valid UTF-8");
}

// A quote nothing closes quarantines its own line only; the lines after it are records again
// (issue #6 regression: it used to swallow the rest of the file).
TEST(AdapterCsv, UnterminatedQuoteIsBadQuote) {
  FeedResult result = run("id,name\n1,A\n2,\"never closed\n3,C\n");
  ASSERT_EQ(result.rows.size(), 2u);
  EXPECT_EQ(result.rows[1].at("id"), "3");
  ASSERT_EQ(result.rejects.size(), 1u);
  EXPECT_EQ(result.rejects[0].reason, "bad_quote");
  EXPECT_EQ(result.rejects[0].line, 3u);
  EXPECT_EQ(result.total_lines, 4u);
}

TEST(AdapterCsv, GbkHeaderAndCells) {
  FeedOptions options("gbk", {{"id", "公民身份号码"}, {"name", "姓名"}, {"sex", "性别"}, {"address", "住址"}});
  std::string data = to_gbk(
      "姓名,公民身份号码,性别,住址\n"
      "郭桐娟,350203198805208738,男,\"福建省厦门市思明区集美大道364号, 2楼\"\n"
      "迪丽热巴·艾力,350205197407148459,女,\n");
  data += "\xFF\xFE,350212198605141985,\xB1,x\n";  // invalid GBK: bad_encoding, the ID still found
  data += "ascii,1,M,plain\n";
  FeedResult result = run(data, options, 1);
  ASSERT_TRUE(result.open_error.empty()) << result.open_error;
  ASSERT_EQ(result.rows.size(), 3u);
  EXPECT_EQ(result.rows[0].at("name"), "郭桐娟");
  EXPECT_EQ(result.rows[0].at("id"), "350203198805208738");
  EXPECT_EQ(result.rows[0].at("sex"), "男");
  EXPECT_EQ(result.rows[0].at("address"), "福建省厦门市思明区集美大道364号, 2楼");
  EXPECT_EQ(result.rows[1].at("name"), "迪丽热巴·艾力");
  EXPECT_EQ(result.rows[2].at("address"), "plain");
  EXPECT_EQ(result.rows[2].line, 5u);
  ASSERT_EQ(result.rejects.size(), 1u);
  EXPECT_EQ(result.rejects[0].reason, "bad_encoding");
  EXPECT_EQ(result.rejects[0].line, 4u);
  EXPECT_EQ(result.rejects[0].raw_id.value_or("<null>"), "350212198605141985");
}

TEST(AdapterCsv, GbkEuroSignTriplesInUtf8) {
  // GBK 0x80 (CP936 euro sign) is one byte that becomes three in UTF-8: quoted cells with escapes
  // are rebuilt from the decoded text, which is larger than the raw row.
  std::string euros(40, '\x80');
  std::string data = "id,name\n1,\"" + euros + "\"\"" + euros + "\"\n";
  FeedResult result = run(data, FeedOptions("gbk"));
  ASSERT_EQ(result.rows.size(), 1u);
  std::string expected;
  for (int idx = 0; idx < 40; ++idx) expected += "\u20AC";
  expected += "\"";
  for (int idx = 0; idx < 40; ++idx) expected += "\u20AC";
  EXPECT_EQ(result.rows[0].at("name"), expected);
}

TEST(AdapterCsv, GbkMissingColumnMessage) {
  FeedOptions options("gbk", {{"id", "公民身份号码"}}, "public_security.csv");
  FeedResult result = run(to_gbk("姓名,身份证\n"), options);
  EXPECT_EQ(result.open_error, "public_security.csv:1: column '公民身份号码' (field id) not in header");
}

/// Record starts (byte offsets) of a CSV body, by a deliberately simple character-by-character
/// reading of the same quoting rules.
std::set<size_t> reference_record_starts(const std::string& data, size_t body) {
  std::set<size_t> starts{body};
  bool quoted = false, cell_start = true;
  for (size_t pos = body; pos < data.size(); ++pos) {
    char ch = data[pos];
    if (quoted) {
      if (ch == '"') {
        if (pos + 1 < data.size() && data[pos + 1] == '"')
          ++pos;
        else
          quoted = false;
      }
      continue;
    }
    if (ch == '"' && cell_start) quoted = true;
    cell_start = ch == ',' || ch == '\n';
    if (ch == '\n') starts.insert(pos + 1);
  }
  return starts;
}

TEST(AdapterCsv, ChunkEndNeverSplitsAQuotedField) {
  std::string data = "id,name,address\n";
  std::vector<std::pair<uint64_t, std::string>> expected;  // (line, id)
  uint64_t line = 2;
  for (int idx = 0; idx < 120; ++idx) {
    std::string id = std::to_string(1000 + idx);
    expected.emplace_back(line, id);
    switch (idx % 5) {
      case 0: data += id + ",plain,addr\n"; line += 1; break;
      case 1: data += id + ",\"multi\nline\n\nname\",\"a,b\"\n"; line += 4; break;
      case 2: data += id + ",\"q\"\"\n\"\"\",x\"y\n"; line += 2; break;
      case 3: data += id + ",\",\n,\",\"\"\n"; line += 2; break;
      case 4: data += id + ",\"李\n雷\",\"厦门\"\r\n"; line += 2; break;
    }
  }
  std::set<size_t> starts = reference_record_starts(data, 16);
  for (size_t target : {size_t{1}, size_t{2}, size_t{3}, size_t{5}, size_t{11}, size_t{40}, size_t{200}, size_t{1} << 20}) {
    for (bool parallel : {false, true}) {
      FeedResult result = run(data, FeedOptions(), target, parallel);
      ASSERT_TRUE(result.rejects.empty()) << target << " " << result.rejects[0].reason << " line " << result.rejects[0].line;
      ASSERT_EQ(result.rows.size(), expected.size()) << target;
      for (size_t idx = 0; idx < expected.size(); ++idx) {
        EXPECT_EQ(result.rows[idx].line, expected[idx].first) << target;
        EXPECT_EQ(result.rows[idx].at("id"), expected[idx].second) << target;
      }
      for (size_t end : result.chunk_ends)
        EXPECT_TRUE(end == data.size() || starts.count(end) != 0) << "target " << target << " cut at " << end;
      EXPECT_EQ(result.total_lines, line - 1);
    }
  }
}

TEST(AdapterCsv, ChunkEndWithoutQuotesJumpsToALineEnd) {
  std::string data = "id\n";
  for (int idx = 0; idx < 1000; ++idx) data += std::to_string(idx) + "\n";
  char err[256];
  FeedOptions options;
  void* ctx = csv()->open(options.get(), data.data(), data.size(), err, sizeof err);
  ASSERT_NE(ctx, nullptr);
  uint64_t first_line = 0;
  size_t body = csv()->body_start(ctx, &first_line);
  for (size_t target = 1; target < 50; ++target) {
    size_t end = csv()->chunk_end(ctx, body, target);
    EXPECT_GE(end, body + target);
    EXPECT_EQ(data[end - 1], '\n');
    EXPECT_EQ(end, data.find('\n', body + target - 1) + 1);  // the first line end at or after the target
  }
  EXPECT_EQ(csv()->chunk_end(ctx, body, data.size()), data.size());
  EXPECT_EQ(csv()->chunk_end(ctx, data.size(), 10), data.size());
  csv()->close(ctx);
}

TEST(AdapterCsv, EmptyFileHasNoRecords) {
  FeedResult result = run("");
  EXPECT_TRUE(result.open_error.empty());
  EXPECT_TRUE(result.rows.empty());
  FeedResult header_only = run("\xEF\xBB\xBFid,name");
  EXPECT_TRUE(header_only.open_error.empty());
  EXPECT_TRUE(header_only.rows.empty());
}

std::string read_file(const std::string& path) {
  std::string data;
  FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return data;
  char buf[65536];
  for (size_t got; (got = std::fread(buf, 1, sizeof buf, file)) > 0;) data.append(buf, got);
  std::fclose(file);
  return data;
}

TEST(AdapterCsv, SampleCityFeedsParseCleanly) {
  const std::string dir = testing::sample_city() + "/";
  std::string public_security = read_file(dir + "public_security.csv");
  std::string civil_affairs = read_file(dir + "civil_affairs.csv");
  if (public_security.empty() || civil_affairs.empty()) GTEST_SKIP() << "sample city not available";
  FeedOptions ps_options("gbk",
                         {{"id", "公民身份号码"}, {"name", "姓名"}, {"sex", "性别"}, {"birth", "出生日期"},
                          {"hukou_region", "户籍地"}, {"residence_region", "常住地"}, {"permit_region", "居住证签发地"},
                          {"permit_expiry", "居住证有效期至"}, {"status", "人员状态"}, {"death_date", "死亡日期"},
                          {"address", "住址"}},
                         "public_security.csv", "public_security");
  FeedResult ps = run(public_security, ps_options, 2048, true);
  ASSERT_TRUE(ps.open_error.empty()) << ps.open_error;
  size_t ps_lines = static_cast<size_t>(std::count(public_security.begin(), public_security.end(), '\n'));
  EXPECT_TRUE(ps.rejects.empty());
  EXPECT_EQ(ps.rows.size(), ps_lines - 1);
  EXPECT_EQ(ps.rows[0].at("name"), "郭桐娟");
  EXPECT_EQ(ps.rows[0].at("sex"), "男");

  FeedOptions ca_options("utf-8",
                         {{"id", "身份证号"}, {"name", "姓名"}, {"category", "救助类别"}, {"region", "所属区县"},
                          {"from", "救助开始日期"}, {"to", "救助截止日期"}},
                         "civil_affairs.csv", "civil_affairs");
  FeedResult ca = run(civil_affairs, ca_options);
  ASSERT_TRUE(ca.open_error.empty()) << ca.open_error;
  EXPECT_TRUE(ca.rejects.empty());
  EXPECT_EQ(ca.rows.size(), static_cast<size_t>(std::count(civil_affairs.begin(), civil_affairs.end(), '\n')) - 1);
  EXPECT_EQ(ca.rows[0].at("id"), "310104196606173936");
}

}  // namespace
}  // namespace canbao::adapter_test
