// Fused f32 layer norm and RMS norm (backend "cpu_fused", priority 10). Forward: one read of a
// row for its statistics (sums in double), one write. Backward: one read for the row sums
// (accumulating the weight / bias gradients on the way), one write of gx.
#include <cmath>
#include <vector>

#include "kernels/api/normalization.h"

namespace vlmlab {
namespace {

// weight / bias data, or a buffer of `fill` when the tensor is undefined.
const float* ParamOr(const Tensor& t, int64_t c, float fill, std::vector<float>* buffer) {
  if (t.defined()) return t.data<float>();
  buffer->assign(c, fill);
  return buffer->data();
}

// mean == nullptr: RMS norm (no centring).
void NormForward(const Tensor& x, const Tensor& weight, const Tensor& bias, float eps, Tensor* y,
                 Tensor* mean, Tensor* rstd) {
  const int64_t rows = rstd->numel(), c = x.size(-1);
  std::vector<float> ones, zeros;
  const float* w = ParamOr(weight, c, 1, &ones);
  const float* b = ParamOr(bias, c, 0, &zeros);
  const float* in = x.data<float>();
  float* out = y->data<float>();
  for (int64_t r = 0; r < rows; ++r, in += c, out += c) {
    // Layer norm sums x - k with k = x[0] (the shifted-data variance: no cancellation when
    // |mean| >> std); RMS norm sums x itself.
    const double k = mean != nullptr && c > 0 ? in[0] : 0.0;
    double sum = 0, sum_sq = 0;
    for (int64_t j = 0; j < c; ++j) {
      const double d = in[j] - k;
      sum += d;
      sum_sq += d * d;
    }
    double shift = mean != nullptr && c > 0 ? sum / c : 0.0;  // mean - k
    double var = c > 0 ? std::max(0.0, sum_sq / c - shift * shift) : 0.0;
    double mu = k + shift;
    const float rs = static_cast<float>(1 / std::sqrt(var + eps));
    // mean = m + m_lo in two floats: x - m is exact for x near m, so large offsets keep
    // the precision of the double mean.
    const float m = static_cast<float>(mu), m_lo = static_cast<float>(mu - m);
    for (int64_t j = 0; j < c; ++j) out[j] = ((in[j] - m) - m_lo) * rs * w[j] + b[j];
    if (mean != nullptr) mean->data<float>()[r] = m;
    rstd->data<float>()[r] = rs;
  }
}

void NormBackward(const Tensor& x, const Tensor& weight, const Tensor* mean, const Tensor& rstd,
                  const Tensor& gy, Tensor* gx, Tensor* gweight, Tensor* gbias) {
  const int64_t rows = rstd.numel(), c = x.size(-1);
  std::vector<float> ones;
  const float* w = ParamOr(weight, c, 1, &ones);
  std::vector<double> gw(gweight != nullptr ? c : 0, 0.0), gb(gbias != nullptr ? c : 0, 0.0);
  const float* in = x.data<float>();
  const float* g = gy.data<float>();
  float* out = gx != nullptr ? gx->data<float>() : nullptr;
  for (int64_t r = 0; r < rows; ++r, in += c, g += c) {
    const float m = mean != nullptr ? mean->data<float>()[r] : 0.0f;
    const float rs = rstd.data<float>()[r];
    double sum_g = 0, sum_gx = 0;
    for (int64_t j = 0; j < c; ++j) {
      const float xhat = (in[j] - m) * rs, gj = g[j] * w[j];
      sum_g += gj;
      sum_gx += double{gj} * xhat;
      if (gweight != nullptr) gw[j] += double{g[j]} * xhat;
      if (gbias != nullptr) gb[j] += g[j];
    }
    if (out == nullptr) continue;
    const float mean_g = mean != nullptr ? static_cast<float>(sum_g / c) : 0.0f;
    const float mean_gx = static_cast<float>(sum_gx / c);
    for (int64_t j = 0; j < c; ++j) {
      const float xhat = (in[j] - m) * rs;
      out[j] = rs * (g[j] * w[j] - mean_g - xhat * mean_gx);
    }
    out += c;
  }
  for (int64_t j = 0; j < static_cast<int64_t>(gw.size()); ++j) {
    gweight->data<float>()[j] = static_cast<float>(gw[j]);
  }
  for (int64_t j = 0; j < static_cast<int64_t>(gb.size()); ++j) {
    gbias->data<float>()[j] = static_cast<float>(gb[j]);
  }
}

absl::Status FusedLayerNorm(const Tensor& x, const Tensor& weight, const Tensor& bias, float eps,
                            Tensor* y, Tensor* mean, Tensor* rstd) {
  NormForward(x, weight, bias, eps, y, mean, rstd);
  return absl::OkStatus();
}

absl::Status FusedLayerNormBackward(const Tensor& x, const Tensor& weight, const Tensor& mean,
                                    const Tensor& rstd, const Tensor& gy, Tensor* gx,
                                    Tensor* gweight, Tensor* gbias) {
  NormBackward(x, weight, &mean, rstd, gy, gx, gweight, gbias);
  return absl::OkStatus();
}

absl::Status FusedRmsNorm(const Tensor& x, const Tensor& weight, float eps, Tensor* y,
                          Tensor* rstd) {
  NormForward(x, weight, Tensor(), eps, y, nullptr, rstd);
  return absl::OkStatus();
}

absl::Status FusedRmsNormBackward(const Tensor& x, const Tensor& weight, const Tensor& rstd,
                                  const Tensor& gy, Tensor* gx, Tensor* gweight) {
  NormBackward(x, weight, nullptr, rstd, gy, gx, gweight, nullptr);
  return absl::OkStatus();
}

VLMLAB_REGISTER_KERNEL(LayerNormKernels, "cpu_fused", DeviceType::kCpu, 10, FusedLayerNorm,
                       DType::kF32);
VLMLAB_REGISTER_KERNEL(LayerNormBackwardKernels, "cpu_fused", DeviceType::kCpu, 10,
                       FusedLayerNormBackward, DType::kF32);
VLMLAB_REGISTER_KERNEL(RmsNormKernels, "cpu_fused", DeviceType::kCpu, 10, FusedRmsNorm,
                       DType::kF32);
VLMLAB_REGISTER_KERNEL(RmsNormBackwardKernels, "cpu_fused", DeviceType::kCpu, 10,
                       FusedRmsNormBackward, DType::kF32);

}  // namespace
}  // namespace vlmlab
