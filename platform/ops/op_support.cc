#include "platform/ops/op_support.h"

#include "kernels/api/convert.h"
#include "kernels/api/copy.h"

namespace vlmlab::ops {

absl::StatusOr<Tensor> MakeContiguous(const Tensor& t) {
  if (t.is_contiguous()) return t;
  VLMLAB_ASSIGN_OR_RETURN(Tensor out, NewTensor(t.shape(), t));
  VLMLAB_RETURN_IF_ERROR(CopyKernels().Call(t.device(), t.dtype(), t, &out));
  return out;
}

absl::StatusOr<Tensor> ConvertTo(const Tensor& t, DType dtype) {
  if (t.dtype() == dtype) return t;
  VLMLAB_ASSIGN_OR_RETURN(Tensor c, MakeContiguous(t));
  VLMLAB_ASSIGN_OR_RETURN(Tensor out, NewTensor(t.shape(), dtype, t));
  VLMLAB_RETURN_IF_ERROR(ConvertKernels().Call(t.device(), dtype, c, &out));
  return out;
}

}  // namespace vlmlab::ops
