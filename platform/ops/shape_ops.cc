#include "platform/ops/shape_ops.h"

#include <memory>

#include "kernels/api/copy.h"
#include "platform/autograd/node.h"
#include "platform/ops/elementwise_ops.h"
#include "platform/ops/op_support.h"

namespace vlmlab::ops {
namespace {

class ReshapeBackward : public Node {
 public:
  const char* name() const override { return "reshape"; }
  absl::StatusOr<std::vector<Tensor>> Apply(const Tensor& g) override {
    VLMLAB_ASSIGN_OR_RETURN(Tensor gx, Reshape(g, inputs()[0].shape()));
    return std::vector<Tensor>{gx};
  }
};

class PermuteBackward : public Node {
 public:
  explicit PermuteBackward(std::vector<int64_t> inverse) : inverse_(std::move(inverse)) {}
  const char* name() const override { return "permute"; }
  absl::StatusOr<std::vector<Tensor>> Apply(const Tensor& g) override {
    VLMLAB_ASSIGN_OR_RETURN(Tensor gx, Permute(g, inverse_));
    return std::vector<Tensor>{gx};
  }

 private:
  std::vector<int64_t> inverse_;
};

// Writes `g` into the [start, end) slice of zeros shaped like the input.
class SliceBackward : public Node {
 public:
  SliceBackward(int axis, int64_t start) : axis_(axis), start_(start) {}
  const char* name() const override { return "slice"; }
  absl::StatusOr<std::vector<Tensor>> Apply(const Tensor& g) override {
    const Tensor& x = inputs()[0];
    VLMLAB_ASSIGN_OR_RETURN(Tensor gx, NewZeroedTensor(x.shape(), g));
    VLMLAB_ASSIGN_OR_RETURN(Tensor window, gx.ViewSlice(axis_, start_, start_ + g.size(axis_)));
    VLMLAB_RETURN_IF_ERROR(CopyKernels().Call(g.device(), g.dtype(), g, &window));
    return std::vector<Tensor>{gx};
  }

 private:
  int axis_;
  int64_t start_;
};

class ConcatBackward : public Node {
 public:
  explicit ConcatBackward(int axis) : axis_(axis) {}
  const char* name() const override { return "concat"; }
  absl::StatusOr<std::vector<Tensor>> Apply(const Tensor& g) override {
    std::vector<Tensor> grads;
    int64_t start = 0;
    for (const Tensor& x : inputs()) {
      int64_t n = x.size(axis_);
      VLMLAB_ASSIGN_OR_RETURN(Tensor piece, g.ViewSlice(axis_, start, start + n));
      grads.push_back(piece);
      start += n;
    }
    return grads;
  }

 private:
  int axis_;
};

absl::StatusOr<Shape> InferShape(const Tensor& x, const Shape& shape) {
  Shape out = shape;
  int infer = -1;
  int64_t known = 1;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == -1 && infer < 0) {
      infer = static_cast<int>(i);
    } else if (out[i] < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("reshape: bad target shape ", ShapeString(shape)));
    } else {
      known *= out[i];
    }
  }
  if (infer >= 0 && known > 0 && x.numel() % known == 0) out[infer] = x.numel() / known;
  if (NumElements(out) != x.numel() || (infer >= 0 && known == 0)) {
    return absl::InvalidArgumentError(absl::StrCat("reshape: cannot reshape ",
                                                   ShapeString(x.shape()), " (", x.numel(),
                                                   " elements) to ", ShapeString(shape)));
  }
  return out;
}

absl::StatusOr<std::vector<int>> NormalizeAxes(const char* op, const std::vector<int64_t>& axes,
                                               int64_t rank) {
  std::vector<int> out;
  std::vector<bool> seen(rank, false);
  for (int64_t a : axes) {
    absl::StatusOr<int> n = NormalizeAxis(a, rank);
    if (!n.ok()) return absl::InvalidArgumentError(absl::StrCat(op, ": ", n.status().message()));
    if (seen[*n]) return absl::InvalidArgumentError(absl::StrCat(op, ": axis ", a, " given twice"));
    seen[*n] = true;
    out.push_back(*n);
  }
  if (axes.empty()) {
    for (int i = 0; i < rank; ++i) out.push_back(i);
  }
  return out;
}

}  // namespace

absl::StatusOr<Tensor> Reshape(const Tensor& x, const Shape& shape) {
  VLMLAB_RETURN_IF_ERROR(CheckDefined("reshape", x));
  VLMLAB_ASSIGN_OR_RETURN(Shape target, InferShape(x, shape));
  VLMLAB_ASSIGN_OR_RETURN(Tensor xc, MakeContiguous(x));
  VLMLAB_ASSIGN_OR_RETURN(Tensor out, xc.ViewReshape(target));
  out = out.Detach();
  RecordOp(std::make_shared<ReshapeBackward>(), {x}, &out);
  return out;
}

absl::StatusOr<Tensor> Permute(const Tensor& x, const std::vector<int64_t>& order) {
  VLMLAB_RETURN_IF_ERROR(CheckDefined("permute", x));
  absl::StatusOr<Tensor> view = x.ViewPermute(order);
  if (!view.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(view.status().message(), " (input ", ShapeString(x.shape()), ")"));
  }
  std::vector<int64_t> inverse(order.size());
  for (size_t i = 0; i < order.size(); ++i) {
    inverse[*NormalizeAxis(order[i], x.dim())] = static_cast<int64_t>(i);
  }
  Tensor out = *view;
  RecordOp(std::make_shared<PermuteBackward>(inverse), {x}, &out);
  return out;
}

absl::StatusOr<Tensor> Transpose(const Tensor& x, int64_t a, int64_t b) {
  VLMLAB_RETURN_IF_ERROR(CheckDefined("transpose", x));
  std::vector<int64_t> order(x.dim());
  for (int64_t i = 0; i < x.dim(); ++i) order[i] = i;
  absl::StatusOr<int> na = NormalizeAxis(a, x.dim()), nb = NormalizeAxis(b, x.dim());
  if (!na.ok() || !nb.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("transpose: axes ", a, ", ", b, " for shape ", ShapeString(x.shape())));
  }
  std::swap(order[*na], order[*nb]);
  return Permute(x, order);
}

absl::StatusOr<Tensor> Slice(const Tensor& x, int64_t axis, int64_t start, int64_t end) {
  VLMLAB_RETURN_IF_ERROR(CheckDefined("slice", x));
  absl::StatusOr<Tensor> view = x.ViewSlice(axis, start, end);
  if (!view.ok())
    return absl::InvalidArgumentError(absl::StrCat("slice: ", view.status().message()));
  Tensor out = *view;
  RecordOp(std::make_shared<SliceBackward>(*NormalizeAxis(axis, x.dim()), start), {x}, &out);
  return out;
}

absl::StatusOr<Tensor> Concat(const std::vector<Tensor>& xs, int64_t axis) {
  if (xs.empty()) return absl::InvalidArgumentError("concat: no tensors");
  VLMLAB_RETURN_IF_ERROR(CheckDefined("concat", xs[0]));
  absl::StatusOr<int> a = NormalizeAxis(axis, xs[0].dim());
  if (!a.ok()) return absl::InvalidArgumentError(absl::StrCat("concat: ", a.status().message()));
  Shape shape = xs[0].shape();
  shape[*a] = 0;
  for (const Tensor& x : xs) {
    VLMLAB_RETURN_IF_ERROR(CheckSameKind("concat", xs[0], x));
    Shape s = x.shape();
    if (s.size() != shape.size()) {
      return absl::InvalidArgumentError(absl::StrCat("concat: ", ShapeString(xs[0].shape()),
                                                     " and ", ShapeString(s), " differ in rank"));
    }
    int64_t n = s[*a];
    s[*a] = 0;
    Shape expect = shape;
    expect[*a] = 0;
    if (s != expect) {
      return absl::InvalidArgumentError(absl::StrCat("concat along axis ", *a, ": ",
                                                     ShapeString(xs[0].shape()), " and ",
                                                     ShapeString(x.shape()), " differ elsewhere"));
    }
    shape[*a] += n;
  }
  VLMLAB_ASSIGN_OR_RETURN(Tensor out, NewTensor(shape, xs[0]));
  int64_t start = 0;
  for (const Tensor& x : xs) {
    VLMLAB_ASSIGN_OR_RETURN(Tensor window, out.ViewSlice(*a, start, start + x.size(*a)));
    VLMLAB_RETURN_IF_ERROR(CopyKernels().Call(x.device(), x.dtype(), x, &window));
    start += x.size(*a);
  }
  RecordOp(std::make_shared<ConcatBackward>(*a), xs, &out);
  return out;
}

absl::StatusOr<std::vector<Tensor>> Split(const Tensor& x, const std::vector<int64_t>& sizes,
                                          int64_t axis) {
  VLMLAB_RETURN_IF_ERROR(CheckDefined("split", x));
  absl::StatusOr<int> a = NormalizeAxis(axis, x.dim());
  if (!a.ok()) return absl::InvalidArgumentError(absl::StrCat("split: ", a.status().message()));
  int64_t total = 0;
  for (int64_t s : sizes) total += s;
  if (total != x.size(*a)) {
    return absl::InvalidArgumentError(absl::StrCat("split: sizes add up to ", total, " but axis ",
                                                   *a, " of ", ShapeString(x.shape()), " has ",
                                                   x.size(*a)));
  }
  std::vector<Tensor> out;
  int64_t start = 0;
  for (int64_t s : sizes) {
    VLMLAB_ASSIGN_OR_RETURN(Tensor piece, Slice(x, *a, start, start + s));
    out.push_back(piece);
    start += s;
  }
  return out;
}

absl::StatusOr<Tensor> Sum(const Tensor& x, const std::vector<int64_t>& axes, bool keepdim) {
  VLMLAB_RETURN_IF_ERROR(CheckDefined("sum", x));
  VLMLAB_ASSIGN_OR_RETURN(std::vector<int> norm, NormalizeAxes("sum", axes, x.dim()));
  Shape kept = x.shape();
  for (int a : norm) kept[a] = 1;
  VLMLAB_ASSIGN_OR_RETURN(Tensor s, SumTo(x, kept));
  if (keepdim) return s;
  Shape squeezed;
  std::vector<bool> reduced(x.dim(), false);
  for (int a : norm) reduced[a] = true;
  for (int64_t i = 0; i < x.dim(); ++i) {
    if (!reduced[i]) squeezed.push_back(x.size(i));
  }
  return Reshape(s, squeezed);
}

absl::StatusOr<Tensor> Mean(const Tensor& x, const std::vector<int64_t>& axes, bool keepdim) {
  VLMLAB_ASSIGN_OR_RETURN(Tensor s, Sum(x, axes, keepdim));
  int64_t count = s.numel() == 0 ? 0 : x.numel() / s.numel();
  if (count == 0) return absl::InvalidArgumentError("mean: over zero elements");
  return Scale(s, 1.0f / static_cast<float>(count));
}

}  // namespace vlmlab::ops
