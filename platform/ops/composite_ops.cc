#include "platform/ops/composite_ops.h"

#include "platform/base/status_macros.h"
#include "platform/ops/elementwise_ops.h"
#include "platform/ops/shape_ops.h"

namespace vlmlab::ops {

// relu(-x) gives max(-x, 0), and |x| = x + 2 relu(-x).
absl::StatusOr<Tensor> LogSigmoid(const Tensor& x) {
  VLMLAB_ASSIGN_OR_RETURN(Tensor neg, Scale(x, -1.0f));
  VLMLAB_ASSIGN_OR_RETURN(Tensor relu_neg, Relu(neg));  // max(-x, 0)
  VLMLAB_ASSIGN_OR_RETURN(Tensor two_relu, Scale(relu_neg, 2.0f));
  VLMLAB_ASSIGN_OR_RETURN(Tensor abs_x, Add(x, two_relu));  // |x|
  VLMLAB_ASSIGN_OR_RETURN(Tensor neg_abs, Scale(abs_x, -1.0f));
  VLMLAB_ASSIGN_OR_RETURN(Tensor e, Exp(neg_abs));
  VLMLAB_ASSIGN_OR_RETURN(Tensor one_plus, AddScalar(e, 1.0f));
  VLMLAB_ASSIGN_OR_RETURN(Tensor log1p, Log(one_plus));
  VLMLAB_ASSIGN_OR_RETURN(Tensor min_x0, Scale(relu_neg, -1.0f));  // min(x, 0)
  return Sub(min_x0, log1p);
}

absl::StatusOr<Tensor> L2Normalize(const Tensor& x, float eps) {
  VLMLAB_ASSIGN_OR_RETURN(Tensor sq, Square(x));
  VLMLAB_ASSIGN_OR_RETURN(Tensor ss, Sum(sq, {-1}, /*keepdim=*/true));  // [..., 1]
  VLMLAB_ASSIGN_OR_RETURN(Tensor ss_eps, AddScalar(ss, eps));
  VLMLAB_ASSIGN_OR_RETURN(Tensor inv, Rsqrt(ss_eps));
  return Mul(x, inv);
}

}  // namespace vlmlab::ops
