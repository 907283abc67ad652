#include "platform/optim/clip.h"

#include <cmath>
#include <unordered_set>

#include "absl/strings/str_cat.h"
#include "kernels/api/optimizer_update.h"
#include "platform/base/status_macros.h"

namespace vlmlab::optim {
namespace {

// The distinct gradients, made contiguous (set back on their parameter if that copied).
absl::StatusOr<std::vector<Tensor>> Gradients(const std::vector<Tensor>& params) {
  std::vector<Tensor> grads;
  std::unordered_set<const void*> seen;
  for (const Tensor& p : params) {
    if (!p.defined() || !p.grad().defined() || !seen.insert(p.id()).second) continue;
    Tensor g = p.grad();
    if (g.dtype() != DType::kF32 || g.device().type != DeviceType::kCpu) {
      return absl::UnimplementedError(
          absl::StrCat("clip_grad_norm: gradient ", g.DebugString(), ": f32 CPU only for now"));
    }
    if (!g.is_contiguous()) {
      g = g.Contiguous();
      p.set_grad(g);
    }
    grads.push_back(g);
  }
  return grads;
}

absl::StatusOr<double> Norm(const std::vector<Tensor>& grads) {
  if (grads.empty()) return 0.0;
  double sum_sq = 0;
  VLMLAB_RETURN_IF_ERROR(
      SquaredNormKernels().Call(grads[0].device(), DType::kF32, grads, &sum_sq));
  return std::sqrt(sum_sq);
}

}  // namespace

absl::StatusOr<double> GradNorm(const std::vector<Tensor>& params) {
  VLMLAB_ASSIGN_OR_RETURN(std::vector<Tensor> grads, Gradients(params));
  return Norm(grads);
}

float ClipScale(double norm, double max_norm) {
  if (max_norm > 0 && std::isfinite(norm) && norm > max_norm) {
    return static_cast<float>(max_norm / (norm + 1e-6));
  }
  return 1.0f;
}

absl::StatusOr<double> ClipGradNorm(const std::vector<Tensor>& params, double max_norm) {
  VLMLAB_ASSIGN_OR_RETURN(std::vector<Tensor> grads, Gradients(params));
  VLMLAB_ASSIGN_OR_RETURN(double norm, Norm(grads));
  const float scale = ClipScale(norm, max_norm);
  if (scale != 1.0f) {
    for (const Tensor& g : grads) {
      float* d = g.data<float>();
      for (int64_t i = 0, n = g.numel(); i < n; ++i) d[i] *= scale;
    }
  }
  return norm;
}

}  // namespace vlmlab::optim
