// The index directory (`OUT.index` beside a run's outputs, or `canbao ingest --index DIR`): the
// one place that knows its layout.
//
//   feed-<N>.seg   one segment per manifest feed N (index/format.h), reused while the feed's
//                  fingerprint is unchanged
//   links.bin      the fallback links computed from exactly these segments (index/links.h)
//   index.json     the descriptor: settings of the run and, per feed, its path, agency, segment
//                  file name and fingerprint. Written last (temp + rename), after every segment.
//   *.tmp          files being written; leftovers of a killed run, removed by the next one
//
// Readers (`canbao query`, `serve`) open index.json and map the segments it names, verifying
// every checksum. Index generations (a new run's index switched in under running readers) would
// be added here without changing readers' code: segments written under generation-unique names,
// the descriptor as `index-<gen>.json`, and a `CURRENT` file naming the live descriptor, replaced
// by rename (atomic); a reader opens CURRENT → descriptor → segments, and a segment is removed
// once no descriptor still referenced by a reader (e.g. a lock file per reader) names it. Today
// there is one generation: a run rewrites segments in place (each by rename) and then index.json.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "canbao/core/status.h"
#include "canbao/index/segment_reader.h"
#include "canbao/records/settings.h"

namespace canbao {

inline constexpr int kIndexInfoFormat = 2;  // 2: segment file name and fingerprint per feed

/// File names inside the index directory.
std::string segment_file_name(uint32_t feed_index);  // "feed-<N>.seg"
std::string segment_path(const std::string& index_dir, uint32_t feed_index);
std::string index_info_path(const std::string& index_dir);  // …/index.json
std::string links_path(const std::string& index_dir);       // …/links.bin

/// Creates the directory if needed and removes leftovers (`*.tmp`) of killed runs.
Status prepare_index_dir(const std::string& index_dir);

/// Writes `bytes` to `path.tmp` and renames it into place.
Status write_file_atomically(const std::string& path, std::string_view bytes);

struct IndexFeedInfo {
  std::string path;  // as written in the manifest
  Agency agency = Agency::kEnrollment;
  std::string segment;  // file name in the index directory
  uint64_t fingerprint = 0;
};

/// What index.json holds.
struct IndexInfo {
  std::string manifest_path;  // absolute
  std::string city_text;
  RunSettings settings;
  std::vector<IndexFeedInfo> feeds;
};

/// Writes index.json (temp + rename). Call it after every segment is in place.
Status write_index_info(const std::string& index_dir, const IndexInfo& info);

/// Reads index.json. Errors name the file (missing: not an index directory).
Result<IndexInfo> read_index_info(const std::string& index_dir);

/// Opens paths[i] into out[i] where out[i] is empty, in parallel (a segment the page cache gave up
/// is read back while another is verified); the first failure in feed order is returned.
Status open_segments(const std::vector<std::string>& paths, const std::vector<SegmentOpenOptions>& options,
                     std::vector<std::unique_ptr<Segment>>& out);

/// Opens (verifying every checksum) every segment index.json names and checks each against its
/// entry (agency, fingerprint).
Result<std::vector<std::unique_ptr<Segment>>> open_index_segments(const std::string& index_dir,
                                                                  const IndexInfo& info);

}  // namespace canbao
