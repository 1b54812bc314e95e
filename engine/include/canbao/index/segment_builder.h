// Building an index segment (LevelDB's table_builder is the model): the in-memory contents of a
// feed being ingested, the sort by person key and the writer. The file layout is index/format.h.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "canbao/core/status.h"
#include "canbao/index/format.h"
#include "canbao/records/records.h"

namespace canbao {

/// Where a packed record sits while a segment is built: its key, then its chunk and index there.
/// Sorting these 16-byte references is cheaper than moving the records themselves.
struct RecordRef {
  PersonKey key;
  uint32_t chunk;
  uint32_t index;
};

/// The records of a segment in (person key, file order), as references (sort_segment_records). Its
/// bytes are a recycled buffer of the ingestion's pool (core/buffer_pool.h), mapped at once: a
/// fresh, zero-filled vector per feed was 12-17% of a cold run's page faults (issue #16).
class RecordOrder {
 public:
  /// `count` references (contents unspecified until written).
  void assign_size(size_t count);
  /// Exchanges the buffer with `bytes` (a buffer of the same size holding the order).
  void swap_bytes(std::vector<char>& bytes) { bytes_.swap(bytes); }
  /// The buffer, for the pool; the order is empty afterwards.
  std::vector<char> release() { return std::move(bytes_); }
  size_t size() const { return bytes_.size() / sizeof(RecordRef); }
  RecordRef* data() { return reinterpret_cast<RecordRef*>(bytes_.data()); }
  const RecordRef* data() const { return reinterpret_cast<const RecordRef*>(bytes_.data()); }
  const RecordRef& operator[](size_t at) const { return data()[at]; }
  const RecordRef* begin() const { return data(); }
  const RecordRef* end() const { return data() + size(); }

 private:
  std::vector<char> bytes_;
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
  FeedMode mode = FeedMode::kAppend;
  uint32_t feed_index = 0;  // stored in every record's origin by write_segment
  uint64_t fingerprint = 0;
  std::vector<std::vector<char>> record_chunks;  // packed records per chunk, file order
  std::vector<ChunkBase> chunk_bases;            // one per record chunk
  RecordOrder order;                             // filled by sort_segment_records
  std::vector<char> pending;                     // packed records (ID rejected), line order
  std::vector<PendingInfo> pending_info;
  std::vector<QuarantineEntry> quarantine;  // line order
  std::vector<std::string> arena_chunks;    // string bytes per chunk (rewritten in key order on write)
  uint64_t arena_size = 0;
  uint64_t lines = 0;
  uint64_t share_lines = 0;           // lines read (a rank's share of the feed: issue #17)
  Day max_id_birth = kNoDay;          // SegmentHeader::max_id_birth
  Day min_future_birth = INT32_MAX;   // SegmentHeader::min_future_birth

  size_t record_count() const;
  /// Bytes held (records, arena, sort order once sorted: counted ahead), for memory budgets.
  uint64_t memory_bytes() const;
  size_t pending_count() const { return pending.size() / packed_size(agency); }
  /// Appends bytes to the arena as a chunk of its own; returns their offset.
  uint64_t add_arena_chunk(std::string bytes);
};

/// Empties `data`, its record and string chunks given to the ingestion's buffer pool
/// (core/buffer_pool.h) for the next feed.
void release_segment_data(SegmentData& data);

/// Orders the records by (person key, file order), in parallel: fills data.order.
void sort_segment_records(SegmentData& data);

/// How write_segment stages its writes: records per block (0: ~1 MiB of records) and blocks per
/// group (one group is gathered while the other is written). The bytes written do not depend on it
/// (tests write with tiny blocks and groups to check that).
struct SegmentWriteShape {
  size_t records_per_block = 0;
  size_t blocks_per_group = 16;
};

/// Writes `data` (REQUIRES: sorted) to `path` via `path.tmp` + rename, records gathered and
/// rebased in parallel blocks, then the body checksum (read back through a mapping of the file
/// just written, while it is in the page cache) and the header last (index/format.h). Errors
/// name the path and errno text.
Status write_segment(const SegmentData& data, const std::string& path, const SegmentWriteShape& shape = {});

}  // namespace canbao
