// Reference vision kernels: patch extraction and pixel shuffle are permutations (exact byte
// copies, any dtype); average pooling accumulates in double.
#include <cstring>

#include "kernels/api/vision.h"
#include "kernels/reference/float_io.h"

namespace vlmlab {
namespace {

// out[i] = in[src(i)] (gather) or out[src(i)] = in[i] (scatter), element by element.
template <typename Fn>
void PermuteElements(const Tensor& in, Tensor* out, bool gather, Fn src) {
  const size_t es = DTypeSize(in.dtype());
  const char* s = static_cast<const char*>(in.raw_data());
  char* d = static_cast<char*>(out->raw_data());
  const int64_t n = gather ? out->numel() : in.numel();
  for (int64_t i = 0; i < n; ++i) {
    int64_t j = src(i);
    if (gather) {
      std::memcpy(d + i * es, s + j * es, es);
    } else {
      std::memcpy(d + j * es, s + i * es, es);
    }
  }
}

// Offset in images [B, C, H, W] of element i of patches [B, (H/p)*(W/p), C*p*p].
struct PatchIndex {
  int64_t c, h, w, p;
  int64_t operator()(int64_t i) const {
    const int64_t k = i % (c * p * p), n = (i / (c * p * p)) % ((h / p) * (w / p));
    const int64_t b = i / (c * p * p) / ((h / p) * (w / p));
    const int64_t y = (n / (w / p)) * p + (k / p) % p, x = (n % (w / p)) * p + k % p;
    return ((b * c + k / (p * p)) * h + y) * w + x;
  }
};

absl::Status ImageToPatches(const Tensor& images, int64_t p, Tensor* patches) {
  PermuteElements(images, patches, /*gather=*/true,
                  PatchIndex{images.size(1), images.size(2), images.size(3), p});
  return absl::OkStatus();
}

absl::Status PatchesToImage(const Tensor& patches, int64_t p, Tensor* images) {
  PermuteElements(patches, images, /*gather=*/false,
                  PatchIndex{images->size(1), images->size(2), images->size(3), p});
  return absl::OkStatus();
}

// Offset in tokens [B, H*W, C] of element i of shuffled [B, (H/r)*(W/r), C*r*r].
struct ShuffleIndex {
  int64_t c, h, w, r;
  int64_t operator()(int64_t i) const {
    const int64_t k = i % (c * r * r), n = (i / (c * r * r)) % ((h / r) * (w / r));
    const int64_t b = i / (c * r * r) / ((h / r) * (w / r));
    const int64_t y = (n / (w / r)) * r + (k / c) / r, x = (n % (w / r)) * r + (k / c) % r;
    return ((b * h + y) * w + x) * c + k % c;
  }
};

absl::Status PixelShuffle(const Tensor& tokens, int64_t gh, int64_t gw, int64_t r, Tensor* out) {
  PermuteElements(tokens, out, /*gather=*/true, ShuffleIndex{tokens.size(2), gh, gw, r});
  return absl::OkStatus();
}

absl::Status PixelShuffleInverse(const Tensor& shuffled, int64_t gh, int64_t gw, int64_t r,
                                 Tensor* tokens) {
  PermuteElements(shuffled, tokens, /*gather=*/false, ShuffleIndex{tokens->size(2), gh, gw, r});
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
  std::vector<float> xv = LoadFloats(x), ov(out->numel());
  std::vector<double> acc(inner);
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < oh; ++i) {
      for (int64_t j = 0; j < ow; ++j) {
        std::fill(acc.begin(), acc.end(), 0.0);
        for (int64_t y = i * k; y < (i + 1) * k; ++y) {
          for (int64_t xx = j * k; xx < (j + 1) * k; ++xx) {
            const float* src = xv.data() + ((o * gh + y) * gw + xx) * inner;
            for (int64_t c = 0; c < inner; ++c) acc[c] += src[c];
          }
        }
        float* dst = ov.data() + ((o * oh + i) * ow + j) * inner;
        for (int64_t c = 0; c < inner; ++c) dst[c] = static_cast<float>(acc[c] / (k * k));
      }
    }
  }
  StoreFloats(ov, out);
  return absl::OkStatus();
}

absl::Status AvgPoolBackward(GridLayout layout, const Tensor& grad_out, int64_t gh, int64_t gw,
                             int64_t k, Tensor* grad_x) {
  int64_t outer, inner;
  OuterInner(layout, *grad_x, &outer, &inner);
  const int64_t oh = gh / k, ow = gw / k;
  const double scale = 1.0 / static_cast<double>(k * k);
  std::vector<float> gv = LoadFloats(grad_out), xv(grad_x->numel());
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t y = 0; y < gh; ++y) {
      for (int64_t xx = 0; xx < gw; ++xx) {
        const float* src = gv.data() + ((o * oh + y / k) * ow + xx / k) * inner;
        float* dst = xv.data() + ((o * gh + y) * gw + xx) * inner;
        for (int64_t c = 0; c < inner; ++c) dst[c] = static_cast<float>(src[c] * scale);
      }
    }
  }
  StoreFloats(xv, grad_x);
  return absl::OkStatus();
}

VLMLAB_REGISTER_KERNEL(ImageToPatchesKernels, "reference", DeviceType::kCpu, 0, ImageToPatches,
                       DType::kF32, DType::kBF16, DType::kI32);
VLMLAB_REGISTER_KERNEL(PatchesToImageKernels, "reference", DeviceType::kCpu, 0, PatchesToImage,
                       DType::kF32, DType::kBF16, DType::kI32);
VLMLAB_REGISTER_KERNEL(PixelShuffleKernels, "reference", DeviceType::kCpu, 0, PixelShuffle,
                       DType::kF32, DType::kBF16, DType::kI32);
VLMLAB_REGISTER_KERNEL(PixelShuffleInverseKernels, "reference", DeviceType::kCpu, 0,
                       PixelShuffleInverse, DType::kF32, DType::kBF16, DType::kI32);
VLMLAB_REGISTER_KERNEL(AvgPoolKernels, "reference", DeviceType::kCpu, 0, AvgPool, DType::kF32,
                       DType::kBF16);
VLMLAB_REGISTER_KERNEL(AvgPoolBackwardKernels, "reference", DeviceType::kCpu, 0, AvgPoolBackward,
                       DType::kF32, DType::kBF16);

}  // namespace
}  // namespace vlmlab
