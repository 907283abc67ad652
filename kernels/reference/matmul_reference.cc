// Reference (batched) matmul: a triple loop accumulating in double.
#include "kernels/api/matmul.h"
#include "kernels/reference/float_io.h"

namespace vlmlab {
namespace {

absl::Status Matmul(const Tensor& a, const Tensor& b, const MatmulParams& p, Tensor* out) {
  const int64_t ra = a.dim(), rb = b.dim();
  const int64_t m = p.transpose_a ? a.size(-1) : a.size(-2);
  const int64_t k = p.transpose_a ? a.size(-2) : a.size(-1);
  const int64_t n = p.transpose_b ? b.size(-2) : b.size(-1);
  const int64_t batch = NumElements(Shape(a.shape().begin(), a.shape().end() - 2));
  const bool shared_b = rb == 2 && ra > 2;
  std::vector<float> av = LoadFloats(a), bv = LoadFloats(b), ov = LoadFloats(*out);
  for (int64_t t = 0; t < batch; ++t) {
    const float* A = av.data() + t * m * k;
    const float* B = bv.data() + (shared_b ? 0 : t * k * n);
    float* C = ov.data() + t * m * n;
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t j = 0; j < n; ++j) {
        double acc = 0;
        for (int64_t l = 0; l < k; ++l) {
          double x = p.transpose_a ? A[l * m + i] : A[i * k + l];
          double y = p.transpose_b ? B[j * k + l] : B[l * n + j];
          acc += x * y;
        }
        C[i * n + j] = static_cast<float>(acc + (p.beta != 0 ? p.beta * C[i * n + j] : 0.0));
      }
    }
  }
  StoreFloats(ov, out);
  return absl::OkStatus();
}

VLMLAB_REGISTER_KERNEL(MatmulKernels, "reference", DeviceType::kCpu, 0, Matmul, DType::kF32,
                       DType::kBF16);

}  // namespace
}  // namespace vlmlab
