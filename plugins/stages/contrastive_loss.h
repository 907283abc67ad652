// The losses of contrastive image-text pre-training, over a batch whose row i of `image` and
// row i of `text` are a pair and every other row is a negative (batch negatives).
//
//   // image, text: f32 [N, E], rows L2-normalised; log_scale, bias: f32 [1] parameters
//   absl::StatusOr<ContrastiveLossResult> clip = ClipLoss(image, text, log_scale);
//   absl::StatusOr<ContrastiveLossResult> siglip = SigLipLoss(image, text, log_scale, bias);
//
// - CLIP (Radford et al. 2021): logits S = exp(log_scale) * image text^T [N, N]; the loss is
//   the mean of the row-wise (image -> text) and column-wise (text -> image) cross-entropies
//   with the diagonal as the target. exp(log_scale) is clamped at 100 as in CLIP: above it the
//   scale is a constant and log_scale gets no gradient.
// - SigLIP (Zhai et al. 2023): every pair is a binary problem, z_ij = +1 on the diagonal and
//   -1 elsewhere; loss = -(1/N) sum_ij log sigmoid(z_ij (exp(log_scale) image_i . text_j + b)).
//   No clamp (the paper initialises log_scale = log 10 and b = -10 and trains both freely).
//
// `accuracy` is the share of images whose own text scores highest in the batch (a cheap
// training signal to log, not an evaluation).
#ifndef VLMLAB_PLUGINS_STAGES_CONTRASTIVE_LOSS_H_
#define VLMLAB_PLUGINS_STAGES_CONTRASTIVE_LOSS_H_

#include "absl/status/statusor.h"
#include "platform/tensor/tensor.h"

namespace vlmlab {

struct ContrastiveLossResult {
  Tensor loss;          // f32 [], with autograd history
  double scale = 0;     // exp(log_scale) as used (after the clamp)
  double accuracy = 0;  // image -> text top-1 within the batch
};

inline constexpr float kClipMaxLogitScale = 100.0f;

absl::StatusOr<ContrastiveLossResult> ClipLoss(const Tensor& image, const Tensor& text,
                                               const Tensor& log_scale);
absl::StatusOr<ContrastiveLossResult> SigLipLoss(const Tensor& image, const Tensor& text,
                                                 const Tensor& log_scale, const Tensor& bias);

}  // namespace vlmlab

#endif  // VLMLAB_PLUGINS_STAGES_CONTRASTIVE_LOSS_H_
