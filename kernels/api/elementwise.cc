#include "kernels/api/elementwise.h"

namespace vlmlab {

VLMLAB_DEFINE_KERNEL_TABLE(BinaryKernels, BinaryKernel, "binary")
VLMLAB_DEFINE_KERNEL_TABLE(UnaryKernels, UnaryKernel, "unary")
VLMLAB_DEFINE_KERNEL_TABLE(UnaryBackwardKernels, UnaryBackwardKernel, "unary_backward")
VLMLAB_DEFINE_KERNEL_TABLE(SumToKernels, SumToKernel, "sum_to")

const char* BinaryOpName(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAdd:
      return "add";
    case BinaryOp::kSub:
      return "sub";
    case BinaryOp::kMul:
      return "mul";
    case BinaryOp::kDiv:
      return "div";
  }
  return "?";
}

const char* UnaryOpName(UnaryOp op) {
  switch (op) {
    case UnaryOp::kScale:
      return "scale";
    case UnaryOp::kAddScalar:
      return "add_scalar";
    case UnaryOp::kGeluTanh:
      return "gelu_tanh";
    case UnaryOp::kGeluErf:
      return "gelu_erf";
    case UnaryOp::kSilu:
      return "silu";
    case UnaryOp::kSigmoid:
      return "sigmoid";
    case UnaryOp::kTanh:
      return "tanh";
    case UnaryOp::kRelu:
      return "relu";
    case UnaryOp::kExp:
      return "exp";
    case UnaryOp::kLog:
      return "log";
    case UnaryOp::kSquare:
      return "square";
    case UnaryOp::kSqrt:
      return "sqrt";
    case UnaryOp::kRsqrt:
      return "rsqrt";
  }
  return "?";
}

absl::StatusOr<Tensor> AddTensors(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape() || a.dtype() != b.dtype()) {
    return absl::InvalidArgumentError(
        absl::StrCat("add: ", a.DebugString(), " and ", b.DebugString(), " differ"));
  }
  absl::StatusOr<Tensor> out = Tensor::Uninitialized(a.shape(), a.dtype(), a.device());
  if (!out.ok()) return out.status();
  absl::Status s = BinaryKernels().Call(a.device(), a.dtype(), BinaryOp::kAdd, a.Contiguous(),
                                        b.Contiguous(), &*out);
  if (!s.ok()) return s;
  return out;
}

}  // namespace vlmlab
