// Text helpers behind SPEC §2 name normalisation and §6 trimming, including the fast paths the
// hot loops take (trim_space's inline check, name_is_normal before normalising).
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "canbao/core/text.h"

namespace canbao {
namespace {

TEST(Text, NormalizeNameTrimsCollapsesAndUnifiesDots) {  // SPEC §2 fallback linking: names
  EXPECT_EQ(normalize_name("  陈晓明 "), "陈晓明");
  EXPECT_EQ(normalize_name("\xE3\x80\x80陈晓明\xC2\xA0"), "陈晓明");  // U+3000, U+00A0
  EXPECT_EQ(normalize_name("陈  晓\t明"), "陈 晓 明");
  for (const char* dot : {".", "\xC2\xB7", "\xE3\x83\xBB", "\xE2\x80\xA2", "\xEF\xBC\x8E"})
    EXPECT_EQ(normalize_name(std::string("迪丽热巴") + dot + "迪力木拉提"), "迪丽热巴\xC2\xB7迪力木拉提") << dot;
  EXPECT_EQ(normalize_name(""), "");
  EXPECT_EQ(normalize_name(" \xE3\x80\x80 "), "");
}

TEST(Text, TrimSpaceFastPathAgreesWithTheFullTrim) {
  const std::vector<std::string> cases = {"", " ", "a", " a", "a ", "\ta\n", "\xE3\x80\x80" "a", "a\xE3\x80\x80",
                                          "\xC2\xA0" "a\xC2\xA0", "陈", "陈 ", "\xC2\xB7", "a\x80", "\x80",
                                          "\xE3\x80\x80", "\xC2\xA0", "\xE3", "a\xA0"};
  for (const std::string& text : cases) EXPECT_EQ(trim_space(text), trim_space_slow(text)) << text;
}

TEST(Text, NameIsNormalExactlyWhenNormalisingChangesNothing) {
  // Names built from pieces that do and do not need normalising, at random (fixed seed).
  const std::vector<std::string> pieces = {"陈", "晓", "明", "A", "z", " ", "\t", ".", "\xC2\xB7", "\xC2\xA0",
                                           "\xE3\x80\x80", "\xE3\x83\xBB", "\xE2\x80\xA2", "\xEF\xBC\x8E", "é", "€"};
  std::mt19937 rng(7);
  int normal = 0, changed = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string name;
    const int length = static_cast<int>(rng() % 6);
    for (int idx = 0; idx < length; ++idx) name += pieces[rng() % pieces.size()];
    const bool unchanged = normalize_name(name) == name;
    // name_is_normal may say "no" for a name that happens to be normal already ("陈·明"), never
    // "yes" for one that normalising would change.
    if (name_is_normal(name)) {
      EXPECT_TRUE(unchanged) << name;
    }
    (unchanged ? normal : changed) += 1;
  }
  EXPECT_GT(normal, 1000);
  EXPECT_GT(changed, 1000);
  EXPECT_TRUE(name_is_normal("陈晓明"));
  EXPECT_FALSE(name_is_normal("陈 晓明"));
}

TEST(Text, CsvRecordsWithQuotesCommasAndNewlines) {
  const std::string text = "a,\"b,c\",\"say \"\"hi\"\"\"\r\n\"two\nlines\",,x\nlast";
  size_t pos = 0;
  std::vector<std::string> cells;
  ASSERT_TRUE(next_csv_record(text, pos, cells));
  EXPECT_EQ(cells, (std::vector<std::string>{"a", "b,c", "say \"hi\""}));
  ASSERT_TRUE(next_csv_record(text, pos, cells));
  EXPECT_EQ(cells, (std::vector<std::string>{"two\nlines", "", "x"}));
  ASSERT_TRUE(next_csv_record(text, pos, cells));
  EXPECT_EQ(cells, (std::vector<std::string>{"last"}));
  EXPECT_FALSE(next_csv_record(text, pos, cells));
  size_t bad = 0;
  EXPECT_FALSE(next_csv_record("\"open,quote\n", bad, cells));
}

TEST(Text, SplitCsvLineAlwaysGivesACell) {
  std::vector<std::string> cells;
  split_csv_line("", cells);
  EXPECT_EQ(cells, (std::vector<std::string>{""}));
  split_csv_line("a,\"b,\"\"c\"\"\",", cells);
  EXPECT_EQ(cells, (std::vector<std::string>{"a", "b,\"c\"", ""}));
}

}  // namespace
}  // namespace canbao
