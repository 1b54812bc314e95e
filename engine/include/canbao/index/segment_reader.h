// Reading an index segment (LevelDB's table.cc is the model): a read-only memory mapping of a
// file laid out as index/format.h says, validated when opened so that no later access can read
// outside the file. The mapping itself (Boost.Interprocess) stays inside segment_reader.cpp.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "canbao/core/status.h"
#include "canbao/index/format.h"
#include "canbao/records/records.h"

namespace canbao {

struct SegmentOpenOptions {
  /// Verify the body checksum (every byte of the file read once, blocks in parallel). Only a
  /// segment this process has just written may skip it; the header is always checked. Every other
  /// open verifies it — a run reusing the segment, `query`, `precheck`, `serve` and its switch to
  /// a new generation (issue #14: the records' own bytes — feed numbers, enum and bool values,
  /// key order — are trusted by the matcher once the checksum holds; docs/DECISIONS.md has the cost).
  bool verify_body = true;
};

/// A mapped, read-only segment. Thread-safe for concurrent reads.
class Segment {
 public:
  /// Maps and validates a segment file: header (magic, version, checksum, sections inside the
  /// file, size) and, unless options say otherwise, the body checksum. The error is one line
  /// naming the file and the reason, e.g. "IDX/feed-2.seg: index segment is corrupted (checksum
  /// mismatch); rerun canbao ingest --rebuild-index".
  static Result<std::unique_ptr<Segment>> Open(const std::string& path, const SegmentOpenOptions& options = {});
  ~Segment();
  Segment(const Segment&) = delete;
  Segment& operator=(const Segment&) = delete;

  const SegmentHeader& header() const { return *header_; }
  /// The manifest position of the feed this segment holds (every record's Origin::feed).
  uint32_t feed_index() const { return header_->feed_index; }
  Agency agency() const { return static_cast<Agency>(header_->agency); }
  /// SPEC §7: the feed was an update feed.
  bool is_update() const { return header_->mode == static_cast<uint32_t>(FeedMode::kUpdate); }
  size_t record_count() const { return header_->record_count; }
  const char* record(size_t idx) const { return base_ + header_->records_off + idx * header_->record_size; }
  size_t pending_count() const { return header_->pending_count; }
  const char* pending(size_t idx) const { return base_ + header_->pending_off + idx * header_->record_size; }
  const PendingInfo* pending_info() const { return reinterpret_cast<const PendingInfo*>(base_ + header_->pending_info_off); }
  size_t quarantine_count() const { return header_->quarantine_count; }
  const QuarantineEntry* quarantine() const { return reinterpret_cast<const QuarantineEntry*>(base_ + header_->quarantine_off); }
  /// The text of s; empty when s does not lie inside the arena (off is 40 bits and len 24, so
  /// the sum cannot overflow).
  std::string_view str(Str s) const {
    return s.off + s.len <= arena_size_ ? std::string_view(arena_ + s.off, s.len) : std::string_view();
  }
  const char* arena() const { return arena_; }
  /// Person key of record idx (every packed record starts with a RecordHead).
  PersonKey key_at(size_t idx) const { return reinterpret_cast<const RecordHead*>(record(idx))->key; }
  /// First record index with key >= key (binary search).
  size_t lower_bound(PersonKey key) const;
  /// lower_bound(key) found by galloping from `at`. REQUIRES: every record before `at` has a key
  /// below `key`.
  size_t lower_bound_from(size_t at, PersonKey key) const;
  /// out[i] = lower_bound(keys[i]) for `keys` sorted (repeats allowed), by one galloping walk.
  void lower_bounds(const std::vector<PersonKey>& keys, std::vector<uint64_t>& out) const;
  /// The (birth, name) table (index/format.h NameBirthEntry), sorted by (hash, index).
  const NameBirthEntry* name_table() const {
    return reinterpret_cast<const NameBirthEntry*>(base_ + header_->name_table_off);
  }
  size_t name_table_count() const { return header_->name_table_count; }
  /// Appends to `out` the index of every record whose name_birth_hash is one of `hashes` (sorted,
  /// unique), by hash then record order: a galloping search through the table from one hash to
  /// the next, so a few hashes cost a few binary searches and many cost one pass. An entry naming
  /// a record outside the records section is skipped.
  void records_by_name_birth(const std::vector<uint32_t>& hashes, std::vector<uint32_t>& out) const;
  /// Appends to `out` the index of every record whose key is one of `keys` (sorted, unique), in
  /// record order, by the same galloping search through the records.
  void records_by_keys(const std::vector<PersonKey>& keys, std::vector<uint32_t>& out) const;
  const std::string& path() const { return path_; }

 private:
  struct Mapping;  // the Boost.Interprocess file mapping and region
  Segment() = default;
  std::string path_;
  std::unique_ptr<Mapping> mapping_;
  const char* base_ = nullptr;
  const SegmentHeader* header_ = nullptr;
  const char* arena_ = nullptr;
  uint64_t arena_size_ = 0;
};

/// Reads and checks only the header (and its zero padding) of a segment file, for reuse checks:
/// the body is not read. The error is one line naming the file, as Open's; `out` holds the bytes
/// read even then (a segment of another format version is told apart by out.format_version).
Status read_segment_header(const std::string& path, SegmentHeader& out);

}  // namespace canbao
