#include "canbao/ingest/ingest.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include <boost/interprocess/file_mapping.hpp>
#include <boost/interprocess/mapped_region.hpp>


#include <algorithm>
#include <atomic>
#include <cstring>
#include <new>

#include "canbao/core/buffer_pool.h"
#include "canbao/core/crash_report.h"
#include "canbao/core/ordered_pipeline.h"
#include "canbao/core/text.h"
#include "canbao/ingest/decoder.h"
#include "canbao/records/fields.h"

namespace canbao {

namespace {

// What one chunk produced; line numbers relative to the chunk until the writer rebases them.
struct ChunkWork {
  size_t begin = 0;
  size_t end = 0;
  int64_t lines = 0;
  std::vector<char> records;
  std::vector<char> pending;
  std::vector<PendingInfo> pending_info;
  std::vector<QuarantineEntry> quarantine;
  Arena arena;
  std::string error;
  Day max_id_birth = kNoDay;         // SegmentHeader::max_id_birth of this chunk
  Day min_future_birth = INT32_MAX;  // SegmentHeader::min_future_birth of this chunk
};

struct SinkContext {
  ChunkWork* work;
  Agency agency;
  FeedMode mode;
  size_t record_size;
  Day as_of;
  bool third_party;  // a plugin: its text is checked for UTF-8 (built-ins validate their own)
  uint64_t lines_seen = 0;  // 1 + the largest line the adapter gave a record on
  const char* garbage = nullptr;  // the first thing the adapter handed over that breaks the ABI
  FieldTexts texts;
  alignas(16) char record[256];
  const char* engine_error = nullptr;  // an exception thrown while taking a record (static text)
};

// A quarantine reason from an adapter must be a short token (it goes into quarantine.csv and
// report.html as it is): letters, digits and _:.- only.
bool valid_reason(const char* reason) {
  size_t len = 0;
  for (; reason[len] != '\0'; ++len) {
    const char c = reason[len];
    if (len >= 64 || !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                       c == ':' || c == '.' || c == '-'))
      return false;
  }
  return len > 0;
}

void add_quarantine(ChunkWork& work, uint64_t line, std::string_view reason, std::string_view raw_id) {
  QuarantineEntry entry{};
  entry.line = static_cast<uint32_t>(line);
  entry.reason = work.arena.add(reason);
  entry.masked_id = work.arena.add(mask_id(raw_id));
  work.quarantine.push_back(entry);
}

int sink_emit(void* user, uint64_t line, const canbao_kv* fields, size_t field_count) {
  auto& ctx = *static_cast<SinkContext*>(user);
  ChunkWork& work = *ctx.work;
  ctx.lines_seen = std::max(ctx.lines_seen, line + 1);
  if (field_count > 0 && fields == nullptr) {
    ctx.garbage = "a record with fields but no field array";
    return 1;
  }
  if (ctx.third_party) {
    for (size_t idx = 0; idx < field_count; ++idx) {
      if (fields[idx].kind != CANBAO_VALUE_TEXT || fields[idx].size == 0) continue;
      if (fields[idx].data == nullptr) {
        ctx.garbage = "a field value with a size but no bytes";
        return 1;
      }
      if (fields[idx].size > kMaxStrLen) {  // the index could only truncate it
        add_quarantine(work, line, "value_too_long", {});
        return 0;
      }
      if (!is_valid_utf8(std::string_view(fields[idx].data, fields[idx].size))) {
        add_quarantine(work, line, "bad_encoding", {});
        return 0;
      }
    }
  }
  ctx.texts.assign(fields, field_count);
  const DecodeResult result = decode_record(ctx.agency, ctx.texts, ctx.as_of, work.arena, ctx.record, ctx.mode);
  // An ID valid but for its birth date after as_of, on a record whose fields are fine, waits with
  // the pending records and is decided at each run's as_of (SPEC §2; match/linker.cpp): it does
  // not tie the segment to this as_of. Any other ID whose validity moves with as_of does.
  const bool deferred =
      result.status == DecodeStatus::kBadId && result.id.future_key != kNoPerson && result.fields_ok();
  if (result.id.birth != kNoDay) {
    if (result.id.birth > ctx.as_of) {
      if (!deferred) work.min_future_birth = std::min(work.min_future_birth, result.id.birth);
    } else {
      work.max_id_birth = std::max(work.max_id_birth, result.id.birth);
    }
  }
  auto* head = reinterpret_cast<RecordHead*>(ctx.record);
  head->line = static_cast<uint32_t>(line);
  const auto append = [&](std::vector<char>& to) { to.insert(to.end(), ctx.record, ctx.record + ctx.record_size); };
  const std::string_view raw_id =
      ctx.texts.state[CANBAO_F_ID] == FieldTexts::kText ? ctx.texts.value[CANBAO_F_ID] : std::string_view{};
  switch (result.status) {
    case DecodeStatus::kOk:
      append(work.records);
      break;
    case DecodeStatus::kDeleteRow:  // SPEC §7: kept with the pending records, never linked
    case DecodeStatus::kBadId: {
      append(work.pending);
      PendingInfo info{};
      info.line = static_cast<uint32_t>(line);
      info.reject = result.id.reject;
      info.fields_ok = result.fields_ok();
      info.newborn_without_id = result.newborn_without_id;
      info.repair_key = deferred ? result.id.future_key : result.id.repair_key;
      info.masked_id = work.arena.add(mask_id(raw_id));
      info.birth = result.head.birth;
      info.sex = result.head.sex;
      work.pending_info.push_back(info);
      break;
    }
    case DecodeStatus::kBadField: {
      std::string reason = "bad_field:";
      reason += field_name(result.bad_field);
      add_quarantine(work, line, reason, raw_id);
      break;
    }
    case DecodeStatus::kIdRejected:  // SPEC §7: a delete row's ID must be valid (no fallback)
      add_quarantine(work, line, id_reject_name(result.id.reject), raw_id);
      break;
  }
  return 0;
}

int sink_reject(void* user, uint64_t line, const char* reason, const char* raw_id, size_t raw_id_size) {
  auto& ctx = *static_cast<SinkContext*>(user);
  ctx.lines_seen = std::max(ctx.lines_seen, line + 1);
  if (reason != nullptr && !valid_reason(reason)) {
    ctx.garbage = "a reject reason that is not a short token";
    return 1;
  }
  std::string_view id = raw_id ? std::string_view(raw_id, raw_id_size) : std::string_view();
  if (!is_valid_utf8(id)) id = {};  // never copy bytes that are not UTF-8 into quarantine.csv
  add_quarantine(*ctx.work, line, reason ? std::string_view(reason) : std::string_view("unreadable"), id);
  return 0;
}

// The sink callbacks the adapter calls: noexcept, with a catch-all, since no exception may unwind
// through an adapter's C frames (adapter_abi.h). A failure inside the engine (out of memory) stops
// the chunk (non-zero return) and is reported as the chunk's error.
template <auto Callback, typename... Args>
int sink_call(void* user, Args... args) noexcept {
  try {
    return Callback(user, args...);
  } catch (const std::bad_alloc&) {
    static_cast<SinkContext*>(user)->engine_error = "out of memory while taking the adapter's records";
  } catch (...) {
    static_cast<SinkContext*>(user)->engine_error = "an internal error while taking the adapter's records";
  }
  return 1;
}

// The ABI's promises about a parsed chunk, checked so a misbehaving adapter stops the run with a
// clear line instead of writing wrong line numbers or records. Empty when the chunk is fine.
std::string check_chunk(const SinkContext& sink, const canbao_adapter& adapter, const char* data, size_t begin,
                        size_t end, int64_t lines) {
  if (sink.engine_error != nullptr)
    return std::string(sink.engine_error) + " (bytes " + std::to_string(begin) + "-" + std::to_string(end) + ")";
  std::string problem;
  if (sink.garbage) {
    problem = sink.garbage;
  } else if (lines == 0 && end > begin) {
    problem = "no lines in a chunk of " + std::to_string(end - begin) + " bytes";
  } else if (sink.lines_seen > static_cast<uint64_t>(lines)) {
    problem = "a record on line " + std::to_string(sink.lines_seen - 1) + " of a chunk of " + std::to_string(lines) +
              " lines";
  } else if (sink.third_party) {
    // The line count decides every later line number: a plugin's is checked against the bytes.
    const auto newlines = static_cast<int64_t>(std::count(data + begin, data + end, '\n'));
    const int64_t expected = newlines + (end > begin && data[end - 1] != '\n' ? 1 : 0);
    if (lines != expected)
      problem = std::to_string(lines) + " lines for a chunk of " + std::to_string(expected) + " lines";
  }
  if (problem.empty()) return problem;
  return "adapter '" + std::string(adapter.name ? adapter.name : "?") + "' returned garbage: " + problem +
         " (bytes " + std::to_string(begin) + "-" + std::to_string(end) + ")";
}

// Orders a parsed chunk's records by (key, line) and lays its string bytes out in that order
// (then the pending records' and quarantine entries' strings), while the chunk is still in cache.
// The segment writer later gathers every feed's records in key order: with each chunk sorted,
// its reads walk every chunk front to back instead of jumping at random through gigabytes of
// parse buffers (at 25M persons the random gather was a quarter of all CPU time).
void sort_chunk(ChunkWork& work, Agency agency) {
  with_packed_type(agency, [&](auto type) {
    using T = typename decltype(type)::type;
    const size_t count = work.records.size() / sizeof(T);
    const T* records = reinterpret_cast<const T*>(work.records.data());
    struct KeyIndex {
      PersonKey key;
      uint32_t index;
    };
    std::vector<KeyIndex> order(count);
    bool sorted = true;
    for (size_t idx = 0; idx < count; ++idx) {
      order[idx] = {records[idx].head.key, static_cast<uint32_t>(idx)};
      if (idx > 0 && order[idx].key < order[idx - 1].key) sorted = false;
    }
    if (sorted) return;  // a feed exported in ID order: strings are already in record order
    std::sort(order.begin(), order.end(), [](const KeyIndex& a, const KeyIndex& b) {
      return a.key != b.key ? a.key < b.key : a.index < b.index;
    });
    // The sorted copies go to recycled buffers (core/buffer_pool.h), filled by appending (a
    // value-initialised buffer would be zeroed only to be overwritten).
    BufferPool& pool = BufferPool::ingestion();
    const std::string& old_arena = work.arena.bytes;
    std::string arena = pool.take_string(old_arena.size());
    const auto move = [&](Str& str) {
      if (str.len == 0) return;
      const uint64_t at = arena.size();
      arena.append(old_arena, str.off, str.len);
      str.off = at;
    };
    std::vector<char> bytes = pool.take_bytes(work.records.size());
    for (size_t idx = 0; idx < count; ++idx) {
      const char* from = reinterpret_cast<const char*>(&records[order[idx].index]);
      bytes.insert(bytes.end(), from, from + sizeof(T));  // within capacity: never reallocates
      for_each_str(*reinterpret_cast<T*>(bytes.data() + idx * sizeof(T)), move);
    }
    T* pending = reinterpret_cast<T*>(work.pending.data());
    for (size_t idx = 0; idx < work.pending.size() / sizeof(T); ++idx) for_each_str(pending[idx], move);
    for (PendingInfo& info : work.pending_info) move(info.masked_id);
    for (QuarantineEntry& entry : work.quarantine) {
      move(entry.reason);
      move(entry.masked_id);
    }
    pool.give(std::move(work.records));
    pool.give(std::move(work.arena.bytes));
    work.records = std::move(bytes);
    work.arena.bytes = std::move(arena);
  });
}

// Empty strings keep offset 0, so segments do not depend on how the file was cut into chunks.
void rebase_str(Str& str, uint64_t delta) {
  if (str.len != 0) str.off += delta;
}

// Appends a chunk's output to the segment. Accepted records stay as the chunk produced them
// (write_segment rebases them in parallel from the chunk's base); the few pending records and
// quarantine entries are rebased here, turning chunk-relative lines into file lines.
void append_chunk(ChunkWork& work, uint64_t first_line, SegmentData& out) {
  const uint64_t delta = out.arena_size;
  out.max_id_birth = std::max(out.max_id_birth, work.max_id_birth);
  out.min_future_birth = std::min(out.min_future_birth, work.min_future_birth);
  if (!work.pending.empty()) {
    with_packed_type(out.agency, [&](auto type) {
      using T = typename decltype(type)::type;
      T* begin = reinterpret_cast<T*>(work.pending.data());
      T* end = begin + work.pending.size() / sizeof(T);
      for (T* rec = begin; rec != end; ++rec) {
        for_each_str(*rec, [&](Str& str) { rebase_str(str, delta); });
        rec->head.line = static_cast<uint32_t>(first_line + rec->head.line);
      }
    });
  }
  if (!work.records.empty()) {
    out.record_chunks.push_back(std::move(work.records));
    out.chunk_bases.push_back(ChunkBase{static_cast<uint32_t>(out.arena_chunks.size()), first_line});
  }
  out.pending.insert(out.pending.end(), work.pending.begin(), work.pending.end());
  for (PendingInfo info : work.pending_info) {
    info.line = static_cast<uint32_t>(first_line + info.line);
    rebase_str(info.masked_id, delta);
    out.pending_info.push_back(info);
  }
  for (QuarantineEntry entry : work.quarantine) {
    entry.line = static_cast<uint32_t>(first_line + entry.line);
    rebase_str(entry.reason, delta);
    rebase_str(entry.masked_id, delta);
    out.quarantine.push_back(entry);
  }
  out.add_arena_chunk(std::move(work.arena.bytes));
}

// The adapter's context for a feed's bytes; its error names the file.
Status open_adapter(const canbao_adapter* adapter, const FeedSpec& feed, const char* data, size_t size, void*& ctx) {
  std::vector<const char*> column_names(CANBAO_F_COUNT, nullptr);
  for (int field = 0; field < CANBAO_F_COUNT; ++field)
    if (!feed.columns[field].empty()) column_names[field] = feed.columns[field].c_str();
  const std::string agency(agency_name(feed.agency));
  canbao_feed_options options{};
  options.path = feed.path.c_str();
  options.agency = agency.c_str();
  options.encoding = feed.encoding.c_str();
  options.column_names = column_names.data();
  char err[512] = {0};
  ctx = adapter->open(&options, data, size, err, sizeof(err));
  if (ctx != nullptr) return Status::OK();
  std::string message = err[0] ? std::string(err, strnlen(err, sizeof(err))) : "adapter cannot read it";
  if (message.rfind(feed.path, 0) != 0) message = feed.path + ": " + message;
  return Status::Error(message);
}

}  // namespace

Status ingest_bytes(const canbao_adapter* adapter, const FeedSpec& feed, uint32_t feed_index, Day as_of,
                    const char* data, size_t size, size_t chunk_bytes, SegmentData& out, Progress* progress,
                    const FeedPaging& paging) {
  out = SegmentData{};
  out.agency = feed.agency;
  out.mode = feed.mode;
  out.feed_index = feed_index;
  const bool third_party = !feed.resolved_plugin.empty();
  // A plugin that crashes in any of its calls is named in the crash report (core/crash_report.h).
  const CrashContext whole_file(feed.path.c_str(), adapter->name, 0, size);
  void* ctx = nullptr;
  CANBAO_RETURN_IF_ERROR(open_adapter(adapter, feed, data, size, ctx));
  uint64_t first_line = 1;
  size_t offset = adapter->body_start(ctx, &first_line);
  // A rank's share of the feed (issue #17): from a record boundary to another; lines still count
  // from the body's first line (the caller adds the lines of the shares before).
  const size_t limit = std::min(size, paging.range_end);
  if (paging.range_begin > offset) offset = std::min(paging.range_begin, limit);
  if (offset > size || first_line == 0) {
    adapter->close(ctx);
    return Status::Error(feed.path + ": adapter '" + (adapter->name ? adapter->name : "?") +
                         "' returned garbage: body starts at byte " + std::to_string(offset) + ", line " +
                         std::to_string(first_line) + " of a file of " + std::to_string(size) + " bytes");
  }
  uint64_t next_line = first_line;
  const size_t record_size = packed_size(feed.agency);
  // With a mapped feed, pages every chunk before has been parsed are unmapped as the writer passes
  // them (they stay in the page cache): the feed never counts in the resident set as a whole.
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  size_t released = offset / page * page;

  Status status = run_ordered_pipeline<ChunkWork>(
      [&](ChunkWork& work) {  // serial: cut the next chunk on a record boundary
        if (offset >= limit) return false;
        work.begin = offset;
        size_t end = 0;
        {
          const CrashContext crash_context(feed.path.c_str(), adapter->name, offset, size);
          end = adapter->chunk_end(ctx, offset, chunk_bytes);
        }
        if (end <= offset || end > limit) end = limit;  // a misbehaving adapter: take the rest
        work.end = end;
        offset = end;
        // Ask for the next chunks now so the kernel reads them while this one is parsed
        // (a feed that is not in the page cache is then read at disk speed, not fault by fault).
        if (paging.fd >= 0 && end < limit)
          ::posix_fadvise(paging.fd, static_cast<off_t>(end), static_cast<off_t>(std::min(limit - end, 4 * chunk_bytes)),
                          POSIX_FADV_WILLNEED);
        return true;
      },
      [&](ChunkWork& work) {  // parallel: parse, decode, sort the chunk by key
        // Map the chunk's pages in one call rather than one fault per few pages.
        if (paging.mapped) {
          const size_t from = work.begin / page * page;
          ::madvise(const_cast<char*>(data) + from, work.end - from, MADV_POPULATE_READ);
        }
        // Feed lines are rarely under ~100 bytes: reserve so the buffers do not regrow.
        const size_t chunk_size = work.end - work.begin;
        // (Estimates: not populated, so what a chunk does not fill is never made resident.)
        work.records = BufferPool::ingestion().take_bytes(chunk_size / 96 * record_size, false);
        work.arena.bytes = BufferPool::ingestion().take_string(chunk_size / 3, false);
        SinkContext sink_ctx{};
        sink_ctx.work = &work;
        sink_ctx.agency = feed.agency;
        sink_ctx.mode = feed.mode;
        sink_ctx.record_size = record_size;
        sink_ctx.as_of = as_of;
        sink_ctx.third_party = third_party;
        canbao_record_sink sink{&sink_ctx, sink_call<sink_emit, uint64_t, const canbao_kv*, size_t>,
                                sink_call<sink_reject, uint64_t, const char*, const char*, size_t>};
        char chunk_err[512] = {0};
        {
          const CrashContext crash_context(feed.path.c_str(), adapter->name, work.begin, work.end);
          work.lines = adapter->parse(ctx, work.begin, work.end, &sink, chunk_err, sizeof(chunk_err));
        }
        if (work.lines < 0)
          work.error = chunk_err[0] ? std::string(chunk_err, strnlen(chunk_err, sizeof(chunk_err))) : "adapter failed";
        else
          work.error = check_chunk(sink_ctx, *adapter, data, work.begin, work.end, work.lines);
        if (work.error.empty()) sort_chunk(work, feed.agency);
      },
      [&](ChunkWork& work) -> Status {  // serial, in file order: append to the segment data
        if (!work.error.empty()) return Status::Error(work.error);
        append_chunk(work, next_line, out);
        next_line += static_cast<uint64_t>(work.lines);
        if (paging.mapped) {
          const size_t upto = work.end / page * page;
          if (upto > released) {
            char* from = const_cast<char*>(data) + released;
            // Cold first: parsed feed pages are the first the page cache gives up when the feeds,
            // the index being written and the working memory do not all fit.
            ::madvise(from, upto - released, MADV_COLD);
            ::madvise(from, upto - released, MADV_DONTNEED);
            if (paging.drop_cache && paging.fd >= 0)
              ::posix_fadvise(paging.fd, static_cast<off_t>(released), static_cast<off_t>(upto - released),
                              POSIX_FADV_DONTNEED);
            released = upto;
          }
        }
        if (progress) progress->update(work.end);
        return Status::OK();
      });
  std::string error = status.ok() ? std::string() : status.message();
  adapter->close(ctx);
  if (!error.empty()) {
    if (error.rfind(feed.path, 0) != 0) error = feed.path + ": " + error;
    return Status::Error(error);
  }
  out.lines = next_line - 1;
  out.share_lines = next_line - first_line;
  return Status::OK();
}

Status with_mapped_feed(const FeedSpec& feed, AdapterRegistry& registry, const MappedFeedFn& fn) {
  const canbao_adapter* adapter = nullptr;
  if (!feed.resolved_plugin.empty()) {
    CANBAO_ASSIGN_OR_RETURN(adapter, registry.load_plugin(feed.resolved_plugin));
  } else {
    adapter = registry.find(feed.format);
    if (adapter == nullptr) return Status::Error(feed.path + ": no adapter for format '" + feed.format + "'");
  }
  struct stat st {};
  if (::stat(feed.resolved_path.c_str(), &st) != 0)
    return Status::Error(feed.path + ": cannot open feed: " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return Status::Error(feed.path + ": not a regular file");
  if (st.st_size == 0) return fn(adapter, "", 0, -1);
  try {
    boost::interprocess::file_mapping file(feed.resolved_path.c_str(), boost::interprocess::read_only);
    boost::interprocess::mapped_region region(file, boost::interprocess::read_only);
    region.advise(boost::interprocess::mapped_region::advice_sequential);
    return fn(adapter, static_cast<const char*>(region.get_address()), region.get_size(),
              file.get_mapping_handle().handle);
  } catch (const std::exception& failure) {
    return Status::Error(feed.path + ": cannot map feed: " + failure.what());
  }
}

Status ingest_feed(const FeedSpec& feed, uint32_t feed_index, Day as_of, AdapterRegistry& registry,
                   size_t chunk_bytes, SegmentData& out, Progress* progress, bool drop_cache, size_t range_begin,
                   size_t range_end) {
  return with_mapped_feed(feed, registry, [&](const canbao_adapter* adapter, const char* data, size_t size, int fd) {
    FeedPaging paging;
    paging.mapped = fd >= 0;
    paging.fd = fd;
    paging.drop_cache = drop_cache;
    paging.range_begin = range_begin;
    paging.range_end = range_end;
    return ingest_bytes(adapter, feed, feed_index, as_of, data, size, chunk_bytes, out, progress, paging);
  });
}

Status feed_cuts(const FeedSpec& feed, AdapterRegistry& registry, size_t parts, std::vector<uint64_t>& cuts) {
  return with_mapped_feed(feed, registry, [&](const canbao_adapter* adapter, const char* data, size_t size, int) {
    cuts.assign(parts + 1, size);
    const CrashContext whole_file(feed.path.c_str(), adapter->name, 0, size);
    void* ctx = nullptr;
    CANBAO_RETURN_IF_ERROR(open_adapter(adapter, feed, data, size, ctx));
    uint64_t first_line = 1;
    size_t offset = std::min(adapter->body_start(ctx, &first_line), size);
    cuts[0] = offset;
    const size_t share = std::max<size_t>(1, (size - offset + parts - 1) / parts);
    for (size_t part = 1; part < parts; ++part) {
      const size_t target = cuts[0] + part * share;
      // Walk from the last cut to the target in steps the adapter cuts on record boundaries.
      while (offset < size && offset < target) {
        const CrashContext crash_context(feed.path.c_str(), adapter->name, offset, size);
        size_t end = adapter->chunk_end(ctx, offset, target - offset);
        if (end <= offset || end > size) end = size;
        offset = end;
      }
      cuts[part] = offset;
    }
    adapter->close(ctx);
    return Status::OK();
  });
}

}  // namespace canbao
