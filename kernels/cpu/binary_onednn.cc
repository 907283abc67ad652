// oneDNN binary kernel: add / sub / mul / div with NumPy broadcasting (backend "onednn").
//
//   BinaryKernels().Call(Device{}, DType::kF32, BinaryOp::kAdd, x, bias, &y);
//   // x [16, 128, 256] + bias [256] -> y [16, 128, 256]
//
// Shapes are padded with leading 1s to out's rank. oneDNN broadcasts only its second source at
// full speed, so: a with out's shape is src0; otherwise b with out's shape and a commutative op
// swaps them (sub: b - a, negated by a linear post-op, exact); otherwise a is first broadcast
// into out (a zero-stride reorder) and the binary runs in place on out.
#include "kernels/api/elementwise.h"
#include "kernels/cpu/onednn_common.h"
#include "kernels/cpu/threads.h"

namespace vlmlab::cpu {
namespace {

enum class Mode { kDirect, kSwapped, kBroadcastFirst };

struct BinaryEntry {
  Mode mode;
  dnnl::binary prim;
  ArgMemories args;     // src0, src1, dst
  dnnl::reorder bcast;  // kBroadcastFirst: a -> out, before prim runs in place on out
  ArgMemories bcast_args;
};

PrimitiveCache<BinaryEntry>& Cache() {
  static auto* cache = new PrimitiveCache<BinaryEntry>();
  return *cache;
}

dnnl::algorithm Algorithm(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAdd:
      return dnnl::algorithm::binary_add;
    case BinaryOp::kSub:
      return dnnl::algorithm::binary_sub;
    case BinaryOp::kMul:
      return dnnl::algorithm::binary_mul;
    case BinaryOp::kDiv:
      return dnnl::algorithm::binary_div;
  }
  return dnnl::algorithm::undef;
}

// `shape` with leading 1s up to `rank` axes.
Shape PadTo(const Shape& shape, size_t rank) {
  Shape padded(rank - shape.size(), 1);
  padded.insert(padded.end(), shape.begin(), shape.end());
  return padded;
}

std::vector<int64_t> BroadcastStrides(const Shape& padded_in) {
  std::vector<int64_t> strides = ContiguousStrides(padded_in);
  for (size_t d = 0; d < padded_in.size(); ++d) {
    if (padded_in[d] == 1) strides[d] = 0;
  }
  return strides;
}

absl::Status OnednnBinary(BinaryOp op, const Tensor& a, const Tensor& b, Tensor* out) {
  const Shape& os = out->shape();
  const DType dt = out->dtype();
  if (a.dim() > out->dim() || b.dim() > out->dim() || out->dim() > kOnednnMaxRank ||
      a.dtype() != dt || b.dtype() != dt) {
    return Fallback(BinaryKernels(), dt, op, a, b, out);
  }
  if (out->numel() == 0) return absl::OkStatus();
  const Shape as = PadTo(a.shape(), os.size()), bs = PadTo(b.shape(), os.size());
  const bool commutative = op != BinaryOp::kDiv;
  const Mode mode = as == os                  ? Mode::kDirect
                    : bs == os && commutative ? Mode::kSwapped
                                              : Mode::kBroadcastFirst;
  // Key: threads, dtype, op, out shape, a shape, b shape.
  CacheKey key = {CpuThreads(), static_cast<int64_t>(dt), static_cast<int64_t>(op)};
  AppendShape(&key, os);
  AppendShape(&key, as);
  AppendShape(&key, bs);
  VLMLAB_ASSIGN_OR_RETURN(std::shared_ptr<const BinaryEntry> e, Cache().GetOrCreate(key, [&] {
    return MakeEntry<BinaryEntry>(__FILE__, __LINE__, "binary primitive", [&] {
      const dnnl::memory::desc dst = PlainDesc(os, dt);
      dnnl::memory::desc src0 = dst, src1 = PlainDesc(bs, dt);
      dnnl::primitive_attr attr = UserScratchpad();
      dnnl::reorder::primitive_desc bcast;
      if (mode == Mode::kSwapped) {
        src0 = PlainDesc(bs, dt);
        src1 = PlainDesc(as, dt);
        if (op == BinaryOp::kSub) {  // a - b = -(b - a), exactly
          dnnl::post_ops ops;
          ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_linear, -1.0f, 0.0f);
          attr.set_post_ops(ops);
        }
      } else if (mode == Mode::kBroadcastFirst) {
        bcast =
            dnnl::reorder::primitive_desc(OnednnEngine(), StridedDesc(os, BroadcastStrides(as), dt),
                                          OnednnEngine(), dst, UserScratchpad());
      }
      dnnl::binary::primitive_desc pd(dnnl::binary::desc(Algorithm(op), src0, src1, dst), attr,
                                      OnednnEngine());
      if (mode != Mode::kBroadcastFirst) {
        return new BinaryEntry{mode, dnnl::binary(pd),
                               ArgMemories(pd, {DNNL_ARG_SRC_0, DNNL_ARG_SRC_1, DNNL_ARG_DST}),
                               dnnl::reorder(), ArgMemories()};
      }
      return new BinaryEntry{
          mode, dnnl::binary(pd), ArgMemories(pd, {DNNL_ARG_SRC_0, DNNL_ARG_SRC_1, DNNL_ARG_DST}),
          dnnl::reorder(bcast), ArgMemories(bcast, {DNNL_ARG_FROM, DNNL_ARG_TO})};
    });
  }));
  if (e == nullptr) return Fallback(BinaryKernels(), dt, op, a, b, out);
  try {
    switch (e->mode) {
      case Mode::kDirect:
        e->args.Execute(e->prim, {a.raw_data(), b.raw_data(), out->raw_data()});
        break;
      case Mode::kSwapped:
        e->args.Execute(e->prim, {b.raw_data(), a.raw_data(), out->raw_data()});
        break;
      case Mode::kBroadcastFirst:
        e->bcast_args.Execute(e->bcast, {a.raw_data(), out->raw_data()});
        e->args.Execute(e->prim, {out->raw_data(), b.raw_data(), out->raw_data()});
        break;
    }
  }
  VLMLAB_DNNL_CATCH("binary execute")
  return absl::OkStatus();
}

const bool registered = [] {
  std::vector<DType> dtypes = {DType::kF32};
  if (CpuHasBf16()) dtypes.push_back(DType::kBF16);
  return BinaryKernels().Register(
      {kOnednnBackend, DeviceType::kCpu, kOnednnPriority, dtypes, &OnednnBinary});
}();

}  // namespace
}  // namespace vlmlab::cpu
