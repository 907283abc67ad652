// Tensor: a shape, strides and offset over a reference-counted Storage, with a dtype, a device
// and the autograd state the ops layer (platform/ops) maintains.
//
//   Tensor x = Tensor::FromVector({2, 3}, {1, 2, 3, 4, 5, 6});   // f32 on the CPU
//   Tensor t = x.ViewTranspose(0, 1).value();                    // [3, 2], no copy
//   Tensor c = t.Contiguous();                                   // copy in row-major order
//   std::vector<float> v = c.ToVector();                         // {1, 4, 2, 5, 3, 6}
//
// A Tensor is a handle: copies share data and autograd state. `View*` methods make raw views
// that autograd does not see; differentiable reshapes live in platform/ops. Element access
// (`data<T>()`) is for CPU tensors; kernels for other devices take the raw pointer.
#ifndef VLMLAB_PLATFORM_TENSOR_TENSOR_H_
#define VLMLAB_PLATFORM_TENSOR_TENSOR_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "glog/logging.h"
#include "platform/tensor/dtype.h"
#include "platform/tensor/shape.h"
#include "platform/tensor/storage.h"

namespace vlmlab {

class Node;  // platform/autograd/node.h

class Tensor {
 public:
  Tensor() = default;  // undefined

  // Factories. Empty and Zeros both return zeroed memory on the CPU.
  static absl::StatusOr<Tensor> Empty(const Shape& shape, DType dtype = DType::kF32,
                                      Device device = {});
  // Like Empty, but the contents are unspecified: for outputs that a kernel overwrites
  // entirely. With VLMLAB_POISON_UNINITIALIZED=1 (set for every test in .bazelrc) they are
  // NaN / -1 (storage.h), so a kernel that leaves an element unwritten fails its tests.
  static absl::StatusOr<Tensor> Uninitialized(const Shape& shape, DType dtype = DType::kF32,
                                              Device device = {});
  static Tensor Zeros(const Shape& shape, DType dtype = DType::kF32);
  static Tensor Full(const Shape& shape, float value, DType dtype = DType::kF32);
  // f32 (or bf16, rounded) from values; CHECKs that the count matches the shape.
  static Tensor FromVector(const Shape& shape, absl::Span<const float> values,
                           DType dtype = DType::kF32);
  static Tensor FromInts(const Shape& shape, absl::Span<const int32_t> values);
  // Normal(0, stddev) or Uniform[lo, hi) from a counter-based generator: element i depends
  // only on (seed, i), so results do not depend on thread count or order.
  static Tensor RandN(const Shape& shape, uint64_t seed, float stddev = 1.0f,
                      DType dtype = DType::kF32);
  static Tensor RandUniform(const Shape& shape, uint64_t seed, float lo, float hi,
                            DType dtype = DType::kF32);

  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const { return impl().shape; }
  int64_t dim() const { return static_cast<int64_t>(impl().shape.size()); }
  int64_t size(int64_t axis) const;  // negative axes count from the end
  int64_t numel() const { return NumElements(impl().shape); }
  const std::vector<int64_t>& strides() const { return impl().strides; }
  int64_t offset() const { return impl().offset; }
  DType dtype() const { return impl().dtype; }
  Device device() const { return impl().storage->device(); }
  bool is_contiguous() const;
  const std::shared_ptr<Storage>& storage() const { return impl().storage; }
  std::string DebugString() const;  // "f32[2, 3] cpu"

  // Pointer to the first element. CHECKs the element type.
  template <typename T>
  T* data() const {
    CHECK(defined()) << "data() of an undefined tensor";
    CHECK_EQ(sizeof(T), DTypeSize(dtype()))
        << "data<T>() with the wrong element size for " << DTypeName(dtype());
    return reinterpret_cast<T*>(static_cast<char*>(impl().storage->data()) +
                                impl().offset * static_cast<int64_t>(sizeof(T)));
  }
  void* raw_data() const;

  // Raw views (share storage; invisible to autograd).
  absl::StatusOr<Tensor> ViewReshape(const Shape& shape) const;  // needs a contiguous tensor
  absl::StatusOr<Tensor> ViewTranspose(int64_t a, int64_t b) const;
  absl::StatusOr<Tensor> ViewPermute(const std::vector<int64_t>& order) const;
  absl::StatusOr<Tensor> ViewSlice(int64_t axis, int64_t start, int64_t end) const;
  Tensor Detach() const;  // same data, no autograd history

  // A contiguous tensor with the same values (this tensor itself when already contiguous).
  Tensor Contiguous() const;
  // A contiguous copy converted to `dtype` (f32 <-> bf16 round to nearest even; i32 <-> f32).
  Tensor To(DType dtype) const;
  // CPU values as f32, in row-major order.
  std::vector<float> ToVector() const;
  std::vector<int32_t> ToInts() const;

  // Autograd state (maintained by platform/ops and platform/autograd).
  bool requires_grad() const { return defined() && impl().requires_grad; }
  void set_requires_grad(bool value) { impl().requires_grad = value; }
  const Tensor& grad() const;
  void set_grad(const Tensor& grad) const;
  void zero_grad() const { impl().grad.reset(); }
  const std::shared_ptr<Node>& grad_fn() const { return impl().grad_fn; }
  void set_grad_fn(std::shared_ptr<Node> node) const { impl().grad_fn = std::move(node); }
  bool is_leaf() const { return impl().grad_fn == nullptr; }
  // Identity of the underlying tensor (not of the data): equal for copies of one handle.
  const void* id() const { return impl_.get(); }

 private:
  struct Impl {
    std::shared_ptr<Storage> storage;
    Shape shape;
    std::vector<int64_t> strides;
    int64_t offset = 0;
    DType dtype = DType::kF32;
    bool requires_grad = false;
    std::shared_ptr<Tensor> grad;
    std::shared_ptr<Node> grad_fn;
  };
  explicit Tensor(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  static absl::StatusOr<Tensor> Allocate(const Shape& shape, DType dtype, Device device, bool zero);
  Impl& impl() const {
    CHECK(impl_ != nullptr) << "use of an undefined tensor";
    return *impl_;
  }
  Tensor MakeView(Shape shape, std::vector<int64_t> strides, int64_t offset) const;

  std::shared_ptr<Impl> impl_;
};

// Iterates the offsets (in elements, from the storage start) of a strided tensor in row-major
// order: `fn(linear_index, storage_offset)`.
template <typename Fn>
void ForEachOffset(const Shape& shape, const std::vector<int64_t>& strides, int64_t offset, Fn fn) {
  int64_t n = NumElements(shape);
  if (n == 0) return;
  std::vector<int64_t> index(shape.size(), 0);
  int64_t off = offset;
  for (int64_t i = 0; i < n; ++i) {
    fn(i, off);
    for (int d = static_cast<int>(shape.size()) - 1; d >= 0; --d) {
      if (++index[d] < shape[d]) {
        off += strides[d];
        break;
      }
      off -= strides[d] * (shape[d] - 1);
      index[d] = 0;
    }
  }
}

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_TENSOR_TENSOR_H_
