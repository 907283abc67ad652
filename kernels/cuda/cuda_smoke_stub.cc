// cuda_smoke_stub: the implementation of cuda_smoke.h linked when vlmlab is built without
// --config=cuda. Every operation fails with a FailedPrecondition naming the fix.
#include "kernels/cuda/cuda_smoke.h"

namespace vlmlab::cuda {
namespace {

absl::Status NoCuda() {
  return absl::FailedPreconditionError("vlmlab was built without CUDA; rebuild with --config=cuda");
}

}  // namespace

bool CompiledWithCuda() { return false; }

absl::StatusOr<int> DeviceCount() { return NoCuda(); }

absl::Status VectorAdd(const float*, const float*, float*, int) { return NoCuda(); }

absl::Status Sgemm(int, int, int, const float*, const float*, float*) { return NoCuda(); }

}  // namespace vlmlab::cuda
