// The SPEC §7 state (issue #13, engine/include/canbao/state/state_store.h): round trips, the
// same-as_of replacement and the earlier-as_of refusal, run_before, pruning, files that are not a
// canbao state (never written), the run lock, and a child process killed at every failpoint of
// commit_run or stopped by a full disk (RLIMIT_FSIZE): the previous state intact every time.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <xxhash.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "canbao/core/date.h"
#include "state_test_util.h"
#include "test_util.h"

namespace canbao {
namespace {

using testing::make_state_run;
using testing::read_file;
using testing::run_command;
using testing::TempDir;
using testing::write_file;
namespace fs = std::filesystem;

const Day kD1 = day_from_ymd(2026, 11, 2);
const Day kD2 = day_from_ymd(2026, 11, 12);
const Day kD3 = day_from_ymd(2026, 12, 12);
const Day kD4 = day_from_ymd(2027, 1, 5);

// Plain SQLite on a file, outside the store: to look at what it wrote and to make damaged files.
void sql_exec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* message = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
  EXPECT_EQ(rc, SQLITE_OK) << sql << ": " << (message ? message : "");
  sqlite3_free(message);
  sqlite3_close(db);
}

int64_t sql_int(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  int64_t value = -1;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW)
      value = sqlite3_column_int64(stmt, 0);
    else
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db);
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return value;
}

std::unique_ptr<StateStore> open_store(const std::string& path,
                                       StateStore::Access access = StateStore::Access::kReadWrite) {
  auto store = StateStore::Open(path, access);
  EXPECT_TRUE(store.ok()) << store.status().message();
  return store.ok() ? std::move(store).value() : nullptr;
}

void commit(const std::string& path, const StateRun& run) {
  auto store = open_store(path);
  ASSERT_NE(store, nullptr);
  const Status status = store->commit_run(run);
  ASSERT_TRUE(status.ok()) << status.message();
}

StateRun full_run_before(StateStore& store, Day as_of) {
  auto run = store.run_before(as_of);
  EXPECT_TRUE(run.ok()) << run.status().message();
  EXPECT_TRUE(run.ok() && run->has_value()) << "no run before " << format_date(as_of);
  return run.ok() && run->has_value() ? std::move(**run) : StateRun{};
}

StateRun summary_of(StateRun run) {
  run.cases.clear();
  run.persons.clear();
  return run;
}

std::vector<Day> runs_of(StateStore& store) {
  auto runs = store.runs();
  EXPECT_TRUE(runs.ok()) << runs.status().message();
  return runs.ok() ? *runs : std::vector<Day>{};
}

// Every file of the state: the database, and a WAL or shared-memory file a killed writer left.
std::vector<std::string> state_files(const std::string& path) {
  std::vector<std::string> files;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"})
    if (fs::exists(path + suffix)) files.push_back(fs::path(path + suffix).filename().string());
  return files;
}

class StateStoreTest : public ::testing::Test {
 protected:
  std::string state() const { return tmp_ / "out.state.db"; }
  TempDir tmp_{"canbao-state"};
};

TEST_F(StateStoreTest, RoundTripOfEveryField) {
  StateRun first = make_state_run(kD1, 5000, 1);
  // Extremes of every number: the smallest and largest keys, any int32 district, full 64-bit
  // fingerprints and counts; every date empty and set.
  first.persons.insert(first.persons.begin(), PersonState{1, kR1Never, INT32_MIN});
  first.persons.push_back(PersonState{kNoPerson - 1, kR1Lapsed, INT32_MAX});
  first.persons.push_back(PersonState{kNoPerson, kR1Insured, -7});
  first.feeds.push_back(StateFeed{"", "health", "update", UINT64_MAX, UINT64_MAX, 0, 0, INT64_MAX, 1, 2});
  first.cases.push_back(StateCase{"11010519491231002X", "", "same_region", "open", kD1, day_from_ymd(9999, 12, 31),
                                  kNoDay, kNoDay, "", ""});
  first.plan_rows.push_back({""});
  first.plan_rows.push_back({"", "", "\r\n", " spaced ", "\"", ","});
  const StateRun second = make_state_run(kD2, 3000, 2);
  ASSERT_GT(first.cases.size(), 50u);
  std::reverse(first.cases.begin(), first.cases.end());  // the run's order, not the table's key order
  commit(state(), first);
  commit(state(), second);
  EXPECT_EQ(state_files(state()), std::vector<std::string>{"out.state.db"});  // WAL checkpointed and removed

  auto store = open_store(state(), StateStore::Access::kReadOnly);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(*store->latest_as_of(), kD2);
  EXPECT_EQ(runs_of(*store), (std::vector<Day>{kD1, kD2}));
  const StateRun loaded_first = full_run_before(*store, kD2);
  EXPECT_EQ(loaded_first.as_of, kD1);
  EXPECT_EQ(loaded_first.manifest_path, first.manifest_path);
  EXPECT_EQ(loaded_first.feeds, first.feeds);
  EXPECT_EQ(loaded_first.plan_rows, first.plan_rows);
  EXPECT_EQ(loaded_first.counts_json, first.counts_json);
  ASSERT_EQ(loaded_first.cases.size(), first.cases.size());
  for (size_t idx = 0; idx < first.cases.size(); ++idx) EXPECT_EQ(loaded_first.cases[idx], first.cases[idx]) << idx;
  ASSERT_EQ(loaded_first.persons.size(), first.persons.size());
  EXPECT_TRUE(loaded_first.persons == first.persons);
  EXPECT_TRUE(loaded_first == first);
  EXPECT_TRUE(full_run_before(*store, kD3) == second);
  EXPECT_TRUE(full_run_before(*store, kD4) == second);
  // Stored as written: readable with the sqlite3 shell.
  EXPECT_EQ(sql_int(state(), "SELECT count(*) FROM runs WHERE as_of = '2026-11-12' AND manifest_path = "
                             "'deliveries/2026-11-12/manifest.json'"),
            1);
  EXPECT_EQ(sql_int(state(), "SELECT count(*) FROM feeds WHERE fingerprint = 'ffffffffffffffff'"), 1);
  EXPECT_EQ(sql_int(state(), "PRAGMA application_id"), kStateApplicationId);
  EXPECT_EQ(sql_int(state(), "PRAGMA user_version"), kStateSchemaVersion);
}

TEST_F(StateStoreTest, ManyChunksAndAnEmptyRun) {
  // 2.5 M persons: three chunks, keys continuing across chunk boundaries.
  const StateRun big = make_state_run(kD1, 2'500'000, 3);
  StateRun empty;
  empty.as_of = kD2;
  commit(state(), big);
  commit(state(), empty);
  EXPECT_EQ(sql_int(state(), "SELECT count(*) FROM person_chunks"), 3);
  EXPECT_EQ(sql_int(state(), "SELECT sum(persons) FROM person_chunks"), 2'500'000);
  auto store = open_store(state());
  ASSERT_NE(store, nullptr);
  const StateRun loaded = full_run_before(*store, kD2);
  ASSERT_EQ(loaded.persons.size(), big.persons.size());
  EXPECT_TRUE(loaded == big);
  EXPECT_TRUE(full_run_before(*store, kD3) == empty);
  // A city's keys take 2–3 bytes a person.
  const int64_t bytes = sql_int(state(), "SELECT sum(length(data)) FROM person_chunks");
  EXPECT_LT(bytes, 2'500'000 * 3);
  EXPECT_GT(bytes, 2'500'000 * 2);
}

TEST_F(StateStoreTest, SameAsOfReplacesTheLatestRun) {
  const StateRun first = make_state_run(kD1, 4000, 1);
  const StateRun second = make_state_run(kD2, 4000, 2);
  const StateRun again = make_state_run(kD2, 2500, 9);  // the same day, other inputs
  commit(state(), first);
  commit(state(), second);
  const int64_t second_id = sql_int(state(), "SELECT run_id FROM runs WHERE as_of = '2026-11-12'");
  commit(state(), again);
  auto store = open_store(state());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(runs_of(*store), (std::vector<Day>{kD1, kD2}));
  EXPECT_TRUE(full_run_before(*store, kD3) == again);
  EXPECT_TRUE(full_run_before(*store, kD2) == first);
  store.reset();
  // Nothing of the replaced run is left: every table holds exactly the rows of first and again.
  EXPECT_EQ(sql_int(state(), "SELECT run_id FROM runs WHERE as_of = '2026-11-12'"), second_id);
  EXPECT_EQ(sql_int(state(), "SELECT count(*) FROM feeds"), static_cast<int64_t>(first.feeds.size() + again.feeds.size()));
  EXPECT_EQ(sql_int(state(), "SELECT count(*) FROM plan_rows"),
            static_cast<int64_t>(first.plan_rows.size() + again.plan_rows.size()));
  EXPECT_EQ(sql_int(state(), "SELECT count(*) FROM cases"), static_cast<int64_t>(first.cases.size() + again.cases.size()));
  EXPECT_EQ(sql_int(state(), "SELECT count(*) FROM case_counts"), 2 * 6);
  EXPECT_EQ(sql_int(state(), "SELECT sum(persons) FROM person_chunks"),
            static_cast<int64_t>(first.persons.size() + again.persons.size()));
  EXPECT_EQ(sql_int(state(), "SELECT count(*) FROM cases WHERE run_id NOT IN (SELECT run_id FROM runs)"), 0);
  // The same run again gives the same content.
  commit(state(), again);
  auto reopened = open_store(state());
  ASSERT_NE(reopened, nullptr);
  EXPECT_TRUE(full_run_before(*reopened, kD3) == again);
  EXPECT_EQ(runs_of(*reopened), (std::vector<Day>{kD1, kD2}));
}

TEST_F(StateStoreTest, EarlierAsOfIsRefusedAndTheFileUnchanged) {
  commit(state(), make_state_run(kD1, 2000, 1));
  commit(state(), make_state_run(kD2, 2000, 2));
  const std::string before = read_file(state());
  ASSERT_FALSE(before.empty());
  {
    auto store = open_store(state());
    ASSERT_NE(store, nullptr);
    const Status refused = store->commit_run(make_state_run(kD1, 100, 3));
    EXPECT_EQ(refused.message(), state() + ": as_of 2026-11-02 is earlier than the latest run in the state (2026-11-12)");
    const Status earlier_still = store->commit_run(make_state_run(kD1 - 300, 100, 3));
    EXPECT_EQ(earlier_still.message(),
              state() + ": as_of 2026-01-06 is earlier than the latest run in the state (2026-11-12)");
    EXPECT_EQ(runs_of(*store), (std::vector<Day>{kD1, kD2}));
  }
  EXPECT_EQ(read_file(state()), before);  // byte for byte
  EXPECT_EQ(state_files(state()), std::vector<std::string>{"out.state.db"});
}

TEST_F(StateStoreTest, RunBeforeIsTheLatestEarlierRun) {
  const StateRun first = make_state_run(kD1, 1500, 1);
  const StateRun second = make_state_run(kD2, 1500, 2);
  const StateRun third = make_state_run(kD3, 1500, 3);
  auto store = open_store(state());
  ASSERT_NE(store, nullptr);
  auto none = store->run_before(kD1);
  ASSERT_TRUE(none.ok()) << none.status().message();
  EXPECT_FALSE(none->has_value());  // an empty state
  EXPECT_FALSE(store->latest_as_of()->has_value());
  for (const StateRun* run : {&first, &second, &third}) ASSERT_TRUE(store->commit_run(*run).ok());
  EXPECT_EQ(*store->latest_as_of(), kD3);
  EXPECT_FALSE(store->run_before(kD1)->has_value());
  EXPECT_FALSE(store->run_before(kD1 - 1)->has_value());
  EXPECT_TRUE(full_run_before(*store, kD3) == second);
  EXPECT_TRUE(full_run_before(*store, kD3 - 1) == second);
  EXPECT_TRUE(full_run_before(*store, kD3 + 1) == third);
  EXPECT_TRUE(full_run_before(*store, kD4) == third);
  // The first run is older than the latest two: its summary stays, its persons and active cases went.
  auto pruned = store->run_before(kD2);
  ASSERT_FALSE(pruned.ok());
  EXPECT_EQ(pruned.status().message(), state() + ": run 2026-11-02 keeps only its summary (persons and active cases "
                                                 "are kept for the latest two runs)");
  auto summary = store->run_before(kD2, StateStore::Load::kSummary);
  ASSERT_TRUE(summary.ok()) << summary.status().message();
  EXPECT_TRUE(**summary == summary_of(first));
  EXPECT_TRUE(*store->run_before(kD4, StateStore::Load::kSummary).value() == summary_of(third));
}

TEST_F(StateStoreTest, HistoryCountsAndPruning) {
  std::vector<StateRun> runs;
  for (const Day day : {kD1, kD2, kD3, kD4}) runs.push_back(make_state_run(day, 3000, static_cast<uint64_t>(day)));
  {
    auto store = open_store(state());
    ASSERT_NE(store, nullptr);
    for (const StateRun& run : runs) ASSERT_TRUE(store->commit_run(run).ok());

    auto history = store->plan_history();
    ASSERT_TRUE(history.ok()) << history.status().message();
    ASSERT_EQ(history->size(), 4u);
    for (size_t idx = 0; idx < runs.size(); ++idx) {
      EXPECT_EQ((*history)[idx].first, runs[idx].as_of);
      EXPECT_EQ((*history)[idx].second, runs[idx].plan_rows);
    }
    auto counts = store->case_counts_by_run();
    ASSERT_TRUE(counts.ok()) << counts.status().message();
    ASSERT_EQ(counts->size(), 4u);
    for (size_t idx = 0; idx < runs.size(); ++idx) {
      std::map<std::string, uint64_t> expected{{"open", 0},   {"escalated", 0}, {"overdue", 0},
                                               {"exempt", 0}, {"resolved", 0},  {"opened", 0}};
      for (const StateCase& row : runs[idx].cases) {
        ++expected[row.status];
        if (row.opened_on == runs[idx].as_of) ++expected["opened"];
      }
      EXPECT_EQ((*counts)[idx].first, runs[idx].as_of);
      EXPECT_EQ((*counts)[idx].second, expected) << idx;
      EXPECT_GT(expected["resolved"], 0u);
      EXPECT_GT(expected["opened"], 0u);
    }
  }
  // Persons only for the latest two runs; of the older ones, the resolved cases (the ledger's
  // closed cases) and nothing else.
  EXPECT_EQ(sql_int(state(), "SELECT count(DISTINCT run_id) FROM person_chunks"), 2);
  EXPECT_EQ(sql_int(state(), "SELECT min(as_of) = '2026-12-12' FROM runs WHERE run_id IN (SELECT run_id FROM person_chunks)"), 1);
  EXPECT_EQ(sql_int(state(), "SELECT count(*) FROM runs WHERE full = 1"), 2);
  for (size_t idx = 0; idx < 2; ++idx) {
    int64_t resolved = 0;
    for (const StateCase& row : runs[idx].cases) resolved += row.status == "resolved";
    EXPECT_EQ(sql_int(state(), "SELECT count(*) FROM cases JOIN runs USING (run_id) WHERE as_of = '" +
                                   format_date(runs[idx].as_of) + "'"),
              resolved);
  }
  EXPECT_EQ(sql_int(state(), "SELECT count(*) FROM cases JOIN runs USING (run_id) WHERE as_of = '2027-01-05'"),
            static_cast<int64_t>(runs[3].cases.size()));
}

TEST_F(StateStoreTest, CasesOfAPersonAtTheLatestRun) {
  StateRun first = make_state_run(kD1, 2000, 1);
  StateRun second = make_state_run(kD2, 2000, 2);
  const std::string id = "350203199001011234";
  first.cases.push_back(StateCase{id, "陈晓明", "cross_region", "open", kD1, kD1 + 30, kNoDay, kNoDay, "terminate_later", "R5"});
  second.cases.push_back(
      StateCase{id, "陈晓明", "cross_region", "escalated", kD1, kD1 + 30, kD2, kNoDay, "terminate_later", "R5"});
  second.cases.push_back(StateCase{id, "陈晓明", "same_region", "resolved", kD1, kD1 + 30, kNoDay, kD2, "", "R5"});
  second.cases.push_back(StateCase{id, "陈晓明", "employee_and_resident", "exempt", kD2, kNoDay, kNoDay, kNoDay,
                                   "exempt_military", "R5"});
  commit(state(), first);
  commit(state(), second);
  auto store = open_store(state(), StateStore::Access::kReadOnly);
  ASSERT_NE(store, nullptr);
  auto cases = store->cases_of(id);
  ASSERT_TRUE(cases.ok()) << cases.status().message();
  ASSERT_EQ(cases->size(), 2u);
  EXPECT_EQ((*cases)[0], second.cases[second.cases.size() - 3]);
  EXPECT_EQ((*cases)[1], second.cases.back());
  EXPECT_TRUE(store->cases_of("110105194912310021")->empty());
  size_t active = 0;
  for (const StateCase& row : second.cases) active += row.id == second.cases[0].id && is_active_case_status(row.status);
  EXPECT_EQ(store->cases_of(second.cases[0].id)->size(), active);
}

TEST_F(StateStoreTest, ForeignSqliteFilesAreRefusedAndUntouched) {
  const std::string refused = ": not a canbao state file; refusing to overwrite it";
  // Another application's database.
  const std::string other = tmp_ / "patients.db";
  sql_exec(other, "CREATE TABLE patients (id TEXT PRIMARY KEY, name TEXT); INSERT INTO patients VALUES ('1', 'a');");
  // An empty database of another application (its application_id set, no tables).
  const std::string tagged = tmp_ / "tagged.db";
  sql_exec(tagged, "PRAGMA application_id = 1234; CREATE TABLE t (x); DROP TABLE t;");
  // canbao's application_id without canbao's tables.
  const std::string half = tmp_ / "half.db";
  sql_exec(half, "PRAGMA application_id = " + std::to_string(kStateApplicationId) + "; PRAGMA user_version = 1; CREATE TABLE runs (x);");
  for (const std::string& path : {other, tagged, half}) {
    const std::string before = read_file(path);
    ASSERT_FALSE(before.empty()) << path;
    for (const auto access : {StateStore::Access::kReadWrite, StateStore::Access::kReadOnly}) {
      auto store = StateStore::Open(path, access);
      ASSERT_FALSE(store.ok()) << path;
      EXPECT_EQ(store.status().message(), path + refused);
    }
    EXPECT_EQ(read_file(path), before) << path;
    EXPECT_EQ(state_files(path).size(), 1u) << path;
  }
}

TEST_F(StateStoreTest, NonSqliteFilesAreRefusedAndUntouched) {
  const std::string csv = tmp_ / "cases.csv";
  write_file(csv, "id,name\n350203199001011234,陈晓明\n");
  const std::string binary = tmp_ / "blob.bin";
  std::string bytes(100000, '\0');
  for (size_t idx = 0; idx < bytes.size(); ++idx) bytes[idx] = static_cast<char>(idx * 131 % 251);
  write_file(binary, bytes);
  for (const std::string& path : {csv, binary}) {
    const std::string before = read_file(path);
    for (const auto access : {StateStore::Access::kReadWrite, StateStore::Access::kReadOnly}) {
      auto store = StateStore::Open(path, access);
      ASSERT_FALSE(store.ok()) << path;
      EXPECT_EQ(store.status().message(), path + ": not a canbao state file; refusing to overwrite it");
    }
    EXPECT_EQ(read_file(path), before);
    EXPECT_EQ(state_files(path).size(), 1u) << path;
  }
  // A directory, a missing directory, and a read-only open of a missing file.
  auto directory = StateStore::Open(tmp_.path());
  ASSERT_FALSE(directory.ok());
  EXPECT_EQ(directory.status().message(), tmp_.path() + ": cannot open the state file: it is a directory");
  auto missing_dir = StateStore::Open(tmp_ / "no/such/dir.state.db");
  ASSERT_FALSE(missing_dir.ok());
  EXPECT_EQ(missing_dir.status().message().rfind(tmp_ / "no/such/dir.state.db: cannot open the state file: ", 0), 0u)
      << missing_dir.status().message();
  auto missing = StateStore::Open(state(), StateStore::Access::kReadOnly);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(), state() + ": no state file");
  EXPECT_FALSE(fs::exists(state()));
}

TEST_F(StateStoreTest, NewerSchemaVersionIsRefusedAndUntouched) {
  commit(state(), make_state_run(kD1, 1000, 1));
  sql_exec(state(), "PRAGMA user_version = 2");
  const std::string before = read_file(state());
  for (const auto access : {StateStore::Access::kReadWrite, StateStore::Access::kReadOnly}) {
    auto store = StateStore::Open(state(), access);
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.status().message(), state() + ": state schema version 2 is newer than this canbao (1)");
  }
  EXPECT_EQ(read_file(state()), before);
}

TEST_F(StateStoreTest, AZeroByteFileBecomesANewState) {
  write_file(state(), "");
  commit(state(), make_state_run(kD1, 100, 1));
  auto store = open_store(state(), StateStore::Access::kReadOnly);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(*store->latest_as_of(), kD1);
  store.reset();
  const std::string header = read_file(state()).substr(0, 20);
  EXPECT_EQ(header.substr(0, 16), std::string("SQLite format 3") + '\0');
  EXPECT_EQ(header[18], 2);  // WAL
}

TEST_F(StateStoreTest, OneRunAtATimeReadersAlongside) {
  commit(state(), make_state_run(kD1, 1000, 1));
  auto writer = open_store(state());
  ASSERT_NE(writer, nullptr);
  auto second = StateStore::Open(state());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().message(), state() + ": locked by another canbao run");
  // Another process, too.
  const auto child = run_command(std::string(CANBAO_STATE_CHILD) + " " + state() + " 2026-11-12 100 2");
  EXPECT_EQ(child.exit_code, 1) << child.output;
  EXPECT_EQ(child.output, state() + ": locked by another canbao run\n");
  // Readers are not blocked, and see a run once it is committed, whole.
  auto reader = open_store(state(), StateStore::Access::kReadOnly);
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(*reader->latest_as_of(), kD1);
  const StateRun next = make_state_run(kD2, 1000, 2);
  ASSERT_TRUE(writer->commit_run(next).ok());
  EXPECT_EQ(*reader->latest_as_of(), kD2);
  EXPECT_TRUE(full_run_before(*reader, kD3) == next);
  const Status read_only = reader->commit_run(next);
  EXPECT_EQ(read_only.message(), state() + ": cannot record a run: the state is open read-only");
  // Still locked after the commit; free once the writer is gone.
  EXPECT_FALSE(StateStore::Open(state()).ok());
  writer.reset();
  EXPECT_TRUE(StateStore::Open(state()).ok());
}

TEST_F(StateStoreTest, InvalidRunsAreRefusedBeforeWriting) {
  commit(state(), make_state_run(kD1, 1000, 1));
  const std::string before = read_file(state());
  const std::string prefix = state() + ": cannot record the run of 2026-11-12: ";
  auto store = open_store(state());
  ASSERT_NE(store, nullptr);
  StateRun run = make_state_run(kD2, 1000, 2);
  std::swap(run.persons[10], run.persons[11]);
  EXPECT_EQ(store->commit_run(run).message(), prefix + "persons not strictly ascending by key at 11");
  run = make_state_run(kD2, 1000, 2);
  run.persons[5].key = run.persons[4].key;
  EXPECT_EQ(store->commit_run(run).message(), prefix + "persons not strictly ascending by key at 5");
  run = make_state_run(kD2, 1000, 2);
  run.persons[3].state = 4;
  EXPECT_EQ(store->commit_run(run).message(), prefix + "person 3: R1 state 4 (0–3)");
  run = make_state_run(kD2, 1000, 2);
  run.cases[0].status = "closed";
  EXPECT_EQ(store->commit_run(run).message(),
            prefix + "case " + run.cases[0].id + " " + run.cases[0].type + ": unknown status 'closed'");
  run = make_state_run(kD2, 1000, 2);
  run.plan_rows[1].clear();
  EXPECT_EQ(store->commit_run(run).message(), prefix + "plan row 2 has no cells");
  run.as_of = kNoDay;
  EXPECT_EQ(store->commit_run(run).message(), state() + ": cannot record the run of : no as_of");
  EXPECT_EQ(runs_of(*store), std::vector<Day>{kD1});
  store.reset();
  EXPECT_EQ(read_file(state()), before);
}

TEST_F(StateStoreTest, AnErrorHalfWayLeavesThePreviousState) {
  const StateRun first = make_state_run(kD1, 3000, 1);
  const StateRun second = make_state_run(kD2, 3000, 2);
  commit(state(), first);
  commit(state(), second);
  auto store = open_store(state());
  ASSERT_NE(store, nullptr);
  // A case twice (SPEC §7: a case is (id, type)) fails the insert of the cases, after the replaced
  // run's rows and the pruning went: all of it is rolled back.
  for (const Day day : {kD2, kD3}) {
    StateRun run = make_state_run(day, 3000, 5);
    run.cases.push_back(run.cases[7]);
    const Status status = store->commit_run(run);
    EXPECT_EQ(status.message(), state() + ": cannot record the run of " + format_date(day) +
                                    ": UNIQUE constraint failed: cases.run_id, cases.id, cases.type");
    EXPECT_EQ(runs_of(*store), (std::vector<Day>{kD1, kD2}));
    EXPECT_TRUE(full_run_before(*store, kD3) == second);
    EXPECT_TRUE(full_run_before(*store, kD2) == first);
  }
  // The store still holds the lock and records the next run.
  EXPECT_FALSE(StateStore::Open(state()).ok());
  const StateRun third = make_state_run(kD3, 3000, 3);
  ASSERT_TRUE(store->commit_run(third).ok());
  EXPECT_TRUE(full_run_before(*store, kD4) == third);
}

// Replaces the first person chunk's bytes (and, with `checksum`, its checksum to match them).
void damage_first_chunk(const std::string& path, const std::function<void(std::string&)>& change, bool checksum) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* read = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT data FROM person_chunks WHERE chunk = 0", -1, &read, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(read), SQLITE_ROW);
  std::string blob(static_cast<const char*>(sqlite3_column_blob(read, 0)), static_cast<size_t>(sqlite3_column_bytes(read, 0)));
  sqlite3_finalize(read);
  change(blob);
  sqlite3_stmt* write = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, checksum ? "UPDATE person_chunks SET data = ?1, checksum = ?2 WHERE chunk = 0"
                                            : "UPDATE person_chunks SET data = ?1 WHERE chunk = 0",
                               -1, &write, nullptr),
            SQLITE_OK);
  sqlite3_bind_blob(write, 1, blob.data(), static_cast<int>(blob.size()), SQLITE_STATIC);
  if (checksum) sqlite3_bind_int64(write, 2, static_cast<int64_t>(XXH3_64bits(blob.data(), blob.size())));
  EXPECT_EQ(sqlite3_step(write), SQLITE_DONE);
  sqlite3_finalize(write);
  sqlite3_close(db);
}

TEST_F(StateStoreTest, DamagedSnapshotIsAnError) {
  const StateRun run = make_state_run(kD1, 3000, 1);
  commit(state(), run);
  const std::string prefix = state() + ": corrupt state: run 2026-11-02: person chunk 0: ";
  auto expect_error = [&](const std::string& message) {
    auto store = open_store(state());
    ASSERT_NE(store, nullptr);
    auto loaded = store->run_before(kD2);
    ASSERT_FALSE(loaded.ok());
    EXPECT_EQ(loaded.status().message(), message);
    EXPECT_TRUE(store->run_before(kD2, StateStore::Load::kSummary).ok());
    ASSERT_TRUE(store->commit_run(run).ok());  // the same run again: undamaged
  };
  // One byte changed, its checksum not.
  damage_first_chunk(state(), [](std::string& blob) { blob[500] = static_cast<char>(blob[500] ^ 0x10); }, false);
  expect_error(prefix + "checksum mismatch");
  // Bytes that match their checksum but not the format.
  damage_first_chunk(state(), [](std::string& blob) { blob.resize(blob.size() - 3); }, true);
  expect_error(prefix + "truncated persons");
  damage_first_chunk(state(), [](std::string& blob) { blob += '\x01'; }, true);
  expect_error(prefix + "trailing bytes");
  damage_first_chunk(state(), [](std::string& blob) { blob[0] = 2; }, true);
  expect_error(prefix + "unknown chunk format");
}

// A child process commits a run and is killed (SIGKILL, engine/include/canbao/core/failpoint.h)
// inside commit_run, or runs out of disk: the state is the previous one, complete and readable,
// and the next run commits normally.
class StateStoreKill : public StateStoreTest {
 protected:
  static constexpr size_t kPersons = 1'500'000;  // two chunks; more than SQLite's page cache holds
  void SetUp() override {
    first_ = make_state_run(kD1, kPersons, 1);
    second_ = make_state_run(kD2, kPersons, 2);
    commit(state(), first_);
    commit(state(), second_);
  }
  testing::CommandResult child(const std::string& as_of, uint64_t seed, const std::string& env = "",
                               const std::string& extra = "") const {
    return run_command(env + " " + CANBAO_STATE_CHILD + " " + state() + " " + as_of + " " + std::to_string(kPersons) +
                       " " + std::to_string(seed) + " " + extra);
  }
  void killed(const std::string& failpoint, const std::string& as_of, uint64_t seed) const {
    const auto run = child(as_of, seed, "CANBAO_FAILPOINT=" + failpoint);
    ASSERT_TRUE(run.exit_code == -1 || run.exit_code == 137) << failpoint << " did not kill the child: " << run.output;
  }
  void expect_previous_state() const {
    auto store = open_store(state());
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(runs_of(*store), (std::vector<Day>{kD1, kD2}));
    EXPECT_TRUE(full_run_before(*store, kD3) == second_);
    EXPECT_TRUE(full_run_before(*store, kD2) == first_);
  }
  void expect_next_run_commits() const {
    const auto run = child("2026-12-12", 3);
    ASSERT_EQ(run.exit_code, 0) << run.output;
    auto store = open_store(state());
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(runs_of(*store), (std::vector<Day>{kD1, kD2, kD3}));
    EXPECT_TRUE(full_run_before(*store, kD4) == make_state_run(kD3, kPersons, 3));
  }
  StateRun first_, second_;
};

// Killed at each failpoint before the commit, replacing the latest run and adding a new one (which
// prunes the first run's persons): nothing of the killed run stays.
class StateStoreKillBefore : public StateStoreKill, public ::testing::WithParamInterface<const char*> {};

TEST_P(StateStoreKillBefore, PreviousStateIntact) {
  killed(GetParam(), "2026-11-12", 7);
  EXPECT_GE(state_files(state()).size(), 2u);  // the WAL of the killed writer
  expect_previous_state();
  killed(GetParam(), "2026-12-12", 3);
  expect_previous_state();
  expect_next_run_commits();
}

INSTANTIATE_TEST_SUITE_P(Failpoints, StateStoreKillBefore,
                         ::testing::Values("state.after_delete", "state.after_cases", "state.after_persons",
                                           "state.before_commit"),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           std::string name = std::string(info.param).substr(6);
                           name.erase(std::remove(name.begin(), name.end(), '_'), name.end());
                           return name;
                         });

TEST_F(StateStoreKill, AfterCommitTheRunIsThere) {
  killed("state.after_commit", "2026-12-12", 3);
  auto store = open_store(state());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(runs_of(*store), (std::vector<Day>{kD1, kD2, kD3}));
  EXPECT_TRUE(full_run_before(*store, kD4) == make_state_run(kD3, kPersons, 3));
  EXPECT_TRUE(full_run_before(*store, kD3) == second_);
}

TEST_F(StateStoreKill, FullDisk) {
  // No file of the state may grow past 1 MiB: the run's snapshot (~4 MB) cannot be written.
  const auto run = child("2026-12-12", 3, "", std::to_string(1 << 20));
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_EQ(run.output.rfind(state() + ": cannot record the run of 2026-12-12: ", 0), 0u) << run.output;
  EXPECT_NE(run.output.find("File too large"), std::string::npos) << run.output;
  EXPECT_EQ(std::count(run.output.begin(), run.output.end(), '\n'), 1) << run.output;
  expect_previous_state();
  // Replacing the latest run, too.
  const auto replace = child("2026-11-12", 5, "", std::to_string(1 << 20));
  EXPECT_EQ(replace.exit_code, 1) << replace.output;
  expect_previous_state();
  expect_next_run_commits();
}

}  // namespace
}  // namespace canbao
