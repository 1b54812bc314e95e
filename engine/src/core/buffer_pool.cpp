#include "canbao/core/buffer_pool.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>

namespace canbao {

BufferPool& BufferPool::ingestion() {
  static BufferPool pool([] {
    const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
    const size_t memory = pages > 0 && page > 0 ? static_cast<size_t>(pages) * static_cast<size_t>(page) : 0;
    return std::min(memory / 16, size_t{1} << 30);
  }());
  return pool;
}

namespace {

// Maps the whole pages of [data, data + size) now, as transparent huge pages where the kernel
// can: one call instead of a fault per 4 KiB page on first write.
void populate(const void* data, size_t size) {
  const auto begin = (reinterpret_cast<uintptr_t>(data) + 4095) & ~uintptr_t{4095};
  const auto end = (reinterpret_cast<uintptr_t>(data) + size) & ~uintptr_t{4095};
  if (end <= begin) return;
  ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
  ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_POPULATE_WRITE);
}

}  // namespace

template <typename Buffer>
Buffer BufferPool::take(std::vector<Buffer>& kept, size_t capacity, bool populate_now) {
  {
    const std::lock_guard lock(mutex_);
    size_t best = kept.size();
    for (size_t idx = 0; idx < kept.size(); ++idx)
      if (kept[idx].capacity() >= capacity && (best == kept.size() || kept[idx].capacity() < kept[best].capacity()))
        best = idx;
    if (best != kept.size()) {
      Buffer buffer = std::move(kept[best]);
      kept[best] = std::move(kept.back());
      kept.pop_back();
      held_ -= buffer.capacity();
      return buffer;
    }
  }
  Buffer buffer;
  buffer.reserve(capacity);
  if (populate_now && capacity >= kMinKept) populate(buffer.data(), buffer.capacity());
  return buffer;
}

template <typename Buffer>
void BufferPool::keep(std::vector<Buffer>& kept, Buffer buffer) {
  buffer.clear();
  const size_t capacity = buffer.capacity();
  if (capacity < kMinKept) return;
  const std::lock_guard lock(mutex_);
  if (held_ + capacity > limit_) return;  // freed here
  held_ += capacity;
  kept.push_back(std::move(buffer));
}

std::vector<char> BufferPool::take_bytes(size_t capacity, bool populate_now) {
  return take(bytes_, capacity, populate_now);
}
std::string BufferPool::take_string(size_t capacity, bool populate_now) { return take(strings_, capacity, populate_now); }

void BufferPool::give(std::vector<char>&& buffer) { keep(bytes_, std::move(buffer)); }
void BufferPool::give(std::string&& buffer) { keep(strings_, std::move(buffer)); }

void BufferPool::clear() {
  std::vector<std::vector<char>> bytes;
  std::vector<std::string> strings;
  {
    const std::lock_guard lock(mutex_);
    bytes.swap(bytes_);
    strings.swap(strings_);
    held_ = 0;
  }
}

size_t BufferPool::held() const {
  const std::lock_guard lock(mutex_);
  return held_;
}

}  // namespace canbao
