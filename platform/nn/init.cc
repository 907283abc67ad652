#include "platform/nn/init.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "platform/tensor/counter_random.h"

namespace vlmlab::nn {

uint64_t ParameterSeed(uint64_t base_seed, absl::string_view name) {
  uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a 64
  for (unsigned char c : name) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return Mix64(Mix64(base_seed) ^ Mix64(h));
}

absl::Status AssignValues(const Tensor& dst, const Tensor& src) {
  if (!dst.defined() || !src.defined()) {
    return absl::InvalidArgumentError("assign: undefined tensor");
  }
  if (dst.shape() != src.shape()) {
    return absl::InvalidArgumentError(absl::StrCat("assign: shape ", ShapeString(src.shape()),
                                                   " into ", ShapeString(dst.shape())));
  }
  if (dst.device().type != DeviceType::kCpu || src.device().type != DeviceType::kCpu) {
    return absl::UnimplementedError(absl::StrCat("assign: ", src.DebugString(), " into ",
                                                 dst.DebugString(), ": only CPU tensors for now"));
  }
  Tensor values = src.To(dst.dtype());  // a contiguous copy: safe even if src aliases dst
  const size_t elem = DTypeSize(dst.dtype());
  const char* from = static_cast<const char*>(values.raw_data());
  char* base = static_cast<char*>(dst.storage()->data());
  if (dst.is_contiguous()) {
    std::memcpy(base + dst.offset() * elem, from, dst.numel() * elem);
  } else {
    ForEachOffset(dst.shape(), dst.strides(), dst.offset(), [&](int64_t i, int64_t off) {
      std::memcpy(base + off * elem, from + i * elem, elem);
    });
  }
  return absl::OkStatus();
}

uint64_t ParamInit::Seed(absl::string_view local_name) const {
  return ParameterSeed(base_seed_, absl::StrCat(prefix_, local_name));
}

void ParamInit::Uniform(const Tensor& param, absl::string_view local_name, float lo,
                        float hi) const {
  absl::Status s =
      AssignValues(param, Tensor::RandUniform(param.shape(), Seed(local_name), lo, hi));
  CHECK(s.ok()) << prefix_ << local_name << ": " << s;
}

void ParamInit::Normal(const Tensor& param, absl::string_view local_name, float stddev) const {
  absl::Status s = AssignValues(param, Tensor::RandN(param.shape(), Seed(local_name), stddev));
  CHECK(s.ok()) << prefix_ << local_name << ": " << s;
}

void ParamInit::Constant(const Tensor& param, float value) const {
  absl::Status s = AssignValues(param, Tensor::Full(param.shape(), value));
  CHECK(s.ok()) << prefix_ << ": " << s;
}

}  // namespace vlmlab::nn
