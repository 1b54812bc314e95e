// The legacy fixed-width plugin (plugins/legacy_fixed_width), loaded the way the engine loads
// plugins: dlopen(RTLD_NOW | RTLD_LOCAL) of the built module, then its one exported entry.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "adapters_test_util.h"

namespace canbao::adapter_test {
namespace {

class AdapterLegacy : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    handle_ = dlopen(CANBAO_LEGACY_PLUGIN, RTLD_NOW | RTLD_LOCAL);
    ASSERT_NE(handle_, nullptr) << dlerror();
    auto entry = reinterpret_cast<canbao_adapter_entry_fn>(dlsym(handle_, CANBAO_ADAPTER_ENTRY_SYMBOL));
    ASSERT_NE(entry, nullptr) << dlerror();
    adapter_ = entry();
  }
  static void TearDownTestSuite() {
    if (handle_ != nullptr) dlclose(handle_);
    handle_ = nullptr;
    adapter_ = nullptr;
  }
  static void* handle_;
  static const canbao_adapter* adapter_;
};
void* AdapterLegacy::handle_ = nullptr;
const canbao_adapter* AdapterLegacy::adapter_ = nullptr;

/// `value` (UTF-8; GBK-encoded here) left-justified in `width` bytes.
std::string pad(const std::string& value, size_t width) {
  std::string bytes = to_gbk(value);
  if (bytes.size() > width) throw std::invalid_argument("too wide: " + value);
  return bytes + std::string(width - bytes.size(), ' ');
}

struct Detail {
  std::string record_id = "XM26600689", id = "350213196801189633", name = "柯嘉嘉", sex = "1",
              birth = "19680118", scheme = "2", region = "350213", status = "1", start = "20190101",
              end = "00000000", category = "  ", unit = "", funded = "0";
  std::string line() const {
    return "D" + pad(record_id, 20) + pad(id, 18) + pad(name, 30) + pad(sex, 1) + pad(birth, 8) + pad(scheme, 1) +
           pad(region, 6) + pad(status, 1) + pad(start, 8) + pad(end, 8) + pad(category, 2) + pad(unit, 20) +
           pad(funded, 1);
  }
};

std::string header() { return "HCBLEGACY0120261122350200\n"; }
std::string trailer(int count) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "T%010d\n", count);
  return buf;
}

TEST_F(AdapterLegacy, EntryAndTable) {
  ASSERT_NE(adapter_, nullptr);
  EXPECT_EQ(adapter_->abi_version, CANBAO_ADAPTER_ABI_VERSION);
  EXPECT_GE(adapter_->struct_size, sizeof(canbao_adapter));
  EXPECT_STREQ(adapter_->name, "legacy-fixed-width");
  EXPECT_EQ(Detail().line().size(), 125u);
}

TEST_F(AdapterLegacy, ParsesDetailsAndMapsCodes) {
  Detail first;
  Detail second;
  second.record_id = "XM26603653";
  second.id = "310104199704156025";
  second.name = "迪丽热巴·艾力";
  second.sex = "2";
  second.scheme = "1";
  second.region = "350205";
  second.status = "2";
  second.start = "20140401";
  second.end = "20261231";
  second.category = "11";
  second.unit = "913502051C005131";
  second.funded = "2";
  Detail third;
  third.record_id = "R3";
  third.status = "3";
  third.category = "13";
  third.end = "99991231";
  third.birth = "        ";
  third.sex = " ";
  std::string data = header() + first.line() + "\n" + second.line() + "\r\n\n" + third.line() + "\n" + trailer(3);
  FeedOptions options("utf-8", {}, "legacy.dat");
  FeedResult result = run_feed(adapter_, options.get(), data);
  ASSERT_TRUE(result.open_error.empty()) << result.open_error;
  EXPECT_EQ(result.first_line, 2u);
  EXPECT_TRUE(result.rejects.empty());
  ASSERT_EQ(result.rows.size(), 3u);

  const Row& row1 = result.rows[0];
  EXPECT_EQ(row1.line, 2u);
  EXPECT_EQ(row1.at("record_id"), "XM26600689");
  EXPECT_EQ(row1.at("id"), "350213196801189633");
  EXPECT_EQ(row1.at("name"), "柯嘉嘉");
  EXPECT_EQ(row1.at("sex"), "男");
  EXPECT_EQ(row1.at("birth"), "19680118");
  EXPECT_EQ(row1.at("scheme"), "resident");
  EXPECT_EQ(row1.at("region"), "350213");
  EXPECT_EQ(row1.at("status"), "active");
  EXPECT_EQ(row1.at("start"), "20190101");
  EXPECT_FALSE(row1.has("end"));       // 00000000: open
  EXPECT_FALSE(row1.has("category"));  // blank
  EXPECT_FALSE(row1.has("unit"));
  EXPECT_FALSE(row1.has("funded"));    // 0: not government-funded

  const Row& row2 = result.rows[1];
  EXPECT_EQ(row2.line, 3u);
  EXPECT_EQ(row2.at("name"), "迪丽热巴·艾力");
  EXPECT_EQ(row2.at("sex"), "女");
  EXPECT_EQ(row2.at("scheme"), "employee");
  EXPECT_EQ(row2.at("status"), "suspended");
  EXPECT_EQ(row2.at("end"), "20261231");
  EXPECT_EQ(row2.at("category"), "in_service");
  EXPECT_EQ(row2.at("unit"), "913502051C005131");
  EXPECT_EQ(row2.at("funded"), "dibao");

  const Row& row3 = result.rows[2];
  EXPECT_EQ(row3.line, 5u);
  EXPECT_EQ(row3.at("status"), "terminated");
  EXPECT_EQ(row3.at("category"), "retired");
  EXPECT_FALSE(row3.has("end"));  // 99991231: open
  EXPECT_FALSE(row3.has("birth"));
  EXPECT_FALSE(row3.has("sex"));
  EXPECT_EQ(result.total_lines, 6u);
}

TEST_F(AdapterLegacy, BadLinesAreRejected) {
  Detail good;
  Detail unknown_code;
  unknown_code.scheme = "7";
  std::string short_line = good.line().substr(0, 60);
  std::string long_line = good.line() + "EXTRA";
  std::string bad_gbk = good.line();
  bad_gbk[40] = '\xFF';
  bad_gbk[41] = '\xFF';
  std::string data = header() + good.line() + "\n" + short_line + "\n" + long_line + "\n" + good.line() + "   \n" +
                     bad_gbk + "\n" + "X junk\n" + unknown_code.line() + "\n" + trailer(6);
  FeedResult result = run_feed(adapter_, FeedOptions().get(), data);
  ASSERT_TRUE(result.open_error.empty()) << result.open_error;
  ASSERT_EQ(result.rows.size(), 3u);
  EXPECT_EQ(result.rows[0].line, 2u);
  EXPECT_EQ(result.rows[1].line, 5u);  // trailing spaces after the layout are allowed
  EXPECT_EQ(result.rows[2].line, 8u);
  EXPECT_EQ(result.rows[2].at("scheme"), kInvalid);
  ASSERT_EQ(result.rejects.size(), 4u);
  EXPECT_EQ(result.rejects[0].reason, "bad_record_length");
  EXPECT_EQ(result.rejects[0].line, 3u);
  EXPECT_EQ(result.rejects[0].raw_id.value_or("<null>"), "350213196801189633");
  EXPECT_EQ(result.rejects[1].reason, "bad_record_length");
  EXPECT_EQ(result.rejects[1].line, 4u);
  EXPECT_EQ(result.rejects[2].reason, "bad_encoding");
  EXPECT_EQ(result.rejects[2].line, 6u);
  EXPECT_EQ(result.rejects[2].raw_id.value_or("<null>"), "350213196801189633");
  EXPECT_EQ(result.rejects[3].reason, "bad_record_type");
  EXPECT_EQ(result.rejects[3].line, 7u);
}

TEST_F(AdapterLegacy, FileLevelProblemsFailOpen) {
  Detail good;
  FeedOptions options("utf-8", {}, "legacy.dat");
  EXPECT_EQ(run_feed(adapter_, options.get(), "not a header\n" + good.line() + "\n" + trailer(1)).open_error,
            "legacy.dat:1: not a CBLEGACY v01 export (the first line must start with 'HCBLEGACY01')");
  EXPECT_EQ(run_feed(adapter_, options.get(), header() + good.line() + "\n").open_error,
            "legacy.dat:2: no trailer line ('T' + record count): truncated export?");
  EXPECT_EQ(run_feed(adapter_, options.get(), header() + good.line() + "\n" + trailer(2)).open_error,
            "legacy.dat:3: trailer says 2 detail records, the file has 1");
  EXPECT_EQ(run_feed(adapter_, options.get(), header() + trailer(0) + good.line() + "\n").open_error,
            "legacy.dat:3: data after the trailer line");
  FeedOptions tax("utf-8", {}, "legacy.dat", "tax");
  EXPECT_EQ(run_feed(adapter_, tax.get(), header() + trailer(0)).open_error,
            "legacy.dat:1: the CBLEGACY export holds enrollment records, not 'tax'");
}

TEST_F(AdapterLegacy, LineNumbersAcrossChunks) {
  std::string data = header();
  std::vector<uint64_t> record_lines;
  uint64_t line = 2;
  int details = 0;
  for (int idx = 0; idx < 60; ++idx, ++line) {
    if (idx % 7 == 3) {
      data += "\n";
      continue;
    }
    Detail detail;
    detail.record_id = std::to_string(idx + 100000);
    data += detail.line();
    data += idx % 2 != 0 ? "\r\n" : "\n";
    record_lines.push_back(line);
    ++details;
  }
  data += trailer(details);
  for (size_t target : {size_t{1}, size_t{100}, size_t{1000}, size_t{1} << 20}) {
    for (bool parallel : {false, true}) {
      FeedResult result = run_feed(adapter_, FeedOptions().get(), data.data(), data.size(), target, parallel);
      ASSERT_TRUE(result.open_error.empty()) << result.open_error;
      ASSERT_EQ(result.rows.size(), record_lines.size());
      for (size_t idx = 0; idx < record_lines.size(); ++idx) EXPECT_EQ(result.rows[idx].line, record_lines[idx]);
      EXPECT_EQ(result.total_lines, line);  // the header, 60 body lines and the trailer
    }
  }
}

}  // namespace
}  // namespace canbao::adapter_test
