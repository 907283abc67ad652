#include "plugins/encoders/position_embedding.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "glog/logging.h"

namespace vlmlab {

Tensor LinearResizeWeights(int64_t in, int64_t out) {
  CHECK(in > 0 && out > 0) << "LinearResizeWeights " << in << " -> " << out;
  std::vector<float> w(out * in, 0.0f);
  const double scale = static_cast<double>(in) / static_cast<double>(out);
  for (int64_t i = 0; i < out; ++i) {
    const double src = std::max(0.0, (i + 0.5) * scale - 0.5);
    const int64_t i0 = std::min<int64_t>(static_cast<int64_t>(src), in - 1);
    const int64_t i1 = std::min<int64_t>(i0 + 1, in - 1);
    const double frac = src - static_cast<double>(i0);
    w[i * in + i0] += static_cast<float>(1.0 - frac);
    w[i * in + i1] += static_cast<float>(frac);
  }
  return Tensor::FromVector({out, in}, w);
}

Tensor BilinearResizeMatrix(int64_t g0h, int64_t g0w, int64_t gh, int64_t gw) {
  const std::vector<float> wy = LinearResizeWeights(g0h, gh).ToVector();
  const std::vector<float> wx = LinearResizeWeights(g0w, gw).ToVector();
  std::vector<float> m(gh * gw * g0h * g0w, 0.0f);
  for (int64_t y = 0; y < gh; ++y) {
    for (int64_t x = 0; x < gw; ++x) {
      float* row = m.data() + (y * gw + x) * g0h * g0w;
      for (int64_t a = 0; a < g0h; ++a) {
        const float fy = wy[y * g0h + a];
        if (fy == 0.0f) continue;
        for (int64_t b = 0; b < g0w; ++b) row[a * g0w + b] = fy * wx[x * g0w + b];
      }
    }
  }
  return Tensor::FromVector({gh * gw, g0h * g0w}, m);
}

Tensor SinCos2d(int64_t gh, int64_t gw, int64_t dim) {
  CHECK(dim > 0 && dim % 4 == 0) << "SinCos2d needs dim a positive multiple of 4, got " << dim;
  const int64_t q = dim / 4;
  std::vector<float> out(gh * gw * dim);
  for (int64_t y = 0; y < gh; ++y) {
    for (int64_t x = 0; x < gw; ++x) {
      float* row = out.data() + (y * gw + x) * dim;
      for (int64_t k = 0; k < q; ++k) {
        const double omega = std::pow(10000.0, -static_cast<double>(k) / static_cast<double>(q));
        row[k] = static_cast<float>(std::sin(y * omega));
        row[q + k] = static_cast<float>(std::cos(y * omega));
        row[2 * q + k] = static_cast<float>(std::sin(x * omega));
        row[3 * q + k] = static_cast<float>(std::cos(x * omega));
      }
    }
  }
  return Tensor::FromVector({gh * gw, dim}, out);
}

}  // namespace vlmlab
