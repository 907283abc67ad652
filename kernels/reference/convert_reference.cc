// Reference dtype conversion: FloatToBf16 / Bf16ToFloat element by element.
#include "absl/strings/str_cat.h"
#include "kernels/api/convert.h"

namespace vlmlab {
namespace {

absl::Status Convert(const Tensor& src, Tensor* dst) {
  if (src.shape() != dst->shape() || !src.is_contiguous() || !dst->is_contiguous()) {
    return absl::InvalidArgumentError(absl::StrCat("convert: ", src.DebugString(), " into ",
                                                   dst->DebugString(), " (contiguous, one shape)"));
  }
  const int64_t n = src.numel();
  if (src.dtype() == DType::kF32 && dst->dtype() == DType::kBF16) {
    const float* s = src.data<float>();
    uint16_t* d = dst->data<uint16_t>();
    for (int64_t i = 0; i < n; ++i) d[i] = FloatToBf16(s[i]);
  } else if (src.dtype() == DType::kBF16 && dst->dtype() == DType::kF32) {
    const uint16_t* s = src.data<uint16_t>();
    float* d = dst->data<float>();
    for (int64_t i = 0; i < n; ++i) d[i] = Bf16ToFloat(s[i]);
  } else {
    return absl::UnimplementedError(absl::StrCat("convert: ", DTypeName(src.dtype()), " to ",
                                                 DTypeName(dst->dtype())));
  }
  return absl::OkStatus();
}

VLMLAB_REGISTER_KERNEL(ConvertKernels, "reference", DeviceType::kCpu, 0, Convert, DType::kF32,
                       DType::kBF16);

}  // namespace
}  // namespace vlmlab
