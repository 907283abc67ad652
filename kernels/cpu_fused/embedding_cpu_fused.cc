// Embedding backward of the cpu_fused backend (f32, priority 10): the scatter-add as a gather.
// The positions are grouped by id with a stable counting sort, then each table row sums its
// positions' gradient rows in increasing position order in double, exactly the reference's
// order and precision, so the result is the reference's bit for bit; rows are split over
// OpenMP threads (no two threads write one row), and rows no id refers to are zero. The
// forward (a row gather) is already a memcpy per id in the reference.
#include <algorithm>
#include <vector>

#include "kernels/api/embedding.h"
#include "kernels/cpu_fused/fast_math.h"
#include "platform/base/status_macros.h"

namespace vlmlab {
namespace {

absl::Status EmbeddingBackward(const Tensor& ids, const Tensor& grad_out, Tensor* grad_table) {
  const int64_t n = ids.numel(), v = grad_table->size(0), c = grad_table->size(1);
  const int32_t* id = ids.data<int32_t>();
  VLMLAB_RETURN_IF_ERROR(CheckEmbeddingIds(id, n, v));
  // start[r] .. start[r + 1]: the positions with id r, in increasing order.
  std::vector<int64_t> start(v + 1, 0), order(n);
  for (int64_t i = 0; i < n; ++i) ++start[id[i] + 1];
  for (int64_t r = 0; r < v; ++r) start[r + 1] += start[r];
  {
    std::vector<int64_t> next(start.begin(), start.end() - 1);
    for (int64_t i = 0; i < n; ++i) order[next[id[i]]++] = i;
  }
  const float* g = grad_out.data<float>();
  float* out = grad_table->data<float>();
  cpu_fused::ParallelRows(v, c, [&](int64_t r0, int64_t r1) {
    std::vector<double> acc(c);
    for (int64_t r = r0; r < r1; ++r) {
      std::fill(acc.begin(), acc.end(), 0.0);
      for (int64_t k = start[r]; k < start[r + 1]; ++k) {
        const float* row = g + order[k] * c;
        for (int64_t j = 0; j < c; ++j) acc[j] += row[j];
      }
      float* dst = out + r * c;
      for (int64_t j = 0; j < c; ++j) dst[j] = static_cast<float>(acc[j]);
    }
  });
  return absl::OkStatus();
}

VLMLAB_REGISTER_KERNEL(EmbeddingBackwardKernels, "cpu_fused", DeviceType::kCpu, 10,
                       EmbeddingBackward, DType::kF32);

}  // namespace
}  // namespace vlmlab
