// The caching CPU allocator: size classes, reuse of freed blocks, the cache limit, release, and
// concurrent use; and the zero-fill guarantee of Tensor::Empty on reused memory.
#include "platform/tensor/cpu_allocator.h"

#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "platform/tensor/tensor.h"

namespace vlmlab {
namespace {

class CpuAllocatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ReleaseCpuCache();
    SetCpuCacheLimit(size_t{64} << 20);
  }
  void TearDown() override { ReleaseCpuCache(); }
};

TEST_F(CpuAllocatorTest, SizeClasses) {
  EXPECT_EQ(CpuSizeClass(100), 100u);  // small sizes are not cached
  EXPECT_EQ(CpuSizeClass(kMinCachedBytes), kMinCachedBytes);
  // 100000: top bit 2^16, step 2^13 = 8192 -> 13 * 8192.
  EXPECT_EQ(CpuSizeClass(100000), 106496u);
  EXPECT_EQ(CpuSizeClass(size_t{1} << 20), size_t{1} << 20);
  EXPECT_EQ(CpuSizeClass((size_t{1} << 20) + 1), (size_t{1} << 20) + (size_t{1} << 17));
  for (size_t b = kMinCachedBytes; b < (size_t{1} << 24); b = b * 5 / 4 + 7) {
    const size_t c = CpuSizeClass(b);
    EXPECT_GE(c, b);
    EXPECT_LE(c, b + b / 8) << b;
  }
}

TEST_F(CpuAllocatorTest, ReusesFreedBlocksOfTheSameClass) {
  const CpuAllocatorStats before = GetCpuAllocatorStats();
  void* a = CpuAllocate(300000);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a) % 64, 0u);
  std::memset(a, 1, 300000);
  CpuFree(a, 300000);
  EXPECT_EQ(GetCpuAllocatorStats().cached_blocks, 1);
  void* b = CpuAllocate(299000);  // same class
  EXPECT_EQ(b, a);
  const CpuAllocatorStats after = GetCpuAllocatorStats();
  EXPECT_EQ(after.cache_hits - before.cache_hits, 1);
  EXPECT_EQ(after.allocations - before.allocations, 2);
  EXPECT_EQ(after.cached_blocks, 0);
  EXPECT_EQ(after.cached_bytes, 0);
  CpuFree(b, 299000);
}

TEST_F(CpuAllocatorTest, SmallBlocksAreNotCached) {
  void* p = CpuAllocate(1000);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 64, 0u);
  CpuFree(p, 1000);
  EXPECT_EQ(GetCpuAllocatorStats().cached_blocks, 0);
  void* z = CpuAllocate(0);
  EXPECT_NE(z, nullptr);
  CpuFree(z, 0);
}

TEST_F(CpuAllocatorTest, LimitEvictsAndBoundsTheCache) {
  SetCpuCacheLimit(size_t{1} << 20);
  const size_t kBlock = size_t{256} << 10;  // a class of its own
  std::vector<void*> blocks;
  for (int i = 0; i < 6; ++i) blocks.push_back(CpuAllocate(kBlock));
  for (void* p : blocks) CpuFree(p, kBlock);
  CpuAllocatorStats s = GetCpuAllocatorStats();
  EXPECT_EQ(s.cached_bytes, int64_t{1} << 20);  // four of the six fit
  EXPECT_EQ(s.cached_blocks, 4);
  // A block of another class evicts enough of them.
  void* big = CpuAllocate(size_t{512} << 10);
  CpuFree(big, size_t{512} << 10);
  s = GetCpuAllocatorStats();
  EXPECT_LE(s.cached_bytes, int64_t{1} << 20);
  EXPECT_EQ(s.cached_blocks, 3);
  // Larger than the limit: never cached.
  void* huge = CpuAllocate(size_t{2} << 20);
  CpuFree(huge, size_t{2} << 20);
  EXPECT_LE(GetCpuAllocatorStats().cached_bytes, int64_t{1} << 20);
  // Lowering the limit evicts; 0 disables.
  SetCpuCacheLimit(0);
  s = GetCpuAllocatorStats();
  EXPECT_EQ(s.cached_bytes, 0);
  EXPECT_EQ(s.limit_bytes, 0);
  void* p = CpuAllocate(kBlock);
  CpuFree(p, kBlock);
  EXPECT_EQ(GetCpuAllocatorStats().cached_blocks, 0);
}

TEST_F(CpuAllocatorTest, ReleaseEmptiesTheCache) {
  void* p = CpuAllocate(size_t{100} << 10);
  CpuFree(p, size_t{100} << 10);
  EXPECT_GT(GetCpuAllocatorStats().cached_bytes, 0);
  ReleaseCpuCache();
  EXPECT_EQ(GetCpuAllocatorStats().cached_bytes, 0);
  EXPECT_EQ(GetCpuAllocatorStats().cached_blocks, 0);
}

TEST_F(CpuAllocatorTest, ConcurrentAllocateAndFree) {
  auto work = [](int seed) {
    for (int i = 0; i < 2000; ++i) {
      const size_t n = kMinCachedBytes + static_cast<size_t>((i * 7919 + seed) % 50) * 4096;
      auto* p = static_cast<unsigned char*>(CpuAllocate(n));
      ASSERT_NE(p, nullptr);
      p[0] = p[n - 1] = static_cast<unsigned char>(i);
      CpuFree(p, n);
    }
  };
  std::thread a(work, 1), b(work, 2), c(work, 3);
  a.join();
  b.join();
  c.join();
  const CpuAllocatorStats s = GetCpuAllocatorStats();
  EXPECT_LE(s.cached_bytes, s.limit_bytes);
  EXPECT_GT(s.cache_hits, 0);
}

TEST_F(CpuAllocatorTest, EmptyIsZeroedOnReusedMemory) {
  {
    Tensor t = Tensor::Full({100000}, 3.0f);  // 400 KB, cached when released
  }
  Tensor e = Tensor::Empty({100000}).value();
  for (float v : e.ToVector()) ASSERT_EQ(v, 0.0f);
  Tensor z = Tensor::Zeros({1000, 100});
  for (float v : z.ToVector()) ASSERT_EQ(v, 0.0f);
}

}  // namespace
}  // namespace vlmlab
