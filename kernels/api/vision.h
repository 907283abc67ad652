// Kernel signatures of the vision ops: patch extraction (unfold) and its inverse (fold), the
// Idefics3 / nanoVLM token-grid pixel shuffle (space-to-depth) and its inverse, and average
// pooling with kernel = stride over token grids or images. The ops layer (platform/ops/
// vision_ops.h) checks shapes; see there for the element orders.
//
//   // images [B, C, H, W] -> patches [B, (H/p)*(W/p), C*p*p]
//   Tensor patches = Tensor::Empty({B, (H / p) * (W / p), C * p * p}).value();
//   absl::Status s = ImageToPatchesKernels().Call(images.device(), images.dtype(), images, p,
//                                                 &patches);
//
// Contracts (the ops layer guarantees them): every tensor is contiguous, on one device and of
// one dtype; outputs are allocated with their final shape; sizes divide exactly.
#ifndef VLMLAB_KERNELS_API_VISION_H_
#define VLMLAB_KERNELS_API_VISION_H_

#include <cstdint>

#include "kernels/api/kernel_table.h"
#include "platform/tensor/tensor.h"

namespace vlmlab {

// patches[b, (y/p)*(W/p) + x/p, (c*p + y%p)*p + x%p] = images[b, c, y, x].
//   images: [B, C, H, W]   patches: [B, (H/p)*(W/p), C*p*p]
using ImageToPatchesKernel = absl::Status(const Tensor& images, int64_t patch, Tensor* patches);
KernelTable<ImageToPatchesKernel>& ImageToPatchesKernels();
// The inverse (fold): images from patches; H and W are read from `images`' shape.
using PatchesToImageKernel = absl::Status(const Tensor& patches, int64_t patch, Tensor* images);
KernelTable<PatchesToImageKernel>& PatchesToImageKernels();

// Space-to-depth on a token grid (H, W) = (grid_h, grid_w), factor r:
//   out[b, (y/r)*(W/r) + x/r, ((y%r)*r + x%r)*C + c] = tokens[b, y*W + x, c]
//   tokens: [B, H*W, C]   out: [B, (H/r)*(W/r), C*r*r]
using PixelShuffleKernel = absl::Status(const Tensor& tokens, int64_t grid_h, int64_t grid_w,
                                        int64_t factor, Tensor* out);
KernelTable<PixelShuffleKernel>& PixelShuffleKernels();
// The inverse: `shuffled` [B, (H/r)*(W/r), C*r*r] back to `tokens` [B, H*W, C].
using PixelShuffleInverseKernel = absl::Status(const Tensor& shuffled, int64_t grid_h,
                                               int64_t grid_w, int64_t factor, Tensor* tokens);
KernelTable<PixelShuffleInverseKernel>& PixelShuffleInverseKernels();

// Where the channels of a pooled grid live.
enum class GridLayout {
  kTokens,  // [B, H*W, C], token y*W + x
  kImages,  // [B, C, H, W]
};
const char* GridLayoutName(GridLayout layout);

// Mean over each k x k window (stride k) of the grid (grid_h, grid_w):
//   kTokens: x [B, H*W, C] -> out [B, (H/k)*(W/k), C]
//   kImages: x [B, C, H, W] -> out [B, C, H/k, W/k]
using AvgPoolKernel = absl::Status(GridLayout layout, const Tensor& x, int64_t grid_h,
                                   int64_t grid_w, int64_t kernel, Tensor* out);
KernelTable<AvgPoolKernel>& AvgPoolKernels();
// grad_x[window cell] = grad_out[window] / (k*k); grad_x is shaped like the pooled input.
using AvgPoolBackwardKernel = absl::Status(GridLayout layout, const Tensor& grad_out,
                                           int64_t grid_h, int64_t grid_w, int64_t kernel,
                                           Tensor* grad_x);
KernelTable<AvgPoolBackwardKernel>& AvgPoolBackwardKernels();

}  // namespace vlmlab

#endif  // VLMLAB_KERNELS_API_VISION_H_
