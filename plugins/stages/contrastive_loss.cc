#include "plugins/stages/contrastive_loss.h"

#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"
#include "platform/base/status_macros.h"
#include "platform/ops/composite_ops.h"
#include "platform/ops/cross_entropy_ops.h"
#include "platform/ops/elementwise_ops.h"
#include "platform/ops/matmul_ops.h"
#include "platform/ops/shape_ops.h"

namespace vlmlab {
namespace {

absl::Status CheckPairs(const char* loss, const Tensor& image, const Tensor& text,
                        const Tensor& log_scale) {
  if (image.dim() != 2 || text.dim() != 2 || image.size(0) != text.size(0) ||
      image.size(1) != text.size(1) || image.size(0) == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(loss, ": image and text embeddings must be two [N, E] tensors of one shape "
                           "with N > 0, got ",
                     image.DebugString(), " and ", text.DebugString()));
  }
  if (log_scale.numel() != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(loss, ": the log-scale must hold one value, got ", log_scale.DebugString()));
  }
  return absl::OkStatus();
}

// [N, N] = scale * image text^T, with the scale exp(log_scale) (a [1] tensor broadcast).
absl::StatusOr<Tensor> ScaledSimilarities(const Tensor& image, const Tensor& text,
                                          const Tensor& log_scale, float max_scale,
                                          double* scale_used) {
  VLMLAB_ASSIGN_OR_RETURN(Tensor sims, ops::Matmul(image, text, false, /*transpose_b=*/true));
  VLMLAB_ASSIGN_OR_RETURN(Tensor ls, ops::Reshape(log_scale, {1, 1}));
  VLMLAB_ASSIGN_OR_RETURN(Tensor scale, ops::Exp(ls));
  *scale_used = scale.ToVector()[0];
  if (max_scale > 0 && *scale_used > max_scale) {
    scale = Tensor::Full({1, 1}, max_scale);  // clamped: a constant, no gradient
    *scale_used = max_scale;
  }
  return ops::Mul(sims, scale);
}

double DiagonalTop1(const Tensor& logits) {
  const int64_t n = logits.size(0);
  std::vector<float> v = logits.Contiguous().ToVector();
  int64_t hits = 0;
  for (int64_t i = 0; i < n; ++i) {
    bool best = true;
    for (int64_t j = 0; j < n && best; ++j) best = j == i || v[i * n + j] < v[i * n + i];
    hits += best;
  }
  return static_cast<double>(hits) / n;
}

}  // namespace

absl::StatusOr<ContrastiveLossResult> ClipLoss(const Tensor& image, const Tensor& text,
                                               const Tensor& log_scale) {
  VLMLAB_RETURN_IF_ERROR(CheckPairs("clip loss", image, text, log_scale));
  const int64_t n = image.size(0);
  ContrastiveLossResult out;
  VLMLAB_ASSIGN_OR_RETURN(
      Tensor logits, ScaledSimilarities(image, text, log_scale, kClipMaxLogitScale, &out.scale));
  std::vector<int32_t> diag(n);
  for (int64_t i = 0; i < n; ++i) diag[i] = static_cast<int32_t>(i);
  Tensor targets = Tensor::FromInts({n}, diag);
  VLMLAB_ASSIGN_OR_RETURN(Tensor image_to_text, ops::CrossEntropy(logits, targets));
  double same_scale = 0;  // text -> image: the same scale, logits transposed
  VLMLAB_ASSIGN_OR_RETURN(
      Tensor logits_t, ScaledSimilarities(text, image, log_scale, kClipMaxLogitScale, &same_scale));
  VLMLAB_ASSIGN_OR_RETURN(Tensor text_to_image, ops::CrossEntropy(logits_t, targets));
  VLMLAB_ASSIGN_OR_RETURN(Tensor both, ops::Add(image_to_text, text_to_image));
  VLMLAB_ASSIGN_OR_RETURN(out.loss, ops::Scale(both, 0.5f));
  out.accuracy = DiagonalTop1(logits);
  return out;
}

absl::StatusOr<ContrastiveLossResult> SigLipLoss(const Tensor& image, const Tensor& text,
                                                 const Tensor& log_scale, const Tensor& bias) {
  VLMLAB_RETURN_IF_ERROR(CheckPairs("siglip loss", image, text, log_scale));
  if (bias.numel() != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("siglip loss: the bias must hold one value, got ", bias.DebugString()));
  }
  const int64_t n = image.size(0);
  ContrastiveLossResult out;
  VLMLAB_ASSIGN_OR_RETURN(Tensor scaled,
                          ScaledSimilarities(image, text, log_scale, /*max_scale=*/0, &out.scale));
  VLMLAB_ASSIGN_OR_RETURN(Tensor b, ops::Reshape(bias, {1, 1}));
  VLMLAB_ASSIGN_OR_RETURN(Tensor logits, ops::Add(scaled, b));  // [N, N]
  std::vector<float> signs(n * n, -1.0f);
  for (int64_t i = 0; i < n; ++i) signs[i * n + i] = 1.0f;
  VLMLAB_ASSIGN_OR_RETURN(Tensor signed_logits,
                          ops::Mul(logits, Tensor::FromVector({n, n}, signs)));
  VLMLAB_ASSIGN_OR_RETURN(Tensor log_p, ops::LogSigmoid(signed_logits));
  VLMLAB_ASSIGN_OR_RETURN(Tensor total, ops::Sum(log_p));
  VLMLAB_ASSIGN_OR_RETURN(out.loss, ops::Scale(total, -1.0f / n));
  out.accuracy = DiagonalTop1(logits);
  return out;
}

}  // namespace vlmlab
