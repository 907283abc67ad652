// oneDNN reorder kernel for strided copies (views to contiguous, writes into slices), for
// f32, bf16 and i32 (backend "onednn").
//
//   Tensor t = x.ViewTranspose(0, 1).value();             // [K, M] view of x [M, K]
//   CopyKernels().Call(Device{}, t.dtype(), t, &out);     // out [K, M], contiguous
//
// Both tensors are described by their strides (zero strides of broadcast views included).
// Falls back when dst overlaps itself (a zero stride on an axis longer than 1). Primitives are
// cached per (threads, dtype, shape, both strides).
#include "kernels/api/copy.h"
#include "kernels/cpu/onednn_common.h"
#include "kernels/cpu/threads.h"

namespace vlmlab::cpu {
namespace {

struct CopyEntry {
  dnnl::reorder prim;
  ArgMemories args;  // from, to
};

PrimitiveCache<CopyEntry>& Cache() {
  static auto* cache = new PrimitiveCache<CopyEntry>();
  return *cache;
}

bool SelfOverlapping(const Tensor& t) {
  for (int64_t d = 0; d < t.dim(); ++d) {
    if (t.shape()[d] > 1 && t.strides()[d] == 0) return true;
  }
  return false;
}

absl::Status OnednnCopy(const Tensor& src, Tensor* dst) {
  const DType dt = src.dtype();
  if (src.shape() != dst->shape() || dt != dst->dtype()) {
    return absl::InvalidArgumentError(
        absl::StrCat("copy (onednn): ", src.DebugString(), " into ", dst->DebugString()));
  }
  if (src.dim() > kOnednnMaxRank || SelfOverlapping(*dst)) {
    return Fallback(CopyKernels(), dt, src, dst);
  }
  if (src.numel() == 0) return absl::OkStatus();
  // Key: threads, dtype, shape, src strides, dst strides.
  CacheKey key = {CpuThreads(), static_cast<int64_t>(dt)};
  AppendShape(&key, src.shape());
  key.insert(key.end(), src.strides().begin(), src.strides().end());
  key.insert(key.end(), dst->strides().begin(), dst->strides().end());
  VLMLAB_ASSIGN_OR_RETURN(std::shared_ptr<const CopyEntry> e, Cache().GetOrCreate(key, [&] {
    return MakeEntry<CopyEntry>(__FILE__, __LINE__, "reorder primitive", [&] {
      dnnl::memory::desc s = StridedDesc(src.shape(), src.strides(), dt);
      dnnl::memory::desc d = StridedDesc(dst->shape(), dst->strides(), dt);
      dnnl::reorder::primitive_desc pd(OnednnEngine(), s, OnednnEngine(), d, UserScratchpad());
      return new CopyEntry{dnnl::reorder(pd), ArgMemories(pd, {DNNL_ARG_FROM, DNNL_ARG_TO})};
    });
  }));
  if (e == nullptr) return Fallback(CopyKernels(), dt, src, dst);
  try {
    e->args.Execute(e->prim, {src.raw_data(), dst->raw_data()});
  }
  VLMLAB_DNNL_CATCH("reorder execute")
  return absl::OkStatus();
}

VLMLAB_REGISTER_KERNEL(CopyKernels, kOnednnBackend, DeviceType::kCpu, kOnednnPriority, OnednnCopy,
                       DType::kF32, DType::kBF16, DType::kI32);

}  // namespace
}  // namespace vlmlab::cpu
