// The (birth, name) table of a segment (index/format.h NameBirthEntry, issue #13): what fallback
// linking (SPEC §2 name_birth, checksum_repair) searches instead of reading every record of every
// earlier feed. The table must hold exactly the records bearing a name (delete rows excepted, SPEC
// §7), sorted by (hash, record index), and the galloping searches over it and over the records
// must find exactly what a pass over the records finds.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "canbao/core/text.h"
#include "canbao/identity/citizen_id.h"
#include "segment_test_util.h"
#include "test_util.h"

namespace canbao {
namespace {

using testing::NdjsonFeed;
using testing::Segments;
using testing::TempDir;

const RecordHead& head_at(const Segment& segment, size_t idx) {
  return *reinterpret_cast<const RecordHead*>(segment.record(idx));
}

// IDs of `persons` persons born on a few days (so that (birth, name) pairs repeat), with valid
// checksums.
std::vector<PersonKey> person_keys(int persons) {
  std::vector<PersonKey> keys;
  for (int idx = 0; idx < persons; ++idx) {
    const uint64_t birth = 19800101 + static_cast<uint64_t>(idx % 25);
    keys.push_back((350203ULL * 100000000 + birth) * 1000 + 100 + static_cast<uint64_t>(idx));
  }
  return keys;
}

// An update feed of `lines` enrollment rows over those persons: a few names (one written with
// spaces, so that it normalises), rows without a name, delete rows (of a record_id: pending).
NdjsonFeed random_feed(std::mt19937& rng, const std::vector<PersonKey>& keys, int lines) {
  const char* names[] = {"张三", "李四", "迪丽热巴.迪力木拉提", "迪丽热巴\u00b7迪力木拉提", "Zhang San", "钱七"};
  NdjsonFeed feed{Agency::kEnrollment, FeedMode::kUpdate, {}};
  for (int line = 0; line < lines; ++line) {
    const std::string record_id = "\"record_id\":\"R" + std::to_string(line) + "\"";
    if (rng() % 10 == 0) {
      feed.text += "{" + record_id + ",\"op\":\"delete\"}\n";
      continue;
    }
    feed.text += "{" + record_id + ",\"id\":\"" + format_citizen_id(keys[rng() % keys.size()]) +
                 "\",\"scheme\":\"resident\",\"region\":\"350203\",\"status\":\"active\",\"start\":\"2020-01-01\"";
    if (rng() % 8 != 0) feed.text += ",\"name\":\"" + std::string(names[rng() % 6]) + "\"";
    feed.text += "}\n";
  }
  return feed;
}

// A tax update feed over those persons, a third of its rows deletes (of a person: in the records).
NdjsonFeed tax_feed(std::mt19937& rng, const std::vector<PersonKey>& keys, int lines) {
  NdjsonFeed feed{Agency::kTax, FeedMode::kUpdate, {}};
  for (int line = 0; line < lines; ++line)
    feed.text += "{\"id\":\"" + format_citizen_id(keys[rng() % keys.size()]) +
                 "\",\"name\":\"李四\",\"scheme\":\"resident\",\"region\":\"350203\",\"from\":\"2026-01\","
                 "\"to\":\"2026-12\",\"paid_on\":\"2025-11-20\",\"back_pay\":false" +
                 std::string(rng() % 3 == 0 ? ",\"op\":\"delete\"" : "") + "}\n";
  return feed;
}

// Checks one segment's table against a pass over its records; adds what it saw to the counts.
void check_table(const Segment& segment, size_t& without_name, size_t& deletes) {
  std::vector<NameBirthEntry> expected;
  for (size_t idx = 0; idx < segment.record_count(); ++idx) {
    const RecordHead& head = head_at(segment, idx);
    if (head.op == RecordOp::kDelete) {
      ++deletes;
      continue;
    }
    const std::string name = normalize_name(segment.str(head.name));
    if (name.empty()) {
      ++without_name;
      continue;
    }
    expected.push_back({name_birth_hash(id_yyyymmdd(head.key), name_hash(name)), static_cast<uint32_t>(idx)});
  }
  std::sort(expected.begin(), expected.end(), [](const NameBirthEntry& a, const NameBirthEntry& b) {
    return a.hash != b.hash ? a.hash < b.hash : a.index < b.index;
  });
  ASSERT_EQ(segment.name_table_count(), expected.size());
  for (size_t at = 0; at < expected.size(); ++at) {
    EXPECT_EQ(segment.name_table()[at].hash, expected[at].hash) << at;
    EXPECT_EQ(segment.name_table()[at].index, expected[at].index) << at;
  }
}

TEST(NameBirthTable, HoldsExactlyTheRecordsBearingANameSortedByHashThenRecord) {  // SPEC §2 name_birth, §7 delete
  std::mt19937 rng(7);
  TempDir tmp;
  const std::vector<PersonKey> keys = person_keys(40);
  Segments segments;
  testing::ingest_ndjson(tmp, {random_feed(rng, keys, 3000), tax_feed(rng, keys, 600)}, segments);
  ASSERT_GT(segments.list[0]->record_count(), 2000u);
  size_t without_name = 0, deletes = 0;
  for (const Segment* segment : segments.list) check_table(*segment, without_name, deletes);
  EXPECT_GT(without_name, 0u);
  EXPECT_GT(deletes, 100u);
  // "迪丽热巴.迪力木拉提" and "迪丽热巴·迪力木拉提" are one name, so one pair per person.
  const std::string dotted = "迪丽热巴\xC2\xB7迪力木拉提";
  std::vector<uint32_t> found;
  segments.list[0]->records_by_name_birth({name_birth_hash(id_yyyymmdd(keys[0]), name_hash(dotted))}, found);
  size_t written_otherwise = 0;
  for (const uint32_t idx : found) written_otherwise += segments.list[0]->str(head_at(*segments.list[0], idx).name) != dotted;
  EXPECT_GT(written_otherwise, 0u);
  EXPECT_LT(written_otherwise, found.size());
}

TEST(NameBirthTable, GallopingSearchesFindWhatAPassOverTheRecordsFinds) {  // SPEC §2 name_birth, checksum_repair
  std::mt19937 rng(11);
  TempDir tmp;
  const std::vector<PersonKey> keys = person_keys(300);
  Segments segments;
  testing::ingest_ndjson(tmp, {random_feed(rng, keys, 5000)}, segments);
  const Segment& segment = *segments.list[0];
  std::vector<uint32_t> present;
  for (size_t at = 0; at < segment.name_table_count(); ++at) present.push_back(segment.name_table()[at].hash);
  present.erase(std::unique(present.begin(), present.end()), present.end());
  ASSERT_GT(present.size(), 100u);

  for (int trial = 0; trial < 200; ++trial) {
    // A wanted set of any size, from one hash to all of them, with hashes no record bears.
    const size_t size = trial < 100 ? 1 + rng() % 8 : 1 + rng() % (present.size() + 50);
    std::vector<uint32_t> hashes;
    for (size_t idx = 0; idx < size; ++idx)
      hashes.push_back(rng() % 3 == 0 ? static_cast<uint32_t>(rng()) : present[rng() % present.size()]);
    if (trial == 0) hashes = present;
    std::sort(hashes.begin(), hashes.end());
    hashes.erase(std::unique(hashes.begin(), hashes.end()), hashes.end());
    std::vector<uint32_t> found, expected;
    segment.records_by_name_birth(hashes, found);
    for (const uint32_t hash : hashes)
      for (size_t idx = 0; idx < segment.record_count(); ++idx) {
        const RecordHead& head = head_at(segment, idx);
        const std::string name = normalize_name(segment.str(head.name));
        if (!name.empty() && head.op != RecordOp::kDelete &&
            name_birth_hash(id_yyyymmdd(head.key), name_hash(name)) == hash)
          expected.push_back(static_cast<uint32_t>(idx));
      }
    ASSERT_EQ(found, expected) << "trial " << trial;

    std::vector<PersonKey> wanted_keys;
    for (size_t idx = 0, count = 1 + rng() % 40; idx < count; ++idx)
      wanted_keys.push_back(rng() % 4 == 0 ? keys[rng() % keys.size()] + 7000 : keys[rng() % keys.size()]);
    std::sort(wanted_keys.begin(), wanted_keys.end());
    wanted_keys.erase(std::unique(wanted_keys.begin(), wanted_keys.end()), wanted_keys.end());
    found.clear();
    expected.clear();
    segment.records_by_keys(wanted_keys, found);
    for (size_t idx = 0; idx < segment.record_count(); ++idx)
      if (std::binary_search(wanted_keys.begin(), wanted_keys.end(), segment.key_at(idx)))
        expected.push_back(static_cast<uint32_t>(idx));
    ASSERT_EQ(found, expected) << "trial " << trial;

    // Partition starts (match/matcher.cpp): lower_bound of sorted keys, repeats and the end included.
    std::vector<PersonKey> bounds = wanted_keys;
    bounds.insert(bounds.end(), wanted_keys.begin(), wanted_keys.begin() + static_cast<std::ptrdiff_t>(wanted_keys.size() / 2));
    bounds.push_back(0);
    bounds.push_back(kNoPerson);
    std::sort(bounds.begin(), bounds.end());
    std::vector<uint64_t> starts;
    segment.lower_bounds(bounds, starts);
    ASSERT_EQ(starts.size(), bounds.size());
    for (size_t idx = 0; idx < bounds.size(); ++idx) ASSERT_EQ(starts[idx], segment.lower_bound(bounds[idx])) << idx;
  }
}

}  // namespace
}  // namespace canbao
