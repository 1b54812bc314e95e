#include "canbao/state/state_store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>

#include "canbao/core/failpoint.h"
#include "canbao/core/private_files.h"
#include "canbao/core/text.h"
#include "person_snapshot.h"

namespace canbao {
namespace {

// Schema version 1 (docs/DECISIONS.md "State"). Dates are ISO 8601 text (NULL: empty), so the
// file reads plainly in the sqlite3 shell; a run's rows hang off runs.run_id.
constexpr const char* kSchema = R"sql(
CREATE TABLE runs (
  run_id INTEGER PRIMARY KEY,       -- ascending with as_of; a replacing run takes the replaced id
  as_of TEXT NOT NULL UNIQUE,       -- YYYY-MM-DD
  manifest_path TEXT NOT NULL,
  counts_json TEXT NOT NULL,
  persons INTEGER NOT NULL,         -- persons in the run's snapshot
  full INTEGER NOT NULL             -- 1: snapshot and every case row kept (the latest two runs)
);
CREATE TABLE feeds (
  run_id INTEGER NOT NULL REFERENCES runs,
  seq INTEGER NOT NULL,             -- manifest order
  path TEXT NOT NULL, agency TEXT NOT NULL, mode TEXT NOT NULL,
  fingerprint TEXT NOT NULL,        -- 16 hex digits, as index.json
  read INTEGER NOT NULL, accepted INTEGER NOT NULL, linked INTEGER NOT NULL,
  quarantined INTEGER NOT NULL, replaced INTEGER NOT NULL, deleted INTEGER NOT NULL,
  PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;
CREATE TABLE plan_rows (
  run_id INTEGER NOT NULL REFERENCES runs,
  seq INTEGER NOT NULL,             -- plan.csv order
  cells TEXT NOT NULL,              -- the plan.csv line (RFC 4180 cells, no line end)
  PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;
CREATE TABLE cases (
  run_id INTEGER NOT NULL REFERENCES runs,
  id TEXT NOT NULL, type TEXT NOT NULL,  -- a case is (id, type) (SPEC §7): one row per run
  seq INTEGER NOT NULL,             -- the run's order
  name TEXT NOT NULL,
  status TEXT NOT NULL,             -- open / escalated / overdue / exempt / resolved
  opened_on TEXT, deadline TEXT, escalated_on TEXT, resolved_on TEXT,
  resolution TEXT NOT NULL, rule TEXT NOT NULL,
  PRIMARY KEY (run_id, id, type)
) WITHOUT ROWID;
CREATE TABLE case_counts (
  run_id INTEGER NOT NULL REFERENCES runs,
  name TEXT NOT NULL,               -- a status, or 'opened' (opened_on = the run's as_of)
  count INTEGER NOT NULL,
  PRIMARY KEY (run_id, name)
) WITHOUT ROWID;
CREATE TABLE person_chunks (
  run_id INTEGER NOT NULL REFERENCES runs,
  chunk INTEGER NOT NULL,           -- 0, 1, …: ascending keys
  persons INTEGER NOT NULL,
  checksum INTEGER NOT NULL,        -- XXH3-64 of data (as a signed 64-bit integer)
  data BLOB NOT NULL,               -- engine/src/state/person_snapshot.h
  PRIMARY KEY (run_id, chunk)
);
)sql";

constexpr const char* kTables[] = {"runs", "feeds", "plan_rows", "cases", "case_counts", "person_chunks"};
constexpr int kPageSize = 4096;

}  // namespace

namespace state_detail {

struct DayCell {  // a date cell: ISO text or NULL
  Day day;
};
struct BlobCell {
  std::string_view bytes;
};

// A prepared statement; errors are read from the connection by the caller.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) { rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr); }
  ~Stmt() { sqlite3_finalize(stmt_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  bool ok() const { return rc_ == SQLITE_OK; }

  void bind(int idx, int64_t value) { sqlite3_bind_int64(stmt_, idx, value); }
  void bind(int idx, std::string_view text) {  // the text must outlive step()
    sqlite3_bind_text(stmt_, idx, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
  }
  void bind_day(int idx, Day day) {
    if (day == kNoDay) {
      sqlite3_bind_null(stmt_, idx);
    } else {
      const std::string text = format_date(day);
      sqlite3_bind_text(stmt_, idx, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    }
  }
  void bind_cell(int idx, int64_t value) { bind(idx, value); }
  void bind_cell(int idx, std::string_view text) { bind(idx, text); }
  void bind_cell(int idx, const std::string& text) { bind(idx, std::string_view(text)); }
  void bind_cell(int idx, const DayCell& day) { bind_day(idx, day.day); }
  void bind_cell(int idx, const BlobCell& blob) { bind_blob(idx, blob.bytes); }
  void bind_blob(int idx, std::string_view blob) {
    sqlite3_bind_blob64(stmt_, idx, blob.data(), blob.size(), SQLITE_STATIC);
  }
  /// Binds the arguments to ?1, ?2, … and runs the statement: an INSERT of one row.
  template <typename... Cells>
  bool insert(const Cells&... cells) {
    int idx = 0;
    (bind_cell(++idx, cells), ...);
    return run();
  }
  /// SQLITE_ROW, SQLITE_DONE or an error code.
  int step() { return rc_ = sqlite3_step(stmt_); }
  /// Ready to run again with new bindings (ends the statement's read of the file).
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  /// step() expecting SQLITE_DONE, then ready for new bindings.
  bool run() {
    const bool done = step() == SQLITE_DONE;
    sqlite3_reset(stmt_);
    return done;
  }
  int64_t int64(int col) const { return sqlite3_column_int64(stmt_, col); }
  bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::string_view text(int col) const {
    const auto* data = sqlite3_column_text(stmt_, col);
    return data ? std::string_view(reinterpret_cast<const char*>(data), static_cast<size_t>(sqlite3_column_bytes(stmt_, col)))
                : std::string_view();
  }
  std::string_view blob(int col) const {
    const void* data = sqlite3_column_blob(stmt_, col);
    return data ? std::string_view(static_cast<const char*>(data), static_cast<size_t>(sqlite3_column_bytes(stmt_, col)))
                : std::string_view();
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  int rc_ = SQLITE_OK;
};

}  // namespace state_detail

namespace {

using state_detail::BlobCell;
using state_detail::DayCell;
using state_detail::Stmt;

bool exec(sqlite3* db, const char* sql) { return sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK; }

// Dates the text form can hold (YYYY-MM-DD with a 4-digit year).
const Day kFirstDay = day_from_ymd(1000, 1, 1);
const Day kLastDay = day_from_ymd(9999, 12, 31);
bool storable_day(Day day, bool may_be_empty) {
  return day == kNoDay ? may_be_empty : day >= kFirstDay && day <= kLastDay;
}

// How a file looked before canbao touched it.
enum class FileKind { kOurs, kEmpty, kForeign, kNewer };

}  // namespace

bool is_case_status(std::string_view status) {
  return std::find(std::begin(kCaseStatuses), std::end(kCaseStatuses), status) != std::end(kCaseStatuses);
}
bool is_active_case_status(std::string_view status) { return status != "resolved" && is_case_status(status); }

Status StateStore::error(std::string_view what) const {
  std::string message = path_ + ": " + std::string(what) + ": " + sqlite3_errmsg(db_);
  const int code = sqlite3_errcode(db_) & 0xFF;
  const int sys = sqlite3_system_errno(db_);
  if (sys != 0 && (code == SQLITE_IOERR || code == SQLITE_FULL || code == SQLITE_CANTOPEN)) message += std::string(" (") + std::strerror(sys) + ")";
  return Status::Error(std::move(message));
}

namespace {

/// Reads application_id, user_version and the tables. Errors: SQLite's code.
int inspect(sqlite3* db, FileKind& kind, int& version) {
  int64_t application_id = 0;
  {
    Stmt stmt(db, "PRAGMA application_id");
    if (!stmt.ok()) return sqlite3_errcode(db);
    if (stmt.step() != SQLITE_ROW) return sqlite3_errcode(db);
    application_id = stmt.int64(0);
  }
  {
    Stmt stmt(db, "PRAGMA user_version");
    if (!stmt.ok() || stmt.step() != SQLITE_ROW) return sqlite3_errcode(db);
    version = static_cast<int>(stmt.int64(0));
  }
  int objects = 0, ours = 0;
  {
    Stmt stmt(db, "SELECT type, name FROM sqlite_schema");
    if (!stmt.ok()) return sqlite3_errcode(db);
    int rc;
    while ((rc = stmt.step()) == SQLITE_ROW) {
      ++objects;
      if (stmt.text(0) == "table" &&
          std::find(std::begin(kTables), std::end(kTables), stmt.text(1)) != std::end(kTables))
        ++ours;
    }
    if (rc != SQLITE_DONE) return rc;
  }
  if (application_id == kStateApplicationId) {
    if (version > kStateSchemaVersion) kind = FileKind::kNewer;
    else if (version == kStateSchemaVersion && ours == static_cast<int>(std::size(kTables))) kind = FileKind::kOurs;
    else kind = FileKind::kForeign;
  } else if (application_id == 0 && version == 0 && objects == 0) {
    kind = FileKind::kEmpty;  // a new (or 0-byte) database: nothing to lose
  } else {
    kind = FileKind::kForeign;
  }
  return SQLITE_OK;
}

void sync_directory_of(const std::string& path) {
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  (void)::fsync(fd);
  ::close(fd);
}

}  // namespace

Result<std::unique_ptr<StateStore>> StateStore::Open(const std::string& path, Access access) {
  const bool read_only = access == Access::kReadOnly;
  struct stat info;
  const bool existed = ::stat(path.c_str(), &info) == 0;
  if (!existed && read_only) return Status::Error(path + ": no state file");
  if (existed && S_ISDIR(info.st_mode)) return Status::Error(path + ": cannot open the state file: it is a directory");

  // A new state is created 0600 here, before SQLite opens it (issue #14: it holds citizens' IDs);
  // SQLite gives its -wal and -shm files the database file's mode.
  if (!existed && !read_only) {
    const int fd = open_private_file(path, O_RDWR);
    if (fd < 0) return Status::Error(path + ": cannot open the state file: " + std::strerror(errno));
    ::close(fd);
  }
  sqlite3* db = nullptr;
  const int flags = (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
                    SQLITE_OPEN_EXRESCODE;
  const int open_rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  std::unique_ptr<StateStore> store(new StateStore(path, db, access));
  if (open_rc != SQLITE_OK) {
    if (db == nullptr) return Status::Error(path + ": cannot open the state file: out of memory");
    return store->error("cannot open the state file");
  }
  // Until the file is known to be ours, closing must not checkpoint (write) a foreign WAL file.
  sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  const std::string not_ours = path + ": not a canbao state file; refusing to overwrite it";
  sqlite3_busy_timeout(db, read_only ? 10000 : 1000);
  // synchronous=FULL: in WAL mode every commit syncs the WAL, so a committed run survives a power
  // loss (a connection setting: nothing is read or written here).
  if (const int rc = sqlite3_exec(db, "PRAGMA synchronous=FULL", nullptr, nullptr, nullptr); rc != SQLITE_OK)
    return (rc & 0xFF) == SQLITE_NOTADB ? Status::Error(not_ours) : store->error("cannot open the state file");

  // A run takes the write lock first (BEGIN IMMEDIATE reads nothing and writes nothing), then looks.
  auto begin = [&]() -> Status {
    const int rc = sqlite3_exec(db, read_only ? "BEGIN" : "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    if (rc == SQLITE_OK) return Status::OK();
    if ((rc & 0xFF) == SQLITE_BUSY) return Status::Error(path + ": locked by another canbao run");
    if ((rc & 0xFF) == SQLITE_NOTADB) return Status::Error(not_ours);
    return store->error("cannot open the state file");
  };
  auto look = [&](FileKind& kind) -> Status {
    int version = 0;
    const int rc = inspect(db, kind, version);
    if ((rc & 0xFF) == SQLITE_NOTADB) return Status::Error(not_ours);
    if ((rc & 0xFF) == SQLITE_BUSY) return Status::Error(path + ": locked by another canbao run");
    if (rc != SQLITE_OK) return store->error("cannot read the state file");
    if (kind == FileKind::kNewer)
      return Status::Error(path + ": state schema version " + std::to_string(version) + " is newer than this canbao (" +
                           std::to_string(kStateSchemaVersion) + ")");
    if (kind == FileKind::kForeign || (kind == FileKind::kEmpty && read_only)) return Status::Error(not_ours);
    return Status::OK();
  };
  CANBAO_RETURN_IF_ERROR(begin());
  FileKind kind = FileKind::kForeign;
  Status looked = look(kind);
  if (!looked.ok()) {
    exec(db, "ROLLBACK");
    return looked;
  }
  if (kind == FileKind::kEmpty) {
    // A new state: page size and WAL are set outside a transaction, then the schema in one.
    exec(db, "ROLLBACK");
    if (!exec(db, ("PRAGMA page_size=" + std::to_string(kPageSize)).c_str()) || !exec(db, "PRAGMA journal_mode=WAL"))
      return store->error("cannot create the state file");
    CANBAO_RETURN_IF_ERROR(begin());
    looked = look(kind);  // another run may have created it meanwhile
    if (!looked.ok()) {
      exec(db, "ROLLBACK");
      return looked;
    }
    if (kind == FileKind::kEmpty) {
      const std::string pragmas = "PRAGMA application_id=" + std::to_string(kStateApplicationId) +
                                  "; PRAGMA user_version=" + std::to_string(kStateSchemaVersion) + ";";
      if (!exec(db, kSchema) || !exec(db, pragmas.c_str()) || !exec(db, "COMMIT")) {
        Status status = store->error("cannot create the state file");
        exec(db, "ROLLBACK");
        return status;
      }
      if (!existed) sync_directory_of(path);  // the new file's directory entry, durable
      CANBAO_RETURN_IF_ERROR(begin());
    }
  } else if (!read_only) {
    // Ours: make sure it is in WAL mode (persistent, but a tool may have changed it).
    bool wal;
    {
      Stmt mode(db, "PRAGMA journal_mode");
      wal = mode.ok() && mode.step() == SQLITE_ROW && mode.text(0) == "wal";
    }
    if (!wal) {
      exec(db, "ROLLBACK");
      if (!exec(db, "PRAGMA journal_mode=WAL")) return store->error("cannot open the state file");
      CANBAO_RETURN_IF_ERROR(begin());
    }
    // A damaged page is found before a run builds on it: SQLite keeps no page checksums, and a
    // page a run never reads (an old run's plan rows, say) could otherwise come back short in
    // history.csv. quick_check reads every page once (b-tree structure, cells inside their page).
    std::string problem;
    bool checked = false;
    {
      Stmt check(db, "PRAGMA quick_check(1)");
      if (check.ok() && check.step() == SQLITE_ROW) {
        checked = true;
        if (check.text(0) != "ok") {  // "*** in database main ***\nOn tree page 5 cell 2: …": one line
          problem = std::string(check.text(0));
          const size_t header = problem.find("***\n");
          if (header != std::string::npos) problem.erase(0, header + 4);
          std::replace(problem.begin(), problem.end(), '\n', ' ');
        }
      }
    }
    if (!checked || !problem.empty()) {
      Status status = checked ? Status::Error(path + ": corrupt state file (" + problem +
                                              "); refusing to build on it: restore it from a backup or move it aside")
                              : store->error("cannot read the state file");
      exec(db, "ROLLBACK");
      return status;
    }
  }
  if (read_only) {
    exec(db, "COMMIT");
  } else {
    sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 0, nullptr);
    store->holding_ = true;
    // Ours: a state an older canbao left with a wider mode is narrowed too (best effort: a file
    // of another owner keeps its mode).
    for (const char* suffix : {"", "-wal", "-shm"}) (void)::chmod((path + suffix).c_str(), kPrivateFileMode);
  }
  return store;
}

StateStore::StateStore(std::string path, sqlite3* db, Access access)
    : path_(std::move(path)), db_(db), access_(access) {}

StateStore::~StateStore() {
  prepared_.clear();  // finalized before the connection closes
  if (db_ == nullptr) return;
  if (!sqlite3_get_autocommit(db_)) exec(db_, "ROLLBACK");
  sqlite3_close(db_);
}

Status StateStore::hold_write_lock() {
  if (holding_) return Status::OK();
  const int rc = sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
  if ((rc & 0xFF) == SQLITE_BUSY) return Status::Error(path_ + ": locked by another canbao run");
  if (rc != SQLITE_OK) return error("cannot lock the state file");
  holding_ = true;
  return Status::OK();
}

// Reads run in a transaction of their own (kReadOnly: a consistent view while a run commits), or
// in the write transaction a kReadWrite store holds.
Status StateStore::begin_read() {
  if (!sqlite3_get_autocommit(db_)) return Status::OK();
  if (!exec(db_, "BEGIN")) return error("cannot read the state file");
  return Status::OK();
}
void StateStore::end_read() {
  if (!holding_ && !sqlite3_get_autocommit(db_)) exec(db_, "COMMIT");
}

namespace {

constexpr const char* kCaseColumns =
    "id, name, type, status, opened_on, deadline, escalated_on, resolved_on, resolution, rule, seq";

/// A date column: NULL is kNoDay; false for text that is no date.
bool read_day(const Stmt& stmt, int col, Day& day) {
  if (stmt.is_null(col)) {
    day = kNoDay;
    return true;
  }
  const auto parsed = parse_date(stmt.text(col));
  if (parsed) day = *parsed;
  return parsed.has_value();
}

/// A row of kCaseColumns starting at column 0; "" or what is wrong.
std::string read_case(const Stmt& stmt, StateCase& row) {
  row.id = stmt.text(0);
  row.name = stmt.text(1);
  row.type = stmt.text(2);
  row.status = stmt.text(3);
  row.resolution = stmt.text(8);
  row.rule = stmt.text(9);
  Day* days[] = {&row.opened_on, &row.deadline, &row.escalated_on, &row.resolved_on};
  for (int idx = 0; idx < 4; ++idx)
    if (!read_day(stmt, 4 + idx, *days[idx])) return "case " + row.id + ": bad date '" + std::string(stmt.text(4 + idx)) + "'";
  return {};
}

}  // namespace

// Runs `sql` in a read transaction: bind(stmt) once, then row(stmt) per row until it returns a
// problem (the state is corrupt: "<path>: corrupt state: <problem>").
Status StateStore::each_row(const char* sql, const std::function<void(Stmt&)>& bind,
                            const std::function<std::string(const Stmt&)>& row) {
  CANBAO_RETURN_IF_ERROR(begin_read());
  Status status;
  auto cached = prepared_.find(std::string_view(sql));
  if (cached == prepared_.end()) {
    auto stmt = std::make_unique<Stmt>(db_, sql);
    if (stmt->ok()) cached = prepared_.emplace(sql, std::move(stmt)).first;
  }
  int rc = SQLITE_ERROR;
  if (cached != prepared_.end()) {
    Stmt& stmt = *cached->second;
    if (bind) bind(stmt);
    while ((rc = stmt.step()) == SQLITE_ROW) {
      if (std::string problem = row(stmt); !problem.empty()) {
        status = Status::Error(path_ + ": corrupt state: " + problem);
        break;
      }
    }
    if (status.ok() && rc != SQLITE_DONE) status = error("cannot read the state file");
    stmt.reset();
  } else {
    status = error("cannot read the state file");
  }
  end_read();
  return status;
}

namespace {

// 25M persons are 400 MB: in 4 KiB pages their first touch costs more than decoding them (1.2–1.5 s
// on the project's VM, 0.04–0.7 s in 2 MiB pages). Transparent huge pages where the system allows.
void prefer_huge_pages(void* data, size_t bytes) {
#ifdef MADV_HUGEPAGE
  constexpr uintptr_t kHuge = uintptr_t{2} << 20;
  const uintptr_t begin = (reinterpret_cast<uintptr_t>(data) + kHuge - 1) & ~(kHuge - 1);
  const uintptr_t end = (reinterpret_cast<uintptr_t>(data) + bytes) & ~(kHuge - 1);
  if (end > begin) (void)::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#else
  (void)data;
  (void)bytes;
#endif
}

std::string bad_as_of(const Stmt& stmt, int col) { return "bad as_of '" + std::string(stmt.text(col)) + "'"; }

}  // namespace

Result<std::optional<Day>> StateStore::latest_as_of() {
  std::optional<Day> latest;
  CANBAO_RETURN_IF_ERROR(each_row("SELECT as_of FROM runs ORDER BY as_of DESC LIMIT 1", nullptr, [&](const Stmt& stmt) {
    latest = parse_date(stmt.text(0));
    return latest ? std::string() : bad_as_of(stmt, 0);
  }));
  return latest;
}

Result<std::vector<Day>> StateStore::runs() {
  std::vector<Day> days;
  CANBAO_RETURN_IF_ERROR(each_row("SELECT as_of FROM runs ORDER BY as_of", nullptr, [&](const Stmt& stmt) {
    const auto day = parse_date(stmt.text(0));
    if (!day) return bad_as_of(stmt, 0);
    days.push_back(*day);
    return std::string();
  }));
  return days;
}

Status StateStore::load_run(int64_t run_id, Day as_of, Load load, StateRun& run) {
  const std::string run_name = "run " + format_date(as_of) + ": ";
  auto by_run = [run_id](Stmt& stmt) { stmt.bind(1, run_id); };
  CANBAO_RETURN_IF_ERROR(each_row(
      "SELECT path, agency, mode, fingerprint, read, accepted, linked, quarantined, replaced, deleted "
      "FROM feeds WHERE run_id = ? ORDER BY seq",
      by_run, [&](const Stmt& stmt) {
        StateFeed& feed = run.feeds.emplace_back();
        feed.path = stmt.text(0);
        feed.agency = stmt.text(1);
        feed.mode = stmt.text(2);
        uint64_t* counts[] = {&feed.read, &feed.accepted, &feed.linked, &feed.quarantined, &feed.replaced, &feed.deleted};
        for (int idx = 0; idx < 6; ++idx) *counts[idx] = static_cast<uint64_t>(stmt.int64(4 + idx));
        return parse_hex64(stmt.text(3), feed.fingerprint) ? std::string() : run_name + "bad feed fingerprint";
      }));
  CANBAO_RETURN_IF_ERROR(
      each_row("SELECT cells FROM plan_rows WHERE run_id = ? ORDER BY seq", by_run, [&](const Stmt& stmt) {
        split_csv_line(stmt.text(0), run.plan_rows.emplace_back());
        return std::string();
      }));
  if (load == Load::kSummary) return Status::OK();
  // Read in key order (the table's), then put back in the run's order: seq is 0, 1, … n−1.
  uint64_t case_count = 0;
  CANBAO_RETURN_IF_ERROR(each_row("SELECT sum(count) FROM case_counts WHERE run_id = ? AND name <> 'opened'", by_run,
                                  [&](const Stmt& stmt) {
                                    case_count = static_cast<uint64_t>(stmt.int64(0));
                                    return std::string();
                                  }));
  run.cases.reserve(case_count);
  prefer_huge_pages(run.cases.data(), case_count * sizeof(StateCase));
  std::vector<int64_t> seqs;
  seqs.reserve(case_count);
  CANBAO_RETURN_IF_ERROR(each_row(
      (std::string("SELECT ") + kCaseColumns + " FROM cases WHERE run_id = ?").c_str(), by_run, [&](const Stmt& stmt) {
        seqs.push_back(stmt.int64(10));
        const std::string problem = read_case(stmt, run.cases.emplace_back());
        return problem.empty() ? problem : run_name + problem;
      }));
  bool in_order = true;
  for (size_t idx = 0; idx < seqs.size() && in_order; ++idx) in_order = seqs[idx] == static_cast<int64_t>(idx);
  if (!in_order) {
    std::vector<StateCase> by_key = std::move(run.cases);
    run.cases.assign(by_key.size(), StateCase{});
    std::vector<bool> placed(by_key.size());
    for (size_t idx = 0; idx < by_key.size(); ++idx) {
      const int64_t seq = seqs[idx];
      if (seq < 0 || static_cast<uint64_t>(seq) >= by_key.size() || placed[static_cast<size_t>(seq)])
        return Status::Error(path_ + ": corrupt state: " + run_name + "case order");
      placed[static_cast<size_t>(seq)] = true;
      run.cases[static_cast<size_t>(seq)] = std::move(by_key[idx]);
    }
  }
  uint64_t expected = 0;
  CANBAO_RETURN_IF_ERROR(each_row("SELECT persons FROM runs WHERE run_id = ?", by_run, [&](const Stmt& stmt) {
    expected = static_cast<uint64_t>(stmt.int64(0));
    return std::string();
  }));
  run.persons.reserve(expected);
  prefer_huge_pages(run.persons.data(), expected * sizeof(PersonState));
  int64_t next_chunk = 0;
  CANBAO_RETURN_IF_ERROR(each_row(
      "SELECT chunk, persons, checksum, data FROM person_chunks WHERE run_id = ? ORDER BY chunk", by_run,
      [&](const Stmt& stmt) {
        const std::string chunk_name = run_name + "person chunk " + std::to_string(next_chunk);
        if (stmt.int64(0) != next_chunk++) return chunk_name + " missing";
        const std::string_view blob = stmt.blob(3);
        if (static_cast<uint64_t>(stmt.int64(2)) != state_detail::chunk_checksum(blob)) return chunk_name + ": checksum mismatch";
        const size_t before = run.persons.size();
        const std::string problem = state_detail::decode_person_chunk(
            blob, before == 0, before == 0 ? 0 : run.persons.back().key, run.persons);
        if (!problem.empty()) return chunk_name + ": " + problem;
        if (run.persons.size() - before != static_cast<uint64_t>(stmt.int64(1))) return chunk_name + ": person count";
        return std::string();
      }));
  if (run.persons.size() != expected)
    return Status::Error(path_ + ": corrupt state: " + run_name + std::to_string(run.persons.size()) +
                         " persons stored of " + std::to_string(expected));
  return Status::OK();
}

Result<std::optional<StateRun>> StateStore::run_before(Day as_of, Load load) {
  if (!storable_day(as_of, false)) return Status::Error(path_ + ": run_before: bad as_of");
  // One read transaction for the run and its rows.
  CANBAO_RETURN_IF_ERROR(begin_read());
  std::optional<StateRun> run;
  int64_t run_id = -1;
  bool full = false;
  Status status = each_row(
      "SELECT run_id, as_of, manifest_path, counts_json, full FROM runs WHERE as_of < ? ORDER BY as_of DESC LIMIT 1",
      [&](Stmt& stmt) { stmt.bind_day(1, as_of); },
      [&](const Stmt& stmt) {
        const auto day = parse_date(stmt.text(1));
        if (!day) return bad_as_of(stmt, 1);
        run.emplace();
        run_id = stmt.int64(0);
        run->as_of = *day;
        run->manifest_path = stmt.text(2);
        run->counts_json = stmt.text(3);
        full = stmt.int64(4) != 0;
        return std::string();
      });
  if (status.ok() && run) {
    if (load == Load::kFull && !full)
      status = Status::Error(path_ + ": run " + format_date(run->as_of) +
                             " keeps only its summary (persons and active cases are kept for the latest two runs)");
    else
      status = load_run(run_id, run->as_of, load, *run);
  }
  end_read();
  if (!status.ok()) return status;
  return run;
}

Result<std::vector<std::pair<Day, std::vector<std::vector<std::string>>>>> StateStore::plan_history() {
  std::vector<std::pair<Day, std::vector<std::vector<std::string>>>> history;
  CANBAO_RETURN_IF_ERROR(each_row(
      "SELECT runs.as_of, plan_rows.cells FROM runs LEFT JOIN plan_rows USING (run_id) ORDER BY runs.as_of, plan_rows.seq",
      nullptr, [&](const Stmt& stmt) {
        const auto day = parse_date(stmt.text(0));
        if (!day) return bad_as_of(stmt, 0);
        if (history.empty() || history.back().first != *day) history.emplace_back(*day, std::vector<std::vector<std::string>>{});
        if (!stmt.is_null(1)) split_csv_line(stmt.text(1), history.back().second.emplace_back());
        return std::string();
      }));
  return history;
}

Result<std::vector<std::pair<Day, std::map<std::string, uint64_t>>>> StateStore::case_counts_by_run() {
  std::vector<std::pair<Day, std::map<std::string, uint64_t>>> counts;
  CANBAO_RETURN_IF_ERROR(each_row(
      "SELECT runs.as_of, case_counts.name, case_counts.count FROM runs LEFT JOIN case_counts USING (run_id) "
      "ORDER BY runs.as_of, case_counts.name",
      nullptr, [&](const Stmt& stmt) {
        const auto day = parse_date(stmt.text(0));
        if (!day) return bad_as_of(stmt, 0);
        if (counts.empty() || counts.back().first != *day) counts.emplace_back(*day, std::map<std::string, uint64_t>{});
        if (!stmt.is_null(1)) counts.back().second[std::string(stmt.text(1))] = static_cast<uint64_t>(stmt.int64(2));
        return std::string();
      }));
  return counts;
}

Result<std::vector<StateCase>> StateStore::cases_of(std::string_view id) {
  std::vector<StateCase> cases;
  CANBAO_RETURN_IF_ERROR(each_row(
      (std::string("SELECT ") + kCaseColumns +
       " FROM cases WHERE run_id = (SELECT run_id FROM runs ORDER BY as_of DESC LIMIT 1) AND id = ? "
       "AND status IN ('open', 'escalated', 'overdue', 'exempt') ORDER BY seq")
          .c_str(),
      [&](Stmt& stmt) { stmt.bind(1, id); }, [&](const Stmt& stmt) { return read_case(stmt, cases.emplace_back()); }));
  return cases;
}

namespace {

/// What is wrong with a run before anything of it is written ("" when nothing).
std::string invalid_run(const StateRun& run) {
  if (!storable_day(run.as_of, false)) return "no as_of";
  for (size_t idx = 0; idx < run.plan_rows.size(); ++idx)
    if (run.plan_rows[idx].empty()) return "plan row " + std::to_string(idx + 1) + " has no cells";
  for (size_t idx = 0; idx < run.cases.size(); ++idx) {
    const StateCase& row = run.cases[idx];
    if (!is_case_status(row.status)) return "case " + row.id + " " + row.type + ": unknown status '" + row.status + "'";
    for (const Day day : {row.opened_on, row.deadline, row.escalated_on, row.resolved_on})
      if (!storable_day(day, true)) return "case " + row.id + " " + row.type + ": a date out of range";
  }
  for (size_t idx = 0; idx < run.persons.size(); ++idx) {
    if (run.persons[idx].state > kR1Never)
      return "person " + std::to_string(idx) + ": R1 state " + std::to_string(run.persons[idx].state) + " (0–3)";
    if (idx > 0 && run.persons[idx].key <= run.persons[idx - 1].key)
      return "persons not strictly ascending by key at " + std::to_string(idx);
  }
  return {};
}

}  // namespace

Status StateStore::commit_run(const StateRun& run) {
  if (access_ == Access::kReadOnly) return Status::Error(path_ + ": cannot record a run: the state is open read-only");
  const std::string what = "cannot record the run of " + format_date(run.as_of);
  if (const std::string problem = invalid_run(run); !problem.empty())
    return Status::Error(path_ + ": " + what + ": " + problem);
  CANBAO_RETURN_IF_ERROR(hold_write_lock());
  // Refused before anything is written: the file stays byte-for-byte as it was.
  CANBAO_ASSIGN_OR_RETURN(const std::optional<Day> latest, latest_as_of());
  if (latest && run.as_of < *latest)
    return Status::Error(path_ + ": as_of " + format_date(run.as_of) + " is earlier than the latest run in the state (" +
                         format_date(*latest) + ")");

  Status status = write_run(run);
  if (status.ok()) {
    failpoint("state.before_commit");
    if (!exec(db_, "COMMIT")) status = error(what);
  }
  if (!status.ok()) {
    // Nothing of the run stays (SQLite may have rolled back already, e.g. on a full disk).
    if (!sqlite3_get_autocommit(db_)) exec(db_, "ROLLBACK");
    holding_ = false;
    (void)hold_write_lock();
    return status;
  }
  holding_ = false;
  failpoint("state.after_commit");
  // The lock again for this store's next calls; should another run take it in between, those say so.
  (void)hold_write_lock();
  return Status::OK();
}

// Inside the write transaction; any error leaves it for the caller to roll back.
Status StateStore::write_run(const StateRun& run) {
  const std::string what = "cannot record the run of " + format_date(run.as_of);
  auto fail = [&]() { return error(what); };

  // 1. The run replaced (same as_of as the latest): its rows go, its run_id is reused.
  int64_t replaced = -1;
  {
    Stmt stmt(db_, "SELECT run_id FROM runs WHERE as_of = ?");
    if (!stmt.ok()) return fail();
    stmt.bind_day(1, run.as_of);
    const int rc = stmt.step();
    if (rc == SQLITE_ROW) replaced = stmt.int64(0);
    else if (rc != SQLITE_DONE) return fail();
  }
  if (replaced >= 0) {
    for (const char* sql : {"DELETE FROM feeds WHERE run_id = ?", "DELETE FROM plan_rows WHERE run_id = ?",
                            "DELETE FROM cases WHERE run_id = ?", "DELETE FROM case_counts WHERE run_id = ?",
                            "DELETE FROM person_chunks WHERE run_id = ?", "DELETE FROM runs WHERE run_id = ?"}) {
      Stmt stmt(db_, sql);
      if (!stmt.ok()) return fail();
      stmt.bind(1, replaced);
      if (!stmt.run()) return fail();
    }
  }
  // 2. Pruning: after this run, only it and the latest run before it keep persons and active cases.
  //    Done before the inserts so the new snapshot reuses the freed pages.
  {
    std::vector<int64_t> prune;
    {
      Stmt stmt(db_, "SELECT run_id FROM runs WHERE full = 1 ORDER BY as_of DESC LIMIT -1 OFFSET 1");
      if (!stmt.ok()) return fail();
      int rc;
      while ((rc = stmt.step()) == SQLITE_ROW) prune.push_back(stmt.int64(0));
      if (rc != SQLITE_DONE) return fail();
    }
    for (const int64_t run_id : prune) {
      for (const char* sql : {"DELETE FROM person_chunks WHERE run_id = ?",
                              "DELETE FROM cases WHERE run_id = ? AND status <> 'resolved'",
                              "UPDATE runs SET full = 0 WHERE run_id = ?"}) {
        Stmt stmt(db_, sql);
        if (!stmt.ok()) return fail();
        stmt.bind(1, run_id);
        if (!stmt.run()) return fail();
      }
    }
  }
  failpoint("state.after_delete");

  // 3. The run.
  int64_t run_id;
  {
    Stmt stmt(db_, "INSERT INTO runs (run_id, as_of, manifest_path, counts_json, persons, full) VALUES (?, ?, ?, ?, ?, 1)");
    if (!stmt.ok()) return fail();
    if (replaced >= 0) stmt.bind(1, replaced);
    stmt.bind_day(2, run.as_of);
    stmt.bind(3, run.manifest_path);
    stmt.bind(4, run.counts_json);
    stmt.bind(5, static_cast<int64_t>(run.persons.size()));
    if (!stmt.run()) return fail();
    run_id = sqlite3_last_insert_rowid(db_);
  }
  {
    Stmt stmt(db_, "INSERT INTO feeds VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!stmt.ok()) return fail();
    for (size_t idx = 0; idx < run.feeds.size(); ++idx) {
      const StateFeed& feed = run.feeds[idx];
      auto count = [](uint64_t value) { return static_cast<int64_t>(value); };
      if (!stmt.insert(run_id, static_cast<int64_t>(idx), feed.path, feed.agency, feed.mode, hex64(feed.fingerprint),
                       count(feed.read), count(feed.accepted), count(feed.linked), count(feed.quarantined),
                       count(feed.replaced), count(feed.deleted)))
        return fail();
    }
  }
  {
    Stmt stmt(db_, "INSERT INTO plan_rows VALUES (?, ?, ?)");
    if (!stmt.ok()) return fail();
    std::string line;
    for (size_t idx = 0; idx < run.plan_rows.size(); ++idx) {
      line.clear();
      for (size_t cell = 0; cell < run.plan_rows[idx].size(); ++cell) {
        if (cell > 0) line += ',';
        append_csv_cell(line, run.plan_rows[idx][cell]);
      }
      if (!stmt.insert(run_id, static_cast<int64_t>(idx), line)) return fail();
    }
  }
  std::map<std::string, uint64_t> counts;
  for (const std::string_view status : kCaseStatuses) counts[std::string(status)] = 0;
  counts["opened"] = 0;
  {
    Stmt stmt(db_, "INSERT INTO cases VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!stmt.ok()) return fail();
    for (size_t idx = 0; idx < run.cases.size(); ++idx) {
      const StateCase& row = run.cases[idx];
      if (!stmt.insert(run_id, row.id, row.type, static_cast<int64_t>(idx), row.name, row.status, DayCell{row.opened_on},
                       DayCell{row.deadline}, DayCell{row.escalated_on}, DayCell{row.resolved_on}, row.resolution,
                       row.rule))
        return fail();
      ++counts[row.status];
      if (row.opened_on == run.as_of) ++counts["opened"];
    }
  }
  failpoint("state.after_cases");
  {
    Stmt stmt(db_, "INSERT INTO case_counts VALUES (?, ?, ?)");
    if (!stmt.ok()) return fail();
    for (const auto& [name, count] : counts)
      if (!stmt.insert(run_id, name, static_cast<int64_t>(count))) return fail();
  }
  {
    Stmt stmt(db_, "INSERT INTO person_chunks VALUES (?, ?, ?, ?, ?)");
    if (!stmt.ok()) return fail();
    std::string blob;
    for (size_t begin = 0, chunk = 0; begin < run.persons.size(); begin += state_detail::kChunkPersons, ++chunk) {
      const size_t count = std::min(state_detail::kChunkPersons, run.persons.size() - begin);
      state_detail::encode_person_chunk(run.persons.data() + begin, count, blob);
      if (!stmt.insert(run_id, static_cast<int64_t>(chunk), static_cast<int64_t>(count),
                       static_cast<int64_t>(state_detail::chunk_checksum(blob)), BlobCell{blob}))
        return fail();
    }
  }
  failpoint("state.after_persons");
  return Status::OK();
}

}  // namespace canbao
