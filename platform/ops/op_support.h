// Shared checks and helpers of the differentiable ops: argument validation with errors that
// name the op and the shapes, output allocation, and the contiguous inputs kernels expect.
//
//   VLMLAB_RETURN_IF_ERROR(CheckSameKind("add", a, b));
//   VLMLAB_ASSIGN_OR_RETURN(Tensor out, NewTensor(shape, a));
#ifndef VLMLAB_PLATFORM_OPS_OP_SUPPORT_H_
#define VLMLAB_PLATFORM_OPS_OP_SUPPORT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "platform/base/status_macros.h"
#include "platform/tensor/tensor.h"

namespace vlmlab::ops {

inline absl::Status CheckDefined(const char* op, const Tensor& t, const char* what = "input") {
  if (t.defined()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(op, ": ", what, " is an undefined tensor"));
}

// Same device and dtype, or an error naming the op and both tensors.
inline absl::Status CheckSameKind(const char* op, const Tensor& a, const Tensor& b) {
  VLMLAB_RETURN_IF_ERROR(CheckDefined(op, a));
  VLMLAB_RETURN_IF_ERROR(CheckDefined(op, b));
  if (a.dtype() != b.dtype() || a.device() != b.device()) {
    return absl::InvalidArgumentError(absl::StrCat(op, ": ", a.DebugString(), " and ",
                                                   b.DebugString(), " differ in dtype or device"));
  }
  return absl::OkStatus();
}

inline absl::Status CheckFloating(const char* op, const Tensor& t) {
  if (t.dtype() == DType::kI32) {
    return absl::InvalidArgumentError(
        absl::StrCat(op, ": needs a floating-point tensor, got ", t.DebugString()));
  }
  return absl::OkStatus();
}

// A new kernel output of `shape` with `like`'s dtype (or `dtype`) and device. Its contents are
// unspecified (Tensor::Uninitialized): kernels write every element of their outputs (the
// contract of kernels/api), so no fill need be spent on them. Use NewZeroedTensor for a
// buffer that is only partly written.
inline absl::StatusOr<Tensor> NewTensor(const Shape& shape, const Tensor& like) {
  return Tensor::Uninitialized(shape, like.dtype(), like.device());
}
inline absl::StatusOr<Tensor> NewTensor(const Shape& shape, DType dtype, const Tensor& like) {
  return Tensor::Uninitialized(shape, dtype, like.device());
}
// Zero-filled (Tensor::Empty).
inline absl::StatusOr<Tensor> NewZeroedTensor(const Shape& shape, const Tensor& like) {
  return Tensor::Empty(shape, like.dtype(), like.device());
}

// A contiguous tensor with t's values, copied through the device's copy kernel if needed.
absl::StatusOr<Tensor> MakeContiguous(const Tensor& t);

// t (contiguous) in `dtype`, through the device's convert kernel (f32 <-> bf16); t itself when
// it already has that dtype. Not recorded for autograd.
absl::StatusOr<Tensor> ConvertTo(const Tensor& t, DType dtype);

}  // namespace vlmlab::ops

#endif  // VLMLAB_PLATFORM_OPS_OP_SUPPORT_H_
