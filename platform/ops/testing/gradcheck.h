// Finite-difference checks of autograd, for op and module tests.
//
//   absl::Status s = GradCheck(
//       [](const std::vector<Tensor>& in) { return ops::Matmul(in[0], in[1]); },
//       {Tensor::RandN({3, 5}, 1), Tensor::RandN({5, 4}, 2)});
//   EXPECT_TRUE(s.ok()) << s;
//
// The function's output is reduced to a scalar with fixed random weights (so every output
// element matters); each input's analytic gradient is compared with central differences at up
// to `max_elements_per_input` positions. Inputs must be f32; integer inputs (indices) are
// passed through untouched and need no gradient.
//
// Tolerances: the forward runs in f32, so the finite difference carries noise of about
// 1e-7 * |loss| / eps. The defaults suit gradients of order 0.1-1; for small gradients (a mean
// over many elements) check a `sum` reduction or pass a tighter atol, or an error of a few
// percent in a small gradient passes unseen.
#ifndef VLMLAB_PLATFORM_OPS_TESTING_GRADCHECK_H_
#define VLMLAB_PLATFORM_OPS_TESTING_GRADCHECK_H_

#include <functional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "platform/tensor/tensor.h"

namespace vlmlab {

struct GradCheckOptions {
  double eps = 1e-2;  // step of the central difference (on f32 inputs of order 1)
  double atol = 1e-3;
  double rtol = 1e-2;
  int max_elements_per_input = 48;
  uint64_t seed = 1234;
};

using TensorFunction = std::function<absl::StatusOr<Tensor>(const std::vector<Tensor>&)>;

absl::Status GradCheck(const TensorFunction& f, std::vector<Tensor> inputs,
                       const GradCheckOptions& options = {});

// Max |a - b| over two tensors of one shape, or +inf when the shapes differ.
double MaxAbsDiff(const Tensor& a, const Tensor& b);

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_OPS_TESTING_GRADCHECK_H_
