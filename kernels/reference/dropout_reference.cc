// Reference dropout: the counter-based mask of kernels/api/dropout.h, element by element.
#include "kernels/api/dropout.h"
#include "kernels/reference/float_io.h"

namespace vlmlab {
namespace {

absl::Status Dropout(const Tensor& x, float p, uint64_t seed, Tensor* y) {
  std::vector<float> xv = LoadFloats(x), yv(xv.size(), 0.0f);
  const float scale = 1.0f / (1.0f - p);
  for (size_t i = 0; i < xv.size(); ++i) {
    if (DropoutKeeps(seed, i, p)) yv[i] = xv[i] * scale;
  }
  StoreFloats(yv, y);
  return absl::OkStatus();
}

VLMLAB_REGISTER_KERNEL(DropoutKernels, "reference", DeviceType::kCpu, 0, Dropout, DType::kF32,
                       DType::kBF16);

}  // namespace
}  // namespace vlmlab
