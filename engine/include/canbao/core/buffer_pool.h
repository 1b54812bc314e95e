// Recycles large heap buffers between the chunks and feeds of one ingestion (issue #16).
//
// Writing a page the process has never touched costs a page fault and a zeroed page. On the
// machines the benchmarks run on (a paravirtualized guest) a fault costs ~8 µs, and a profile of
// a cold 1M run had 12.6% of all samples in faults of fresh buffers, plus 7.8% in memset: every
// chunk's parse buffers, its sorted copy, every segment's write blocks and sort order were new
// pages, since the allocator gives multi-megabyte blocks back to the kernel when they are freed.
// A pool keeps freed buffers, their pages already mapped, for the next chunk or feed, up to a
// limit in bytes so that idle buffers never add much to the resident set.
#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <vector>

namespace canbao {

class BufferPool {
 public:
  /// Buffers smaller than this are not kept (the allocator reuses them well on its own).
  static constexpr size_t kMinKept = size_t{64} << 10;

  explicit BufferPool(size_t limit_bytes) : limit_(limit_bytes) {}
  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;

  /// The process-wide pool of ingestion (limit: a sixteenth of physical memory, at most 1 GiB;
  /// at 5M persons 2 GiB raised the peak resident set by 0.3 GB and gained nothing).
  static BufferPool& ingestion();

  /// An empty buffer with capacity() >= `capacity`: the smallest kept one that is large enough,
  /// otherwise a new one, whose pages are mapped at once (as transparent huge pages where the
  /// kernel can) when `populate_now`: for a size known to be filled, not for an estimate.
  std::vector<char> take_bytes(size_t capacity, bool populate_now = true);
  std::string take_string(size_t capacity, bool populate_now = true);
  /// Keeps the buffer (emptied) for a later take, or frees it when the pool is full.
  void give(std::vector<char>&& buffer);
  void give(std::string&& buffer);
  /// Frees every kept buffer.
  void clear();
  /// Capacity bytes kept now.
  size_t held() const;

 private:
  template <typename Buffer>
  Buffer take(std::vector<Buffer>& kept, size_t capacity, bool populate_now);
  template <typename Buffer>
  void keep(std::vector<Buffer>& kept, Buffer buffer);

  mutable std::mutex mutex_;
  const size_t limit_;
  size_t held_ = 0;
  std::vector<std::vector<char>> bytes_;
  std::vector<std::string> strings_;
};

}  // namespace canbao
