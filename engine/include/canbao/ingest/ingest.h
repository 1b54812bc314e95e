// Ingestion: feed files → index segments, as a oneTBB pipeline per feed (serial chunk reader,
// parallel parse + decode, serial in-order writer), reusing a feed's segment when the feed is
// unchanged.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "canbao/core/progress.h"
#include "canbao/core/status.h"
#include "canbao/index/segment.h"
#include "canbao/ingest/adapter_registry.h"
#include "canbao/manifest/manifest.h"

namespace canbao {

struct IngestOptions {
  std::string index_dir;
  size_t chunk_bytes = size_t{4} << 20;  // MB-sized tokens
  bool force_rebuild = false;
  Progress* progress = nullptr;  // optional progress bar (bytes)
};

/// One feed after ingestion: its mapped segment and how it was obtained.
struct IngestedFeed {
  uint32_t feed_index = 0;
  std::unique_ptr<Segment> segment;
  bool reused = false;  // the segment of an earlier run was still valid
  uint64_t bytes = 0;   // size of the feed file
  double seconds = 0;   // from the start of parsing until the segment was written (0 when reused)
  double parse_seconds = 0;  // parse + decode (parallel chunks)
  double sort_seconds = 0;   // key sort (overlaps the next feed's parsing)
  double write_seconds = 0;  // gather + write the segment (overlaps the next feed's parsing)
};

/// Ingests (or reuses) every feed of the manifest into options.index_dir. File-level problems
/// (missing file, unknown plugin, ABI mismatch, a feed an adapter cannot open) stop with one
/// clear line naming the file.
Status ingest_manifest(const Manifest& manifest, AdapterRegistry& registry, const IngestOptions& options,
                       std::vector<IngestedFeed>& out);

/// Parses one feed file into segment data (not sorted, not written). Exposed for tests/benches.
Status ingest_feed(const FeedSpec& feed, uint32_t feed_index, Day as_of, AdapterRegistry& registry,
                   size_t chunk_bytes, SegmentData& out, Progress* progress = nullptr);

/// Parses feed bytes already in memory with a given adapter (tests, benchmarks, fuzzing).
/// release_consumed: `data` is a page-aligned read-only file mapping whose parsed pages may be
/// dropped from the mapping (madvise MADV_DONTNEED) as parsing passes them.
Status ingest_bytes(const canbao_adapter* adapter, const FeedSpec& feed, uint32_t feed_index, Day as_of,
                    const char* data, size_t size, size_t chunk_bytes, SegmentData& out,
                    Progress* progress = nullptr, bool release_consumed = false);

/// The fingerprint that decides whether a feed's segment can be reused: format version, feed
/// options, as_of, and the file's (and plugin's) size, mtime and inode.
uint64_t feed_fingerprint(const FeedSpec& feed, uint32_t feed_index, Day as_of);

}  // namespace canbao
