#include "platform/optim/clip.h"

#include <cmath>
#include <unordered_set>

#include "absl/strings/str_cat.h"

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

double Norm(const std::vector<Tensor>& grads) {
  double sum = 0;
  for (const Tensor& g : grads) {
    const float* d = g.data<float>();
    for (int64_t i = 0, n = g.numel(); i < n; ++i) sum += static_cast<double>(d[i]) * d[i];
  }
  return std::sqrt(sum);
}

}  // namespace

absl::StatusOr<double> GradNorm(const std::vector<Tensor>& params) {
  absl::StatusOr<std::vector<Tensor>> grads = Gradients(params);
  if (!grads.ok()) return grads.status();
  return Norm(*grads);
}

absl::StatusOr<double> ClipGradNorm(const std::vector<Tensor>& params, double max_norm) {
  absl::StatusOr<std::vector<Tensor>> grads = Gradients(params);
  if (!grads.ok()) return grads.status();
  double norm = Norm(*grads);
  if (max_norm > 0 && std::isfinite(norm) && norm > max_norm) {
    const float scale = static_cast<float>(max_norm / (norm + 1e-6));
    for (const Tensor& g : *grads) {
      float* d = g.data<float>();
      for (int64_t i = 0, n = g.numel(); i < n; ++i) d[i] *= scale;
    }
  }
  return norm;
}

}  // namespace vlmlab::optim
