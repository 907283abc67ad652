// Reference strided copy: walks both tensors' strides element by element.
#include <cstring>

#include "kernels/api/copy.h"

namespace vlmlab {
namespace {

absl::Status Copy(const Tensor& src, Tensor* dst) {
  if (src.shape() != dst->shape() || src.dtype() != dst->dtype()) {
    return absl::InvalidArgumentError(
        absl::StrCat("copy: ", src.DebugString(), " into ", dst->DebugString()));
  }
  size_t es = DTypeSize(src.dtype());
  std::vector<int64_t> src_offsets(src.numel());
  ForEachOffset(src.shape(), src.strides(), src.offset(),
                [&](int64_t i, int64_t off) { src_offsets[i] = off; });
  const char* s = static_cast<const char*>(src.storage()->data());
  char* d = static_cast<char*>(dst->storage()->data());
  ForEachOffset(dst->shape(), dst->strides(), dst->offset(), [&](int64_t i, int64_t off) {
    std::memmove(d + off * es, s + src_offsets[i] * es, es);
  });
  return absl::OkStatus();
}

VLMLAB_REGISTER_KERNEL(CopyKernels, "reference", DeviceType::kCpu, 0, Copy, DType::kF32,
                       DType::kBF16, DType::kI32);

}  // namespace
}  // namespace vlmlab
