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
//
// The weight gradient sums over the batch and every output position, and oneDNN splits that
// reduction by its thread count, so its bits would change with the threads. To keep training
// results independent of the thread count, the batch is cut into fixed chunks (their number
// depends only on N); each chunk runs a primitive built for one thread, the chunks run in
// parallel, and their gradients are added in chunk order.
#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
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

// Weight-gradient chunks: at most this many, whatever the thread count.
constexpr int64_t kWeightGradChunks = 8;

// Sets this thread's OpenMP thread count for its lifetime (oneDNN sizes a primitive's work
// split by it when the primitive is created).
class ScopedOmpThreads {
 public:
  explicit ScopedOmpThreads(int n) : previous_(omp_get_max_threads()) { omp_set_num_threads(n); }
  ~ScopedOmpThreads() { omp_set_num_threads(previous_); }
  ScopedOmpThreads(const ScopedOmpThreads&) = delete;
  ScopedOmpThreads& operator=(const ScopedOmpThreads&) = delete;

 private:
  int previous_;
};

// Key: threads, pass, bias, dtype, then the geometry. `threads` 0: the current CpuThreads().
absl::StatusOr<std::shared_ptr<const ConvEntry>> Lookup(Pass pass, bool bias, DType dt,
                                                        const Geometry& g, int threads = 0) {
  if (threads == 0) threads = CpuThreads();
  CacheKey key = {threads, pass,     bias, static_cast<int64_t>(dt),
                  g.n,     g.h,      g.w,  g.cin,
                  g.cout,  g.kh,     g.kw, g.oh,
                  g.ow,    g.stride, g.pad};
  return Cache().GetOrCreate(key, [&] {
    ScopedOmpThreads scoped(threads);
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
  if (g.n == 0) {  // no images: the gradients are zero
    std::memset(grad_weight->raw_data(), 0, sizeof(float) * grad_weight->numel());
    if (bias) std::memset(grad_bias->raw_data(), 0, sizeof(float) * g.cout);
    return absl::OkStatus();
  }
  // Chunk c holds images [c * n / chunks, (c + 1) * n / chunks): at most two chunk sizes.
  const int64_t chunks = std::min(g.n, kWeightGradChunks);
  auto begin = [&](int64_t c) { return c * g.n / chunks; };
  std::vector<std::shared_ptr<const ConvEntry>> entries(chunks);
  for (int64_t c = 0; c < chunks; ++c) {
    Geometry part = g;
    part.n = begin(c + 1) - begin(c);
    if (c > 0 && part.n == begin(c) - begin(c - 1)) {
      entries[c] = entries[c - 1];
      continue;
    }
    VLMLAB_ASSIGN_OR_RETURN(entries[c],
                            Lookup(kBackwardWeights, bias, x.dtype(), part, /*threads=*/1));
    if (entries[c] == nullptr) {
      return Fallback(Conv2dBackwardWeightsKernels(), x.dtype(), x, grad_y, p, grad_weight,
                      grad_bias);
    }
  }
  // Per chunk: the weight gradient in the user's layout, then the bias gradient ([Cout]).
  const int64_t w_elems = grad_weight->numel();
  const int64_t b_elems = bias ? g.cout : 0;
  std::vector<float> partial(static_cast<size_t>(chunks * (w_elems + b_elems)));
  const size_t x_image = static_cast<size_t>(g.h * g.w * g.cin) * DTypeSize(x.dtype());
  const size_t y_image = static_cast<size_t>(g.oh * g.ow * g.cout) * DTypeSize(grad_y.dtype());
  std::vector<std::string> errors(chunks);
#pragma omp parallel for schedule(static) num_threads(CpuThreads())
  for (int64_t c = 0; c < chunks; ++c) {
    const ConvEntry& e = *entries[c];
    char* xs = static_cast<char*>(const_cast<void*>(x.raw_data())) + begin(c) * x_image;
    char* gys = static_cast<char*>(const_cast<void*>(grad_y.raw_data())) + begin(c) * y_image;
    float* gw = partial.data() + c * (w_elems + b_elems);
    float* gb = gw + w_elems;
    try {
      AlignedBuffer buffer(e.internal_bytes);
      void* out = e.internal_bytes == 0 ? static_cast<void*>(gw) : buffer.ptr;
      if (bias) {
        e.args.Execute(e.prim, {xs, gys, out, gb});
      } else {
        e.args.Execute(e.prim, {xs, gys, out});
      }
      if (e.internal_bytes != 0) e.reorder_args->Execute(e.reorder, {buffer.ptr, gw});
    } catch (const dnnl::error& err) {
      errors[c] = err.what();
    }
  }
  for (int64_t c = 0; c < chunks; ++c) {
    if (!errors[c].empty()) {
      return absl::InternalError(
          absl::StrCat("oneDNN convolution backward weights execute: ", errors[c]));
    }
  }
  // Fixed order: chunk 0 first, then each later chunk added in turn.
  float* gw = static_cast<float*>(grad_weight->raw_data());
  float* gb = bias ? static_cast<float*>(grad_bias->raw_data()) : nullptr;
  std::memcpy(gw, partial.data(), sizeof(float) * w_elems);
  if (bias) std::memcpy(gb, partial.data() + w_elems, sizeof(float) * b_elems);
  for (int64_t c = 1; c < chunks; ++c) {
    const float* part = partial.data() + c * (w_elems + b_elems);
    for (int64_t i = 0; i < w_elems; ++i) gw[i] += part[i];
    for (int64_t i = 0; i < b_elems; ++i) gb[i] += part[w_elems + i];
  }
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
