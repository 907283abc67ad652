// Reference elementwise kernels: plain loops in f32/double, the ground truth for tests.
#include <cmath>

#include "kernels/api/elementwise.h"
#include "kernels/reference/float_io.h"

namespace vlmlab {
namespace {

constexpr double kSqrt2OverPi = 0.7978845608028654;

absl::Status Binary(BinaryOp op, const Tensor& a, const Tensor& b, Tensor* out) {
  std::vector<float> av = LoadFloats(a), bv = LoadFloats(b), ov(out->numel());
  BroadcastIndexer ia(a.shape(), out->shape()), ib(b.shape(), out->shape());
  for (int64_t i = 0; i < out->numel(); ++i) {
    float x = av[ia(i)], y = bv[ib(i)];
    switch (op) {
      case BinaryOp::kAdd:
        ov[i] = x + y;
        break;
      case BinaryOp::kSub:
        ov[i] = x - y;
        break;
      case BinaryOp::kMul:
        ov[i] = x * y;
        break;
      case BinaryOp::kDiv:
        ov[i] = x / y;
        break;
    }
  }
  StoreFloats(ov, out);
  return absl::OkStatus();
}

double Forward(UnaryOp op, double alpha, double x) {
  switch (op) {
    case UnaryOp::kScale:
      return alpha * x;
    case UnaryOp::kAddScalar:
      return x + alpha;
    case UnaryOp::kGeluTanh:
      return 0.5 * x * (1 + std::tanh(kSqrt2OverPi * (x + 0.044715 * x * x * x)));
    case UnaryOp::kGeluErf:
      return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0)));
    case UnaryOp::kSilu:
      return x / (1 + std::exp(-x));
    case UnaryOp::kSigmoid:
      return 1 / (1 + std::exp(-x));
    case UnaryOp::kTanh:
      return std::tanh(x);
    case UnaryOp::kRelu:
      return x > 0 ? x : 0;
    case UnaryOp::kExp:
      return std::exp(x);
    case UnaryOp::kLog:
      return std::log(x);
    case UnaryOp::kSquare:
      return x * x;
    case UnaryOp::kSqrt:
      return std::sqrt(x);
    case UnaryOp::kRsqrt:
      return 1 / std::sqrt(x);
  }
  return 0;
}

double Derivative(UnaryOp op, double alpha, double x) {
  switch (op) {
    case UnaryOp::kScale:
      return alpha;
    case UnaryOp::kAddScalar:
      return 1;
    case UnaryOp::kGeluTanh: {
      double u = kSqrt2OverPi * (x + 0.044715 * x * x * x);
      double t = std::tanh(u);
      double du = kSqrt2OverPi * (1 + 3 * 0.044715 * x * x);
      return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du;
    }
    case UnaryOp::kGeluErf:
      return 0.5 * (1 + std::erf(x / std::sqrt(2.0))) +
             x * std::exp(-0.5 * x * x) / std::sqrt(2 * M_PI);
    case UnaryOp::kSilu: {
      double s = 1 / (1 + std::exp(-x));
      return s * (1 + x * (1 - s));
    }
    case UnaryOp::kSigmoid: {
      double s = 1 / (1 + std::exp(-x));
      return s * (1 - s);
    }
    case UnaryOp::kTanh: {
      double t = std::tanh(x);
      return 1 - t * t;
    }
    case UnaryOp::kRelu:
      return x > 0 ? 1 : 0;
    case UnaryOp::kExp:
      return std::exp(x);
    case UnaryOp::kLog:
      return 1 / x;
    case UnaryOp::kSquare:
      return 2 * x;
    case UnaryOp::kSqrt:
      return 0.5 / std::sqrt(x);
    case UnaryOp::kRsqrt:
      return -0.5 / (x * std::sqrt(x));
  }
  return 0;
}

absl::Status Unary(UnaryOp op, float alpha, const Tensor& x, Tensor* y) {
  std::vector<float> xv = LoadFloats(x), yv(xv.size());
  for (size_t i = 0; i < xv.size(); ++i) yv[i] = static_cast<float>(Forward(op, alpha, xv[i]));
  StoreFloats(yv, y);
  return absl::OkStatus();
}

absl::Status UnaryBackward(UnaryOp op, float alpha, const Tensor& x, const Tensor& gy, Tensor* gx) {
  std::vector<float> xv = LoadFloats(x), gv = LoadFloats(gy), out(xv.size());
  for (size_t i = 0; i < xv.size(); ++i) {
    out[i] = static_cast<float>(gv[i] * Derivative(op, alpha, xv[i]));
  }
  StoreFloats(out, gx);
  return absl::OkStatus();
}

absl::Status SumTo(const Tensor& x, Tensor* out) {
  std::vector<float> xv = LoadFloats(x);
  std::vector<double> acc(out->numel(), 0.0);
  BroadcastIndexer index(out->shape(), x.shape());
  for (int64_t i = 0; i < x.numel(); ++i) acc[index(i)] += xv[i];
  StoreFloats(std::vector<float>(acc.begin(), acc.end()), out);
  return absl::OkStatus();
}

VLMLAB_REGISTER_KERNEL(BinaryKernels, "reference", DeviceType::kCpu, 0, Binary, DType::kF32,
                       DType::kBF16);
VLMLAB_REGISTER_KERNEL(UnaryKernels, "reference", DeviceType::kCpu, 0, Unary, DType::kF32,
                       DType::kBF16);
VLMLAB_REGISTER_KERNEL(UnaryBackwardKernels, "reference", DeviceType::kCpu, 0, UnaryBackward,
                       DType::kF32, DType::kBF16);
VLMLAB_REGISTER_KERNEL(SumToKernels, "reference", DeviceType::kCpu, 0, SumTo, DType::kF32,
                       DType::kBF16);

}  // namespace
}  // namespace vlmlab
