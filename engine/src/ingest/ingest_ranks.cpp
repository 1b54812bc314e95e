// Issue #17: ingestion across N ranks (docs/DISTRIBUTED.md). Every rank reads its share of each
// feed (byte ranges cut on record boundaries), the line numbers are made the file's (each rank
// adds the lines of the shares before its own), the records go to the rank owning their person
// key (key ranges from a sample of the largest feed's keys, so ranks get equal work), and the
// records without a valid ID (pending) and the quarantine entries go to every rank: they are few,
// and with them each rank's index part is a whole index for the persons of its key range.
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include "canbao/core/buffer_pool.h"
#include "canbao/core/ranks.h"
#include "canbao/index/index_dir.h"
#include "canbao/ingest/ingest.h"

namespace canbao {

namespace {

// Samples per rank of the key-range boundaries (quantiles of the sorted sample).
constexpr uint64_t kSamplesPerRank = 4096;

// The string bytes of a SegmentData (chunked arena), read at a segment-wide offset.
class ArenaReader {
 public:
  explicit ArenaReader(const SegmentData& data) : data_(data) {
    uint64_t at = 0;
    for (const std::string& chunk : data.arena_chunks) {
      starts_.push_back(at);
      at += chunk.size();
    }
  }
  std::string_view chunk_str(uint32_t chunk, const Str& str) const {
    return str.len == 0 ? std::string_view() : std::string_view(data_.arena_chunks[chunk]).substr(str.off, str.len);
  }
  std::string_view str(const Str& str) const {
    if (str.len == 0) return {};
    const size_t chunk = static_cast<size_t>(std::upper_bound(starts_.begin(), starts_.end(), str.off) - starts_.begin()) - 1;
    return std::string_view(data_.arena_chunks[chunk]).substr(str.off - starts_[chunk], str.len);
  }

 private:
  const SegmentData& data_;
  std::vector<uint64_t> starts_;
};

// Copies a string into `arena`, pointing `str` at the copy (empty strings keep offset 0): for the
// few pending records and quarantine entries, whose strings lie among the records'.
void copy_str(Str& str, std::string_view text, std::string& arena) {
  if (str.len == 0) {
    str.off = 0;
    return;
  }
  str.off = arena.size();
  arena.append(text);
}

PersonKey key_at(const std::vector<char>& records, size_t record_size, size_t idx) {
  return reinterpret_cast<const RecordHead*>(records.data() + idx * record_size)->key;
}

Status choose_boundaries(Ranks& ranks, const SegmentData& data, std::vector<PersonKey>& boundaries) {
  const size_t record_size = packed_size(data.agency);
  const uint64_t mine = data.record_count();
  std::vector<uint64_t> counts;
  CANBAO_RETURN_IF_ERROR(ranks.gather_values("key ranges", mine, counts));
  uint64_t total = 0;
  for (uint64_t count : counts) total += count;
  const uint64_t stride = std::max<uint64_t>(1, total / (kSamplesPerRank * static_cast<uint64_t>(ranks.size())));
  std::vector<PersonKey> sample;
  uint64_t position = 0;
  for (const std::vector<char>& chunk : data.record_chunks) {
    const size_t count = chunk.size() / record_size;
    for (size_t idx = 0; idx < count; ++idx, ++position)
      if (position % stride == 0) sample.push_back(key_at(chunk, record_size, idx));
  }
  std::vector<PersonKey> all;
  CANBAO_RETURN_IF_ERROR(ranks.gather_vectors("key ranges", sample, all));
  std::sort(all.begin(), all.end());
  boundaries.clear();
  const size_t n = static_cast<size_t>(ranks.size());
  for (size_t r = 1; r < n; ++r) boundaries.push_back(all.empty() ? PersonKey{0} : all[r * all.size() / n]);
  return Status::OK();
}

// Every line number of a share made a file line: `delta` = the lines of the shares before it.
void shift_lines(SegmentData& data, uint64_t delta) {
  for (ChunkBase& base : data.chunk_bases) base.first_line += delta;
  const size_t record_size = packed_size(data.agency);
  for (size_t idx = 0; idx < data.pending_count(); ++idx)
    reinterpret_cast<RecordHead*>(data.pending.data() + idx * record_size)->line += static_cast<uint32_t>(delta);
  for (PendingInfo& info : data.pending_info) info.line += static_cast<uint32_t>(delta);
  for (QuarantineEntry& entry : data.quarantine) entry.line += static_cast<uint32_t>(delta);
}

// A run of records bound for one rank, with its strings: (first line, records, strings).
struct RecordRun {
  uint64_t first_line = 0;
  std::vector<char> records;
  std::string arena;
};

// The records of `data` for each rank: per chunk, its run of keys in the rank's range (chunks are
// sorted by key, and their strings laid out in record order: ingest.cpp sort_chunk), sent with
// the slice of the chunk's strings they use, rebased to it. This rank's own runs are kept aside
// (`own`), not serialised.
std::vector<std::string> records_by_owner(const SegmentData& data, const std::vector<PersonKey>& boundaries, int n,
                                          int me, std::vector<RecordRun>& own) {
  std::vector<std::string> out(static_cast<size_t>(n));
  const size_t record_size = packed_size(data.agency);
  with_packed_type(data.agency, [&](auto type) {
    using T = typename decltype(type)::type;
    for (size_t c = 0; c < data.record_chunks.size(); ++c) {
      const std::vector<char>& chunk = data.record_chunks[c];
      const ChunkBase& base = data.chunk_bases[c];
      const std::string& arena = data.arena_chunks[base.arena_chunk];
      const size_t count = chunk.size() / record_size;
      size_t lo = 0;
      for (int r = 0; r < n; ++r) {
        size_t hi = count;
        if (r + 1 < n) {
          const PersonKey bound = boundaries[static_cast<size_t>(r)];
          size_t a = lo, b = count;  // first record with key >= bound
          while (a < b) {
            const size_t mid = (a + b) / 2;
            if (key_at(chunk, record_size, mid) < bound) a = mid + 1; else b = mid;
          }
          hi = a;
        }
        if (hi > lo) {
          // The slice of the chunk's strings the run uses.
          const T* from_recs = reinterpret_cast<const T*>(chunk.data()) + lo;
          uint64_t from = UINT64_MAX, to = 0;
          for (size_t idx = 0; idx < hi - lo; ++idx) {
            T copy = from_recs[idx];
            for_each_str(copy, [&](Str& str) {
              if (str.len == 0) return;
              from = std::min<uint64_t>(from, str.off);
              to = std::max<uint64_t>(to, str.off + str.len);
            });
          }
          if (from == UINT64_MAX) from = to = 0;
          // (Through a copy: in a message the records are not aligned.)
          const auto rebase_run = [&](char* records) {
            for (size_t idx = 0; idx < hi - lo; ++idx) {
              T record;
              std::memcpy(&record, records + idx * sizeof(T), sizeof(T));
              for_each_str(record, [&](Str& str) {
                if (str.len != 0) str.off -= from;
              });
              std::memcpy(records + idx * sizeof(T), &record, sizeof(T));
            }
          };
          const size_t bytes = (hi - lo) * record_size;
          if (r == me) {
            RecordRun& run = own.emplace_back();
            run.first_line = base.first_line;
            run.records.resize(bytes);
            std::memcpy(run.records.data(), from_recs, bytes);
            rebase_run(run.records.data());
            run.arena.assign(arena, from, to - from);
          } else {  // packed straight into the message: (first line, records, strings)
            std::string& message = out[static_cast<size_t>(r)];
            Packer pack(message);
            pack.value(base.first_line);
            pack.bytes(std::string_view(reinterpret_cast<const char*>(from_recs), bytes));
            rebase_run(message.data() + message.size() - bytes);
            pack.bytes(std::string_view(arena).substr(from, to - from));
          }
        }
        lo = hi;
      }
    }
  });
  return out;
}

void add_run(RecordRun& run, SegmentData& out) {
  out.record_chunks.push_back(std::move(run.records));
  out.chunk_bases.push_back(ChunkBase{static_cast<uint32_t>(out.arena_chunks.size()), run.first_line});
  out.add_arena_chunk(std::move(run.arena));
}

// The pending records and quarantine entries of a share, with their strings.
std::string unkeyed_of(const SegmentData& data) {
  const ArenaReader reader(data);
  std::string pending(data.pending.begin(), data.pending.end());
  std::vector<PendingInfo> infos = data.pending_info;
  std::vector<QuarantineEntry> quarantine = data.quarantine;
  std::string arena;
  with_packed_type(data.agency, [&](auto type) {
    using T = typename decltype(type)::type;
    T* recs = reinterpret_cast<T*>(pending.data());
    for (size_t idx = 0; idx < pending.size() / sizeof(T); ++idx)
      for_each_str(recs[idx], [&](Str& str) { copy_str(str, reader.str(str), arena); });
  });
  for (PendingInfo& info : infos) copy_str(info.masked_id, reader.str(info.masked_id), arena);
  for (QuarantineEntry& entry : quarantine) {
    copy_str(entry.reason, reader.str(entry.reason), arena);
    copy_str(entry.masked_id, reader.str(entry.masked_id), arena);
  }
  std::string out;
  Packer pack(out);
  pack.bytes(pending);
  pack.vec(infos);
  pack.vec(quarantine);
  pack.bytes(arena);
  return out;
}

Status add_records(const std::string& payload, SegmentData& out) {
  Unpacker in(payload);
  while (!in.done()) {
    RecordRun run;
    std::string_view records, arena;
    if (!in.value(run.first_line) || !in.bytes(records) || !in.bytes(arena)) break;
    run.records.resize(records.size());
    if (!records.empty()) std::memcpy(run.records.data(), records.data(), records.size());
    run.arena.assign(arena);
    add_run(run, out);
  }
  return in.ok() ? Status::OK() : Status::Error("ingest shuffle: a rank sent records that do not parse");
}

void rebase(Str& str, uint64_t delta) {
  if (str.len != 0) str.off += delta;
}

Status add_unkeyed(const std::string& payload, SegmentData& out) {
  Unpacker in(payload);
  std::string_view pending, arena;
  std::vector<PendingInfo> infos;
  std::vector<QuarantineEntry> quarantine;
  if (!in.bytes(pending) || !in.vec(infos) || !in.vec(quarantine) || !in.bytes(arena) || !in.ok())
    return Status::Error("ingest shuffle: a rank sent pending records that do not parse");
  const uint64_t delta = out.arena_size;
  std::string records(pending);
  with_packed_type(out.agency, [&](auto type) {
    using T = typename decltype(type)::type;
    T* recs = reinterpret_cast<T*>(records.data());
    for (size_t idx = 0; idx < records.size() / sizeof(T); ++idx)
      for_each_str(recs[idx], [&](Str& str) { rebase(str, delta); });
  });
  out.pending.insert(out.pending.end(), records.begin(), records.end());
  for (PendingInfo& info : infos) {
    rebase(info.masked_id, delta);
    out.pending_info.push_back(info);
  }
  for (QuarantineEntry& entry : quarantine) {
    rebase(entry.reason, delta);
    rebase(entry.masked_id, delta);
    out.quarantine.push_back(entry);
  }
  out.add_arena_chunk(std::string(arena));
  return Status::OK();
}

struct ShareFacts {
  uint64_t share_lines = 0;
  uint64_t records = 0;
  Day max_id_birth = kNoDay;
  Day min_future_birth = INT32_MAX;
};

}  // namespace

Status ingest_manifest_ranks(const Manifest& manifest, AdapterRegistry& registry, const IngestOptions& options,
                             Ranks& ranks, std::vector<PersonKey>& boundaries, std::vector<IngestedFeed>& out) {
  out.clear();
  const int n = ranks.size();
  const int me = ranks.rank();
  Status prepared = ranks.leader() ? prepare_index_dir(options.index_dir) : Status::OK();
  CANBAO_RETURN_IF_ERROR(ranks.agree("index directory", prepared));
  std::vector<uint32_t> order;
  CANBAO_RETURN_IF_ERROR(ranks.agree("feeds", ingestion_order(manifest, order)));
  out.resize(manifest.feeds.size());
  boundaries.clear();
  bool have_boundaries = false;
  for (const uint32_t feed_index : order) {
    const FeedSpec& feed = manifest.feeds[feed_index];
    IngestedFeed& result = out[feed_index];
    result.feed_index = feed_index;
    const auto start = std::chrono::steady_clock::now();
    // 1. The cut (rank 0 walks the adapter's record boundaries; everyone gets them).
    std::vector<uint64_t> cuts;
    Status cut = ranks.leader() ? feed_cuts(feed, registry, static_cast<size_t>(n), cuts) : Status::OK();
    CANBAO_RETURN_IF_ERROR(ranks.agree("cut " + feed.path, cut));
    std::vector<std::string> shared;
    std::string mine_cuts;
    if (ranks.leader()) Packer(mine_cuts).vec(cuts);
    CANBAO_RETURN_IF_ERROR(ranks.all_gather("cut " + feed.path, mine_cuts, shared));
    if (!Unpacker(shared[0]).vec(cuts) || cuts.size() != static_cast<size_t>(n) + 1)
      return Status::Error(feed.path + ": the cut rank 0 sent does not parse");
    result.bytes = cuts.back();
    // 2. This rank's share.
    SegmentData local;
    Status parsed = ingest_feed(feed, feed_index, manifest.settings.as_of, registry, options.chunk_bytes, local,
                                nullptr, false, cuts[static_cast<size_t>(me)], cuts[static_cast<size_t>(me) + 1]);
    CANBAO_RETURN_IF_ERROR(ranks.agree("ingest " + feed.path, parsed));
    result.parse_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const auto shuffle_start = std::chrono::steady_clock::now();
    // 3. File lines, and the facts of the whole feed.
    ShareFacts facts{local.share_lines, local.record_count(), local.max_id_birth, local.min_future_birth};
    std::vector<ShareFacts> all_facts;
    CANBAO_RETURN_IF_ERROR(ranks.gather_values("lines " + feed.path, facts, all_facts));
    uint64_t before = 0, total_lines = 0;
    SegmentData part;
    part.agency = feed.agency;
    part.mode = feed.mode;
    part.feed_index = feed_index;
    part.fingerprint = feed_fingerprint(feed, feed_index);
    for (int r = 0; r < n; ++r) {
      const ShareFacts& f = all_facts[static_cast<size_t>(r)];
      if (r < me) before += f.share_lines;
      total_lines += f.share_lines;
      result.all_records += f.records;
      part.max_id_birth = std::max(part.max_id_birth, f.max_id_birth);
      part.min_future_birth = std::min(part.min_future_birth, f.min_future_birth);
    }
    part.lines = local.lines - local.share_lines + total_lines;
    shift_lines(local, before);
    // 4. Key ranges, from the first (largest) feed.
    if (!have_boundaries) {
      CANBAO_RETURN_IF_ERROR(choose_boundaries(ranks, local, boundaries));
      have_boundaries = true;
    }
    // 5. The shuffle: records to their key's rank, pending records and quarantine to every rank,
    // both in rank (= file) order.
    std::vector<std::string> received, unkeyed;
    std::vector<RecordRun> own;  // this rank's records that stay here
    {
      std::vector<std::string> send = records_by_owner(local, boundaries, n, me, own);
      std::string mine_unkeyed = unkeyed_of(local);
      for (int r = 0; r < n; ++r)
        if (r != me) result.shuffle_sent_bytes += send[static_cast<size_t>(r)].size() + mine_unkeyed.size();
      release_segment_data(local);
      CANBAO_RETURN_IF_ERROR(ranks.all_to_all("shuffle " + feed.path, send, received));
      send.clear();
      CANBAO_RETURN_IF_ERROR(ranks.all_gather("shuffle " + feed.path, mine_unkeyed, unkeyed));
    }
    for (int r = 0; r < n; ++r) {
      if (r == me) {
        for (RecordRun& run : own) add_run(run, part);
        own.clear();
      } else {
        CANBAO_RETURN_IF_ERROR(add_records(received[static_cast<size_t>(r)], part));
      }
      CANBAO_RETURN_IF_ERROR(add_unkeyed(unkeyed[static_cast<size_t>(r)], part));
      received[static_cast<size_t>(r)].clear();
      received[static_cast<size_t>(r)].shrink_to_fit();
    }
    result.shuffle_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - shuffle_start).count();
    // 6. This rank's index part.
    result.segment_name = segment_part_file_name(feed_index, options.generation, me);
    const auto sort_start = std::chrono::steady_clock::now();
    sort_segment_records(part);
    const auto write_start = std::chrono::steady_clock::now();
    result.sort_seconds = std::chrono::duration<double>(write_start - sort_start).count();
    Status written = write_segment(part, options.index_dir + "/" + result.segment_name);
    result.write_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - write_start).count();
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    release_segment_data(part);
    CANBAO_RETURN_IF_ERROR(ranks.agree("write " + result.segment_name, written));
  }
  BufferPool::ingestion().clear();
  ::malloc_trim(0);
  const Status opened = open_ingested(options.index_dir, out);
  return ranks.agree("open the index part", opened);
}

}  // namespace canbao
