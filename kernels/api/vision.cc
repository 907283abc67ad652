#include "kernels/api/vision.h"

namespace vlmlab {

VLMLAB_DEFINE_KERNEL_TABLE(ImageToPatchesKernels, ImageToPatchesKernel, "image_to_patches")
VLMLAB_DEFINE_KERNEL_TABLE(PatchesToImageKernels, PatchesToImageKernel, "patches_to_image")
VLMLAB_DEFINE_KERNEL_TABLE(PixelShuffleKernels, PixelShuffleKernel, "pixel_shuffle")
VLMLAB_DEFINE_KERNEL_TABLE(PixelShuffleInverseKernels, PixelShuffleInverseKernel,
                           "pixel_shuffle_inverse")
VLMLAB_DEFINE_KERNEL_TABLE(AvgPoolKernels, AvgPoolKernel, "avg_pool")
VLMLAB_DEFINE_KERNEL_TABLE(AvgPoolBackwardKernels, AvgPoolBackwardKernel, "avg_pool_backward")

const char* GridLayoutName(GridLayout layout) {
  switch (layout) {
    case GridLayout::kTokens:
      return "tokens";
    case GridLayout::kImages:
      return "images";
  }
  return "?";
}

}  // namespace vlmlab
