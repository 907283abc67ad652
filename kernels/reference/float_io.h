// Reference kernels compute in f32 (double where accuracy needs it) whatever the storage
// type: these helpers read any CPU tensor as floats and write floats back, rounding to the
// tensor's dtype.
//
//   std::vector<float> x = LoadFloats(a);
//   StoreFloats(y_values, &out);
#ifndef VLMLAB_KERNELS_REFERENCE_FLOAT_IO_H_
#define VLMLAB_KERNELS_REFERENCE_FLOAT_IO_H_

#include <cmath>
#include <vector>

#include "platform/tensor/tensor.h"

namespace vlmlab {

inline std::vector<float> LoadFloats(const Tensor& t) { return t.ToVector(); }

inline void StoreFloats(const std::vector<float>& values, Tensor* out) {
  CHECK_EQ(static_cast<int64_t>(values.size()), out->numel());
  CHECK(out->is_contiguous());
  switch (out->dtype()) {
    case DType::kF32:
      std::copy(values.begin(), values.end(), out->data<float>());
      break;
    case DType::kBF16:
      for (size_t i = 0; i < values.size(); ++i) out->data<uint16_t>()[i] = FloatToBf16(values[i]);
      break;
    case DType::kI32:
      for (size_t i = 0; i < values.size(); ++i)
        out->data<int32_t>()[i] = static_cast<int32_t>(std::nearbyint(values[i]));
      break;
  }
}

// Offset of the element of a broadcast input for output linear index `i`.
class BroadcastIndexer {
 public:
  BroadcastIndexer(const Shape& in, const Shape& out) : out_(out), strides_(out.size(), 0) {
    std::vector<int64_t> in_strides = ContiguousStrides(in);
    size_t lead = out.size() - in.size();
    for (size_t d = 0; d < in.size(); ++d) {
      strides_[lead + d] = in[d] == 1 ? 0 : in_strides[d];
    }
  }
  int64_t operator()(int64_t i) const {
    int64_t off = 0;
    for (int d = static_cast<int>(out_.size()) - 1; d >= 0; --d) {
      off += (i % out_[d]) * strides_[d];
      i /= out_[d];
    }
    return off;
  }

 private:
  Shape out_;
  std::vector<int64_t> strides_;
};

}  // namespace vlmlab

#endif  // VLMLAB_KERNELS_REFERENCE_FLOAT_IO_H_
