// The CPU memory behind Storage: 64-byte-aligned blocks, with a bounded cache of freed blocks
// so that the same sizes allocated every training step are reused instead of being returned to
// the system and page-faulted in (and zero-filled by the kernel) again.
//
//   void* p = CpuAllocate(1 << 20);      // uninitialised, 64-byte aligned; nullptr if no memory
//   CpuFree(p, 1 << 20);                 // the size passed to CpuAllocate
//   CpuAllocatorStats s = GetCpuAllocatorStats();
//   ReleaseCpuCache();                   // hands every cached block back to the system
//   SetCpuCacheLimit(0);                 // no caching at all
//
// Blocks of at least kMinCachedBytes are rounded up to a size class (eight classes per power
// of two, so at most 12.5% slack) and, when freed, kept in the cache of their class while the
// cache holds at most the limit (default: a quarter of physical memory, at most 4 GiB;
// VLMLAB_CPU_CACHE_MB overrides it, 0 disables the cache). A block that does not fit evicts
// cached blocks of other classes, smallest first; one larger than the limit is freed. Smaller
// blocks go straight to malloc. Thread-safe (one mutex around the free lists).
#ifndef VLMLAB_PLATFORM_TENSOR_CPU_ALLOCATOR_H_
#define VLMLAB_PLATFORM_TENSOR_CPU_ALLOCATOR_H_

#include <cstddef>
#include <cstdint>

namespace vlmlab {

inline constexpr size_t kMinCachedBytes = size_t{32} << 10;

// Uninitialised memory of at least `bytes` bytes (64 for 0), 64-byte aligned, or nullptr.
void* CpuAllocate(size_t bytes);
// Returns a block from CpuAllocate(bytes) (same `bytes`) to the cache or the system.
void CpuFree(void* p, size_t bytes);

struct CpuAllocatorStats {
  int64_t allocations = 0;  // CpuAllocate calls of cacheable sizes
  int64_t cache_hits = 0;   // ... served from the cache
  int64_t cached_blocks = 0;
  int64_t cached_bytes = 0;
  int64_t limit_bytes = 0;
};
CpuAllocatorStats GetCpuAllocatorStats();

// Frees every cached block.
void ReleaseCpuCache();
// Sets the cache's limit in bytes (evicting down to it); 0 disables caching.
void SetCpuCacheLimit(size_t bytes);

// The size a cacheable request is rounded up to (exposed for tests).
size_t CpuSizeClass(size_t bytes);

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_TENSOR_CPU_ALLOCATOR_H_
