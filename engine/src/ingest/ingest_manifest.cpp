// ingest_manifest: every feed of a manifest ingested (or its segment reused) into the index
// directory, parsing one feed while the previous one is sorted and written, then index.json.
// The per-feed pipeline itself is in ingest.cpp.
#include "canbao/ingest/ingest.h"

#include <malloc.h>
#include <sys/stat.h>
#include <unistd.h>

#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_group.h>



#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <numeric>

#include "canbao/core/buffer_pool.h"
#include "canbao/index/index_dir.h"

namespace canbao {

namespace fs = std::filesystem;

namespace {

uint64_t fnv1a(uint64_t hash, const void* data, size_t size) {
  const auto* bytes = static_cast<const unsigned char*>(data);
  for (size_t idx = 0; idx < size; ++idx) {
    hash ^= bytes[idx];
    hash *= 1099511628211ULL;
  }
  return hash;
}

uint64_t fnv1a(uint64_t hash, std::string_view text) {
  hash = fnv1a(hash, text.data(), text.size());
  return fnv1a(hash, "\0", 1);
}

uint64_t fnv1a_file(uint64_t hash, const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return fnv1a(hash, "missing");
  const int64_t facts[] = {static_cast<int64_t>(st.st_size), static_cast<int64_t>(st.st_ino),
                           static_cast<int64_t>(st.st_mtim.tv_sec), static_cast<int64_t>(st.st_mtim.tv_nsec)};
  return fnv1a(hash, facts, sizeof(facts));
}

}  // namespace

uint64_t feed_fingerprint(const FeedSpec& feed, uint32_t feed_index) {
  uint64_t hash = 14695981039346656037ULL;
  const uint32_t version = kSegmentFormatVersion;
  hash = fnv1a(hash, &version, sizeof(version));
  hash = fnv1a(hash, &feed_index, sizeof(feed_index));
  hash = fnv1a(hash, agency_name(feed.agency));
  hash = fnv1a(hash, feed_mode_name(feed.mode));
  std::error_code ec;
  hash = fnv1a(hash, fs::absolute(feed.resolved_path, ec).string());
  hash = fnv1a(hash, feed.format);
  hash = fnv1a(hash, feed.encoding);
  for (int field = 0; field < CANBAO_F_COUNT; ++field) hash = fnv1a(hash, feed.columns[field]);
  hash = fnv1a_file(hash, feed.resolved_path);
  if (!feed.resolved_plugin.empty()) {
    hash = fnv1a(hash, fs::absolute(feed.resolved_plugin, ec).string());
    hash = fnv1a_file(hash, feed.resolved_plugin);
  }
  return hash;
}

Status ingestion_order(const Manifest& manifest, std::vector<uint32_t>& order) {
  std::vector<std::pair<uint64_t, uint32_t>> by_size;
  for (uint32_t feed_index = 0; feed_index < manifest.feeds.size(); ++feed_index) {
    const FeedSpec& feed = manifest.feeds[feed_index];
    struct stat st {};
    if (::stat(feed.resolved_path.c_str(), &st) != 0)
      return Status::Error(feed.path + ": cannot open feed: " + std::strerror(errno));
    by_size.emplace_back(static_cast<uint64_t>(st.st_size), feed_index);
  }
  std::stable_sort(by_size.begin(), by_size.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  order.clear();
  for (const auto& entry : by_size) order.push_back(entry.second);
  return Status::OK();
}

Status open_ingested(const std::string& index_dir, std::vector<IngestedFeed>& feeds) {
  std::vector<std::string> paths;
  std::vector<SegmentOpenOptions> open_options(feeds.size());
  std::vector<std::unique_ptr<Segment>> segments(feeds.size());
  for (size_t idx = 0; idx < feeds.size(); ++idx) {
    paths.push_back(index_dir + "/" + feeds[idx].segment_name);
    open_options[idx].verify_body = false;
    segments[idx] = std::move(feeds[idx].segment);
  }
  const Status opened = open_segments(paths, open_options, segments);
  for (size_t idx = 0; idx < feeds.size(); ++idx) feeds[idx].segment = std::move(segments[idx]);
  return opened;
}

Status ingest_manifest(const Manifest& manifest, AdapterRegistry& registry, const IngestOptions& options,
                       std::vector<IngestedFeed>& out) {
  out.clear();
  CANBAO_RETURN_IF_ERROR(prepare_index_dir(options.index_dir));
  // Feeds are parsed one after another (each in parallel chunks); a parsed feed is sorted and
  // written by a background task while the next feed is parsed, so the per-feed serial tails
  // overlap with parallel work. At most one feed waits to be written: two feeds in memory at most.
  //
  // Overlap costs memory: a parsed feed (~0.55x its bytes, plus its sort order) stays until
  // written. The next feed is parsed alongside only when the previous feed's parsed data plus an
  // estimate of the next one's fit 40% of physical memory; otherwise it waits, so the page cache
  // keeps room for the segments being written (which linking and matching read right after).
  const uint64_t memory =
      options.memory_bytes != 0
          ? options.memory_bytes
          : static_cast<uint64_t>(::sysconf(_SC_PHYS_PAGES)) * static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  const uint64_t overlap_budget = memory / 5 * 2;
  // Feeds larger than half of memory cannot stay in the page cache next to the index being
  // written and the working memory: keeping them would only evict the index, which linking and
  // matching read next. Their parsed pages are dropped from the cache as parsing passes them.
  uint64_t feed_bytes = 0;
  for (const FeedSpec& feed : manifest.feeds) {
    struct stat st {};
    if (::stat(feed.resolved_path.c_str(), &st) == 0) feed_bytes += static_cast<uint64_t>(st.st_size);
  }
  const bool drop_feed_cache = feed_bytes > memory / 2;
  tbb::task_group finalizer;
  uint64_t finalizing_bytes = 0;  // memory held by the feed being written (0: none)
  Status finalize_status;
  const auto wait_finalizer = [&]() {
    finalizer.wait();
    finalizing_bytes = 0;
    return finalize_status;
  };
  out.resize(manifest.feeds.size());
  // Largest feed first (issue #16): a feed's segment is sorted and written while the next feed is
  // parsed, and the last feed's write overlaps nothing. In manifest order the last large feed (a
  // city's public security file) was written after the small ones were parsed, with a core idle.
  // Segments do not depend on the order they are built in: each carries its manifest position.
  std::vector<uint32_t> order = options.order;
  if (order.empty()) {
    CANBAO_RETURN_IF_ERROR(ingestion_order(manifest, order));
  } else {
    std::vector<uint32_t> sorted = order, every(manifest.feeds.size());
    std::sort(sorted.begin(), sorted.end());
    std::iota(every.begin(), every.end(), 0u);
    if (sorted != every) return Status::Error("ingest: the build order is not one of the manifest's feeds each");
  }
  for (const uint32_t feed_index : order) {
    const FeedSpec& feed = manifest.feeds[feed_index];
    IngestedFeed& result = out[feed_index];
    result.feed_index = feed_index;
    struct stat st {};
    if (::stat(feed.resolved_path.c_str(), &st) != 0) {
      (void)wait_finalizer();
      return Status::Error(feed.path + ": cannot open feed: " + std::strerror(errno));
    }
    result.bytes = static_cast<uint64_t>(st.st_size);
    const uint64_t fingerprint = feed_fingerprint(feed, feed_index);
    // SPEC §7 daily deliveries: a feed unchanged since an earlier run (another as_of) is not read
    // again, unless one of its IDs is valid at one as_of and not at the other. Candidates: the
    // live generation's segment, and this generation's file left by a killed run (never named by
    // a descriptor, so no reader has it).
    const std::string own_name = segment_file_name(feed_index, options.generation);
    std::vector<std::string> candidates;
    if (options.previous != nullptr && feed_index < options.previous->feeds.size())
      candidates.push_back(options.previous->feeds[feed_index].segment);
    candidates.push_back(own_name);
    for (const std::string& name : candidates) {
      if (options.force_rebuild || result.reused) break;
      const std::string candidate = options.index_dir + "/" + name;
      SegmentHeader header{};
      Status checked = read_segment_header(candidate, header);
      if (checked.ok() && header.fingerprint == fingerprint && header.agency == static_cast<uint32_t>(feed.agency) &&
          segment_valid_for(header, manifest.settings.as_of)) {
        // Reused only when every checksum holds; a corrupted segment is rebuilt like a stale one.
        auto segment = Segment::Open(candidate);
        if (segment.ok()) {
          result.segment = std::move(segment).value();
          result.segment_name = name;
          result.reused = true;
        } else {
          checked = segment.status();
        }
      }
      // Said once (issue #14): the live generation's segment was damaged, not merely stale, missing
      // or of an older canbao.
      const bool other_version = std::memcmp(header.magic, kSegmentMagic, sizeof(kSegmentMagic)) == 0 &&
                                 header.format_version != kSegmentFormatVersion;
      if (!checked.ok() && name != own_name && ::access(candidate.c_str(), F_OK) == 0 && !other_version)
        result.rebuilt_because = checked.message();
    }
    if (result.reused) continue;
    result.segment_name = own_name;
    const std::string path = options.index_dir + "/" + result.segment_name;
    if (finalizing_bytes != 0 && finalizing_bytes + result.bytes / 5 * 3 > overlap_budget)
      CANBAO_RETURN_IF_ERROR(wait_finalizer());
    const auto start = std::chrono::steady_clock::now();
    auto data = std::make_shared<SegmentData>();
    if (options.progress) options.progress->start("ingest " + feed.path, result.bytes, "B");
    Status parsed = ingest_feed(feed, feed_index, manifest.settings.as_of, registry, options.chunk_bytes, *data,
                                options.progress, drop_feed_cache);
    if (options.progress) options.progress->finish();
    result.parse_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    CANBAO_RETURN_IF_ERROR(wait_finalizer());
    if (!parsed.ok()) return parsed;
    data->fingerprint = fingerprint;
    finalizing_bytes = std::max<uint64_t>(1, data->memory_bytes());
    finalizer.run([data, path, &result, &finalize_status, start]() {
      const auto sort_start = std::chrono::steady_clock::now();
      sort_segment_records(*data);
      const auto write_start = std::chrono::steady_clock::now();
      result.sort_seconds = std::chrono::duration<double>(write_start - sort_start).count();
      Status written = write_segment(*data, path);
      const auto done = std::chrono::steady_clock::now();
      result.write_seconds = std::chrono::duration<double>(done - write_start).count();
      result.seconds = std::chrono::duration<double>(done - start).count();
      release_segment_data(*data);  // its buffers go to the next feed's chunks
      if (!written.ok()) finalize_status = written;
    });
  }
  CANBAO_RETURN_IF_ERROR(wait_finalizer());
  // The parse buffers were freed feed by feed and reused by the next feed; hand them back to the
  // system now, or the largest feed's footprint would stay resident through matching.
  BufferPool::ingestion().clear();
  ::malloc_trim(0);
  // Segments are mapped once all are written: mapping (and populating) them earlier would keep
  // every finished feed resident while the later ones are parsed.
  // (In parallel: a segment the page cache had to give up is read back while another is mapped.)
  // Segments written by this run are not read back to verify their body checksum.
  const Status opened = open_ingested(options.index_dir, out);
  for (IngestedFeed& feed : out)
    if (feed.segment) feed.all_records = feed.segment->record_count();
  // index.json, which switches readers to these segments, is written by the caller once the
  // links are in place too (job/run_job.cpp).
  return opened;
}

}  // namespace canbao
