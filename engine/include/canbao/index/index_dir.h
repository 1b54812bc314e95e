// The index directory (`OUT.index` beside a run's outputs, or `canbao ingest --index DIR`): the
// one place that knows its layout. SPEC §7: the directory holds generations — each run (or `apply`)
// writes one — and readers (`query`, `serve`) always see exactly one.
//
//   index.json          the descriptor of the live generation: its number, the settings of the
//                       run, the manifests the feeds came from (a run's one, or a run's and every
//                       `apply`'s since), and per feed its path, agency, segment file and
//                       fingerprint, and the links file; last, "checksum": the XXH3 of every byte
//                       before that key. Replaced last, by rename: the one pointer a run switches.
//   feed-<N>.g<G>.seg   the segment of manifest feed N written by generation G (index/format.h);
//                       a later generation names it again while the feed is unchanged
//   links.g<G>.bin      the fallback links of generation G's segments (index/links.h)
//   *.tmp               files being written; leftovers of a killed run, removed by the next one
//
// Files are never rewritten under a name a descriptor has used, so a reader that read index.json
// maps the files of that generation or finds one missing (removed by a run two generations on);
// then it reads index.json again (open_index). A run removes the files that neither its own
// descriptor nor the one it replaced names.
#pragma once

#include <algorithm>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "canbao/core/status.h"
#include "canbao/index/links.h"
#include "canbao/index/segment_reader.h"
#include "canbao/records/settings.h"

namespace canbao {

inline constexpr int kIndexInfoFormat = 4;  // 2: segment file name and fingerprint per feed;
                                            // 3: generations, manifests, links file; 4: checksum

/// File names inside the index directory.
std::string segment_file_name(uint32_t feed_index, uint64_t generation);  // "feed-<N>.g<G>.seg"
std::string links_file_name(uint64_t generation);                         // "links.g<G>.bin"
/// Issue #17, an index of N ranks: rank R's part of each (docs/DISTRIBUTED.md).
std::string segment_part_file_name(uint32_t feed_index, uint64_t generation, int rank);  // "feed-<N>.g<G>.r<R>.seg"
std::string links_part_file_name(uint64_t generation, int rank);                       // "links.g<G>.r<R>.bin"
std::string index_info_path(const std::string& index_dir);                // …/index.json

/// Issue #17: the rank owning `key` in an index of boundaries.size() + 1 ranks: rank r holds the
/// keys in [boundaries[r-1], boundaries[r]).
inline int key_owner(const std::vector<PersonKey>& boundaries, PersonKey key) {
  return static_cast<int>(std::upper_bound(boundaries.begin(), boundaries.end(), key) - boundaries.begin());
}

/// Creates the directory if needed (0700; its files are narrowed to 0600) and removes leftovers
/// (`*.tmp`) of killed runs.
Status prepare_index_dir(const std::string& index_dir);

/// Writes `bytes` to `path.tmp` (created 0600) and renames it into place.
Status write_file_atomically(const std::string& path, std::string_view bytes);

struct IndexFeedInfo {
  std::string path;  // as written in the manifest
  Agency agency = Agency::kEnrollment;
  std::string segment;  // file name in the index directory
  uint64_t fingerprint = 0;
};

/// What index.json holds.
struct IndexInfo {
  uint64_t generation = 0;
  std::string manifest_path;           // absolute: the last of `manifests`
  std::vector<std::string> manifests;  // absolute, in the order their feeds were applied
  std::string links;                   // links file name in the index directory
  std::string city_text;
  RunSettings settings;
  std::vector<IndexFeedInfo> feeds;
  /// Issue #17: an index of `ranks` parts (mpirun -np N). Then `feeds[i].segment` and `links`
  /// name rank 0's part; rank r's are part_file_name(…, r). Rank r holds the records of the keys
  /// key_owner(boundaries, key) == r and every pending record (docs/DISTRIBUTED.md).
  uint32_t ranks = 1;
  std::vector<PersonKey> boundaries;
};

/// Rank r's name of a part file named for rank 0 (".r0." becomes ".r<r>.").
std::string part_file_name(const std::string& rank0_name, uint32_t rank);

/// Writes index.json (temp + rename, the directory synced): switches readers to `info`'s
/// generation. Call it once every file it names is in place. Then removes the segments and links
/// files that neither `info` nor `previous` (the descriptor it replaced, if any) names.
Status write_index_info(const std::string& index_dir, const IndexInfo& info, const IndexInfo* previous = nullptr);

/// Reads index.json. Errors name the file (missing: not an index directory; another format; a
/// checksum that does not hold or a field out of range: corrupted).
Result<IndexInfo> read_index_info(const std::string& index_dir);

/// Opens paths[i] into out[i] where out[i] is empty, in parallel (a segment the page cache gave up
/// is read back while another is verified); the first failure in feed order is returned.
Status open_segments(const std::vector<std::string>& paths, const std::vector<SegmentOpenOptions>& options,
                     std::vector<std::unique_ptr<Segment>>& out);

/// Opens (verifying every checksum) every segment index.json names and checks each against its
/// entry (agency, fingerprint).
/// Issue #17: of a sharded index, rank `rank`'s part.
Result<std::vector<std::unique_ptr<Segment>>> open_index_segments(const std::string& index_dir,
                                                                  const IndexInfo& info, uint32_t rank = 0);

/// One rank's part of a sharded index (issue #17): its segments and links.
struct IndexPart {
  std::vector<std::unique_ptr<Segment>> segments;
  LinkResult links;
};

/// One generation of the index, open for reading.
struct OpenedIndex {
  IndexInfo info;
  std::vector<std::unique_ptr<Segment>> segments;
  LinkResult links;
  /// Issue #17, an index of info.ranks > 1 parts: `segments` and `links` are rank 0's, parts[r-1]
  /// rank r's. A person's records and links are all in the part of key_owner(info.boundaries, key).
  std::vector<IndexPart> parts;
};

/// Opens the live generation: index.json, its segments and its links. When a file it names fails
/// to open and index.json meanwhile names another generation (a run switched it), starts again
/// with that one; an error is returned only for a generation that is still live.
Result<OpenedIndex> open_index(const std::string& index_dir);

}  // namespace canbao
