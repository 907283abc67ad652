// Reference layer norm and RMS norm over the last axis: per-row loops in double, weight and
// bias gradients summed over rows in order.
#include <cmath>

#include "kernels/api/normalization.h"
#include "kernels/reference/float_io.h"

namespace vlmlab {
namespace {

// Rows and columns of x viewed as [rows, C]; rows comes from the per-row statistics.
struct RowsCols {
  int64_t rows, cols;
};
RowsCols Dims(const Tensor& x, const Tensor& stats) { return {stats.numel(), x.size(-1)}; }

std::vector<float> WeightOrOnes(const Tensor& w, int64_t c, float fill) {
  return w.defined() ? LoadFloats(w) : std::vector<float>(c, fill);
}

absl::Status LayerNorm(const Tensor& x, const Tensor& weight, const Tensor& bias, float eps,
                       Tensor* y, Tensor* mean, Tensor* rstd) {
  auto [rows, c] = Dims(x, *rstd);
  std::vector<float> xv = LoadFloats(x), yv(xv.size()), mv(rows), rv(rows);
  std::vector<float> w = WeightOrOnes(weight, c, 1), b = WeightOrOnes(bias, c, 0);
  for (int64_t r = 0; r < rows; ++r) {
    const float* in = xv.data() + r * c;
    double mu = 0, var = 0;
    for (int64_t j = 0; j < c; ++j) mu += in[j];
    mu = c > 0 ? mu / c : 0;
    for (int64_t j = 0; j < c; ++j) var += (in[j] - mu) * (in[j] - mu);
    var = c > 0 ? var / c : 0;
    double rs = 1 / std::sqrt(var + eps);
    for (int64_t j = 0; j < c; ++j) {
      yv[r * c + j] = static_cast<float>((in[j] - mu) * rs * w[j] + b[j]);
    }
    mv[r] = static_cast<float>(mu);
    rv[r] = static_cast<float>(rs);
  }
  StoreFloats(yv, y);
  StoreFloats(mv, mean);
  StoreFloats(rv, rstd);
  return absl::OkStatus();
}

// Shared by both norms: mean == nullptr means RMS norm (no centring, no mean(g) term).
void NormBackward(const Tensor& x, const Tensor& weight, const std::vector<float>* mean,
                  const Tensor& rstd, const Tensor& gy, Tensor* gx, Tensor* gweight,
                  Tensor* gbias) {
  auto [rows, c] = Dims(x, rstd);
  std::vector<float> xv = LoadFloats(x), gv = LoadFloats(gy), rv = LoadFloats(rstd);
  std::vector<float> w = WeightOrOnes(weight, c, 1), gxv(xv.size());
  std::vector<double> gw(c, 0.0), gb(c, 0.0), xhat(c), g(c);
  for (int64_t r = 0; r < rows; ++r) {
    double mu = mean != nullptr ? (*mean)[r] : 0.0, rs = rv[r];
    double sum_g = 0, sum_gx = 0;
    for (int64_t j = 0; j < c; ++j) {
      double gyj = gv[r * c + j];
      xhat[j] = (xv[r * c + j] - mu) * rs;
      g[j] = gyj * w[j];
      sum_g += g[j];
      sum_gx += g[j] * xhat[j];
      gw[j] += gyj * xhat[j];
      gb[j] += gyj;
    }
    double mean_g = mean != nullptr && c > 0 ? sum_g / c : 0.0;
    double mean_gx = c > 0 ? sum_gx / c : 0.0;
    for (int64_t j = 0; j < c; ++j) {
      gxv[r * c + j] = static_cast<float>(rs * (g[j] - mean_g - xhat[j] * mean_gx));
    }
  }
  if (gx != nullptr) StoreFloats(gxv, gx);
  if (gweight != nullptr) StoreFloats(std::vector<float>(gw.begin(), gw.end()), gweight);
  if (gbias != nullptr) StoreFloats(std::vector<float>(gb.begin(), gb.end()), gbias);
}

absl::Status LayerNormBackward(const Tensor& x, const Tensor& weight, const Tensor& mean,
                               const Tensor& rstd, const Tensor& gy, Tensor* gx, Tensor* gweight,
                               Tensor* gbias) {
  std::vector<float> mv = LoadFloats(mean);
  NormBackward(x, weight, &mv, rstd, gy, gx, gweight, gbias);
  return absl::OkStatus();
}

absl::Status RmsNorm(const Tensor& x, const Tensor& weight, float eps, Tensor* y, Tensor* rstd) {
  auto [rows, c] = Dims(x, *rstd);
  std::vector<float> xv = LoadFloats(x), yv(xv.size()), rv(rows);
  std::vector<float> w = WeightOrOnes(weight, c, 1);
  for (int64_t r = 0; r < rows; ++r) {
    const float* in = xv.data() + r * c;
    double ms = 0;
    for (int64_t j = 0; j < c; ++j) ms += double{in[j]} * in[j];
    ms = c > 0 ? ms / c : 0;
    double rs = 1 / std::sqrt(ms + eps);
    for (int64_t j = 0; j < c; ++j) yv[r * c + j] = static_cast<float>(in[j] * rs * w[j]);
    rv[r] = static_cast<float>(rs);
  }
  StoreFloats(yv, y);
  StoreFloats(rv, rstd);
  return absl::OkStatus();
}

absl::Status RmsNormBackward(const Tensor& x, const Tensor& weight, const Tensor& rstd,
                             const Tensor& gy, Tensor* gx, Tensor* gweight) {
  NormBackward(x, weight, nullptr, rstd, gy, gx, gweight, nullptr);
  return absl::OkStatus();
}

VLMLAB_REGISTER_KERNEL(LayerNormKernels, "reference", DeviceType::kCpu, 0, LayerNorm, DType::kF32,
                       DType::kBF16);
VLMLAB_REGISTER_KERNEL(LayerNormBackwardKernels, "reference", DeviceType::kCpu, 0,
                       LayerNormBackward, DType::kF32, DType::kBF16);
VLMLAB_REGISTER_KERNEL(RmsNormKernels, "reference", DeviceType::kCpu, 0, RmsNorm, DType::kF32,
                       DType::kBF16);
VLMLAB_REGISTER_KERNEL(RmsNormBackwardKernels, "reference", DeviceType::kCpu, 0, RmsNormBackward,
                       DType::kF32, DType::kBF16);

}  // namespace
}  // namespace vlmlab
