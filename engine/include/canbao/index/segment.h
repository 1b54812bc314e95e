// Index segments: one memory-mapped file per feed holding that feed's records packed and sorted
// by person key, the records whose ID was rejected (kept for fallback linking), the quarantine
// entries, and the string arena. Written to `<name>.tmp` and renamed into place, so a reader never
// maps a half-written segment; the header is written last.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/interprocess/file_mapping.hpp>
#include <boost/interprocess/mapped_region.hpp>

#include "canbao/core/status.h"
#include "canbao/identity/citizen_id.h"
#include "canbao/records/records.h"

namespace canbao {

inline constexpr uint32_t kSegmentFormatVersion = 4;  // 2: RecordHead.name_hash; 3: zeroed padding; 4: arena in key order

/// A record the adapter or decoder rejected (SPEC §2 "nothing is lost").
struct QuarantineEntry {
  uint32_t line;
  uint32_t pad_;
  Str reason;     // e.g. "bad_field:scheme", "bad_json"
  Str masked_id;  // SPEC §6 id_masked
};

/// Why a pending record (ID rejected, fields fine or not) was held back.
struct PendingInfo {
  uint32_t line;
  IdReject reject;
  bool fields_ok;  // false: a field is bad too, so it can never be linked
  uint8_t pad_[2];
  PersonKey repair_key;  // bad_checksum: the 17-digit prefix, else kNoPerson
  Str masked_id;
};

struct SegmentHeader {
  char magic[8];
  uint32_t format_version;
  uint32_t agency;
  uint64_t fingerprint;
  uint64_t record_size;
  uint64_t records_off, record_count;
  uint64_t pending_off, pending_count;  // packed records with key = kNoPerson
  uint64_t pending_info_off;            // PendingInfo[pending_count]
  uint64_t quarantine_off, quarantine_count;
  uint64_t arena_off, arena_size;
  uint64_t lines;       // physical lines of the feed file
  uint64_t read_count;  // records read = record_count + pending_count + quarantine_count
  uint64_t file_size;   // total bytes, checked when mapping
  uint64_t reserved[3];
};

/// Where a packed record sits while a segment is built: its key, then its chunk and index there.
/// Sorting these 16-byte references is cheaper than moving the records themselves.
struct RecordRef {
  PersonKey key;
  uint32_t chunk;
  uint32_t index;
};

/// Where a chunk of parsed records sits in its segment: records inside a chunk carry string
/// offsets into the chunk's own arena bytes and lines relative to the chunk; the writer resolves
/// them while it copies each record into place (so the serial part of ingestion never walks the
/// records). Pending records and quarantine entries carry offsets over all arena chunks.
struct ChunkBase {
  uint32_t arena_chunk = 0;  // index in arena_chunks of the chunk's string bytes
  uint64_t first_line = 0;   // file line of the chunk's line 0
};

/// In-memory contents of a segment being built (by ingestion). Records and arena bytes stay in
/// the chunks the parser produced (no merge copy); `order` says how to write them.
struct SegmentData {
  Agency agency = Agency::kEnrollment;
  uint32_t feed_index = 0;  // stored in every record's origin by write_segment
  uint64_t fingerprint = 0;
  std::vector<std::vector<char>> record_chunks;  // packed records per chunk, file order
  std::vector<ChunkBase> chunk_bases;            // one per record chunk
  std::vector<RecordRef> order;                  // filled by sort_segment_records
  std::vector<char> pending;                     // packed records (ID rejected), line order
  std::vector<PendingInfo> pending_info;
  std::vector<QuarantineEntry> quarantine;  // line order
  std::vector<std::string> arena_chunks;    // string bytes per chunk (rewritten in key order on write)
  uint64_t arena_size = 0;
  uint64_t lines = 0;

  size_t record_count() const;
  /// Bytes held (records, arena, sort order once sorted: counted ahead), for memory budgets.
  uint64_t memory_bytes() const;
  size_t pending_count() const { return pending.size() / packed_size(agency); }
  /// Appends bytes to the arena as a chunk of its own; returns their offset.
  uint64_t add_arena_chunk(std::string bytes);
};

/// Orders the records by (person key, file order), in parallel: fills data.order.
void sort_segment_records(SegmentData& data);

/// Writes `data` (REQUIRES: sorted) to `path` via `path.tmp` + rename, records gathered and
/// rebased in parallel blocks. Errors name the path and errno text.
Status write_segment(const SegmentData& data, const std::string& path);

/// A mapped, read-only segment. Thread-safe for concurrent reads.
class Segment {
 public:
  /// Maps and validates a segment file. A missing file, a wrong magic/version or a size that does
  /// not match the header is an error (the caller rebuilds).
  static Status Open(const std::string& path, std::unique_ptr<Segment>& out);

  const SegmentHeader& header() const { return *header_; }
  Agency agency() const { return static_cast<Agency>(header_->agency); }
  size_t record_count() const { return header_->record_count; }
  const char* record(size_t idx) const { return base_ + header_->records_off + idx * header_->record_size; }
  size_t pending_count() const { return header_->pending_count; }
  const char* pending(size_t idx) const { return base_ + header_->pending_off + idx * header_->record_size; }
  const PendingInfo* pending_info() const { return reinterpret_cast<const PendingInfo*>(base_ + header_->pending_info_off); }
  size_t quarantine_count() const { return header_->quarantine_count; }
  const QuarantineEntry* quarantine() const { return reinterpret_cast<const QuarantineEntry*>(base_ + header_->quarantine_off); }
  std::string_view str(Str s) const { return std::string_view(arena_ + s.off, s.len); }
  const char* arena() const { return arena_; }
  /// Person key of record idx (every packed record starts with a RecordHead).
  PersonKey key_at(size_t idx) const { return reinterpret_cast<const RecordHead*>(record(idx))->key; }
  /// First record index with key >= key (binary search).
  size_t lower_bound(PersonKey key) const;
  const std::string& path() const { return path_; }

 private:
  Segment() = default;
  std::string path_;
  boost::interprocess::file_mapping file_;
  boost::interprocess::mapped_region region_;
  const char* base_ = nullptr;
  const SegmentHeader* header_ = nullptr;
  const char* arena_ = nullptr;
};

/// Reads only the header of a segment file (for reuse checks). False when unreadable or invalid.
bool read_segment_header(const std::string& path, SegmentHeader& out);

}  // namespace canbao
