#include "platform/runner/compute_precision.h"

#include "platform/ops/conv_ops.h"
#include "platform/ops/matmul_ops.h"

namespace vlmlab::runner {

absl::StatusOr<ops::MatmulPrecision> PrecisionForRuntime(const Runtime& runtime) {
  if (runtime.dtype() != Runtime::BF16) return ops::MatmulPrecision::kF32;
  if (!ops::HasFastBf16Matmul(DeviceType::kCpu) || !ops::HasFastBf16Conv(DeviceType::kCpu)) {
    return absl::FailedPreconditionError(
        "runtime.dtype: BF16 needs native bf16 dot products (avx512_bf16: Intel Cooper Lake or "
        "Sapphire Rapids and later, AMD Zen 4 and later), which this CPU (or DNNL_MAX_CPU_ISA) "
        "does not offer, so every matmul and convolution would run in f32; set dtype: F32 or run "
        "where "
        "`lscpu` lists avx512_bf16");
  }
  return ops::MatmulPrecision::kBF16;
}

}  // namespace vlmlab::runner
