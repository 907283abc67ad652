#include "platform/tensor/tensor.h"

#include <cmath>
#include <cstring>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "platform/tensor/counter_random.h"

namespace vlmlab {

namespace {

// A contiguous CPU tensor for factories that write every element.
Tensor HostUninitialized(const Shape& shape, DType dtype) {
  absl::StatusOr<Tensor> t = Tensor::Uninitialized(shape, dtype);
  CHECK(t.ok()) << t.status();
  return *t;
}

}  // namespace

absl::StatusOr<Tensor> Tensor::Empty(const Shape& shape, DType dtype, Device device) {
  return Allocate(shape, dtype, device, /*zero=*/true);
}

absl::StatusOr<Tensor> Tensor::Uninitialized(const Shape& shape, DType dtype, Device device) {
  return Allocate(shape, dtype, device, /*zero=*/false);
}

absl::StatusOr<Tensor> Tensor::Allocate(const Shape& shape, DType dtype, Device device, bool zero) {
  for (int64_t d : shape) {
    if (d < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("negative dimension in shape ", ShapeString(shape)));
    }
  }
  int64_t n = NumElements(shape);
  const size_t bytes = static_cast<size_t>(n) * DTypeSize(dtype);
  absl::StatusOr<std::shared_ptr<Storage>> storage =
      zero ? Storage::Allocate(bytes, device) : Storage::AllocateUninitialized(bytes, device);
  if (!storage.ok()) return storage.status();
  auto impl = std::make_shared<Impl>();
  impl->storage = std::move(*storage);
  impl->shape = shape;
  impl->strides = ContiguousStrides(shape);
  impl->dtype = dtype;
  return Tensor(std::move(impl));
}

Tensor Tensor::Zeros(const Shape& shape, DType dtype) {
  absl::StatusOr<Tensor> t = Empty(shape, dtype);
  CHECK(t.ok()) << t.status();
  return *t;
}

Tensor Tensor::Full(const Shape& shape, float value, DType dtype) {
  Tensor t = HostUninitialized(shape, dtype);
  int64_t n = t.numel();
  switch (dtype) {
    case DType::kF32:
      std::fill_n(t.data<float>(), n, value);
      break;
    case DType::kBF16:
      std::fill_n(t.data<uint16_t>(), n, FloatToBf16(value));
      break;
    case DType::kI32:
      std::fill_n(t.data<int32_t>(), n, static_cast<int32_t>(value));
      break;
  }
  return t;
}

Tensor Tensor::FromVector(const Shape& shape, absl::Span<const float> values, DType dtype) {
  CHECK_EQ(static_cast<int64_t>(values.size()), NumElements(shape))
      << "FromVector: " << values.size() << " values for shape " << ShapeString(shape);
  Tensor t = HostUninitialized(shape, DType::kF32);
  std::copy(values.begin(), values.end(), t.data<float>());
  return dtype == DType::kF32 ? t : t.To(dtype);
}

Tensor Tensor::FromInts(const Shape& shape, absl::Span<const int32_t> values) {
  CHECK_EQ(static_cast<int64_t>(values.size()), NumElements(shape))
      << "FromInts: " << values.size() << " values for shape " << ShapeString(shape);
  Tensor t = HostUninitialized(shape, DType::kI32);
  std::copy(values.begin(), values.end(), t.data<int32_t>());
  return t;
}

Tensor Tensor::RandN(const Shape& shape, uint64_t seed, float stddev, DType dtype) {
  Tensor t = HostUninitialized(shape, DType::kF32);
  float* p = t.data<float>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = stddev * CounterNormal(seed, i);
  return dtype == DType::kF32 ? t : t.To(dtype);
}

Tensor Tensor::RandUniform(const Shape& shape, uint64_t seed, float lo, float hi, DType dtype) {
  Tensor t = HostUninitialized(shape, DType::kF32);
  float* p = t.data<float>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = lo + (hi - lo) * CounterUniform(seed, i);
  return dtype == DType::kF32 ? t : t.To(dtype);
}

int64_t Tensor::size(int64_t axis) const {
  absl::StatusOr<int> a = NormalizeAxis(axis, dim());
  CHECK(a.ok()) << a.status();
  return shape()[*a];
}

bool Tensor::is_contiguous() const {
  return strides() == ContiguousStrides(shape()) || numel() <= 1;
}

std::string Tensor::DebugString() const {
  if (!defined()) return "undefined";
  return absl::StrCat(DTypeName(dtype()), ShapeString(shape()), " ", DeviceName(device()));
}

void* Tensor::raw_data() const {
  return static_cast<char*>(impl().storage->data()) +
         impl().offset * static_cast<int64_t>(DTypeSize(dtype()));
}

Tensor Tensor::MakeView(Shape shape, std::vector<int64_t> strides, int64_t offset) const {
  auto impl = std::make_shared<Impl>();
  impl->storage = this->impl().storage;
  impl->shape = std::move(shape);
  impl->strides = std::move(strides);
  impl->offset = offset;
  impl->dtype = dtype();
  return Tensor(std::move(impl));
}

absl::StatusOr<Tensor> Tensor::ViewReshape(const Shape& new_shape) const {
  if (NumElements(new_shape) != numel()) {
    return absl::InvalidArgumentError(absl::StrCat("reshape: cannot view ", ShapeString(shape()),
                                                   " as ", ShapeString(new_shape)));
  }
  if (!is_contiguous()) {
    return absl::FailedPreconditionError(
        absl::StrCat("reshape: ", ShapeString(shape()), " is not contiguous; copy it first"));
  }
  return MakeView(new_shape, ContiguousStrides(new_shape), offset());
}

absl::StatusOr<Tensor> Tensor::ViewTranspose(int64_t a, int64_t b) const {
  absl::StatusOr<int> x = NormalizeAxis(a, dim());
  absl::StatusOr<int> y = NormalizeAxis(b, dim());
  if (!x.ok()) return x.status();
  if (!y.ok()) return y.status();
  Shape s = shape();
  std::vector<int64_t> st = strides();
  std::swap(s[*x], s[*y]);
  std::swap(st[*x], st[*y]);
  return MakeView(s, st, offset());
}

absl::StatusOr<Tensor> Tensor::ViewPermute(const std::vector<int64_t>& order) const {
  if (static_cast<int64_t>(order.size()) != dim()) {
    return absl::InvalidArgumentError(
        absl::StrCat("permute: ", order.size(), " axes given for a tensor of rank ", dim()));
  }
  std::vector<bool> seen(dim(), false);
  Shape s(dim());
  std::vector<int64_t> st(dim());
  for (int64_t i = 0; i < dim(); ++i) {
    absl::StatusOr<int> a = NormalizeAxis(order[i], dim());
    if (!a.ok()) return a.status();
    if (seen[*a]) {
      return absl::InvalidArgumentError(absl::StrCat("permute: axis ", *a, " appears twice"));
    }
    seen[*a] = true;
    s[i] = shape()[*a];
    st[i] = strides()[*a];
  }
  return MakeView(s, st, offset());
}

absl::StatusOr<Tensor> Tensor::ViewSlice(int64_t axis, int64_t start, int64_t end) const {
  absl::StatusOr<int> a = NormalizeAxis(axis, dim());
  if (!a.ok()) return a.status();
  int64_t n = shape()[*a];
  if (start < 0 || end > n || start > end) {
    return absl::OutOfRangeError(absl::StrCat("slice [", start, ", ", end, ") of axis ", *a,
                                              " with size ", n, " in ", ShapeString(shape())));
  }
  Shape s = shape();
  s[*a] = end - start;
  return MakeView(s, strides(), offset() + start * strides()[*a]);
}

Tensor Tensor::Detach() const { return MakeView(shape(), strides(), offset()); }

Tensor Tensor::Contiguous() const {
  if (is_contiguous()) return *this;
  CHECK(device().type == DeviceType::kCpu)
      << "Contiguous() on " << DebugString() << ": device copies belong to the device backend";
  Tensor out = HostUninitialized(shape(), dtype());
  size_t es = DTypeSize(dtype());
  const char* src = static_cast<const char*>(storage()->data());
  char* dst = static_cast<char*>(out.raw_data());
  ForEachOffset(shape(), strides(), offset(),
                [&](int64_t i, int64_t off) { std::memcpy(dst + i * es, src + off * es, es); });
  return out;
}

Tensor Tensor::To(DType target) const {
  Tensor src = Contiguous();
  Tensor out = HostUninitialized(shape(), target);
  if (target == dtype()) {
    std::memcpy(out.raw_data(), src.raw_data(), numel() * DTypeSize(dtype()));
    return out;
  }
  int64_t n = numel();
  std::vector<float> values = src.ToVector();
  switch (target) {
    case DType::kF32:
      std::copy(values.begin(), values.end(), out.data<float>());
      break;
    case DType::kBF16:
      for (int64_t i = 0; i < n; ++i) out.data<uint16_t>()[i] = FloatToBf16(values[i]);
      break;
    case DType::kI32:
      for (int64_t i = 0; i < n; ++i)
        out.data<int32_t>()[i] = static_cast<int32_t>(std::nearbyint(values[i]));
      break;
  }
  return out;
}

std::vector<float> Tensor::ToVector() const {
  CHECK(device().type == DeviceType::kCpu) << "ToVector() on " << DebugString();
  std::vector<float> out(numel());
  const char* base = static_cast<const char*>(storage()->data());
  ForEachOffset(shape(), strides(), offset(), [&](int64_t i, int64_t off) {
    switch (dtype()) {
      case DType::kF32:
        out[i] = reinterpret_cast<const float*>(base)[off];
        break;
      case DType::kBF16:
        out[i] = Bf16ToFloat(reinterpret_cast<const uint16_t*>(base)[off]);
        break;
      case DType::kI32:
        out[i] = static_cast<float>(reinterpret_cast<const int32_t*>(base)[off]);
        break;
    }
  });
  return out;
}

std::vector<int32_t> Tensor::ToInts() const {
  CHECK(dtype() == DType::kI32) << "ToInts() of " << DebugString();
  Tensor c = Contiguous();
  return std::vector<int32_t>(c.data<int32_t>(), c.data<int32_t>() + c.numel());
}

const Tensor& Tensor::grad() const {
  static const Tensor* undefined = new Tensor();
  return impl().grad ? *impl().grad : *undefined;
}

void Tensor::set_grad(const Tensor& grad) const {
  impl().grad = grad.defined() ? std::make_shared<Tensor>(grad) : nullptr;
}

}  // namespace vlmlab
