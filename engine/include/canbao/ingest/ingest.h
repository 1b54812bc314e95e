// Ingestion: feed files → index segments, as a oneTBB pipeline per feed (serial chunk reader,
// parallel parse + decode, serial in-order writer), reusing a feed's segment when the feed is
// unchanged.
#pragma once

#include <functional>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "canbao/core/progress.h"
#include "canbao/core/ranks.h"
#include "canbao/core/status.h"
#include "canbao/index/segment_builder.h"
#include "canbao/index/index_dir.h"
#include "canbao/index/segment_reader.h"
#include "canbao/ingest/adapter_registry.h"
#include "canbao/manifest/manifest.h"

namespace canbao {

struct IngestOptions {
  std::string index_dir;
  size_t chunk_bytes = size_t{4} << 20;  // MB-sized tokens
  bool force_rebuild = false;
  Progress* progress = nullptr;  // optional progress bar (bytes)
  /// Physical memory the ingestion plans for (overlap budget, page-cache policy; see
  /// docs/DECISIONS.md). 0: the machine's. Tests set it to force the big-city paths.
  uint64_t memory_bytes = 0;
  /// The index's live generation before this run (its segments are reused while their feed is
  /// unchanged), or null; and the generation this run writes (new segments' file names).
  const IndexInfo* previous = nullptr;
  uint64_t generation = 1;
  /// The order the feeds' segments are built in, every manifest position once; empty (the
  /// default): ingestion_order. Tests set it to show that segments do not depend on it.
  std::vector<uint32_t> order;
};

/// One feed after ingestion: its mapped segment and how it was obtained.
struct IngestedFeed {
  uint32_t feed_index = 0;
  std::unique_ptr<Segment> segment;
  std::string segment_name;  // its file name in the index directory
  bool reused = false;  // the segment of an earlier run was still valid
  /// Issue #14: the live generation's segment of this feed was there but corrupted, so the feed
  /// was read again: Segment::Open's error, naming the file and the reason (empty otherwise).
  std::string rebuilt_because;
  uint64_t bytes = 0;   // size of the feed file
  /// Issue #17: accepted records in every rank's part (one process: the segment's record count).
  uint64_t all_records = 0;
  /// Issue #17: bytes this rank sent to the other ranks in the feed's shuffle.
  uint64_t shuffle_sent_bytes = 0;
  double seconds = 0;   // from the start of parsing until the segment was written (0 when reused)
  double parse_seconds = 0;  // parse + decode (parallel chunks)
  double sort_seconds = 0;   // key sort (overlaps the next feed's parsing)
  double write_seconds = 0;  // gather + write the segment (overlaps the next feed's parsing)
  double shuffle_seconds = 0;  // issue #17: line numbers, key ranges, the exchange between ranks
};

/// Ingests (or reuses) every feed of the manifest into options.index_dir. File-level problems
/// (missing file, unknown plugin, ABI mismatch, a feed an adapter cannot open) stop with one
/// clear line naming the file.
Status ingest_manifest(const Manifest& manifest, AdapterRegistry& registry, const IngestOptions& options,
                       std::vector<IngestedFeed>& out);

/// Issue #17, across N ranks (docs/DISTRIBUTED.md): every rank reads its share of each feed,
/// records go to the rank owning their person key (boundaries[r-1] <= key < boundaries[r], from a
/// sample of the largest feed's keys), pending records and quarantine entries to every rank; each
/// rank writes and maps its part of every feed (segment_part_file_name). Segments are always
/// built anew. Errors are agreed: every rank returns the first rank's error.
Status ingest_manifest_ranks(const Manifest& manifest, AdapterRegistry& registry, const IngestOptions& options,
                             Ranks& ranks, std::vector<PersonKey>& boundaries, std::vector<IngestedFeed>& out);

/// Maps the segments of `feeds` not mapped yet (feeds[i].segment_name in index_dir), in parallel,
/// without reading their bodies back (this run wrote them).
Status open_ingested(const std::string& index_dir, std::vector<IngestedFeed>& feeds);

/// The order ingest_manifest builds the feeds' segments in: largest file first, equal sizes in
/// manifest order (a segment's write overlaps the next feed's parse; the last one's overlaps
/// nothing). A feed that cannot be stat'ed stops with the manifest's first such feed.
Status ingestion_order(const Manifest& manifest, std::vector<uint32_t>& order);

/// How ingest_bytes treats the pages of a feed file it reads through a mapping.
struct FeedPaging {
  bool mapped = false;      // data is a page-aligned read-only mapping: parsed pages are unmapped
  int fd = -1;              // the feed file, for read-ahead hints (with mapped)
  bool drop_cache = false;  // also drop parsed pages from the page cache (feeds larger than memory)
  /// Issue #17: only the records in [range_begin, range_end) (both record boundaries, as
  /// feed_cuts gives them) are read; line numbers still count from the body's first line.
  size_t range_begin = 0;
  size_t range_end = SIZE_MAX;
};

/// Parses one feed file into segment data (not sorted, not written). Exposed for tests/benches.
/// drop_cache: see FeedPaging (set by ingest_manifest when the feeds exceed half of memory).
/// [range_begin, range_end): a rank's share (FeedPaging).
Status ingest_feed(const FeedSpec& feed, uint32_t feed_index, Day as_of, AdapterRegistry& registry,
                   size_t chunk_bytes, SegmentData& out, Progress* progress = nullptr, bool drop_cache = false,
                   size_t range_begin = 0, size_t range_end = SIZE_MAX);

/// The feed file mapped read-only (empty file: data "" and fd -1), with its adapter.
using MappedFeedFn = std::function<Status(const canbao_adapter* adapter, const char* data, size_t size, int fd)>;
Status with_mapped_feed(const FeedSpec& feed, AdapterRegistry& registry, const MappedFeedFn& fn);

/// Issue #17: cuts[0..parts] with cuts[0] the body's start and cuts[parts] the file size; each
/// cut a record boundary found by walking the adapter's chunk_end, so the shares are about equal
/// in bytes. Share r is [cuts[r], cuts[r+1]).
Status feed_cuts(const FeedSpec& feed, AdapterRegistry& registry, size_t parts, std::vector<uint64_t>& cuts);

/// Parses feed bytes already in memory with a given adapter (tests, benchmarks, fuzzing).
/// paging: how to treat the pages of a mapped feed (default: plain memory, left alone).
Status ingest_bytes(const canbao_adapter* adapter, const FeedSpec& feed, uint32_t feed_index, Day as_of,
                    const char* data, size_t size, size_t chunk_bytes, SegmentData& out,
                    Progress* progress = nullptr, const FeedPaging& paging = {});

/// The fingerprint that decides whether a feed's segment can be reused: format version, feed
/// options (mode included), position in the manifest, and the file's (and plugin's) size, mtime
/// and inode. Not as_of: a segment records the birth dates its IDs' validity hangs on
/// (segment_valid_for), so a later run reuses it.
uint64_t feed_fingerprint(const FeedSpec& feed, uint32_t feed_index);

}  // namespace canbao
