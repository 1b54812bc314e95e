// Issue #16: the ingestion's buffer pool (core/buffer_pool.h) hands back kept buffers, large
// enough and emptied, keeps no more than its limit, and frees everything on clear().
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "canbao/core/buffer_pool.h"

namespace canbao {
namespace {

constexpr size_t kMiB = size_t{1} << 20;

TEST(BufferPool, TakesBackAKeptBufferLargeEnoughAndEmpty) {
  BufferPool pool(64 * kMiB);
  std::vector<char> bytes = pool.take_bytes(2 * kMiB);
  EXPECT_TRUE(bytes.empty());
  ASSERT_GE(bytes.capacity(), 2 * kMiB);
  bytes.assign(kMiB, 'x');
  const char* storage = bytes.data();
  pool.give(std::move(bytes));
  EXPECT_GE(pool.held(), 2 * kMiB);
  // Too large for the kept one: a new buffer, and the kept one stays.
  const std::vector<char> larger = pool.take_bytes(8 * kMiB);
  EXPECT_GE(larger.capacity(), 8 * kMiB);
  EXPECT_NE(larger.data(), storage);
  EXPECT_GE(pool.held(), 2 * kMiB);
  // Small enough: the kept buffer, emptied.
  std::vector<char> again = pool.take_bytes(kMiB, false);
  EXPECT_EQ(again.data(), storage);
  EXPECT_TRUE(again.empty());
  EXPECT_EQ(pool.held(), 0u);
}

TEST(BufferPool, PrefersTheSmallestBufferThatFits) {
  BufferPool pool(64 * kMiB);
  std::string small = pool.take_string(kMiB), large = pool.take_string(8 * kMiB);
  const char* small_at = small.data();
  const char* large_at = large.data();
  pool.give(std::move(large));
  pool.give(std::move(small));
  EXPECT_EQ(pool.take_string(512 << 10).data(), small_at);
  EXPECT_EQ(pool.take_string(2 * kMiB).data(), large_at);
}

TEST(BufferPool, KeepsNoMoreThanItsLimitNorSmallBuffers) {
  BufferPool pool(3 * kMiB);
  std::vector<char> first = pool.take_bytes(2 * kMiB), second = pool.take_bytes(2 * kMiB);
  pool.give(std::move(first));
  const size_t held = pool.held();
  EXPECT_GE(held, 2 * kMiB);
  pool.give(std::move(second));  // would exceed 3 MiB: freed
  EXPECT_EQ(pool.held(), held);
  std::vector<char> tiny(100);
  pool.give(std::move(tiny));  // under kMinKept: freed
  EXPECT_EQ(pool.held(), held);
  pool.clear();
  EXPECT_EQ(pool.held(), 0u);
}

}  // namespace
}  // namespace canbao
