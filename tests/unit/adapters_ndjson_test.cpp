// The built-in NDJSON adapter (adapters/ndjson_adapter.cpp) through its C ABI table.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "adapters_test_util.h"
#include "test_util.h"
#include "builtin_adapters.h"

namespace canbao::adapter_test {
namespace {

const canbao_adapter* ndjson() { return canbao_ndjson_adapter(); }

FeedResult run(std::string_view data, const FeedOptions& options = FeedOptions(), size_t target = 1 << 20) {
  return run_feed(ndjson(), options.get(), data, target);
}

TEST(AdapterNdjson, TableHeader) {
  const canbao_adapter* adapter = ndjson();
  ASSERT_NE(adapter, nullptr);
  EXPECT_EQ(adapter->abi_version, CANBAO_ADAPTER_ABI_VERSION);
  EXPECT_GE(adapter->struct_size, sizeof(canbao_adapter));
  EXPECT_STREQ(adapter->name, "ndjson");
}

TEST(AdapterNdjson, MapsSpecKeysAndIgnoresUnknownOnes) {
  FeedResult result = run(
      R"({"record_id": "XM1", "id": "350213196801189633", "name": "柯嘉嘉", "scheme": "resident", "extra": {"a": [1, {"b": null}, -0.5e-3, true], "c": "\u4e2d"}, "region": "350213", "more": []})"
      "\n");
  ASSERT_TRUE(result.open_error.empty()) << result.open_error;
  ASSERT_EQ(result.rows.size(), 1u);
  const Row& row = result.rows[0];
  EXPECT_EQ(row.line, 1u);
  EXPECT_EQ(row.at("record_id"), "XM1");
  EXPECT_EQ(row.at("id"), "350213196801189633");
  EXPECT_EQ(row.at("name"), "柯嘉嘉");
  EXPECT_EQ(row.at("scheme"), "resident");
  EXPECT_EQ(row.at("region"), "350213");
  EXPECT_EQ(row.fields.size(), 5u);
  EXPECT_TRUE(result.rejects.empty());
}

// Regression: field sets were 32-bit masks, so the SPEC §9 fields appended to canbao_field at
// numbers 31 and 32 (registered_on, closed_on: the ABI's minor growth) were lost or misfiled.
TEST(AdapterNdjson, ReadsFieldsNumberedAbove31) {
  static_assert(CANBAO_F_CLOSED_ON >= 32);
  FeedResult result = run(
      R"({"id": "350203198203031357", "unit": "U1", "registered_on": "2020-01-15", "closed_on": "2026-12-31", "status": "吊销"})"
      "\n");
  ASSERT_EQ(result.rows.size(), 1u);
  const Row& row = result.rows[0];
  EXPECT_EQ(row.at("registered_on"), "2020-01-15");
  EXPECT_EQ(row.at("closed_on"), "2026-12-31");
  EXPECT_FALSE(row.has("record_id"));  // bit 32 of a 32-bit mask used to land on field 0
  EXPECT_EQ(row.fields.size(), 5u);
}
TEST(AdapterNdjson, MapsChineseKeysFromColumns) {
  FeedOptions options("utf-8", {{"id", "证件号码"}, {"name", "姓名"}, {"level", "残疾等级"}, {"certified_on", "发证日期"}});
  FeedResult result = run(
      R"({"证件号码": "350213197205010355", "姓名": "周杰", "残疾等级": 2, "所属地区": "350213", "发证日期": "2016/05/20", "id": "ignored"})"
      "\n",
      options);
  ASSERT_EQ(result.rows.size(), 1u);
  const Row& row = result.rows[0];
  EXPECT_EQ(row.at("id"), "350213197205010355");  // the SPEC key "id" no longer maps once renamed
  EXPECT_EQ(row.at("name"), "周杰");
  EXPECT_EQ(row.at("level"), "2");
  EXPECT_EQ(row.at("certified_on"), "2016/05/20");
  EXPECT_FALSE(row.has("region"));  // 所属地区 is not mapped here
}

TEST(AdapterNdjson, SeveralFieldsMayShareOneKey) {
  FeedOptions options("utf-8", {{"record_id", "编号"}, {"id", "编号"}});
  FeedResult result = run(R"({"编号": "X1"})", options);
  ASSERT_EQ(result.rows.size(), 1u);
  EXPECT_EQ(result.rows[0].at("record_id"), "X1");
  EXPECT_EQ(result.rows[0].at("id"), "X1");
}

TEST(AdapterNdjson, UnescapesStringsAndKeys) {
  FeedResult result = run(
      R"({"name": "\u67ef \"A\" \\ \/ \n\t", "na\u006de2": "x", "n\u0061me": "last wins", "unit": "\ud83d\ude00"})"
      "\n"
      R"({"name": "\u67ef\u5609"})"
      "\n");
  ASSERT_EQ(result.rows.size(), 2u);
  EXPECT_EQ(result.rows[0].at("name"), "last wins");  // the escaped key is "name"; the last value wins
  EXPECT_EQ(result.rows[0].at("unit"), "\xF0\x9F\x98\x80");
  EXPECT_EQ(result.rows[1].at("name"), "柯嘉");
  EXPECT_EQ(result.rows[1].line, 2u);
  FeedResult escapes = run(R"({"name": "\u67ef \"A\" \\ \/ \n\t"})");
  ASSERT_EQ(escapes.rows.size(), 1u);
  EXPECT_EQ(escapes.rows[0].at("name"), "柯 \"A\" \\ / \n\t");
}

TEST(AdapterNdjson, KeysWithBackslashesInColumnNames) {
  FeedOptions options("utf-8", {{"id", "a\\b"}, {"name", "q\"x"}});
  FeedResult result = run(R"({"a\\b": "1", "q\"x": "N", "a\u005cb": "2", "ab": "3"})", options);
  ASSERT_EQ(result.rows.size(), 1u);
  EXPECT_EQ(result.rows[0].at("id"), "2");  // both spellings of a\b match; the last wins
  EXPECT_EQ(result.rows[0].at("name"), "N");
}

TEST(AdapterNdjson, WhitespaceAroundColons) {
  FeedResult result = run("{ \"id\"\t:\t\"1\" ,\"name\"  :  \"A\" , \"x\" : 1 }\n{\"id\":\"2\",\"name\":\"B\"}");
  ASSERT_EQ(result.rows.size(), 2u);
  EXPECT_EQ(result.rows[0].at("id"), "1");
  EXPECT_EQ(result.rows[0].at("name"), "A");
  EXPECT_EQ(result.rows[1].at("name"), "B");
}

TEST(AdapterNdjson, NumbersBooleansNullAndEmpty) {
  FeedResult result = run(
      R"({"amount": 612.5, "entry_year": 2024, "level": -1.5e+3, "back_pay": true, "funded": false, "end": null, "unit": "", "payer": 0})"
      "\n");
  ASSERT_EQ(result.rows.size(), 1u);
  const Row& row = result.rows[0];
  EXPECT_EQ(row.at("amount"), "612.5");  // the literal token text
  EXPECT_EQ(row.at("entry_year"), "2024");
  EXPECT_EQ(row.at("level"), "-1.5e+3");
  EXPECT_EQ(row.at("back_pay"), "true");
  EXPECT_EQ(row.at("funded"), "false");
  EXPECT_EQ(row.at("payer"), "0");
  EXPECT_FALSE(row.has("end"));       // null: absent
  EXPECT_EQ(row.at("unit"), "");      // empty string: emitted as empty text (the engine: absent)
}

TEST(AdapterNdjson, NullAfterAValueLeavesItEmpty) {
  FeedResult result = run(R"({"end": "2026-01-01", "end": null})");
  ASSERT_EQ(result.rows.size(), 1u);
  EXPECT_EQ(result.rows[0].at("end"), "");
}

TEST(AdapterNdjson, ArraysAndObjectsAreInvalid) {
  FeedResult result = run(R"({"id": ["350213196801189633"], "name": {"first": "A"}, "region": "350213"})");
  ASSERT_EQ(result.rows.size(), 1u);
  EXPECT_EQ(result.rows[0].at("id"), kInvalid);
  EXPECT_EQ(result.rows[0].at("name"), kInvalid);
  EXPECT_EQ(result.rows[0].at("region"), "350213");
}

TEST(AdapterNdjson, BadJsonLinesAreRejected) {
  const std::vector<std::string> bad = {
      R"({"id": "350213196801189633", "name": )",  // truncated
      "not json",
      R"(["id", "x"])",                            // not an object
      R"("a string")",
      "42",
      R"({"id": "1"} {"id": "2"})",                // two documents on one line
      R"({"id": "1"} x)",
      R"({"id": tru})",
      R"({"amount": 01})",
      R"({"amount": 1.})",
      R"({"amount": -})",
      R"({"id": "1",})",
      R"({"id" "1"})",
      R"({"id": "1", "end": nul})",
      "{\"name\": \"a\tb\"}",                      // raw control character in a string
      R"({"name": "\x"})",                         // bad escape
      R"({"id": "2"}})",
      R"({"x": , "id": "1"})",                     // a missing value, unknown key
      R"({"id": })",                               // a missing value, known key
      R"({"x" : [1, 2}, "id": "1"})",              // mismatched brackets in a skipped value
      R"({"id": "1", "x"})",
      R"({"x": tru, "id": "1"})",                  // values of unknown keys are checked too
      R"({"x": 01, "id": "1"})",
      R"({"x": "\q", "id": "1"})",
      R"({"x": [1,,2], "id": "1"})",
      R"({"x": {"a" 1}, "id": "1"})",
      R"({"x": nul, "id": "1"})",
      R"({"\q": 1, "id": "1"})",                   // a bad escape in an unknown key
  };
  std::string data = "{\"id\": \"first\"}\n";
  for (const std::string& line : bad) data += line + "\n";
  data += "{\"id\": \"last\"}\n";
  FeedResult result = run(data);
  ASSERT_EQ(result.rows.size(), 2u);
  EXPECT_EQ(result.rows[0].at("id"), "first");
  EXPECT_EQ(result.rows[1].at("id"), "last");
  EXPECT_EQ(result.rows[1].line, bad.size() + 2);
  ASSERT_EQ(result.rejects.size(), bad.size());
  for (size_t idx = 0; idx < bad.size(); ++idx) {
    EXPECT_EQ(result.rejects[idx].reason, "bad_json") << bad[idx];
    EXPECT_EQ(result.rejects[idx].line, idx + 2) << bad[idx];
  }
  // The ID is passed along when it can be found cheaply.
  EXPECT_EQ(result.rejects[0].raw_id.value_or("<null>"), "350213196801189633");
  EXPECT_EQ(result.rejects[1].raw_id.value_or("<null>"), "<null>");
  EXPECT_EQ(result.rejects[5].raw_id.value_or("<null>"), "1");
}

TEST(AdapterNdjson, RawIdUsesTheMappedKey) {
  FeedOptions options("utf-8", {{"id", "证件号码"}});
  FeedResult result = run(R"({"姓名": "周杰", "证件号码": "35021319720501035X", "x": [})", options);
  ASSERT_EQ(result.rejects.size(), 1u);
  EXPECT_EQ(result.rejects[0].reason, "bad_json");
  EXPECT_EQ(result.rejects[0].raw_id.value_or("<null>"), "35021319720501035X");
}

TEST(AdapterNdjson, InvalidUtf8IsBadEncoding) {
  std::string data = "{\"id\": \"1\"}\n{\"id\": \"350213196801189633\", \"name\": \"\xC0\xAF\"}\n{\"name\": \"\xE6\x9F\"}\n"
                     "{\"id\": \"3\"}\n";
  FeedResult result = run(data);
  ASSERT_EQ(result.rows.size(), 2u);
  ASSERT_EQ(result.rejects.size(), 2u);
  EXPECT_EQ(result.rejects[0].reason, "bad_encoding");
  EXPECT_EQ(result.rejects[0].line, 2u);
  EXPECT_EQ(result.rejects[0].raw_id.value_or("<null>"), "350213196801189633");
  EXPECT_EQ(result.rejects[1].reason, "bad_encoding");
  EXPECT_EQ(result.rejects[1].line, 3u);
  EXPECT_FALSE(result.rejects[1].raw_id.has_value());
  EXPECT_EQ(result.rows[1].line, 4u);
}

TEST(AdapterNdjson, LongLines) {
  std::string address(3 << 20, 'a');  // grows the thread's parser past 1 MiB, then it shrinks back
  std::string data = "{\"id\": \"1\", \"address\": \"" + address + "\"}\n{\"id\": \"2\"}\n";
  data += "{\"id\": \"3\", \"x\": \"" + std::string((16 << 20) + 1, 'b') + "\"}\n{\"id\": \"4\"}";
  data += "\n{\"x\": " + std::string(100000, '[') + std::string(100000, ']') + ", \"id\": \"5\"}";  // deep nesting
  FeedResult result = run(data);
  ASSERT_EQ(result.rows.size(), 3u);
  EXPECT_EQ(result.rows[0].at("address").size(), address.size());
  EXPECT_EQ(result.rows[1].at("id"), "2");
  EXPECT_EQ(result.rows[2].line, 4u);
  ASSERT_EQ(result.rejects.size(), 2u);  // over 16 MiB: not parsed
  EXPECT_EQ(result.rejects[0].reason, "line_too_long");
  EXPECT_EQ(result.rejects[0].line, 3u);
  EXPECT_EQ(result.rejects[1].reason, "bad_json");  // nested too deep
  EXPECT_EQ(result.rejects[1].line, 5u);
  EXPECT_EQ(result.rejects[1].raw_id.value_or("<null>"), "5");
}

TEST(AdapterNdjson, BlankLinesAreCountedNotRecords) {
  std::string data = "\n   \n{\"id\": \"1\"}\r\n\t \r\n\n{\"id\": \"2\"}\n\n";
  FeedResult result = run(data);
  EXPECT_TRUE(result.rejects.empty());
  ASSERT_EQ(result.rows.size(), 2u);
  EXPECT_EQ(result.rows[0].line, 3u);
  EXPECT_EQ(result.rows[1].line, 6u);
  EXPECT_EQ(result.total_lines, 7u);
}

TEST(AdapterNdjson, BomIsSkipped) {
  FeedResult result = run("\xEF\xBB\xBF{\"id\": \"1\"}\n{\"id\": \"2\"}");
  ASSERT_EQ(result.rows.size(), 2u);
  EXPECT_TRUE(result.rejects.empty());
  EXPECT_EQ(result.first_line, 1u);
  EXPECT_EQ(result.rows[1].line, 2u);
  EXPECT_EQ(result.total_lines, 2u);
}

TEST(AdapterNdjson, UnsupportedEncodingFailsOpen) {
  FeedOptions options("latin-1", {}, "x.ndjson");
  FeedResult result = run("{}\n", options);
  EXPECT_EQ(result.open_error, "x.ndjson:1: unsupported encoding 'latin-1' (utf-8 or gbk)");
}

/// A feed of lines of varied length, with blank, bad and multibyte lines. Returns the expected
/// (line, id) of each record.
std::string varied_feed(size_t count, std::vector<std::pair<uint64_t, std::string>>& records,
                        std::vector<uint64_t>& bad_lines) {
  std::string data;
  for (size_t idx = 0; idx < count; ++idx) {
    uint64_t line = idx + 1;
    if (idx % 17 == 5) {
      data += "\n";
    } else if (idx % 23 == 7) {
      data += "{\"id\": \"bad" + std::to_string(idx) + "\", \n";
      bad_lines.push_back(line);
    } else {
      std::string id = "ID" + std::to_string(idx);
      data += "{\"id\": \"" + id + "\", \"name\": \"" + std::string(idx % 7, 'x') + "柯嘉嘉\", \"amount\": " +
              std::to_string(idx * 3) + "}";
      data += idx % 5 == 0 ? "\r\n" : "\n";
      records.emplace_back(line, id);
    }
  }
  return data;
}

TEST(AdapterNdjson, LineNumbersAcrossChunks) {
  std::vector<std::pair<uint64_t, std::string>> expected;
  std::vector<uint64_t> bad_lines;
  std::string data = varied_feed(400, expected, bad_lines);
  data += "{\"id\": \"tail\"}";  // no final newline
  expected.emplace_back(401, "tail");
  for (size_t target : {size_t{1}, size_t{7}, size_t{64}, size_t{1000}, size_t{1} << 20}) {
    for (bool parallel : {false, true}) {
      FeedResult result = run_feed(ndjson(), FeedOptions().get(), data, target, parallel);
      ASSERT_EQ(result.rows.size(), expected.size()) << target;
      for (size_t idx = 0; idx < expected.size(); ++idx) {
        EXPECT_EQ(result.rows[idx].line, expected[idx].first) << target;
        EXPECT_EQ(result.rows[idx].at("id"), expected[idx].second) << target;
      }
      ASSERT_EQ(result.rejects.size(), bad_lines.size());
      for (size_t idx = 0; idx < bad_lines.size(); ++idx) EXPECT_EQ(result.rejects[idx].line, bad_lines[idx]);
      EXPECT_EQ(result.total_lines, 401u);
      if (target == 1) {
        EXPECT_EQ(result.chunk_ends.size(), 401u);  // one line per chunk
      }
      for (size_t end : result.chunk_ends) EXPECT_TRUE(end == data.size() || data[end - 1] == '\n');
    }
  }
}

TEST(AdapterNdjson, ParseReturnsPhysicalLines) {
  std::string data = "{\"id\": \"1\"}\n\n{\"id\": \"2\"}";
  char err[256];
  FeedOptions options;
  void* ctx = ndjson()->open(options.get(), data.data(), data.size(), err, sizeof err);
  ASSERT_NE(ctx, nullptr);
  CollectingSink sink;
  canbao_record_sink abi_sink = sink.sink();
  EXPECT_EQ(ndjson()->parse(ctx, 0, data.size(), &abi_sink, err, sizeof err), 3);
  EXPECT_EQ(ndjson()->parse(ctx, 0, 12, &abi_sink, err, sizeof err), 1);
  EXPECT_EQ(ndjson()->parse(ctx, 0, 0, &abi_sink, err, sizeof err), 0);
  EXPECT_EQ(ndjson()->parse(ctx, 0, data.size() + 1, &abi_sink, err, sizeof err), -1);
  // A sink that stops early still gets the chunk's full line count.
  CollectingSink stopper;
  stopper.stop_after_emits = 1;
  canbao_record_sink stop_sink = stopper.sink();
  EXPECT_EQ(ndjson()->parse(ctx, 0, data.size(), &stop_sink, err, sizeof err), 3);
  EXPECT_EQ(stopper.rows.size(), 1u);
  ndjson()->close(ctx);
}

TEST(AdapterNdjson, ParsesUpToTheVeryEndOfTheData) {
  // The data ends right before an unreadable page: the last lines (within SIMDJSON_PADDING of the
  // end) must be copied, not parsed in place.
  std::vector<std::string> feeds = {
      "{\"id\": \"1\"}",
      "{\"id\": \"1\"}\n",
      "{\"id\": \"1\", \"amount\": 12}\n{\"amount\": 7}",
      "{\"back_pay\": true}",
      "{\"id\": \"1\"",
      std::string(200, ' ') + "{\"id\": \"1\"}\n{\"name\": \"" + std::string(100, 'a') + "\"}\n{\"id\":\"2\"}",
  };
  for (const std::string& feed : feeds) {
    GuardedBuffer buffer(feed);
    FeedResult result = run_feed(ndjson(), FeedOptions().get(), buffer.data(), buffer.size(), 1 << 20);
    FeedResult reference = run(feed);
    EXPECT_EQ(result.rows.size(), reference.rows.size()) << feed;
    EXPECT_EQ(result.rejects.size(), reference.rejects.size()) << feed;
  }
  GuardedBuffer buffer("{\"id\": \"1\", \"amount\": 12}\n{\"amount\": 7}");
  FeedResult result = run_feed(ndjson(), FeedOptions().get(), buffer.data(), buffer.size(), 1);
  ASSERT_EQ(result.rows.size(), 2u);
  EXPECT_EQ(result.rows[1].at("amount"), "7");
}

TEST(AdapterNdjson, GbkLinesAreDecoded) {
  FeedOptions options("gbk", {{"id", "证件号码"}, {"name", "姓名"}});
  std::string data = to_gbk("{\"证件号码\": \"350213197205010355\", \"姓名\": \"周杰\", \"status\": \"正常\"}\n");
  data += "{\"status\": \"active\", \"id\": \"unmapped\"}\n";  // pure ASCII
  data += std::string("{\"\xD6\xDC\": \"\xFF\xFF\", \"") + to_gbk("证件号码") + "\": \"35021319720501035X\"}\n";  // invalid GBK
  data += to_gbk("{\"姓名\": \"迪丽热巴·艾力\"}");
  FeedResult result = run_feed(ndjson(), options.get(), data, 16);
  ASSERT_EQ(result.rows.size(), 3u);
  EXPECT_EQ(result.rows[0].at("id"), "350213197205010355");
  EXPECT_EQ(result.rows[0].at("name"), "周杰");
  EXPECT_EQ(result.rows[0].at("status"), "正常");
  EXPECT_EQ(result.rows[1].at("status"), "active");
  EXPECT_FALSE(result.rows[1].has("id"));
  EXPECT_EQ(result.rows[2].at("name"), "迪丽热巴·艾力");
  EXPECT_EQ(result.rows[2].line, 4u);
  ASSERT_EQ(result.rejects.size(), 1u);
  EXPECT_EQ(result.rejects[0].reason, "bad_encoding");
  EXPECT_EQ(result.rejects[0].line, 3u);
}

TEST(AdapterNdjson, SampleCityFeedsParseCleanly) {
  const std::string dir = testing::sample_city() + "/";
  for (const char* name : {"enrollment.ndjson", "national_platform.jsonl", "tax.ndjson", "hr.ndjson",
                           "education.ndjson", "disability.ndjson"}) {
    FILE* file = std::fopen((dir + name).c_str(), "rb");
    if (file == nullptr) GTEST_SKIP() << "sample city not available";
    std::string data;
    char buf[65536];
    for (size_t got; (got = std::fread(buf, 1, sizeof buf, file)) > 0;) data.append(buf, got);
    std::fclose(file);
    FeedResult result = run_feed(ndjson(), FeedOptions().get(), data, 4096, true);
    size_t lines = static_cast<size_t>(std::count(data.begin(), data.end(), '\n'));
    EXPECT_TRUE(result.rejects.empty()) << name;
    EXPECT_EQ(result.total_lines, lines) << name;
    EXPECT_EQ(result.rows.size(), lines) << name;
  }
}

}  // namespace
}  // namespace canbao::adapter_test
