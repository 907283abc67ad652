// Shared plumbing of the oneDNN CPU kernels: the engine and stream, dnnl::error -> absl::Status,
// memory descriptors over tensors, a thread-safe primitive cache and the fallback to the next
// backend for cases oneDNN does not implement.
//
//   VLMLAB_ASSIGN_OR_RETURN(std::shared_ptr<const Entry> e, cache.GetOrCreate(key, [&] {
//     return MakeEntry<Entry>(__FILE__, __LINE__, "eltwise primitive", [&] { return new ...; });
//   }));
//   if (e == nullptr) return Fallback(UnaryKernels(), dtype, op, alpha, x, y);
//   try {
//     e->args.Execute(e->prim, {x.raw_data(), y->raw_data()});
//   }
//   VLMLAB_DNNL_CATCH("eltwise forward")
#ifndef VLMLAB_KERNELS_CPU_ONEDNN_COMMON_H_
#define VLMLAB_KERNELS_CPU_ONEDNN_COMMON_H_

#include <atomic>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "kernels/api/kernel_table.h"
#include "oneapi/dnnl/dnnl.hpp"
#include "platform/base/status_macros.h"
#include "platform/tensor/tensor.h"

namespace vlmlab::cpu {

inline constexpr char kOnednnBackend[] = "onednn";
inline constexpr int kOnednnPriority = 10;
inline constexpr int kOnednnMaxRank = DNNL_MAX_NDIMS;  // 12 in oneDNN 2.6

// One CPU engine for the process; one in-order stream per calling thread (oneDNN streams are
// not meant to be shared between threads that execute concurrently).
const dnnl::engine& OnednnEngine();
dnnl::stream& OnednnStream();

// "kernels/cpu/matmul_onednn.cc:42: oneDNN matmul primitive: could not create ...
// (dnnl_status 3)".
// dnnl_unimplemented becomes absl::UnimplementedError (callers then fall back).
absl::Status DnnlError(const dnnl::error& e, const char* file, int line, absl::string_view what);
#define VLMLAB_DNNL_CATCH(what)                                   \
  catch (const dnnl::error& e) {                                  \
    return ::vlmlab::cpu::DnnlError(e, __FILE__, __LINE__, what); \
  }

// f32 / bf16 / s32.
dnnl::memory::data_type DnnlType(DType t);
// oneDNN needs at least one axis: a rank-0 shape becomes [1].
dnnl::memory::dims DnnlDims(const Shape& shape);
// Row-major descriptor of `shape` (DnnlDims applied).
dnnl::memory::desc PlainDesc(const Shape& shape, DType t);
// Descriptor with explicit strides, in elements.
dnnl::memory::desc StridedDesc(const Shape& shape, const std::vector<int64_t>& strides, DType t);

// Attributes every cached primitive is built with: a user-managed scratchpad. With the library
// scratchpad of a default oneDNN build (DNNL_ENABLE_CONCURRENT_EXEC=OFF) a primitive must run
// on the thread that created it; cached primitives run on any thread.
dnnl::primitive_attr UserScratchpad();

// The arguments of one cached primitive, executed with pointers bound per call. Creating a
// dnnl::memory costs about 0.5 us in oneDNN 2.6 (three per matmul: ~10% of a 64^3 product);
// rebinding the handle of a pooled one is nearly free. Thread-safe: each call takes its own
// set of memory objects, with its own scratchpad, from the pool.
//
//   dnnl::eltwise_forward::primitive_desc pd(desc, UserScratchpad(), OnednnEngine());
//   ArgMemories args(pd, {DNNL_ARG_SRC, DNNL_ARG_DST});
//   args.Execute(dnnl::eltwise_forward(pd), {x.raw_data(), y.raw_data()});   // runs, waits
class ArgMemories {
 public:
  ArgMemories() = default;  // no arguments: never executed
  ArgMemories(const dnnl::primitive_desc_base& pd, std::initializer_list<int> arg_ids);
  ArgMemories(const ArgMemories&) = delete;
  ArgMemories& operator=(const ArgMemories&) = delete;

  // Binds `pointers` (one per argument, in order), executes on this thread's stream and waits.
  // Throws dnnl::error.
  void Execute(const dnnl::primitive& prim, std::initializer_list<void*> pointers) const;

 private:
  using Set = std::unordered_map<int, dnnl::memory>;
  std::vector<std::pair<int, dnnl::memory::desc>> args_;
  dnnl::memory::desc scratchpad_;
  mutable std::mutex mu_;
  mutable std::vector<std::unique_ptr<Set>> free_;
};

// Cache keys are flat integer vectors (inline: no allocation per call for keys of up to 24
// values); each kernel documents its layout.
using CacheKey = absl::InlinedVector<int64_t, 24>;
inline void AppendShape(CacheKey* key, const Shape& shape) {
  key->push_back(static_cast<int64_t>(shape.size()));
  key->insert(key->end(), shape.begin(), shape.end());
}
inline int64_t FloatBits(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  return bits;
}

// Thread-safe map from key to immutable entry (primitives plus their descriptors), built once.
// A factory may return nullptr: "oneDNN has no implementation", remembered so the kernel can
// fall back without retrying. Bounded: cleared when it holds kCapacity entries.
template <typename Entry>
class PrimitiveCache {
 public:
  static constexpr size_t kCapacity = 4096;
  using Factory = std::function<absl::StatusOr<std::shared_ptr<const Entry>>()>;

  absl::StatusOr<std::shared_ptr<const Entry>> GetOrCreate(const CacheKey& key,
                                                           const Factory& make) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = map_.find(key);
    if (it != map_.end()) return it->second;
    VLMLAB_ASSIGN_OR_RETURN(std::shared_ptr<const Entry> entry, make());
    if (map_.size() >= kCapacity) map_.clear();
    map_.emplace(key, entry);
    return entry;
  }

  size_t size() const {
    std::lock_guard<std::mutex> lock(mu_);
    return map_.size();
  }

 private:
  mutable std::mutex mu_;
  absl::flat_hash_map<CacheKey, std::shared_ptr<const Entry>> map_;
};

// Builds a primitive descriptor; dnnl_unimplemented gives nullptr (no oneDNN implementation
// for this case), other failures an error.
template <typename Entry, typename Build>
absl::StatusOr<std::shared_ptr<const Entry>> MakeEntry(const char* file, int line,
                                                       absl::string_view what, Build build) {
  try {
    return std::shared_ptr<const Entry>(build());
  } catch (const dnnl::error& e) {
    if (e.status == dnnl_unimplemented) return std::shared_ptr<const Entry>();
    return DnnlError(e, file, line, what);
  }
}

// The best kernel of `table` for CPU and `dtype` other than this backend's (the reference),
// used when oneDNN cannot handle a case (rank over 12, no implementation).
template <typename Fn>
Fn* NextKernel(const KernelTable<Fn>& table, DType dtype) {
  for (const auto& impl : table.impls()) {
    if (impl.backend != kOnednnBackend && impl.handles(DeviceType::kCpu, dtype)) return impl.fn;
  }
  return nullptr;
}

// How many calls the onednn kernels handed to another backend (tests check it stays 0 for
// the cases oneDNN should handle).
std::atomic<int64_t>& FallbackCount();

// Calls NextKernel or fails naming the op.
template <typename Fn, typename... Args>
absl::Status Fallback(const KernelTable<Fn>& table, DType dtype, Args&&... args) {
  FallbackCount().fetch_add(1);
  Fn* fn = NextKernel(table, dtype);
  if (fn == nullptr) {
    return absl::UnimplementedError(absl::StrCat(table.op(), ": oneDNN cannot run this ",
                                                 DTypeName(dtype), " case; no other CPU kernel"));
  }
  return fn(std::forward<Args>(args)...);
}

}  // namespace vlmlab::cpu

#endif  // VLMLAB_KERNELS_CPU_ONEDNN_COMMON_H_
