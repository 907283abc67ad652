// Reference 2-D convolution kernels (channels-last images, PyTorch weight layout): plain loops
// over every tap, accumulating in double. The ground truth for kernels/cpu's oneDNN version.
#include <vector>

#include "kernels/api/conv.h"
#include "kernels/reference/float_io.h"

namespace vlmlab {
namespace {

struct Geometry {
  int64_t n, h, w, cin, cout, kh, kw, oh, ow, stride, pad;
};

Geometry GetGeometry(const Tensor& x, const Tensor& weight, const Tensor& y,
                     const Conv2dParams& p) {
  return Geometry{x.size(0),      x.size(1), x.size(2), x.size(3), weight.size(0), weight.size(2),
                  weight.size(3), y.size(1), y.size(2), p.stride,  p.padding};
}

// weight [Cout, Cin, kh, kw] -> [Cout, kh, kw, Cin], so the innermost loops run over Cin,
// contiguous in both the image and the weight.
std::vector<float> WeightToOhwi(const std::vector<float>& w, const Geometry& g) {
  std::vector<float> out(w.size());
  for (int64_t co = 0; co < g.cout; ++co) {
    for (int64_t ci = 0; ci < g.cin; ++ci) {
      for (int64_t ky = 0; ky < g.kh; ++ky) {
        for (int64_t kx = 0; kx < g.kw; ++kx) {
          out[((co * g.kh + ky) * g.kw + kx) * g.cin + ci] =
              w[((co * g.cin + ci) * g.kh + ky) * g.kw + kx];
        }
      }
    }
  }
  return out;
}

// Calls fn(n, oy, ox, ky, kx, y, x) for every tap that lands inside the image.
template <typename Fn>
void ForEachTap(const Geometry& g, Fn fn) {
  for (int64_t n = 0; n < g.n; ++n) {
    for (int64_t oy = 0; oy < g.oh; ++oy) {
      for (int64_t ox = 0; ox < g.ow; ++ox) {
        for (int64_t ky = 0; ky < g.kh; ++ky) {
          const int64_t y = oy * g.stride - g.pad + ky;
          if (y < 0 || y >= g.h) continue;
          for (int64_t kx = 0; kx < g.kw; ++kx) {
            const int64_t x = ox * g.stride - g.pad + kx;
            if (x < 0 || x >= g.w) continue;
            fn(n, oy, ox, ky, kx, y, x);
          }
        }
      }
    }
  }
}

absl::Status Conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias,
                    const Conv2dParams& p, Tensor* y) {
  const Geometry g = GetGeometry(x, weight, *y, p);
  const std::vector<float> xv = LoadFloats(x), wv = WeightToOhwi(LoadFloats(weight), g);
  std::vector<double> acc(y->numel(), 0.0);
  if (bias.defined()) {
    const std::vector<float> bv = LoadFloats(bias);
    for (size_t i = 0; i < acc.size(); ++i) acc[i] = bv[i % g.cout];
  }
  ForEachTap(
      g, [&](int64_t n, int64_t oy, int64_t ox, int64_t ky, int64_t kx, int64_t iy, int64_t ix) {
        const float* xp = xv.data() + ((n * g.h + iy) * g.w + ix) * g.cin;
        double* out = acc.data() + ((n * g.oh + oy) * g.ow + ox) * g.cout;
        for (int64_t co = 0; co < g.cout; ++co) {
          const float* wp = wv.data() + ((co * g.kh + ky) * g.kw + kx) * g.cin;
          double s = 0;
          for (int64_t ci = 0; ci < g.cin; ++ci) s += static_cast<double>(xp[ci]) * wp[ci];
          out[co] += s;
        }
      });
  StoreFloats(std::vector<float>(acc.begin(), acc.end()), y);
  return absl::OkStatus();
}

absl::Status Conv2dBackwardData(const Tensor& grad_y, const Tensor& weight, const Conv2dParams& p,
                                Tensor* grad_x) {
  const Geometry g = GetGeometry(*grad_x, weight, grad_y, p);
  const std::vector<float> gv = LoadFloats(grad_y), wv = WeightToOhwi(LoadFloats(weight), g);
  std::vector<double> acc(grad_x->numel(), 0.0);
  ForEachTap(
      g, [&](int64_t n, int64_t oy, int64_t ox, int64_t ky, int64_t kx, int64_t iy, int64_t ix) {
        const float* gp = gv.data() + ((n * g.oh + oy) * g.ow + ox) * g.cout;
        double* out = acc.data() + ((n * g.h + iy) * g.w + ix) * g.cin;
        for (int64_t co = 0; co < g.cout; ++co) {
          const double gval = gp[co];
          const float* wp = wv.data() + ((co * g.kh + ky) * g.kw + kx) * g.cin;
          for (int64_t ci = 0; ci < g.cin; ++ci) out[ci] += gval * wp[ci];
        }
      });
  StoreFloats(std::vector<float>(acc.begin(), acc.end()), grad_x);
  return absl::OkStatus();
}

absl::Status Conv2dBackwardWeights(const Tensor& x, const Tensor& grad_y, const Conv2dParams& p,
                                   Tensor* grad_weight, Tensor* grad_bias) {
  const Geometry g = GetGeometry(x, *grad_weight, grad_y, p);
  const std::vector<float> xv = LoadFloats(x), gv = LoadFloats(grad_y);
  std::vector<double> acc(grad_weight->numel(), 0.0);  // [Cout, kh, kw, Cin]
  ForEachTap(
      g, [&](int64_t n, int64_t oy, int64_t ox, int64_t ky, int64_t kx, int64_t iy, int64_t ix) {
        const float* xp = xv.data() + ((n * g.h + iy) * g.w + ix) * g.cin;
        const float* gp = gv.data() + ((n * g.oh + oy) * g.ow + ox) * g.cout;
        for (int64_t co = 0; co < g.cout; ++co) {
          const double gval = gp[co];
          double* out = acc.data() + ((co * g.kh + ky) * g.kw + kx) * g.cin;
          for (int64_t ci = 0; ci < g.cin; ++ci) out[ci] += gval * xp[ci];
        }
      });
  std::vector<float> gw(acc.size());
  for (int64_t co = 0; co < g.cout; ++co) {
    for (int64_t ci = 0; ci < g.cin; ++ci) {
      for (int64_t ky = 0; ky < g.kh; ++ky) {
        for (int64_t kx = 0; kx < g.kw; ++kx) {
          gw[((co * g.cin + ci) * g.kh + ky) * g.kw + kx] =
              static_cast<float>(acc[((co * g.kh + ky) * g.kw + kx) * g.cin + ci]);
        }
      }
    }
  }
  StoreFloats(gw, grad_weight);
  if (grad_bias != nullptr) {
    std::vector<double> gb(g.cout, 0.0);
    for (size_t i = 0; i < gv.size(); ++i) gb[i % g.cout] += gv[i];
    StoreFloats(std::vector<float>(gb.begin(), gb.end()), grad_bias);
  }
  return absl::OkStatus();
}

VLMLAB_REGISTER_KERNEL(Conv2dKernels, "reference", DeviceType::kCpu, 0, Conv2d, DType::kF32,
                       DType::kBF16);
VLMLAB_REGISTER_KERNEL(Conv2dBackwardDataKernels, "reference", DeviceType::kCpu, 0,
                       Conv2dBackwardData, DType::kF32, DType::kBF16);
VLMLAB_REGISTER_KERNEL(Conv2dBackwardWeightsKernels, "reference", DeviceType::kCpu, 0,
                       Conv2dBackwardWeights, DType::kF32, DType::kBF16);

}  // namespace
}  // namespace vlmlab
