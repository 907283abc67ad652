// Vision kernels of the cpu_fused backend (priority 10): patch extraction and its inverse,
// pixel shuffle and its inverse, as copies of contiguous runs (a patch row of p elements, a
// token's C channels) instead of the reference's element-by-element index arithmetic, for
// every dtype (they move bytes, so the results are the reference's bit for bit); average
// pooling and its backward in f32, summing each window in the reference's order in double,
// so those match it bit for bit too. Rows (output tokens / grid rows) are split over OpenMP
// threads.
#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels/api/vision.h"
#include "kernels/cpu_fused/fast_math.h"

namespace vlmlab {
namespace {

// Patch rows of images [B, C, H, W] (only its shape is read here) <-> patches
// [B, (H/p)*(W/p), C*p*p]; `to_patches` picks the direction.
void PatchCopy(const Tensor& images, int64_t p, bool to_patches, const char* src, char* dst,
               size_t es) {
  const int64_t b_n = images.size(0), c_n = images.size(1);
  const int64_t h = images.size(2), w = images.size(3);
  const int64_t gw = w / p, tokens = (h / p) * gw, depth = c_n * p * p;
  const size_t run = static_cast<size_t>(p) * es;
  cpu_fused::ParallelRows(b_n * tokens, depth, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t b = r / tokens, n = r % tokens, y0 = (n / gw) * p, x0 = (n % gw) * p;
      for (int64_t c = 0; c < c_n; ++c) {
        for (int64_t yy = 0; yy < p; ++yy) {
          const int64_t image = ((b * c_n + c) * h + y0 + yy) * w + x0;
          const int64_t patch = r * depth + (c * p + yy) * p;
          if (to_patches) {
            std::memcpy(dst + patch * es, src + image * es, run);
          } else {
            std::memcpy(dst + image * es, src + patch * es, run);
          }
        }
      }
    }
  });
}

absl::Status ImageToPatches(const Tensor& images, int64_t p, Tensor* patches) {
  PatchCopy(images, p, /*to_patches=*/true, static_cast<const char*>(images.raw_data()),
            static_cast<char*>(patches->raw_data()), DTypeSize(images.dtype()));
  return absl::OkStatus();
}

absl::Status PatchesToImage(const Tensor& patches, int64_t p, Tensor* images) {
  PatchCopy(*images, p, /*to_patches=*/false, static_cast<const char*>(patches.raw_data()),
            static_cast<char*>(images->raw_data()), DTypeSize(patches.dtype()));
  return absl::OkStatus();
}

// Tokens [B, H*W, C] <-> shuffled [B, (H/r)*(W/r), C*r*r].
void ShuffleCopy(int64_t b_n, int64_t c, int64_t gh, int64_t gw, int64_t r, bool to_shuffled,
                 const char* src, char* dst, size_t es) {
  const int64_t ow = gw / r, out_tokens = (gh / r) * ow, depth = c * r * r;
  const size_t run = static_cast<size_t>(c) * es;
  cpu_fused::ParallelRows(b_n * out_tokens, depth, [&](int64_t r0, int64_t r1) {
    for (int64_t row = r0; row < r1; ++row) {
      const int64_t b = row / out_tokens, m = row % out_tokens;
      const int64_t y0 = (m / ow) * r, x0 = (m % ow) * r;
      for (int64_t dy = 0; dy < r; ++dy) {
        for (int64_t dx = 0; dx < r; ++dx) {
          const int64_t token = (b * gh * gw + (y0 + dy) * gw + x0 + dx) * c;
          const int64_t shuffled = row * depth + (dy * r + dx) * c;
          if (to_shuffled) {
            std::memcpy(dst + shuffled * es, src + token * es, run);
          } else {
            std::memcpy(dst + token * es, src + shuffled * es, run);
          }
        }
      }
    }
  });
}

absl::Status PixelShuffle(const Tensor& tokens, int64_t gh, int64_t gw, int64_t r, Tensor* out) {
  ShuffleCopy(tokens.size(0), tokens.size(2), gh, gw, r, /*to_shuffled=*/true,
              static_cast<const char*>(tokens.raw_data()), static_cast<char*>(out->raw_data()),
              DTypeSize(tokens.dtype()));
  return absl::OkStatus();
}

absl::Status PixelShuffleInverse(const Tensor& shuffled, int64_t gh, int64_t gw, int64_t r,
                                 Tensor* tokens) {
  ShuffleCopy(tokens->size(0), tokens->size(2), gh, gw, r, /*to_shuffled=*/false,
              static_cast<const char*>(shuffled.raw_data()), static_cast<char*>(tokens->raw_data()),
              DTypeSize(shuffled.dtype()));
  return absl::OkStatus();
}

// Both layouts are [outer, H, W, inner]: tokens [B, H, W, C], images [B*C, H, W, 1].
void OuterInner(GridLayout layout, const Tensor& x, int64_t* outer, int64_t* inner) {
  *outer = layout == GridLayout::kTokens ? x.size(0) : x.size(0) * x.size(1);
  *inner = layout == GridLayout::kTokens ? x.size(2) : 1;
}

absl::Status AvgPool(GridLayout layout, const Tensor& x, int64_t gh, int64_t gw, int64_t k,
                     Tensor* out) {
  int64_t outer, inner;
  OuterInner(layout, x, &outer, &inner);
  const int64_t oh = gh / k, ow = gw / k;
  const double area = static_cast<double>(k * k);
  const float* xv = x.data<float>();
  float* ov = out->data<float>();
  // One task per pooled grid row (o, i).
  cpu_fused::ParallelRows(outer * oh, ow * inner * k * k, [&](int64_t r0, int64_t r1) {
    std::vector<double> acc(inner);
    for (int64_t row = r0; row < r1; ++row) {
      const int64_t o = row / oh, i = row % oh;
      for (int64_t j = 0; j < ow; ++j) {
        std::fill(acc.begin(), acc.end(), 0.0);
        for (int64_t y = i * k; y < (i + 1) * k; ++y) {
          for (int64_t xx = j * k; xx < (j + 1) * k; ++xx) {
            const float* src = xv + ((o * gh + y) * gw + xx) * inner;
            for (int64_t c = 0; c < inner; ++c) acc[c] += src[c];
          }
        }
        float* dst = ov + ((o * oh + i) * ow + j) * inner;
        for (int64_t c = 0; c < inner; ++c) dst[c] = static_cast<float>(acc[c] / area);
      }
    }
  });
  return absl::OkStatus();
}

absl::Status AvgPoolBackward(GridLayout layout, const Tensor& grad_out, int64_t gh, int64_t gw,
                             int64_t k, Tensor* grad_x) {
  int64_t outer, inner;
  OuterInner(layout, *grad_x, &outer, &inner);
  const int64_t oh = gh / k, ow = gw / k;
  const double scale = 1.0 / static_cast<double>(k * k);
  const float* gv = grad_out.data<float>();
  float* xv = grad_x->data<float>();
  // One task per input grid row (o, y).
  cpu_fused::ParallelRows(outer * gh, gw * inner, [&](int64_t r0, int64_t r1) {
    for (int64_t row = r0; row < r1; ++row) {
      const int64_t o = row / gh, y = row % gh;
      for (int64_t xx = 0; xx < gw; ++xx) {
        const float* src = gv + ((o * oh + y / k) * ow + xx / k) * inner;
        float* dst = xv + ((o * gh + y) * gw + xx) * inner;
        for (int64_t c = 0; c < inner; ++c) dst[c] = static_cast<float>(src[c] * scale);
      }
    }
  });
  return absl::OkStatus();
}

VLMLAB_REGISTER_KERNEL(ImageToPatchesKernels, "cpu_fused", DeviceType::kCpu, 10, ImageToPatches,
                       DType::kF32, DType::kBF16, DType::kI32);
VLMLAB_REGISTER_KERNEL(PatchesToImageKernels, "cpu_fused", DeviceType::kCpu, 10, PatchesToImage,
                       DType::kF32, DType::kBF16, DType::kI32);
VLMLAB_REGISTER_KERNEL(PixelShuffleKernels, "cpu_fused", DeviceType::kCpu, 10, PixelShuffle,
                       DType::kF32, DType::kBF16, DType::kI32);
VLMLAB_REGISTER_KERNEL(PixelShuffleInverseKernels, "cpu_fused", DeviceType::kCpu, 10,
                       PixelShuffleInverse, DType::kF32, DType::kBF16, DType::kI32);
VLMLAB_REGISTER_KERNEL(AvgPoolKernels, "cpu_fused", DeviceType::kCpu, 10, AvgPool, DType::kF32);
VLMLAB_REGISTER_KERNEL(AvgPoolBackwardKernels, "cpu_fused", DeviceType::kCpu, 10, AvgPoolBackward,
                       DType::kF32);

}  // namespace
}  // namespace vlmlab
