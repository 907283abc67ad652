// Reference embedding: row gathers, and a scatter-add in double in the order of the ids.
#include <cstring>

#include "kernels/api/embedding.h"
#include "kernels/reference/float_io.h"
#include "platform/base/status_macros.h"

namespace vlmlab {
namespace {

absl::Status Embedding(const Tensor& ids, const Tensor& table, Tensor* out) {
  const int64_t n = ids.numel(), v = table.size(0), c = table.size(1);
  const int32_t* id = ids.data<int32_t>();
  VLMLAB_RETURN_IF_ERROR(CheckEmbeddingIds(id, n, v));
  const size_t row_bytes = static_cast<size_t>(c) * DTypeSize(table.dtype());
  const char* src = static_cast<const char*>(table.raw_data());
  char* dst = static_cast<char*>(out->raw_data());
  for (int64_t i = 0; i < n; ++i) {
    std::memcpy(dst + i * row_bytes, src + id[i] * row_bytes, row_bytes);
  }
  return absl::OkStatus();
}

absl::Status EmbeddingBackward(const Tensor& ids, const Tensor& grad_out, Tensor* grad_table) {
  const int64_t n = ids.numel(), v = grad_table->size(0), c = grad_table->size(1);
  const int32_t* id = ids.data<int32_t>();
  VLMLAB_RETURN_IF_ERROR(CheckEmbeddingIds(id, n, v));
  std::vector<float> g = LoadFloats(grad_out);
  std::vector<double> acc(v * c, 0.0);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < c; ++j) acc[id[i] * c + j] += g[i * c + j];
  }
  StoreFloats(std::vector<float>(acc.begin(), acc.end()), grad_table);
  return absl::OkStatus();
}

VLMLAB_REGISTER_KERNEL(EmbeddingKernels, "reference", DeviceType::kCpu, 0, Embedding, DType::kF32,
                       DType::kBF16);
VLMLAB_REGISTER_KERNEL(EmbeddingBackwardKernels, "reference", DeviceType::kCpu, 0,
                       EmbeddingBackward, DType::kF32, DType::kBF16);

}  // namespace
}  // namespace vlmlab
