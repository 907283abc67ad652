// cuda_smoke: a minimal, real CUDA component proving that the --config=cuda build path works
// (nvcc for sm_90, cudart and cuBLAS linking, CUDA errors surfaced as absl::Status). It is the
// foundation for a later CUDA backend, not a backend itself. Without --config=cuda a stub is
// linked instead: every call returns FailedPrecondition and CompiledWithCuda() is false.
//
// Usage:
//   #include "kernels/cuda/cuda_smoke.h"
//   absl::StatusOr<int> devices = vlmlab::cuda::DeviceCount();
//   if (!devices.ok() || *devices == 0) { /* no usable GPU; devices.status() says why */ }
//   std::vector<float> a(n), b(n), out(n);
//   absl::Status s = vlmlab::cuda::VectorAdd(a.data(), b.data(), out.data(), n);
#ifndef VLMLAB_KERNELS_CUDA_CUDA_SMOKE_H_
#define VLMLAB_KERNELS_CUDA_CUDA_SMOKE_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace vlmlab::cuda {

// True when this binary was built with --config=cuda (the real implementation is linked).
bool CompiledWithCuda();

// Number of visible CUDA devices (0 when the driver works but sees no GPU). Returns an error
// carrying the CUDA error name/string and file:line when the runtime or driver is unusable,
// e.g. "CUDA driver version is insufficient for CUDA runtime version".
absl::StatusOr<int> DeviceCount();

// out[i] = a[i] + b[i] for i in [0, n). All pointers are host memory; the data is copied to
// device 0, added by a __global__ kernel and copied back. n == 0 is a no-op.
absl::Status VectorAdd(const float* a, const float* b, float* out, int n);

// C = A * B for row-major host matrices A (m x k), B (k x n) and C (m x n), through cuBLAS.
absl::Status Sgemm(int m, int n, int k, const float* a, const float* b, float* c);

}  // namespace vlmlab::cuda

#endif  // VLMLAB_KERNELS_CUDA_CUDA_SMOKE_H_
