// Issue #17: the job across MPI ranks. `mpirun -np N canbao run` must write outputs byte-identical
// to the single-process run's (summary.json and report.html but for timings and paths), and a
// rank that dies must end the run with one line and no outputs. And the index across ranks: `mpirun -np N canbao ingest` (oversubscribed on this
// machine) must build a sharded index whose parts, read in rank order, hold exactly the records
// of the single-process index — same bytes, strings, file lines, pending records and quarantine
// entries — with each rank's key range disjoint and ordered, and whose per-rank links together
// say what the single-process links say (docs/DISTRIBUTED.md). On the SPEC sample city, a 100k
// synthetic city and bad input (broken lines, a quoted newline in a CSV cell, duplicate
// record_ids, a bad check character that fallback linking repairs).
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <tuple>

#include "canbao/index/index_dir.h"
#include "canbao/index/links.h"
#include "canbao/index/segment_reader.h"
#include "canbao/records/records.h"
#include "test_util.h"

namespace canbao {
namespace {

using testing::cli;
using testing::run_command;
using testing::TempDir;
using testing::write_file;
namespace fs = std::filesystem;

bool have_mpirun() { return run_command("command -v mpirun").exit_code == 0; }

// mpirun as root, more ranks than cores; LeakSanitizer off (Open MPI keeps its allocations).
testing::CommandResult mpirun(int ranks, const std::string& args) {
  return run_command("OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 ASAN_OPTIONS=detect_leaks=0 "
                     "OMPI_MCA_btl=self,vader OMPI_MCA_rmaps_base_oversubscribe=1 timeout 600 mpirun --oversubscribe -np " +
                     std::to_string(ranks) + " " + cli() + " " + args);
}

// A record as text: its bytes with every string cleared, then the strings (so records of
// segments with different string layouts compare equal when they say the same).
std::string canonical(const Segment& segment, const char* packed) {
  std::string out;
  with_packed_type(segment.agency(), [&](auto type) {
    using T = typename decltype(type)::type;
    T copy;
    std::memcpy(&copy, packed, sizeof(T));
    std::string texts;
    for_each_str(copy, [&](Str& str) {
      texts += segment.str(str);
      texts += '\x1f';
      str = Str{};
    });
    out.assign(reinterpret_cast<const char*>(&copy), sizeof(T));
    out += texts;
  });
  return out;
}

std::vector<std::string> pending_of(const Segment& segment) {
  std::vector<std::string> out;
  for (size_t idx = 0; idx < segment.pending_count(); ++idx) {
    PendingInfo info = segment.pending_info()[idx];
    const std::string masked(segment.str(info.masked_id));
    info.masked_id = Str{};
    out.push_back(canonical(segment, segment.pending(idx)) + std::string(reinterpret_cast<const char*>(&info), sizeof(info)) + masked);
  }
  for (size_t idx = 0; idx < segment.quarantine_count(); ++idx) {
    const QuarantineEntry& entry = segment.quarantine()[idx];
    out.push_back("q" + std::to_string(entry.line) + "|" + std::string(segment.str(entry.reason)) + "|" +
                  std::string(segment.str(entry.masked_id)));
  }
  return out;
}

struct Opened {
  IndexInfo info;
  std::vector<std::vector<std::unique_ptr<Segment>>> parts;  // [rank][feed]
  std::vector<LinkResult> links;                             // [rank]
};

Opened open_parts(const std::string& dir) {
  Opened out;
  auto info = read_index_info(dir);
  EXPECT_TRUE(info.ok()) << info.status().message();
  if (!info.ok()) return out;
  out.info = std::move(info).value();
  for (uint32_t rank = 0; rank < out.info.ranks; ++rank) {
    auto& segments = out.parts.emplace_back();
    std::vector<const Segment*> views;
    for (const IndexFeedInfo& feed : out.info.feeds) {
      auto segment = Segment::Open(dir + "/" + part_file_name(feed.segment, rank));
      EXPECT_TRUE(segment.ok()) << segment.status().message();
      if (!segment.ok()) return out;
      views.push_back(segment.value().get());
      segments.push_back(std::move(segment).value());
    }
    auto links = load_links(dir + "/" + part_file_name(out.info.links, rank), views);
    EXPECT_TRUE(links.ok()) << links.status().message();
    if (links.ok()) out.links.push_back(std::move(links).value());
  }
  return out;
}

// (key, feed, line, method) of every linked record; (feed, line, ambiguous) of unlinked ones.
using LinkedRow = std::tuple<PersonKey, uint32_t, uint32_t, int, bool>;
using LineRow = std::tuple<uint32_t, uint32_t, bool>;

// The sharded index in `sharded` says what the single-process index in `single` says.
void expect_same_index(const std::string& single_dir, const std::string& sharded_dir, int ranks) {
  SCOPED_TRACE(sharded_dir);
  const Opened single = open_parts(single_dir);
  const Opened sharded = open_parts(sharded_dir);
  ASSERT_EQ(single.parts.size(), 1u);
  ASSERT_EQ(sharded.info.ranks, static_cast<uint32_t>(ranks));
  ASSERT_EQ(sharded.parts.size(), static_cast<size_t>(ranks));
  ASSERT_EQ(sharded.links.size(), static_cast<size_t>(ranks));
  ASSERT_EQ(single.info.feeds.size(), sharded.info.feeds.size());
  for (size_t feed = 0; feed < single.info.feeds.size(); ++feed) {
    SCOPED_TRACE(single.info.feeds[feed].path);
    const Segment& whole = *single.parts[0][feed];
    std::vector<std::string> expected, got;
    for (size_t idx = 0; idx < whole.record_count(); ++idx) expected.push_back(canonical(whole, whole.record(idx)));
    for (int rank = 0; rank < ranks; ++rank) {
      const Segment& part = *sharded.parts[static_cast<size_t>(rank)][feed];
      EXPECT_EQ(part.header().lines, whole.header().lines);
      EXPECT_EQ(part.header().max_id_birth, whole.header().max_id_birth);
      EXPECT_EQ(part.header().min_future_birth, whole.header().min_future_birth);
      EXPECT_EQ(part.header().fingerprint, whole.header().fingerprint);
      EXPECT_EQ(pending_of(part), pending_of(whole)) << "rank " << rank;
      for (size_t idx = 0; idx < part.record_count(); ++idx) {
        EXPECT_EQ(key_owner(sharded.info.boundaries, part.key_at(idx)), rank) << "record " << idx;
        got.push_back(canonical(part, part.record(idx)));
      }
    }
    EXPECT_EQ(got, expected);
  }
  // Links: the linked persons split by key range; the pending records' outcomes on every rank.
  const auto linked_rows = [](const LinkResult& links) {
    std::vector<LinkedRow> rows;
    for (const LinkedRef& ref : links.linked)
      rows.emplace_back(ref.key, ref.origin.feed, ref.origin.line, static_cast<int>(ref.method), ref.removed);
    return rows;
  };
  const auto unlinked_rows = [](const std::vector<UnlinkedRef>& refs, const std::vector<std::unique_ptr<Segment>>& segments) {
    std::vector<LineRow> rows;
    for (const UnlinkedRef& ref : refs)
      rows.emplace_back(ref.segment, segments[ref.segment]->pending_info()[ref.pending].line, ref.ambiguous);
    return rows;
  };
  const auto duplicate_rows = [](const LinkResult& links) {
    std::set<std::tuple<uint32_t, uint32_t, bool, PersonKey>> rows;
    for (const DuplicateRecordRef& ref : links.duplicate_ids) rows.emplace(ref.segment, ref.line, ref.pending, ref.key);
    return rows;
  };
  const auto excluded_rows = [](const std::vector<ExcludedRef>& refs, const std::vector<std::unique_ptr<Segment>>& segments) {
    std::set<std::tuple<PersonKey, uint32_t, std::string>> rows;
    for (const ExcludedRef& ref : refs)
      rows.emplace(ref.key, ref.segment, canonical(*segments[ref.segment], segments[ref.segment]->record(ref.index)));
    return rows;
  };
  const LinkResult& whole = single.links[0];
  std::vector<LinkedRow> linked;
  std::set<std::tuple<uint32_t, uint32_t, bool, PersonKey>> duplicates;
  std::set<std::tuple<PersonKey, uint32_t, std::string>> excluded, removed;
  for (int rank = 0; rank < ranks; ++rank) {
    const LinkResult& part = sharded.links[static_cast<size_t>(rank)];
    const auto& segments = sharded.parts[static_cast<size_t>(rank)];
    for (const LinkedRow& row : linked_rows(part)) {
      EXPECT_EQ(key_owner(sharded.info.boundaries, std::get<0>(row)), rank);
      linked.push_back(row);
    }
    EXPECT_EQ(unlinked_rows(part.unlinked, segments), unlinked_rows(whole.unlinked, single.parts[0])) << "rank " << rank;
    EXPECT_EQ(unlinked_rows(part.newborns, segments), unlinked_rows(whole.newborns, single.parts[0])) << "rank " << rank;
    EXPECT_EQ(part.valid_from, whole.valid_from);
    EXPECT_EQ(part.valid_before, whole.valid_before);
    const auto rank_duplicates = duplicate_rows(part);
    duplicates.insert(rank_duplicates.begin(), rank_duplicates.end());
    const auto rank_excluded = excluded_rows(part.excluded, segments);
    excluded.insert(rank_excluded.begin(), rank_excluded.end());
    const auto rank_removed = excluded_rows(part.removed_direct, segments);
    removed.insert(rank_removed.begin(), rank_removed.end());
  }
  std::sort(linked.begin(), linked.end());
  std::vector<LinkedRow> expected_linked = linked_rows(whole);
  std::sort(expected_linked.begin(), expected_linked.end());
  EXPECT_EQ(linked, expected_linked);
  EXPECT_EQ(duplicates, duplicate_rows(whole));
  EXPECT_EQ(excluded, excluded_rows(whole.excluded, single.parts[0]));
  EXPECT_EQ(removed, excluded_rows(whole.removed_direct, single.parts[0]));
}

// Every output file of `dir` against the single-process run's in `single`: CSVs byte for byte;
// summary.json and report.html without their timings, index path and rank count.
void expect_same_outputs(const std::string& single, const std::string& dir) {
  SCOPED_TRACE(dir);
  static const std::regex kSeconds(R"("[a-z_]+_seconds": [-+0-9.eE]+,?\s*)");
  static const std::regex kTimings(R"("timings_seconds": \{[^}]*\})");
  static const std::regex kIndex(R"("index": "[^"]*")");
  static const std::regex kRanks(R"(,\s*"ranks": [0-9]+,\s*"per_rank": \[[^\]]*\])");
  static const std::regex kChart(R"(<figure><figcaption>[^<]*</figcaption><svg class="chart" data-chart="timings".*</figure>)");
  const auto normal = [&](const std::string& name, std::string text) {
    if (name == "summary.json") {
      for (const std::regex* re : {&kSeconds, &kTimings, &kIndex, &kRanks}) text = std::regex_replace(text, *re, "");
    } else if (name == "report.html") {
      text = std::regex_replace(text, kChart, "");
    }
    return text;
  };
  size_t files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(single)) {
    if (!entry.is_regular_file()) continue;
    const std::string rel = fs::relative(entry.path(), single).string();
    ASSERT_TRUE(fs::exists(dir + "/" + rel)) << rel;
    EXPECT_EQ(normal(rel, testing::read_file(dir + "/" + rel)), normal(rel, testing::read_file(entry.path().string())))
        << rel;
    ++files;
  }
  size_t got = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) got += entry.is_regular_file();
  EXPECT_EQ(got, files) << "the same files";
  EXPECT_GE(files, 10u);
}

class RanksTest : public ::testing::Test {
 protected:
  void SetUp() override {
#if defined(__SANITIZE_THREAD__)
    GTEST_SKIP() << "Open MPI is not built with ThreadSanitizer: its transport threads are not checked";
#endif
    if (!have_mpirun()) GTEST_FAIL() << "mpirun not found: scripts/deps.sh installs openmpi-bin";
  }

  // The single-process index of `manifest`, then 1..4 ranks' sharded ones, compared.
  void check_all_rank_counts(const std::string& manifest) {
    const auto single = run_command(cli() + " ingest " + manifest + " --index " + tmp_ / "one");
    ASSERT_EQ(single.exit_code, 0) << single.output;
    for (int ranks = 2; ranks <= 4; ++ranks) {
      const std::string dir = tmp_ / ("ranks" + std::to_string(ranks));
      const auto sharded = mpirun(ranks, "ingest " + manifest + " --index " + dir);
      ASSERT_EQ(sharded.exit_code, 0) << sharded.output;
      EXPECT_NE(sharded.output.find("(" + std::to_string(ranks) + " ranks)"), std::string::npos) << sharded.output;
      expect_same_index(tmp_ / "one", dir, ranks);
    }
    // One rank under mpirun is the single-process index.
    const auto solo = mpirun(1, "ingest " + manifest + " --index " + tmp_ / "ranks1");
    ASSERT_EQ(solo.exit_code, 0) << solo.output;
    const auto info = read_index_info(tmp_ / "ranks1");
    ASSERT_TRUE(info.ok());
    EXPECT_EQ(info.value().ranks, 1u);
    expect_same_index(tmp_ / "one", tmp_ / "ranks1", 1);
  }

  // `canbao run` in one process, then across 2, 3 and 4 ranks: the same outputs.
  void check_runs(const std::string& manifest) {
    // (--threads: mpirun binds each rank to a core, which TBB would take as one thread.)
    const auto single = run_command(cli() + " run " + manifest + " --threads 2 --out " + tmp_ / "out-one");
    ASSERT_EQ(single.exit_code, 0) << single.output;
    for (int ranks = 2; ranks <= 4; ++ranks) {
      const std::string out = tmp_ / ("out-" + std::to_string(ranks));
      const auto sharded = mpirun(ranks, "run " + manifest + " --threads 2 --out " + out);
      ASSERT_EQ(sharded.exit_code, 0) << sharded.output;
      EXPECT_NE(sharded.output.find("in each of " + std::to_string(ranks) + " MPI ranks"), std::string::npos);
      expect_same_outputs(tmp_ / "out-one", out);
    }
  }

  TempDir tmp_{"canbao-ranks"};
};

TEST_F(RanksTest, SampleCityRunEqualsTheSingleProcessRun) {
  const std::string manifest = testing::sample_city() + "/manifest.json";
  if (!fs::exists(manifest)) GTEST_SKIP() << "no shared/examples/sample-city";
  check_runs(manifest);
  // Lookups on the sharded index answer as on the single-process one (each from its key's part).
  std::string ids;
  const std::vector<std::string> rows = testing::non_empty_lines(testing::read_file(tmp_ / "out-one/registry.csv"));
  for (size_t idx = 1; idx < rows.size(); idx += 7) ids += " " + rows[idx].substr(0, rows[idx].find(','));
  ids += " 350206195302260872 110101199001011234";  // a bad check character; one nobody has
  const auto one = run_command(cli() + " query --index " + tmp_ / "out-one.index" + ids);
  const auto four = run_command(cli() + " query --index " + tmp_ / "out-4.index" + ids);
  EXPECT_EQ(four.exit_code, one.exit_code);  // non-zero: the bad check character
  EXPECT_GT(testing::non_empty_lines(one.output).size(), 40u);
  EXPECT_EQ(four.output, one.output);
}

TEST_F(RanksTest, SyntheticCityRunEqualsTheSingleProcessRun) {
  const auto synth = run_command(cli() + " synth --persons 100000 --seed 23 --out " + tmp_ / "city");
  ASSERT_EQ(synth.exit_code, 0) << synth.output;
  check_runs(tmp_ / "city/manifest.json");
}

// SPEC §7–§9 over three runs with one state, across 3 ranks: every run's outputs as one
// process's, and the pre-check on the last sharded index.
TEST_F(RanksTest, CityOverTimeAcrossRanksEqualsOneProcess) {
  const std::string city = testing::city_over_time();
  if (!fs::exists(city + "/manifest-run1.json")) GTEST_SKIP() << "no shared/examples/city-over-time";
  for (const char* run : {"run1", "run2", "run3"}) {
    const std::string manifest = city + "/manifest-" + run + ".json";
    const auto single = run_command(cli() + " run " + manifest + " --threads 2 --out " +
                                    tmp_ / ("one-" + std::string(run)) + " --state " + tmp_ / "one.db");
    ASSERT_EQ(single.exit_code, 0) << single.output;
    const auto sharded = mpirun(3, "run " + manifest + " --threads 2 --out " + tmp_ / ("three-" + std::string(run)) +
                                       " --state " + tmp_ / "three.db");
    ASSERT_EQ(sharded.exit_code, 0) << sharded.output;
    expect_same_outputs(tmp_ / ("one-" + std::string(run)), tmp_ / ("three-" + std::string(run)));
  }
  const auto precheck = run_command("python3 " + testing::shared_dir() + "/examples/precheck.py " + cli() + " " +
                                    tmp_ / "three-run3.index" + " " + city + "/precheck.csv");
  EXPECT_EQ(precheck.exit_code, 0) << precheck.output;
  EXPECT_NE(precheck.output.find("0 differences"), std::string::npos) << precheck.output;
}

TEST_F(RanksTest, BadInputRunEqualsTheSingleProcessRun) {
  std::string enrollment;
  for (int idx = 0; idx < 300; ++idx) {
    if (idx % 11 == 0) enrollment += "{broken\n";
    else if (idx % 13 == 0) enrollment += R"({"id": "350206195302260872", "name": "沈雪水", "scheme": "resident", "region": "350206", "status": "active", "start": "2024-01-01", "record_id": "B)" + std::to_string(idx) + "\"}\n";
    else enrollment += R"({"id": ")" + std::string(idx % 2 ? "350206195302260871" : "350213197109130912") + R"(", "name": "x", "scheme": "resident", "region": "350206", "status": "active", "start": "2024-01-01", "record_id": "R)" + std::to_string(idx % 40) + "\"}\n";
  }
  write_file(tmp_ / "enrollment.ndjson", enrollment);
  write_file(tmp_ / "manifest.json", R"({"city": "350200", "as_of": "2026-11-22",
    "settings": {"target_rate": 0.95, "resident_subsidy_yuan": 700, "notice_days": 30},
    "feeds": [{"agency": "enrollment", "path": "enrollment.ndjson"}]})");
  check_runs(tmp_ / "manifest.json");
}

// A rank killed mid-run (SIGKILL while writing its part): the run ends with one canbao line, a
// non-zero exit and no output directory; the next run cleans up and writes what one process does.
TEST_F(RanksTest, AKilledRankEndsTheRunWithOneLineAndNoOutputs) {
  const std::string manifest = testing::sample_city() + "/manifest.json";
  if (!fs::exists(manifest)) GTEST_SKIP() << "no shared/examples/sample-city";
  const auto killed = run_command("CANBAO_FAILPOINT=match.partition_written CANBAO_FAILPOINT_RANK=2 "
                                  "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 ASAN_OPTIONS=detect_leaks=0 "
                                  "timeout 300 mpirun --oversubscribe -np 3 " + cli() + " run " + manifest +
                                  " --out " + tmp_ / "out");
  EXPECT_NE(killed.exit_code, 0);
  size_t lines = 0;
  for (const std::string& line : testing::non_empty_lines(killed.output)) lines += line.rfind("canbao:", 0) == 0;
  EXPECT_EQ(lines, 1u) << killed.output;
  // mpirun ends the other ranks (rank 0 says so), or rank 0 saw the collective fail first.
  EXPECT_TRUE(killed.output.find("canbao: the run across MPI ranks was stopped") != std::string::npos ||
              killed.output.find("MPI failed") != std::string::npos)
      << killed.output;
  EXPECT_FALSE(fs::exists(tmp_ / "out"));
  const auto again = mpirun(3, "run " + manifest + " --threads 2 --out " + tmp_ / "out");
  ASSERT_EQ(again.exit_code, 0) << again.output;
  const auto single = run_command(cli() + " run " + manifest + " --threads 2 --out " + tmp_ / "out-one");
  ASSERT_EQ(single.exit_code, 0) << single.output;
  expect_same_outputs(tmp_ / "out-one", tmp_ / "out");
  for (const auto& entry : fs::directory_iterator(tmp_.path()))
    EXPECT_EQ(entry.path().filename().string().find("out.tmp-"), std::string::npos) << entry.path();
}

TEST_F(RanksTest, SampleCityShardedIndexEqualsTheSingleProcessOne) {
  const std::string manifest = testing::sample_city() + "/manifest.json";
  if (!fs::exists(manifest)) GTEST_SKIP() << "no shared/examples/sample-city";
  check_all_rank_counts(manifest);
}

TEST_F(RanksTest, SyntheticCityShardedIndexEqualsTheSingleProcessOne) {
  const auto synth = run_command(cli() + " synth --persons 100000 --seed 17 --out " + tmp_ / "city");
  ASSERT_EQ(synth.exit_code, 0) << synth.output;
  check_all_rank_counts(tmp_ / "city/manifest.json");
}

// Bad input cut across ranks: broken lines, a CSV cell with a newline in quotes (a record boundary
// is not every newline), duplicate record_ids on both sides of a cut, a bad check character.
TEST_F(RanksTest, BadInputShardedIndexEqualsTheSingleProcessOne) {
  std::string enrollment, civil = "id,name,assistance_type,valid_from,valid_to\n";
  for (int idx = 0; idx < 400; ++idx) {
    const std::string id = idx % 2 ? "350206195302260871" : "350213197109130912";
    switch (idx % 9) {
      case 0: enrollment += "{not json\n"; break;
      case 1: enrollment += R"({"id": "350206195302260872", "name": "沈雪水", "scheme": "resident", "region": "350206", "status": "active", "start": "2024-01-01", "record_id": "BAD)" + std::to_string(idx) + "\"}\n"; break;
      default:
        enrollment += R"({"id": ")" + id + R"(", "name": "x", "scheme": "resident", "region": "350206", "status": "active", "start": "2024-01-01", "record_id": "R)" +
                      std::to_string(idx % 50) + "\"}\n";
    }
    civil += id + ",\"multi\nline\"," + (idx % 7 ? "dibao" : "nonsense") + ",2024-01-01,2027-12-31\n";
  }
  write_file(tmp_ / "enrollment.ndjson", enrollment);
  write_file(tmp_ / "civil.csv", civil);
  write_file(tmp_ / "manifest.json", R"({"city": "350200", "as_of": "2026-11-22",
    "settings": {"target_rate": 0.95, "resident_subsidy_yuan": 700, "notice_days": 30},
    "feeds": [{"agency": "enrollment", "path": "enrollment.ndjson"}, {"agency": "civil_affairs", "path": "civil.csv"}]})");
  check_all_rank_counts(tmp_ / "manifest.json");
}

// A feed an adapter cannot read stops every rank with one line naming the file, and no index.
TEST_F(RanksTest, AFileLevelErrorIsOneLineAndNoIndex) {
  write_file(tmp_ / "manifest.json", R"({"city": "350200", "as_of": "2026-11-22",
    "feeds": [{"agency": "enrollment", "path": "missing.ndjson"}]})");
  const auto sharded = mpirun(3, "ingest " + tmp_ / "manifest.json" + " --index " + tmp_ / "idx");
  EXPECT_NE(sharded.exit_code, 0);
  std::size_t lines = 0;
  for (const std::string& line : testing::non_empty_lines(sharded.output)) lines += line.rfind("canbao:", 0) == 0;
  EXPECT_EQ(lines, 1u) << sharded.output;
  EXPECT_NE(sharded.output.find("missing.ndjson"), std::string::npos) << sharded.output;
  EXPECT_FALSE(fs::exists(tmp_ / "idx/index.json"));
}

}  // namespace
}  // namespace canbao
