#include "canbao/index/segment_builder.h"

#include "canbao/core/buffer_pool.h"
#include "canbao/core/failpoint.h"
#include "canbao/core/private_files.h"
#include "canbao/core/text.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_group.h>

#include <algorithm>
#include <array>
#include <climits>

#include <cerrno>
#include <cstring>

namespace canbao {

namespace {

// Prefetches the cache lines of [at, at + size) for reading.
inline void prefetch_bytes(const char* at, size_t size) {
  const auto first = reinterpret_cast<uintptr_t>(at) & ~uintptr_t{63};
  const auto last = (reinterpret_cast<uintptr_t>(at) + size - 1) & ~uintptr_t{63};
  for (uintptr_t line = first; line <= last; line += 64) __builtin_prefetch(reinterpret_cast<const char*>(line), 0, 3);
}

uint64_t align_up(uint64_t value) { return segment_align_up(value); }

Status errno_error(const std::string& what, const std::string& path) {
  return Status::Error(path + ": " + what + ": " + std::strerror(errno));
}

// Writes all of buf at offset, retrying short writes.
bool pwrite_all(int fd, const void* buf, size_t size, uint64_t offset) {
  const char* bytes = static_cast<const char*>(buf);
  while (size > 0) {
    const ssize_t written = ::pwrite(fd, bytes, size, static_cast<off_t>(offset));
    if (written < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    bytes += written;
    size -= static_cast<size_t>(written);
    offset += static_cast<uint64_t>(written);
  }
  return true;
}

// Writes the buffers one after another from offset (one pwritev, retried on short writes).
bool pwritev_all(int fd, std::vector<iovec> parts, uint64_t offset) {
  size_t first = 0;
  while (first < parts.size()) {
    if (parts[first].iov_len == 0) {
      ++first;
      continue;
    }
    const int count = static_cast<int>(std::min<size_t>(parts.size() - first, IOV_MAX));
    const ssize_t written = ::pwritev(fd, parts.data() + first, count, static_cast<off_t>(offset));
    if (written < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    offset += static_cast<uint64_t>(written);
    for (size_t left = static_cast<size_t>(written); left > 0;) {
      const size_t take = std::min(left, parts[first].iov_len);
      parts[first].iov_base = static_cast<char*>(parts[first].iov_base) + take;
      parts[first].iov_len -= take;
      left -= take;
      if (parts[first].iov_len == 0) ++first;
    }
  }
  return true;
}

}  // namespace

void release_segment_data(SegmentData& data) {
  BufferPool& pool = BufferPool::ingestion();
  for (std::vector<char>& chunk : data.record_chunks) pool.give(std::move(chunk));
  for (std::string& chunk : data.arena_chunks) pool.give(std::move(chunk));
  pool.give(data.order.release());
  data = SegmentData{};
}

void RecordOrder::assign_size(size_t count) {
  if (bytes_.capacity() < count * sizeof(RecordRef)) {
    BufferPool::ingestion().give(std::move(bytes_));
    bytes_ = BufferPool::ingestion().take_bytes(count * sizeof(RecordRef));
  }
  bytes_.resize(count * sizeof(RecordRef));  // zero-fills mapped pages: cheap next to a fault each
}

size_t SegmentData::record_count() const {
  size_t bytes = 0;
  for (const auto& chunk : record_chunks) bytes += chunk.size();
  return bytes / packed_size(agency);
}

uint64_t SegmentData::memory_bytes() const {
  uint64_t bytes = arena_size + pending.size() + pending_info.size() * sizeof(PendingInfo) +
                   quarantine.size() * sizeof(QuarantineEntry);
  for (const auto& chunk : record_chunks) bytes += chunk.capacity();
  return bytes + record_count() * sizeof(RecordRef);
}

uint64_t SegmentData::add_arena_chunk(std::string bytes) {
  const uint64_t offset = arena_size;
  arena_size += bytes.size();
  arena_chunks.push_back(std::move(bytes));
  return offset;
}

void sort_segment_records(SegmentData& data) {
  const size_t record_size = packed_size(data.agency);
  const size_t chunks = data.record_chunks.size();
  std::vector<size_t> bounds(chunks + 1, 0);
  for (size_t idx = 0; idx < chunks; ++idx) bounds[idx + 1] = bounds[idx] + data.record_chunks[idx].size() / record_size;
  const size_t count = bounds[chunks];
  data.order.assign_size(count);
  // One run per chunk. Ingestion sorts every chunk by key as it parses it, so runs are normally
  // sorted already; any that is not (data built otherwise) is sorted here.
  tbb::parallel_for(size_t{0}, chunks, [&](size_t chunk_idx) {
    const auto& chunk = data.record_chunks[chunk_idx];
    RecordRef* out = data.order.data() + bounds[chunk_idx];
    const uint32_t size = static_cast<uint32_t>(bounds[chunk_idx + 1] - bounds[chunk_idx]);
    bool sorted = true;
    for (uint32_t idx = 0; idx < size; ++idx) {
      out[idx] = {reinterpret_cast<const RecordHead*>(chunk.data() + idx * record_size)->key,
                  static_cast<uint32_t>(chunk_idx), idx};
      if (idx > 0 && out[idx].key < out[idx - 1].key) sorted = false;
    }
    if (!sorted)
      std::sort(out, out + size, [](const RecordRef& a, const RecordRef& b) {
        return a.key != b.key ? a.key < b.key : a.index < b.index;
      });
  });
  // Bottom-up merge of the runs, pairs merged in parallel. std::merge takes from the earlier run
  // on equal keys, and runs are in file order, so ties keep line order: (key, chunk, index).
  // The spare run buffer is a recycled one (core/buffer_pool.h), taken only when there is a merge.
  if (chunks < 2) return;
  std::vector<char> spare_bytes = BufferPool::ingestion().take_bytes(count * sizeof(RecordRef));
  spare_bytes.resize(count * sizeof(RecordRef));
  RecordRef* from = data.order.data();
  RecordRef* to = reinterpret_cast<RecordRef*>(spare_bytes.data());
  const auto key_less = [](const RecordRef& a, const RecordRef& b) { return a.key < b.key; };
  while (bounds.size() > 2) {
    const size_t runs = bounds.size() - 1;
    tbb::parallel_for(size_t{0}, (runs + 1) / 2, [&](size_t pair) {
      const size_t begin = bounds[2 * pair], middle = bounds[2 * pair + 1];
      const size_t end = 2 * pair + 2 <= runs ? bounds[2 * pair + 2] : middle;
      std::merge(from + begin, from + middle, from + middle, from + end, to + begin, key_less);
    });
    std::vector<size_t> next;
    next.reserve(runs / 2 + 2);
    for (size_t idx = 0; idx < runs; idx += 2) next.push_back(bounds[idx]);
    next.push_back(bounds[runs]);
    bounds.swap(next);
    std::swap(from, to);
  }
  if (from != data.order.data()) data.order.swap_bytes(spare_bytes);  // the result is in the spare
  BufferPool::ingestion().give(std::move(spare_bytes));
}

namespace {

/// Records per write block (~1 MiB of records).
size_t records_per_block(size_t record_size) { return std::max<size_t>(1, (size_t{1} << 20) / record_size); }

/// Text of a Str whose offset is global over the concatenated arena chunks.
std::string_view chunked_str(const SegmentData& data, const std::vector<uint64_t>& chunk_at, Str str) {
  if (str.len == 0) return {};
  const size_t chunk = static_cast<size_t>(std::upper_bound(chunk_at.begin(), chunk_at.end(), str.off) - chunk_at.begin()) - 1;
  return std::string_view(data.arena_chunks[chunk]).substr(str.off - chunk_at[chunk], str.len);
}

// Sorts the table entries (in record order) by hash, stably, so ties stay in record order: an
// LSD radix sort, four passes of 8 bits (a pass whose digit is the same everywhere is skipped).
void sort_by_hash(std::vector<NameBirthEntry>& entries) {
  std::vector<NameBirthEntry> spare(entries.size());
  for (int shift = 0; shift < 32; shift += 8) {
    std::array<size_t, 257> starts{};
    for (const NameBirthEntry& entry : entries) ++starts[((entry.hash >> shift) & 0xFF) + 1];
    if (std::any_of(starts.begin(), starts.end(), [&](size_t n) { return n == entries.size(); })) continue;
    for (size_t digit = 1; digit < starts.size(); ++digit) starts[digit] += starts[digit - 1];
    for (const NameBirthEntry& entry : entries) spare[starts[(entry.hash >> shift) & 0xFF]++] = entry;
    entries.swap(spare);
  }
}

}  // namespace

Status write_segment(const SegmentData& data, const std::string& path, const SegmentWriteShape& shape) {
  if (data.order.size() > UINT32_MAX)  // NameBirthEntry::index is 32 bits
    return Status::Error(path + ": a feed of more than 4,294,967,295 records cannot be indexed");
  const size_t record_size = packed_size(data.agency);
  const size_t per_block = shape.records_per_block != 0 ? shape.records_per_block : records_per_block(record_size);
  const size_t blocks = (data.order.size() + per_block - 1) / per_block;
  std::vector<uint64_t> chunk_at(data.arena_chunks.size());  // global offset of each arena chunk
  for (size_t idx = 0, at = 0; idx < data.arena_chunks.size(); at += data.arena_chunks[idx].size(), ++idx)
    chunk_at[idx] = at;

  SegmentHeader header{};
  std::memcpy(header.magic, kSegmentMagic, sizeof(kSegmentMagic));
  header.format_version = kSegmentFormatVersion;
  header.agency = static_cast<uint32_t>(data.agency);
  header.mode = static_cast<uint32_t>(data.mode);
  header.feed_index = data.feed_index;
  header.fingerprint = data.fingerprint;
  header.max_id_birth = data.max_id_birth;
  header.min_future_birth = data.min_future_birth;
  header.record_size = record_size;
  header.record_count = data.order.size();
  header.pending_count = data.pending_count();
  header.quarantine_count = data.quarantine.size();
  header.lines = data.lines;
  header.read_count = header.record_count + header.pending_count + header.quarantine_count;
  uint64_t offset = kSegmentBodyStart;
  header.records_off = offset;
  offset = align_up(offset + header.record_count * record_size);
  header.pending_off = offset;
  offset = align_up(offset + data.pending.size());
  header.pending_info_off = offset;
  offset = align_up(offset + data.pending_info.size() * sizeof(PendingInfo));
  header.quarantine_off = offset;
  offset = align_up(offset + data.quarantine.size() * sizeof(QuarantineEntry));
  header.arena_off = offset;  // the arena's size is known once the records are written

  const std::string tmp = path + ".tmp";
  const int fd = open_private_file(tmp, O_RDWR | O_TRUNC);  // 0600: it holds citizens' IDs
  if (fd < 0) return errno_error("cannot create index segment", tmp);
  bool ok = true;

  // The arena is rewritten in record order: the strings of the records in key order, then those
  // of the pending records and quarantine entries. A person's strings then sit next to its
  // records, and matching reads the arena front to back instead of at random.
  //
  // Records are gathered in key order and rebased (feed, line, strings) in blocks of ~1 MiB, each
  // with its own staging buffers, in parallel; a group of blocks is then placed (each block's
  // strings after the previous block's) and written, so the whole segment is never held twice.
  uint64_t text_size = 0;  // arena bytes written so far
  std::vector<NameBirthEntry> names;  // the (birth, name) table, in record order until sorted
  with_packed_type(data.agency, [&](auto type) {
    using T = typename decltype(type)::type;
    // Staging buffers are recycled ones (core/buffer_pool.h): fresh pages for every segment's
    // blocks were a large share of a cold run's page faults.
    struct Block {
      std::vector<char> records;  // T records, appended (never zero-filled first)
      std::string text;
      uint64_t text_at = 0;
      std::vector<NameBirthEntry> names;  // of its records, in record order
      T* begin() { return reinterpret_cast<T*>(records.data()); }
      T* end() { return begin() + records.size() / sizeof(T); }
    };
    // Two groups of blocks: one is gathered while the other is written by a task of its own. One
    // writer at a time: parallel pwrites of one file serialise on its inode lock anyway, and the
    // waiting thread spun (4.5% of a cold 1M run's samples).
    const size_t group_blocks = std::max<size_t>(1, shape.blocks_per_group);
    std::array<std::vector<Block>, 2> groups;
    for (std::vector<Block>& group : groups) {
      group.resize(std::min(blocks, group_blocks));
      for (Block& block : group) {
        block.records = BufferPool::ingestion().take_bytes(per_block * record_size);
        block.text = BufferPool::ingestion().take_string(per_block * 32, false);  // an estimate
      }
    }
    tbb::task_group writer;
    int write_errno = 0;  // set by the writer task, read after writer.wait()
    size_t which = 0;
    for (size_t first = 0; first < blocks; first += group_blocks, which ^= 1) {
      std::vector<Block>& group = groups[which];
      const size_t count = std::min(group_blocks, blocks - first);
      tbb::parallel_for(size_t{0}, count, [&](size_t slot) {
        Block& out = group[slot];
        const size_t begin = (first + slot) * per_block;
        const size_t end = std::min(data.order.size(), begin + per_block);
        out.records.clear();
        out.text.clear();
        out.names.clear();
        // The key order interleaves every chunk's sorted run (hundreds of streams for a large feed),
        // too many for the hardware prefetcher: each record and its strings would be a cache miss.
        // They are prefetched: records kAhead positions ahead, their strings half as far.
        constexpr size_t kAhead = 16;
        const auto record_at = [&](size_t at) {
          const RecordRef& ref = data.order[at];
          return data.record_chunks[ref.chunk].data() + static_cast<size_t>(ref.index) * record_size;
        };
        for (size_t at = begin; at < std::min(end, begin + kAhead); ++at) prefetch_bytes(record_at(at), record_size);
        for (size_t idx = begin; idx < end; ++idx) {
          if (idx + kAhead < end) prefetch_bytes(record_at(idx + kAhead), record_size);
          if (idx + kAhead / 2 < end) {
            const T& ahead = *reinterpret_cast<const T*>(record_at(idx + kAhead / 2));
            const std::string& ahead_arena = data.arena_chunks[data.chunk_bases[data.order[idx + kAhead / 2].chunk].arena_chunk];
            for_each_str(ahead, [&](const Str& str) {
              if (str.len != 0) prefetch_bytes(ahead_arena.data() + str.off, std::min<size_t>(str.len, 256));
            });
          }
          const RecordRef& ref = data.order[idx];
          const char* from = record_at(idx);
          out.records.insert(out.records.end(), from, from + record_size);  // within capacity
          T& rec = *reinterpret_cast<T*>(out.records.data() + (idx - begin) * record_size);
          const ChunkBase& base = data.chunk_bases[ref.chunk];
          const std::string& arena = data.arena_chunks[base.arena_chunk];
          for_each_str(rec, [&](Str& str) {
            if (str.len == 0) return;  // empty strings keep offset 0
            const uint64_t at = out.text.size();
            out.text.append(arena, str.off, str.len);
            str.off = at;  // block-relative until the block is placed
          });
          rec.head.line = static_cast<uint32_t>(base.first_line + rec.head.line);
          if (rec.head.name.len != 0 && rec.head.op != RecordOp::kDelete)
            if (const uint32_t hash = raw_name_hash(std::string_view(out.text).substr(rec.head.name.off, rec.head.name.len)))
              out.names.push_back({name_birth_hash(id_yyyymmdd(rec.head.key), hash), static_cast<uint32_t>(idx)});
        }
      });
      for (size_t slot = 0; slot < count; ++slot) names.insert(names.end(), group[slot].names.begin(), group[slot].names.end());
      for (size_t slot = 0; slot < count; ++slot) {
        group[slot].text_at = text_size;
        text_size += group[slot].text.size();
      }
      tbb::parallel_for(size_t{0}, count, [&](size_t slot) {
        Block& out = group[slot];
        for (T& rec : out)
          for_each_str(rec, [&](Str& str) {
            if (str.len != 0) str.off += out.text_at;
          });
      });
      writer.wait();  // the other group's write: its buffers are gathered into next
      if (write_errno != 0) break;
      // The group's records, then its strings, are each one contiguous range of the file.
      writer.run([&, first, count, which] {
        const std::vector<Block>& written = groups[which];
        std::vector<iovec> records(count), texts(count);
        for (size_t slot = 0; slot < count; ++slot) {
          records[slot] = {const_cast<char*>(written[slot].records.data()), written[slot].records.size()};
          texts[slot] = {const_cast<char*>(written[slot].text.data()), written[slot].text.size()};
        }
        if (!pwritev_all(fd, records, header.records_off + first * per_block * record_size) ||
            !pwritev_all(fd, texts, header.arena_off + written[0].text_at))
          write_errno = errno != 0 ? errno : EIO;
      });
    }
    writer.wait();
    if (write_errno != 0) {
      ok = false;
      errno = write_errno;
    }
    for (std::vector<Block>& group : groups)
      for (Block& block : group) {
        BufferPool::ingestion().give(std::move(block.records));
        BufferPool::ingestion().give(std::move(block.text));
      }
  });

  // Pending records, their infos and the quarantine entries (few): strings copied to the tail.
  std::vector<char> pending = data.pending;
  std::vector<PendingInfo> pending_info = data.pending_info;
  std::vector<QuarantineEntry> quarantine = data.quarantine;
  std::string tail;
  const auto move_to_tail = [&](Str& str) {
    if (str.len == 0) return;
    const std::string_view text = chunked_str(data, chunk_at, str);
    str.off = text_size + tail.size();
    tail.append(text);
  };
  with_packed_type(data.agency, [&](auto type) {
    using T = typename decltype(type)::type;
    T* rec = reinterpret_cast<T*>(pending.data());
    for (size_t idx = 0; idx < pending.size() / sizeof(T); ++idx) for_each_str(rec[idx], move_to_tail);
  });
  for (PendingInfo& info : pending_info) move_to_tail(info.masked_id);
  for (QuarantineEntry& entry : quarantine) {
    move_to_tail(entry.reason);
    move_to_tail(entry.masked_id);
  }
  header.arena_size = text_size + tail.size();
  sort_by_hash(names);
  header.name_table_off = align_up(header.arena_off + header.arena_size);
  header.name_table_count = names.size();
  header.file_size = header.name_table_off + names.size() * sizeof(NameBirthEntry);

  ok = ok && pwrite_all(fd, pending.data(), pending.size(), header.pending_off);
  ok = ok && pwrite_all(fd, pending_info.data(), pending_info.size() * sizeof(PendingInfo), header.pending_info_off);
  ok = ok && pwrite_all(fd, quarantine.data(), quarantine.size() * sizeof(QuarantineEntry), header.quarantine_off);
  ok = ok && pwrite_all(fd, tail.data(), tail.size(), header.arena_off + text_size);
  ok = ok && pwrite_all(fd, names.data(), names.size() * sizeof(NameBirthEntry), header.name_table_off);
  ok = ok && ::ftruncate(fd, static_cast<off_t>(header.file_size)) == 0;  // alignment gaps at the end
  failpoint("ingest.segment_half_written");  // every byte but the header is written
  if (ok) {
    // The body is read back through a mapping of the file (still in the page cache): hashing
    // while writing would tie the checksum to the order the parallel blocks were written in.
    void* map = ::mmap(nullptr, header.file_size, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, 0);
    if (map == MAP_FAILED) {
      ok = false;
    } else {
      header.body_checksum = segment_body_checksum(static_cast<const char*>(map), header.file_size);
      ::munmap(map, header.file_size);
    }
  }
  header.header_checksum = segment_header_checksum(header);
  // The header goes last: a file cut short never carries a valid header.
  ok = ok && pwrite_all(fd, &header, sizeof(header), 0);
  if (!ok) {
    const Status status = errno_error("cannot write index segment", tmp);
    ::close(fd);
    ::unlink(tmp.c_str());
    return status;
  }
  if (::close(fd) != 0) {
    const Status status = errno_error("cannot write index segment", tmp);
    ::unlink(tmp.c_str());
    return status;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const Status status = errno_error("cannot rename index segment into place", tmp);
    ::unlink(tmp.c_str());
    return status;
  }
  return Status::OK();
}

}  // namespace canbao
