// oneDNN eltwise kernels for the unary ops and their derivatives (backend "onednn").
//
//   UnaryKernels().Call(Device{}, DType::kF32, UnaryOp::kGeluTanh, 0.f, x, &y);
//   UnaryBackwardKernels().Call(Device{}, DType::kF32, UnaryOp::kGeluTanh, 0.f, x, gy, &gx);
//
// Every UnaryOp maps to an eltwise algorithm: scale = linear(alpha, 0), add_scalar =
// linear(1, alpha), silu = swish(1), sigmoid = logistic, rsqrt = pow(1, -0.5), the rest by
// name. Elementwise, so tensors are described as 1-D [numel]; primitives are cached per
// (threads, dtype, op, alpha, numel). Forward runs forward_training (the backward's hint).
#include "kernels/api/elementwise.h"
#include "kernels/cpu/onednn_common.h"
#include "kernels/cpu/threads.h"

namespace vlmlab::cpu {
namespace {

struct Eltwise {
  dnnl::algorithm algorithm;
  float alpha, beta;
};

Eltwise ToEltwise(UnaryOp op, float alpha) {
  using A = dnnl::algorithm;
  switch (op) {
    case UnaryOp::kScale:
      return {A::eltwise_linear, alpha, 0.0f};
    case UnaryOp::kAddScalar:
      return {A::eltwise_linear, 1.0f, alpha};
    case UnaryOp::kGeluTanh:
      return {A::eltwise_gelu_tanh, 0.0f, 0.0f};
    case UnaryOp::kGeluErf:
      return {A::eltwise_gelu_erf, 0.0f, 0.0f};
    case UnaryOp::kSilu:
      return {A::eltwise_swish, 1.0f, 0.0f};
    case UnaryOp::kSigmoid:
      return {A::eltwise_logistic, 0.0f, 0.0f};
    case UnaryOp::kTanh:
      return {A::eltwise_tanh, 0.0f, 0.0f};
    case UnaryOp::kRelu:
      return {A::eltwise_relu, 0.0f, 0.0f};
    case UnaryOp::kExp:
      return {A::eltwise_exp, 0.0f, 0.0f};
    case UnaryOp::kLog:
      return {A::eltwise_log, 0.0f, 0.0f};
    case UnaryOp::kSquare:
      return {A::eltwise_square, 0.0f, 0.0f};
    case UnaryOp::kSqrt:
      return {A::eltwise_sqrt, 0.0f, 0.0f};
    case UnaryOp::kRsqrt:
      return {A::eltwise_pow, 1.0f, -0.5f};
  }
  return {A::undef, 0.0f, 0.0f};
}

struct UnaryEntry {
  dnnl::primitive prim;  // eltwise_forward (src, dst) or eltwise_backward (src, diff_dst,
  ArgMemories args;      // diff_src)
};

PrimitiveCache<UnaryEntry>& Cache() {
  static auto* cache = new PrimitiveCache<UnaryEntry>();
  return *cache;
}

// Key: threads, forward/backward, dtype, op, alpha, numel.
absl::StatusOr<std::shared_ptr<const UnaryEntry>> Lookup(bool backward, UnaryOp op, float alpha,
                                                         DType dt, int64_t numel) {
  CacheKey key = {CpuThreads(),     backward, static_cast<int64_t>(dt), static_cast<int64_t>(op),
                  FloatBits(alpha), numel};
  return Cache().GetOrCreate(key, [&] {
    return MakeEntry<UnaryEntry>(__FILE__, __LINE__, "eltwise primitive", [&] {
      Eltwise el = ToEltwise(op, alpha);
      dnnl::memory::desc md = PlainDesc({numel}, dt);
      dnnl::eltwise_forward::primitive_desc fwd(
          dnnl::eltwise_forward::desc(dnnl::prop_kind::forward_training, el.algorithm, md, el.alpha,
                                      el.beta),
          UserScratchpad(), OnednnEngine());
      if (!backward) {
        return new UnaryEntry{dnnl::eltwise_forward(fwd),
                              ArgMemories(fwd, {DNNL_ARG_SRC, DNNL_ARG_DST})};
      }
      dnnl::eltwise_backward::primitive_desc bwd(
          dnnl::eltwise_backward::desc(el.algorithm, md, md, el.alpha, el.beta), UserScratchpad(),
          OnednnEngine(), fwd);
      return new UnaryEntry{dnnl::eltwise_backward(bwd),
                            ArgMemories(bwd, {DNNL_ARG_SRC, DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_SRC})};
    });
  });
}

absl::Status OnednnUnary(UnaryOp op, float alpha, const Tensor& x, Tensor* y) {
  if (x.numel() != y->numel() || x.dtype() != y->dtype()) {
    return Fallback(UnaryKernels(), x.dtype(), op, alpha, x, y);
  }
  if (x.numel() == 0) return absl::OkStatus();
  VLMLAB_ASSIGN_OR_RETURN(std::shared_ptr<const UnaryEntry> e,
                          Lookup(false, op, alpha, x.dtype(), x.numel()));
  if (e == nullptr) return Fallback(UnaryKernels(), x.dtype(), op, alpha, x, y);
  try {
    e->args.Execute(e->prim, {x.raw_data(), y->raw_data()});
  }
  VLMLAB_DNNL_CATCH("eltwise forward execute")
  return absl::OkStatus();
}

absl::Status OnednnUnaryBackward(UnaryOp op, float alpha, const Tensor& x, const Tensor& gy,
                                 Tensor* gx) {
  if (x.numel() != gy.numel() || x.numel() != gx->numel() || x.dtype() != gy.dtype() ||
      x.dtype() != gx->dtype()) {
    return Fallback(UnaryBackwardKernels(), x.dtype(), op, alpha, x, gy, gx);
  }
  if (x.numel() == 0) return absl::OkStatus();
  VLMLAB_ASSIGN_OR_RETURN(std::shared_ptr<const UnaryEntry> e,
                          Lookup(true, op, alpha, x.dtype(), x.numel()));
  if (e == nullptr) return Fallback(UnaryBackwardKernels(), x.dtype(), op, alpha, x, gy, gx);
  try {
    e->args.Execute(e->prim, {x.raw_data(), gy.raw_data(), gx->raw_data()});
  }
  VLMLAB_DNNL_CATCH("eltwise backward execute")
  return absl::OkStatus();
}

std::vector<DType> Dtypes() {
  std::vector<DType> dtypes = {DType::kF32};
  if (CpuHasBf16()) dtypes.push_back(DType::kBF16);
  return dtypes;
}

const bool registered =
    UnaryKernels().Register(
        {kOnednnBackend, DeviceType::kCpu, kOnednnPriority, Dtypes(), &OnednnUnary}) &&
    UnaryBackwardKernels().Register(
        {kOnednnBackend, DeviceType::kCpu, kOnednnPriority, Dtypes(), &OnednnUnaryBackward});

}  // namespace
}  // namespace vlmlab::cpu
