#include "platform/ops/testing/gradcheck.h"

#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "platform/autograd/backward.h"
#include "platform/autograd/grad_mode.h"
#include "platform/base/status_macros.h"
#include "platform/ops/elementwise_ops.h"
#include "platform/ops/shape_ops.h"

namespace vlmlab {
namespace {

// sum(f(inputs) * weights) as a double, without recording history.
absl::StatusOr<double> WeightedLoss(const TensorFunction& f, const std::vector<Tensor>& inputs,
                                    const std::vector<float>& weights) {
  NoGradScope no_grad;
  VLMLAB_ASSIGN_OR_RETURN(Tensor out, f(inputs));
  std::vector<float> v = out.ToVector();
  double loss = 0;
  for (size_t i = 0; i < v.size(); ++i) loss += static_cast<double>(v[i]) * weights[i];
  return loss;
}

}  // namespace

double MaxAbsDiff(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape()) return std::numeric_limits<double>::infinity();
  std::vector<float> x = a.ToVector(), y = b.ToVector();
  double m = 0;
  for (size_t i = 0; i < x.size(); ++i) m = std::max(m, std::abs(double{x[i]} - y[i]));
  return m;
}

absl::Status GradCheck(const TensorFunction& f, std::vector<Tensor> inputs,
                       const GradCheckOptions& options) {
  for (Tensor& in : inputs) {
    in = in.Detach();
    in.zero_grad();
    if (in.dtype() == DType::kF32) in.set_requires_grad(true);
  }
  VLMLAB_ASSIGN_OR_RETURN(Tensor out, f(inputs));
  Tensor weights = Tensor::RandN(out.shape(), options.seed);
  VLMLAB_ASSIGN_OR_RETURN(Tensor weighted, ops::Mul(out, weights));
  VLMLAB_ASSIGN_OR_RETURN(Tensor loss, ops::Sum(weighted));
  VLMLAB_RETURN_IF_ERROR(Backward(loss));
  std::vector<float> w = weights.ToVector();

  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].dtype() != DType::kF32) continue;
    std::vector<float> analytic = inputs[i].grad().defined()
                                      ? inputs[i].grad().ToVector()
                                      : std::vector<float>(inputs[i].numel(), 0.0f);
    int64_t n = inputs[i].numel();
    int64_t stride = std::max<int64_t>(1, n / options.max_elements_per_input);
    float* data = inputs[i].data<float>();
    for (int64_t j = 0; j < n; j += stride) {
      float original = data[j];
      data[j] = original + static_cast<float>(options.eps);
      VLMLAB_ASSIGN_OR_RETURN(double plus, WeightedLoss(f, inputs, w));
      data[j] = original - static_cast<float>(options.eps);
      VLMLAB_ASSIGN_OR_RETURN(double minus, WeightedLoss(f, inputs, w));
      data[j] = original;
      double numeric = (plus - minus) / (2 * options.eps);
      double got = analytic[j];
      if (std::abs(got - numeric) > options.atol + options.rtol * std::abs(numeric)) {
        return absl::InternalError(
            absl::StrCat("gradient of input ", i, " ", ShapeString(inputs[i].shape()),
                         " at element ", j, ": autograd ", got, ", finite difference ", numeric));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace vlmlab
