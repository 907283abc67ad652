#include "platform/tensor/cpu_allocator.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <mutex>
#include <vector>

namespace vlmlab {
namespace {

size_t DefaultLimit() {
  if (const char* mb = std::getenv("VLMLAB_CPU_CACHE_MB"); mb != nullptr && *mb != '\0') {
    char* end = nullptr;
    const unsigned long long v = std::strtoull(mb, &end, 10);
    if (end != mb && *end == '\0') return static_cast<size_t>(v) << 20;
  }
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  const size_t physical = pages > 0 && page > 0 ? size_t(pages) * size_t(page) : size_t{4} << 30;
  return std::min(physical / 4, size_t{4} << 30);
}

struct Cache {
  std::mutex mu;
  std::map<size_t, std::vector<void*>> free;  // size class -> blocks
  size_t cached_bytes = 0;
  size_t limit = DefaultLimit();
  int64_t allocations = 0, hits = 0, blocks = 0;

  // Frees cached blocks, smallest class first (sparing `keep`), until `bytes` more fit.
  void EvictFor(size_t bytes, size_t keep) {
    for (auto it = free.begin(); it != free.end() && cached_bytes + bytes > limit;) {
      if (it->first == keep) {
        ++it;
        continue;
      }
      while (!it->second.empty() && cached_bytes + bytes > limit) {
        std::free(it->second.back());
        it->second.pop_back();
        cached_bytes -= it->first;
        --blocks;
      }
      it = it->second.empty() ? free.erase(it) : std::next(it);
    }
  }
};

Cache& GetCache() {
  static auto* c = new Cache;
  return *c;
}

void* AlignedAlloc(size_t bytes) {
  const size_t rounded = std::max<size_t>(64, (bytes + 63) / 64 * 64);
  return std::aligned_alloc(64, rounded);
}

}  // namespace

size_t CpuSizeClass(size_t bytes) {
  if (bytes < kMinCachedBytes) return bytes;
  // Eight classes per power of two: round up to a multiple of 2^(floor(log2 bytes) - 3).
  const int top = 63 - __builtin_clzll(static_cast<unsigned long long>(bytes));
  const size_t step = size_t{1} << (top - 3);
  return (bytes + step - 1) / step * step;
}

void* CpuAllocate(size_t bytes) {
  if (bytes < kMinCachedBytes) return AlignedAlloc(bytes);
  const size_t size = CpuSizeClass(bytes);
  Cache& c = GetCache();
  {
    std::lock_guard<std::mutex> lock(c.mu);
    ++c.allocations;
    auto it = c.free.find(size);
    if (it != c.free.end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      c.cached_bytes -= size;
      --c.blocks;
      ++c.hits;
      return p;
    }
  }
  return AlignedAlloc(size);
}

void CpuFree(void* p, size_t bytes) {
  if (p == nullptr) return;
  if (bytes < kMinCachedBytes) {
    std::free(p);
    return;
  }
  const size_t size = CpuSizeClass(bytes);
  Cache& c = GetCache();
  {
    std::lock_guard<std::mutex> lock(c.mu);
    if (size <= c.limit) {
      if (c.cached_bytes + size > c.limit) c.EvictFor(size, size);
      if (c.cached_bytes + size <= c.limit) {
        c.free[size].push_back(p);
        c.cached_bytes += size;
        ++c.blocks;
        return;
      }
    }
  }
  std::free(p);
}

CpuAllocatorStats GetCpuAllocatorStats() {
  Cache& c = GetCache();
  std::lock_guard<std::mutex> lock(c.mu);
  CpuAllocatorStats s;
  s.allocations = c.allocations;
  s.cache_hits = c.hits;
  s.cached_blocks = c.blocks;
  s.cached_bytes = static_cast<int64_t>(c.cached_bytes);
  s.limit_bytes = static_cast<int64_t>(c.limit);
  return s;
}

void ReleaseCpuCache() {
  Cache& c = GetCache();
  std::lock_guard<std::mutex> lock(c.mu);
  for (auto& [size, blocks] : c.free) {
    for (void* p : blocks) std::free(p);
  }
  c.free.clear();
  c.cached_bytes = 0;
  c.blocks = 0;
}

void SetCpuCacheLimit(size_t bytes) {
  Cache& c = GetCache();
  std::lock_guard<std::mutex> lock(c.mu);
  c.limit = bytes;
  c.EvictFor(0, 0);
  // EvictFor spares class 0, which holds nothing (classes are >= kMinCachedBytes).
}

}  // namespace vlmlab
