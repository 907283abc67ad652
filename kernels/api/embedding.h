// Kernel signatures of embedding lookup and its backward (a deterministic scatter-add).
//
//   // ids: i32 [...] (N = numel); table: [V, C]; out: [..., C]
//   EmbeddingKernels().Call(table.device(), table.dtype(), ids, table, &out);
//   // grad_table: [V, C], overwritten: row v = sum of grad_out rows whose id is v, in order
//   EmbeddingBackwardKernels().Call(table.device(), table.dtype(), ids, grad_out, &grad_table);
//
// Contracts (the ops layer guarantees them): contiguous tensors on one device; table, out,
// grad_out and grad_table share a dtype. Kernels check ids before touching memory and return
// InvalidArgument naming the flat position, the id and V for an id outside [0, V).
#ifndef VLMLAB_KERNELS_API_EMBEDDING_H_
#define VLMLAB_KERNELS_API_EMBEDDING_H_

#include <cstdint>

#include "kernels/api/kernel_table.h"
#include "platform/tensor/tensor.h"

namespace vlmlab {

using EmbeddingKernel = absl::Status(const Tensor& ids, const Tensor& table, Tensor* out);
KernelTable<EmbeddingKernel>& EmbeddingKernels();

using EmbeddingBackwardKernel = absl::Status(const Tensor& ids, const Tensor& grad_out,
                                             Tensor* grad_table);
KernelTable<EmbeddingBackwardKernel>& EmbeddingBackwardKernels();

// The shared id check of CPU kernels: OK, or the InvalidArgument described above.
absl::Status CheckEmbeddingIds(const int32_t* ids, int64_t n, int64_t vocab);

}  // namespace vlmlab

#endif  // VLMLAB_KERNELS_API_EMBEDDING_H_
