// dtype conversion (kernels/api/convert.h, backend "cpu_fused", priority 10): the integer
// arithmetic of FloatToBf16 / Bf16ToFloat in loops the compiler vectorises, blocks of
// elements over the OpenMP threads. Bit for bit the reference's results.
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "kernels/api/convert.h"
#include "kernels/cpu_fused/fast_math.h"

namespace vlmlab::cpu_fused {
namespace {

typedef uint32_t AliasedU32 __attribute__((may_alias));
typedef float AliasedF32 __attribute__((may_alias));

VLMLAB_CPU_FUSED_CLONES
void ToBf16(const float* __restrict src, uint16_t* __restrict dst, int64_t n) {
  const AliasedU32* s = reinterpret_cast<const AliasedU32*>(src);
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    const uint32_t bits = s[i];
    const uint32_t rounded = (bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16;
    const uint32_t quiet_nan = (bits >> 16) | 0x40u;
    dst[i] = static_cast<uint16_t>((bits & 0x7fffffffu) > 0x7f800000u ? quiet_nan : rounded);
  }
}

VLMLAB_CPU_FUSED_CLONES
void FromBf16(const uint16_t* __restrict src, float* __restrict dst, int64_t n) {
  AliasedU32* d = reinterpret_cast<AliasedU32*>(reinterpret_cast<AliasedF32*>(dst));
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) d[i] = static_cast<uint32_t>(src[i]) << 16;
}

absl::Status Convert(const Tensor& src, Tensor* dst) {
  if (src.shape() != dst->shape() || !src.is_contiguous() || !dst->is_contiguous()) {
    return absl::InvalidArgumentError(absl::StrCat("convert (cpu_fused): ", src.DebugString(),
                                                   " into ", dst->DebugString(),
                                                   " (contiguous, one shape)"));
  }
  const int64_t n = src.numel();
  if (src.dtype() == DType::kF32 && dst->dtype() == DType::kBF16) {
    const float* s = src.data<float>();
    uint16_t* d = dst->data<uint16_t>();
    ParallelRows(n, 1, [&](int64_t i0, int64_t i1) { ToBf16(s + i0, d + i0, i1 - i0); });
  } else if (src.dtype() == DType::kBF16 && dst->dtype() == DType::kF32) {
    const uint16_t* s = src.data<uint16_t>();
    float* d = dst->data<float>();
    ParallelRows(n, 1, [&](int64_t i0, int64_t i1) { FromBf16(s + i0, d + i0, i1 - i0); });
  } else {
    return absl::UnimplementedError(absl::StrCat("convert (cpu_fused): ", DTypeName(src.dtype()),
                                                 " to ", DTypeName(dst->dtype())));
  }
  return absl::OkStatus();
}

VLMLAB_REGISTER_KERNEL(ConvertKernels, "cpu_fused", DeviceType::kCpu, 10, Convert, DType::kF32,
                       DType::kBF16);

}  // namespace
}  // namespace vlmlab::cpu_fused
