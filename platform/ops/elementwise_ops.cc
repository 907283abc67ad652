#include "platform/ops/elementwise_ops.h"

#include <memory>
#include <vector>

#include "platform/autograd/node.h"
#include "platform/ops/op_support.h"

namespace vlmlab::ops {
namespace {

class BinaryBackward : public Node {
 public:
  explicit BinaryBackward(BinaryOp op) : op_(op) {}
  const char* name() const override { return BinaryOpName(op_); }
  absl::StatusOr<std::vector<Tensor>> Apply(const Tensor& g) override {
    const Tensor& a = inputs()[0];
    const Tensor& b = inputs()[1];
    Tensor ga, gb;
    switch (op_) {
      case BinaryOp::kAdd:
      case BinaryOp::kSub:
        if (needs_input_grad(0)) {
          VLMLAB_ASSIGN_OR_RETURN(ga, SumTo(g, a.shape()));
        }
        if (needs_input_grad(1)) {
          VLMLAB_ASSIGN_OR_RETURN(gb, SumTo(g, b.shape()));
          if (op_ == BinaryOp::kSub) {
            VLMLAB_ASSIGN_OR_RETURN(gb, Scale(gb, -1));
          }
        }
        break;
      case BinaryOp::kMul:
        if (needs_input_grad(0)) {
          VLMLAB_ASSIGN_OR_RETURN(Tensor t, Mul(g, b));
          VLMLAB_ASSIGN_OR_RETURN(ga, SumTo(t, a.shape()));
        }
        if (needs_input_grad(1)) {
          VLMLAB_ASSIGN_OR_RETURN(Tensor t, Mul(g, a));
          VLMLAB_ASSIGN_OR_RETURN(gb, SumTo(t, b.shape()));
        }
        break;
      case BinaryOp::kDiv:
        if (needs_input_grad(0)) {
          VLMLAB_ASSIGN_OR_RETURN(Tensor t, Div(g, b));
          VLMLAB_ASSIGN_OR_RETURN(ga, SumTo(t, a.shape()));
        }
        if (needs_input_grad(1)) {  // d(a/b)/db = -a / b^2
          VLMLAB_ASSIGN_OR_RETURN(Tensor q, Div(a, b));
          VLMLAB_ASSIGN_OR_RETURN(Tensor t, Mul(g, q));
          VLMLAB_ASSIGN_OR_RETURN(t, Div(t, b));
          VLMLAB_ASSIGN_OR_RETURN(t, Scale(t, -1));
          VLMLAB_ASSIGN_OR_RETURN(gb, SumTo(t, b.shape()));
        }
        break;
    }
    return std::vector<Tensor>{ga, gb};
  }

 private:
  BinaryOp op_;
};

class UnaryBackward : public Node {
 public:
  UnaryBackward(UnaryOp op, float alpha) : op_(op), alpha_(alpha) {}
  const char* name() const override { return UnaryOpName(op_); }
  absl::StatusOr<std::vector<Tensor>> Apply(const Tensor& g) override {
    const Tensor& x = inputs()[0];
    VLMLAB_ASSIGN_OR_RETURN(Tensor gx, NewTensor(x.shape(), x));
    VLMLAB_ASSIGN_OR_RETURN(Tensor gc, MakeContiguous(g));
    VLMLAB_ASSIGN_OR_RETURN(Tensor xc, MakeContiguous(x));
    VLMLAB_RETURN_IF_ERROR(
        UnaryBackwardKernels().Call(x.device(), x.dtype(), op_, alpha_, xc, gc, &gx));
    return std::vector<Tensor>{gx};
  }

 private:
  UnaryOp op_;
  float alpha_;
};

class SumToBackward : public Node {
 public:
  const char* name() const override { return "sum_to"; }
  absl::StatusOr<std::vector<Tensor>> Apply(const Tensor& g) override {
    VLMLAB_ASSIGN_OR_RETURN(Tensor gx, BroadcastTo(g, inputs()[0].shape()));
    return std::vector<Tensor>{gx};
  }
};

class BroadcastToBackward : public Node {
 public:
  const char* name() const override { return "broadcast_to"; }
  absl::StatusOr<std::vector<Tensor>> Apply(const Tensor& g) override {
    VLMLAB_ASSIGN_OR_RETURN(Tensor gx, SumTo(g, inputs()[0].shape()));
    return std::vector<Tensor>{gx};
  }
};

}  // namespace

absl::StatusOr<Tensor> Binary(BinaryOp op, const Tensor& a, const Tensor& b) {
  const char* name = BinaryOpName(op);
  VLMLAB_RETURN_IF_ERROR(CheckSameKind(name, a, b));
  VLMLAB_RETURN_IF_ERROR(CheckFloating(name, a));
  absl::StatusOr<Shape> shape = BroadcastShapes(a.shape(), b.shape());
  if (!shape.ok())
    return absl::InvalidArgumentError(absl::StrCat(name, ": ", shape.status().message()));
  VLMLAB_ASSIGN_OR_RETURN(Tensor out, NewTensor(*shape, a));
  VLMLAB_ASSIGN_OR_RETURN(Tensor ac, MakeContiguous(a));
  VLMLAB_ASSIGN_OR_RETURN(Tensor bc, MakeContiguous(b));
  VLMLAB_RETURN_IF_ERROR(BinaryKernels().Call(a.device(), a.dtype(), op, ac, bc, &out));
  RecordOp(std::make_shared<BinaryBackward>(op), {a, b}, &out);
  return out;
}

absl::StatusOr<Tensor> Add(const Tensor& a, const Tensor& b) {
  return Binary(BinaryOp::kAdd, a, b);
}
absl::StatusOr<Tensor> Sub(const Tensor& a, const Tensor& b) {
  return Binary(BinaryOp::kSub, a, b);
}
absl::StatusOr<Tensor> Mul(const Tensor& a, const Tensor& b) {
  return Binary(BinaryOp::kMul, a, b);
}
absl::StatusOr<Tensor> Div(const Tensor& a, const Tensor& b) {
  return Binary(BinaryOp::kDiv, a, b);
}

absl::StatusOr<Tensor> Unary(UnaryOp op, const Tensor& x, float alpha) {
  const char* name = UnaryOpName(op);
  VLMLAB_RETURN_IF_ERROR(CheckDefined(name, x));
  VLMLAB_RETURN_IF_ERROR(CheckFloating(name, x));
  VLMLAB_ASSIGN_OR_RETURN(Tensor out, NewTensor(x.shape(), x));
  VLMLAB_ASSIGN_OR_RETURN(Tensor xc, MakeContiguous(x));
  VLMLAB_RETURN_IF_ERROR(UnaryKernels().Call(x.device(), x.dtype(), op, alpha, xc, &out));
  RecordOp(std::make_shared<UnaryBackward>(op, alpha), {x}, &out);
  return out;
}

absl::StatusOr<Tensor> Scale(const Tensor& x, float f) { return Unary(UnaryOp::kScale, x, f); }
absl::StatusOr<Tensor> AddScalar(const Tensor& x, float v) {
  return Unary(UnaryOp::kAddScalar, x, v);
}
absl::StatusOr<Tensor> Gelu(const Tensor& x, bool tanh_approximation) {
  return Unary(tanh_approximation ? UnaryOp::kGeluTanh : UnaryOp::kGeluErf, x);
}
absl::StatusOr<Tensor> Silu(const Tensor& x) { return Unary(UnaryOp::kSilu, x); }
absl::StatusOr<Tensor> Sigmoid(const Tensor& x) { return Unary(UnaryOp::kSigmoid, x); }
absl::StatusOr<Tensor> Tanh(const Tensor& x) { return Unary(UnaryOp::kTanh, x); }
absl::StatusOr<Tensor> Relu(const Tensor& x) { return Unary(UnaryOp::kRelu, x); }
absl::StatusOr<Tensor> Exp(const Tensor& x) { return Unary(UnaryOp::kExp, x); }
absl::StatusOr<Tensor> Log(const Tensor& x) { return Unary(UnaryOp::kLog, x); }
absl::StatusOr<Tensor> Square(const Tensor& x) { return Unary(UnaryOp::kSquare, x); }
absl::StatusOr<Tensor> Sqrt(const Tensor& x) { return Unary(UnaryOp::kSqrt, x); }
absl::StatusOr<Tensor> Rsqrt(const Tensor& x) { return Unary(UnaryOp::kRsqrt, x); }

absl::StatusOr<Tensor> SumTo(const Tensor& x, const Shape& shape) {
  VLMLAB_RETURN_IF_ERROR(CheckDefined("sum_to", x));
  if (x.shape() == shape) return x;
  absl::StatusOr<Shape> b = BroadcastShapes(shape, x.shape());
  if (!b.ok() || *b != x.shape()) {
    return absl::InvalidArgumentError(absl::StrCat("sum_to: ", ShapeString(x.shape()),
                                                   " cannot be summed to ", ShapeString(shape)));
  }
  VLMLAB_ASSIGN_OR_RETURN(Tensor out, NewTensor(shape, x));
  VLMLAB_ASSIGN_OR_RETURN(Tensor xc, MakeContiguous(x));
  VLMLAB_RETURN_IF_ERROR(SumToKernels().Call(x.device(), x.dtype(), xc, &out));
  RecordOp(std::make_shared<SumToBackward>(), {x}, &out);
  return out;
}

absl::StatusOr<Tensor> BroadcastTo(const Tensor& x, const Shape& shape) {
  VLMLAB_RETURN_IF_ERROR(CheckDefined("broadcast_to", x));
  if (x.shape() == shape) return x;
  absl::StatusOr<Shape> b = BroadcastShapes(x.shape(), shape);
  if (!b.ok() || *b != shape) {
    return absl::InvalidArgumentError(absl::StrCat("broadcast_to: ", ShapeString(x.shape()),
                                                   " does not broadcast to ", ShapeString(shape)));
  }
  VLMLAB_ASSIGN_OR_RETURN(Tensor out, NewTensor(shape, x));
  VLMLAB_ASSIGN_OR_RETURN(Tensor zero, Tensor::Empty({1}, x.dtype(), x.device()));
  VLMLAB_ASSIGN_OR_RETURN(Tensor xc, MakeContiguous(x));
  VLMLAB_RETURN_IF_ERROR(
      BinaryKernels().Call(x.device(), x.dtype(), BinaryOp::kAdd, xc, zero, &out));
  RecordOp(std::make_shared<BroadcastToBackward>(), {x}, &out);
  return out;
}

}  // namespace vlmlab::ops
