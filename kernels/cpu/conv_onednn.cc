// oneDNN convolution kernels (backend "onednn", f32; bf16 where the CPU has avx512_bf16):
// forward, backward data and backward weights on channels-last images with PyTorch-layout
// weights (kernels/api/conv.h). bf16 is mixed precision: the inputs (images, weights, output
// gradients) are bf16, the outputs (activations, bias, input and weight gradients) f32, with
// f32 accumulation.
//
//   Conv2dKernels().Call(Device{}, DType::kF32, x, weight, bias, Conv2dParams{1, 1}, &y);
//
// Images stay NHWC (the layout the conv encoder keeps). Weights are described with
// format_tag::any so oneDNN picks its fastest (blocked) layout; each call reorders the
// [Cout, Cin, kh, kw] weights into it (or the weight gradient back out of it), which costs
// little next to the convolution. Primitives and reorders are cached per (threads, pass,
// geometry); a geometry oneDNN does not implement falls back to the reference kernel.
#include <cstdlib>
#include <memory>
#include <vector>

#include "kernels/api/conv.h"
#include "kernels/cpu/onednn_common.h"
#include "kernels/cpu/threads.h"

namespace vlmlab::cpu {
namespace {

enum Pass : int64_t { kForward = 0, kBackwardData = 1, kBackwardWeights = 2 };

struct ConvEntry {
  dnnl::primitive prim;
  ArgMemories args;
  // Between the user's [Cout, Cin, kh, kw] weights and the primitive's layout; unset when
  // they are the same.
  dnnl::primitive reorder;
  std::unique_ptr<ArgMemories> reorder_args;
  size_t internal_bytes = 0;  // size of the weights in the primitive's layout (0: no reorder)
};

PrimitiveCache<ConvEntry>& Cache() {
  static auto* cache = new PrimitiveCache<ConvEntry>();
  return *cache;
}

struct Geometry {
  int64_t n, h, w, cin, cout, kh, kw, oh, ow, stride, pad;
};

// A 64-byte aligned scratch buffer for weights in oneDNN's layout.
struct AlignedBuffer {
  explicit AlignedBuffer(size_t bytes)
      : ptr(bytes == 0 ? nullptr : std::aligned_alloc(64, (bytes + 63) / 64 * 64)) {}
  ~AlignedBuffer() { std::free(ptr); }
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  void* ptr;
};

using tag = dnnl::memory::format_tag;

// Key: threads, pass, bias, dtype, then the geometry.
absl::StatusOr<std::shared_ptr<const ConvEntry>> Lookup(Pass pass, bool bias, DType dt,
                                                        const Geometry& g) {
  CacheKey key = {CpuThreads(), pass,     bias, static_cast<int64_t>(dt),
                  g.n,          g.h,      g.w,  g.cin,
                  g.cout,       g.kh,     g.kw, g.oh,
                  g.ow,         g.stride, g.pad};
  return Cache().GetOrCreate(key, [&] {
    return MakeEntry<ConvEntry>(__FILE__, __LINE__, "convolution primitive", [&] {
      // Inputs in `dt`; outputs f32 when `dt` is bf16 (mixed precision), else `dt`.
      const auto t = DnnlType(dt);
      const auto t_out = dt == DType::kBF16 ? dnnl::memory::data_type::f32 : t;
      const dnnl::memory::desc src({g.n, g.cin, g.h, g.w}, t, tag::nhwc);
      const dnnl::memory::desc src_out({g.n, g.cin, g.h, g.w}, t_out, tag::nhwc);
      const dnnl::memory::desc dst({g.n, g.cout, g.oh, g.ow}, t, tag::nhwc);
      const dnnl::memory::desc dst_out({g.n, g.cout, g.oh, g.ow}, t_out, tag::nhwc);
      const dnnl::memory::desc user_w({g.cout, g.cin, g.kh, g.kw}, t, tag::oihw);
      const dnnl::memory::desc user_w_out({g.cout, g.cin, g.kh, g.kw}, t_out, tag::oihw);
      const dnnl::memory::desc any_w({g.cout, g.cin, g.kh, g.kw}, t, tag::any);
      const dnnl::memory::desc any_w_out({g.cout, g.cin, g.kh, g.kw}, t_out, tag::any);
      const dnnl::memory::desc bias_md({g.cout}, t_out, tag::x);
      const dnnl::memory::dims strides = {g.stride, g.stride}, pad = {g.pad, g.pad};
      const auto algo = dnnl::algorithm::convolution_direct;
      // The forward pass writes `out_dst`; the backward passes are hinted by a forward whose
      // output has the inputs' type, as their output gradient does.
      auto forward = [&](const dnnl::memory::desc& out_dst) {
        const auto d =
            bias ? dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, algo, src,
                                                   any_w, bias_md, out_dst, strides, pad, pad)
                 : dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, algo, src,
                                                   any_w, out_dst, strides, pad, pad);
        return dnnl::convolution_forward::primitive_desc(d, UserScratchpad(), OnednnEngine());
      };
      dnnl::convolution_forward::primitive_desc fwd = forward(pass == kForward ? dst_out : dst);
      // The weights reorder from `from` to `to` (one of them the user's layout).
      auto with_reorder = [&](ConvEntry* e, const dnnl::memory::desc& from,
                              const dnnl::memory::desc& to, const dnnl::memory::desc& internal) {
        if (from == to) return e;
        dnnl::reorder::primitive_desc rpd(OnednnEngine(), from, OnednnEngine(), to,
                                          UserScratchpad());
        e->reorder = dnnl::reorder(rpd);
        e->reorder_args = std::make_unique<ArgMemories>(
            rpd, std::initializer_list<int>{DNNL_ARG_SRC, DNNL_ARG_DST});
        e->internal_bytes = internal.get_size();
        return e;
      };
      if (pass == kForward) {
        auto* e = new ConvEntry{
            dnnl::convolution_forward(fwd),
            bias ? ArgMemories(fwd, {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_BIAS, DNNL_ARG_DST})
                 : ArgMemories(fwd, {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_DST})};
        return with_reorder(e, user_w, fwd.weights_desc(), fwd.weights_desc());
      }
      if (pass == kBackwardData) {
        dnnl::convolution_backward_data::primitive_desc bwd(
            dnnl::convolution_backward_data::desc(algo, src_out, any_w, dst, strides, pad, pad),
            UserScratchpad(), OnednnEngine(), fwd);
        auto* e = new ConvEntry{
            dnnl::convolution_backward_data(bwd),
            ArgMemories(bwd, {DNNL_ARG_DIFF_DST, DNNL_ARG_WEIGHTS, DNNL_ARG_DIFF_SRC})};
        return with_reorder(e, user_w, bwd.weights_desc(), bwd.weights_desc());
      }
      const auto bwd_desc = bias ? dnnl::convolution_backward_weights::desc(
                                       algo, src, any_w_out, bias_md, dst, strides, pad, pad)
                                 : dnnl::convolution_backward_weights::desc(algo, src, any_w_out,
                                                                            dst, strides, pad, pad);
      dnnl::convolution_backward_weights::primitive_desc bwd(bwd_desc, UserScratchpad(),
                                                             OnednnEngine(), fwd);
      auto* e = new ConvEntry{
          dnnl::convolution_backward_weights(bwd),
          bias ? ArgMemories(bwd, {DNNL_ARG_SRC, DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_WEIGHTS,
                                   DNNL_ARG_DIFF_BIAS})
               : ArgMemories(bwd, {DNNL_ARG_SRC, DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_WEIGHTS})};
      return with_reorder(e, bwd.diff_weights_desc(), user_w_out, bwd.diff_weights_desc());
    });
  });
}

Geometry GetGeometry(const Tensor& x, const Tensor& weight, const Tensor& y,
                     const Conv2dParams& p) {
  return Geometry{x.size(0),      x.size(1), x.size(2), x.size(3), weight.size(0), weight.size(2),
                  weight.size(3), y.size(1), y.size(2), p.stride,  p.padding};
}

// The weights in the primitive's layout: `weight` itself, or reordered into `buffer`.
void* ForwardWeights(const ConvEntry& e, const Tensor& weight, AlignedBuffer* buffer) {
  if (e.internal_bytes == 0) return weight.raw_data();
  e.reorder_args->Execute(e.reorder, {weight.raw_data(), buffer->ptr});
  return buffer->ptr;
}

absl::Status OnednnConv2d(const Tensor& x, const Tensor& weight, const Tensor& bias,
                          const Conv2dParams& p, Tensor* y) {
  const Geometry g = GetGeometry(x, weight, *y, p);
  VLMLAB_ASSIGN_OR_RETURN(std::shared_ptr<const ConvEntry> e,
                          Lookup(kForward, bias.defined(), x.dtype(), g));
  if (e == nullptr) return Fallback(Conv2dKernels(), x.dtype(), x, weight, bias, p, y);
  try {
    AlignedBuffer buffer(e->internal_bytes);
    void* w = ForwardWeights(*e, weight, &buffer);
    if (bias.defined()) {
      e->args.Execute(e->prim, {x.raw_data(), w, bias.raw_data(), y->raw_data()});
    } else {
      e->args.Execute(e->prim, {x.raw_data(), w, y->raw_data()});
    }
  }
  VLMLAB_DNNL_CATCH("convolution forward execute")
  return absl::OkStatus();
}

absl::Status OnednnConv2dBackwardData(const Tensor& grad_y, const Tensor& weight,
                                      const Conv2dParams& p, Tensor* grad_x) {
  const Geometry g = GetGeometry(*grad_x, weight, grad_y, p);
  VLMLAB_ASSIGN_OR_RETURN(std::shared_ptr<const ConvEntry> e,
                          Lookup(kBackwardData, false, grad_y.dtype(), g));
  if (e == nullptr) {
    return Fallback(Conv2dBackwardDataKernels(), grad_y.dtype(), grad_y, weight, p, grad_x);
  }
  try {
    AlignedBuffer buffer(e->internal_bytes);
    void* w = ForwardWeights(*e, weight, &buffer);
    e->args.Execute(e->prim, {grad_y.raw_data(), w, grad_x->raw_data()});
  }
  VLMLAB_DNNL_CATCH("convolution backward data execute")
  return absl::OkStatus();
}

absl::Status OnednnConv2dBackwardWeights(const Tensor& x, const Tensor& grad_y,
                                         const Conv2dParams& p, Tensor* grad_weight,
                                         Tensor* grad_bias) {
  const Geometry g = GetGeometry(x, *grad_weight, grad_y, p);
  const bool bias = grad_bias != nullptr;
  VLMLAB_ASSIGN_OR_RETURN(std::shared_ptr<const ConvEntry> e,
                          Lookup(kBackwardWeights, bias, x.dtype(), g));
  if (e == nullptr) {
    return Fallback(Conv2dBackwardWeightsKernels(), x.dtype(), x, grad_y, p, grad_weight,
                    grad_bias);
  }
  try {
    AlignedBuffer buffer(e->internal_bytes);
    void* gw = e->internal_bytes == 0 ? grad_weight->raw_data() : buffer.ptr;
    if (bias) {
      e->args.Execute(e->prim, {x.raw_data(), grad_y.raw_data(), gw, grad_bias->raw_data()});
    } else {
      e->args.Execute(e->prim, {x.raw_data(), grad_y.raw_data(), gw});
    }
    if (e->internal_bytes != 0) {
      e->reorder_args->Execute(e->reorder, {buffer.ptr, grad_weight->raw_data()});
    }
  }
  VLMLAB_DNNL_CATCH("convolution backward weights execute")
  return absl::OkStatus();
}

std::vector<DType> ConvDTypes() {
  std::vector<DType> dtypes = {DType::kF32};
  if (CpuHasBf16()) dtypes.push_back(DType::kBF16);
  return dtypes;
}

const bool registered =
    Conv2dKernels().Register(
        {kOnednnBackend, DeviceType::kCpu, kOnednnPriority, ConvDTypes(), &OnednnConv2d}) &&
    Conv2dBackwardDataKernels().Register({kOnednnBackend, DeviceType::kCpu, kOnednnPriority,
                                          ConvDTypes(), &OnednnConv2dBackwardData}) &&
    Conv2dBackwardWeightsKernels().Register({kOnednnBackend, DeviceType::kCpu, kOnednnPriority,
                                             ConvDTypes(), &OnednnConv2dBackwardWeights});

}  // namespace
}  // namespace vlmlab::cpu
