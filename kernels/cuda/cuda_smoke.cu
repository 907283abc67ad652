// cuda_smoke.cu: the CUDA implementation of cuda_smoke.h, compiled by nvcc (sm_90) through
// //bazel:cuda.bzl's cuda_library under --config=cuda. Every cudaError_t / cublasStatus_t is
// turned into an absl::Status that names the failing call and its file:line.
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstddef>
#include <memory>

#include "absl/strings/str_cat.h"
#include "kernels/cuda/cuda_smoke.h"

namespace vlmlab::cuda {
namespace {

// Errors that mean "no usable GPU/driver here" rather than a bug in the caller or in us.
absl::StatusCode CodeFor(cudaError_t e) {
  switch (e) {
    case cudaErrorNoDevice:
    case cudaErrorInsufficientDriver:
    case cudaErrorStubLibrary:
    case cudaErrorCallRequiresNewerDriver:
    case cudaErrorDevicesUnavailable:
    case cudaErrorInitializationError:
    case cudaErrorNoKernelImageForDevice:
    case cudaErrorSystemDriverMismatch:
    case cudaErrorCompatNotSupportedOnDevice:
      return absl::StatusCode::kFailedPrecondition;
    case cudaErrorInvalidValue:
      return absl::StatusCode::kInvalidArgument;
    default:
      return absl::StatusCode::kInternal;
  }
}

absl::Status CudaStatus(cudaError_t e, const char* expr, const char* file, int line) {
  cudaGetLastError();  // Clear the (non-sticky) error so later calls start clean.
  return absl::Status(CodeFor(e), absl::StrCat(file, ":", line, ": ", expr, " failed: ",
                                               cudaGetErrorName(e), ": ", cudaGetErrorString(e)));
}

absl::Status CublasStatus(cublasStatus_t s, const char* expr, const char* file, int line) {
  absl::StatusCode code = s == CUBLAS_STATUS_NOT_INITIALIZED ? absl::StatusCode::kFailedPrecondition
                          : s == CUBLAS_STATUS_INVALID_VALUE ? absl::StatusCode::kInvalidArgument
                                                             : absl::StatusCode::kInternal;
  return absl::Status(code, absl::StrCat(file, ":", line, ": ", expr, " failed: ",
                                         cublasGetStatusName(s), ": ", cublasGetStatusString(s)));
}

#define VLMLAB_CUDA_RETURN_IF_ERROR(expr)                                                      \
  do {                                                                                         \
    const cudaError_t vlmlab_err_ = (expr);                                                    \
    if (vlmlab_err_ != cudaSuccess) return CudaStatus(vlmlab_err_, #expr, __FILE__, __LINE__); \
  } while (0)

#define VLMLAB_CUBLAS_RETURN_IF_ERROR(expr)                       \
  do {                                                            \
    const cublasStatus_t vlmlab_st_ = (expr);                     \
    if (vlmlab_st_ != CUBLAS_STATUS_SUCCESS)                      \
      return CublasStatus(vlmlab_st_, #expr, __FILE__, __LINE__); \
  } while (0)

struct DeviceFree {
  void operator()(float* p) const { cudaFree(p); }
};
using DeviceBuffer = std::unique_ptr<float, DeviceFree>;

// Allocates `count` floats on the device and, when `host` is non-null, uploads them.
absl::Status Upload(const float* host, size_t count, DeviceBuffer* out) {
  float* raw = nullptr;
  VLMLAB_CUDA_RETURN_IF_ERROR(cudaMalloc(&raw, count * sizeof(float)));
  out->reset(raw);
  if (host != nullptr) {
    VLMLAB_CUDA_RETURN_IF_ERROR(
        cudaMemcpy(raw, host, count * sizeof(float), cudaMemcpyHostToDevice));
  }
  return absl::OkStatus();
}

struct CublasHandle {
  cublasHandle_t handle = nullptr;
  ~CublasHandle() {
    if (handle != nullptr) cublasDestroy(handle);
  }
};

__global__ void VectorAddKernel(const float* a, const float* b, float* out, int n) {
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
    out[i] = a[i] + b[i];
  }
}

}  // namespace

bool CompiledWithCuda() { return true; }

absl::StatusOr<int> DeviceCount() {
  int count = 0;
  const cudaError_t e = cudaGetDeviceCount(&count);
  if (e == cudaErrorNoDevice) {  // The driver works but sees no GPU: a valid answer of zero.
    cudaGetLastError();
    return 0;
  }
  if (e != cudaSuccess) return CudaStatus(e, "cudaGetDeviceCount(&count)", __FILE__, __LINE__);
  return count;
}

absl::Status VectorAdd(const float* a, const float* b, float* out, int n) {
  if (n < 0) return absl::InvalidArgumentError(absl::StrCat("VectorAdd: n = ", n, " < 0"));
  if (n == 0) return absl::OkStatus();
  if (a == nullptr || b == nullptr || out == nullptr) {
    return absl::InvalidArgumentError("VectorAdd: null pointer");
  }
  const size_t count = static_cast<size_t>(n);
  DeviceBuffer da, db, dout;
  if (absl::Status s = Upload(a, count, &da); !s.ok()) return s;
  if (absl::Status s = Upload(b, count, &db); !s.ok()) return s;
  if (absl::Status s = Upload(nullptr, count, &dout); !s.ok()) return s;
  constexpr int kThreads = 256;
  const int blocks = std::min((n + kThreads - 1) / kThreads, 4096);
  VectorAddKernel<<<blocks, kThreads>>>(da.get(), db.get(), dout.get(), n);
  VLMLAB_CUDA_RETURN_IF_ERROR(cudaGetLastError());
  // The blocking copy also reports any error raised while the kernel ran.
  VLMLAB_CUDA_RETURN_IF_ERROR(
      cudaMemcpy(out, dout.get(), count * sizeof(float), cudaMemcpyDeviceToHost));
  return absl::OkStatus();
}

absl::Status Sgemm(int m, int n, int k, const float* a, const float* b, float* c) {
  if (m < 0 || n < 0 || k < 0) {
    return absl::InvalidArgumentError(absl::StrCat("Sgemm: negative size ", m, "x", n, "x", k));
  }
  if (m == 0 || n == 0) return absl::OkStatus();
  if (c == nullptr || (k > 0 && (a == nullptr || b == nullptr))) {
    return absl::InvalidArgumentError("Sgemm: null pointer");
  }
  if (k == 0) {  // Empty inner dimension: C is all zeros.
    std::fill(c, c + static_cast<size_t>(m) * n, 0.0f);
    return absl::OkStatus();
  }
  DeviceBuffer da, db, dc;
  if (absl::Status s = Upload(a, static_cast<size_t>(m) * k, &da); !s.ok()) return s;
  if (absl::Status s = Upload(b, static_cast<size_t>(k) * n, &db); !s.ok()) return s;
  if (absl::Status s = Upload(nullptr, static_cast<size_t>(m) * n, &dc); !s.ok()) return s;
  CublasHandle h;
  VLMLAB_CUBLAS_RETURN_IF_ERROR(cublasCreate(&h.handle));
  // cuBLAS is column-major. A row-major matrix is its transpose in column-major, so compute
  // C^T (n x m) = B^T (n x k) * A^T (k x m), passing B first: no explicit transposes needed.
  const float alpha = 1.0f, beta = 0.0f;
  VLMLAB_CUBLAS_RETURN_IF_ERROR(cublasSgemm(h.handle, CUBLAS_OP_N, CUBLAS_OP_N, n, m, k, &alpha,
                                            db.get(), n, da.get(), k, &beta, dc.get(), n));
  VLMLAB_CUDA_RETURN_IF_ERROR(
      cudaMemcpy(c, dc.get(), static_cast<size_t>(m) * n * sizeof(float), cudaMemcpyDeviceToHost));
  return absl::OkStatus();
}

}  // namespace vlmlab::cuda
