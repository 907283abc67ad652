#include "platform/ops/attention_ops.h"

#include <cmath>
#include <memory>
#include <string>

#include "kernels/api/attention.h"
#include "platform/autograd/node.h"
#include "platform/ops/op_support.h"

namespace vlmlab::ops {
namespace {

constexpr char kOp[] = "scaled_dot_product_attention";

// Gradients through the backward kernel, from the forward's lse; only the needed ones.
class AttentionBackward : public Node {
 public:
  AttentionBackward(AttentionParams params, Tensor lse)
      : params_(std::move(params)), lse_(std::move(lse)) {}
  const char* name() const override { return kOp; }
  absl::StatusOr<std::vector<Tensor>> Apply(const Tensor& g) override {
    const Tensor& q = inputs()[0];
    VLMLAB_ASSIGN_OR_RETURN(Tensor qc, MakeContiguous(q));
    VLMLAB_ASSIGN_OR_RETURN(Tensor kc, MakeContiguous(inputs()[1]));
    VLMLAB_ASSIGN_OR_RETURN(Tensor vc, MakeContiguous(inputs()[2]));
    VLMLAB_ASSIGN_OR_RETURN(Tensor gc,
                            MakeContiguous(g.dtype() == q.dtype() ? g : g.To(q.dtype())));
    std::vector<Tensor> grads(3);
    Tensor* out[3] = {nullptr, nullptr, nullptr};
    for (int i = 0; i < 3; ++i) {
      if (!needs_input_grad(i)) continue;
      VLMLAB_ASSIGN_OR_RETURN(grads[i], NewTensor(inputs()[i].shape(), inputs()[i]));
      out[i] = &grads[i];
    }
    VLMLAB_RETURN_IF_ERROR(AttentionBackwardKernels().Call(q.device(), q.dtype(), qc, kc, vc, lse_,
                                                           gc, params_, out[0], out[1], out[2]));
    return grads;
  }

 private:
  AttentionParams params_;  // contiguous masks
  Tensor lse_;              // f32 [B, Hq, Tq]
};

std::string Describe(const Tensor& q, const Tensor& k, const Tensor& v, const AttentionOptions& o) {
  std::string s = absl::StrCat(kOp, ": q ", ShapeString(q.shape()), ", k ", ShapeString(k.shape()),
                               ", v ", ShapeString(v.shape()));
  if (o.key_padding_mask.defined()) {
    absl::StrAppend(&s, ", key_padding_mask ", o.key_padding_mask.DebugString());
  }
  if (o.mask.defined()) absl::StrAppend(&s, ", mask ", o.mask.DebugString());
  if (o.segment_ids.defined()) absl::StrAppend(&s, ", segment_ids ", o.segment_ids.DebugString());
  return s;
}

absl::Status Validate(const Tensor& q, const Tensor& k, const Tensor& v,
                      const AttentionOptions& o) {
  VLMLAB_RETURN_IF_ERROR(CheckDefined(kOp, q, "q"));
  VLMLAB_RETURN_IF_ERROR(CheckDefined(kOp, k, "k"));
  VLMLAB_RETURN_IF_ERROR(CheckDefined(kOp, v, "v"));
  auto error = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(Describe(q, k, v, o), ": ", why));
  };
  if (q.dtype() != k.dtype() || q.dtype() != v.dtype()) {
    return error(absl::StrCat("q, k, v differ in dtype (", DTypeName(q.dtype()), ", ",
                              DTypeName(k.dtype()), ", ", DTypeName(v.dtype()), ")"));
  }
  if (q.dtype() == DType::kI32) return error("q, k, v must be floating-point");
  if (q.device() != k.device() || q.device() != v.device()) {
    return error("q, k, v are on different devices");
  }
  if (q.dim() != 4 || k.dim() != 4 || v.dim() != 4) {
    return error("q, k, v must be [B, Hq, Tq, D], [B, Hkv, Tk, D], [B, Hkv, Tk, Dv]");
  }
  const int64_t b = q.size(0), hq = q.size(1), tq = q.size(2), d = q.size(3);
  const int64_t hkv = k.size(1), tk = k.size(2);
  if (k.size(0) != b || v.size(0) != b) return error("batch sizes differ");
  if (v.size(1) != hkv || v.size(2) != tk) return error("k and v differ in heads or length");
  if (k.size(3) != d) return error("q and k differ in the head size D");
  if (d == 0) return error("the head size D is 0");
  if (hkv == 0 || hq % hkv != 0) {
    return error(absl::StrCat("query heads (", hq, ") must be a multiple of kv heads (", hkv, ")"));
  }
  if (o.scale.has_value() && !std::isfinite(*o.scale)) return error("scale is not finite");
  if (const Tensor& m = o.key_padding_mask; m.defined()) {
    if (m.dtype() != DType::kI32) return error("key_padding_mask must be i32 (1 = attend)");
    if (m.device() != q.device()) return error("key_padding_mask is on another device");
    if (m.dim() != 2 || m.size(0) != b || m.size(1) != tk) {
      return error(absl::StrCat("key_padding_mask must be [B, Tk] = [", b, ", ", tk, "]"));
    }
  }
  if (const Tensor& m = o.mask; m.defined()) {
    if (m.dtype() != DType::kI32) return error("mask must be i32 (1 = attend)");
    if (m.device() != q.device()) return error("mask is on another device");
    const bool ok2 = m.dim() == 2 && m.size(0) == tq && m.size(1) == tk;
    const bool ok4 = m.dim() == 4 && (m.size(0) == b || m.size(0) == 1) &&
                     (m.size(1) == hq || m.size(1) == 1) && m.size(2) == tq && m.size(3) == tk;
    if (!ok2 && !ok4) {
      return error(absl::StrCat("mask must be [Tq, Tk] = [", tq, ", ", tk,
                                "] or [B or 1, Hq or 1, Tq, Tk] = [", b, " or 1, ", hq, " or 1, ",
                                tq, ", ", tk, "]"));
    }
  }
  if (const Tensor& m = o.segment_ids; m.defined()) {
    if (m.dtype() != DType::kI32) return error("segment_ids must be i32");
    if (m.device() != q.device()) return error("segment_ids is on another device");
    if (m.dim() != 2 || m.size(0) != b || m.size(1) != tk) {
      return error(absl::StrCat("segment_ids must be [B, Tk] = [", b, ", ", tk, "]"));
    }
    if (tq > tk) {
      return error("segment_ids need Tq <= Tk (query i belongs to the segment of key i + Tk - Tq)");
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Tensor> ScaledDotProductAttention(const Tensor& q, const Tensor& k, const Tensor& v,
                                                 const AttentionOptions& options) {
  VLMLAB_RETURN_IF_ERROR(Validate(q, k, v, options));
  AttentionParams params;
  params.scale = options.scale.value_or(1.0f / std::sqrt(static_cast<float>(q.size(3))));
  params.causal = options.causal;
  if (options.key_padding_mask.defined()) {
    VLMLAB_ASSIGN_OR_RETURN(Tensor m, MakeContiguous(options.key_padding_mask));
    params.key_padding_mask = m.Detach();
  }
  if (options.mask.defined()) {
    VLMLAB_ASSIGN_OR_RETURN(Tensor m, MakeContiguous(options.mask));
    params.mask = m.Detach();
  }
  if (options.segment_ids.defined()) {
    VLMLAB_ASSIGN_OR_RETURN(Tensor m, MakeContiguous(options.segment_ids));
    params.segment_ids = m.Detach();
  }
  VLMLAB_ASSIGN_OR_RETURN(Tensor out, NewTensor({q.size(0), q.size(1), q.size(2), v.size(3)}, q));
  VLMLAB_ASSIGN_OR_RETURN(Tensor lse, NewTensor({q.size(0), q.size(1), q.size(2)}, DType::kF32, q));
  VLMLAB_ASSIGN_OR_RETURN(Tensor qc, MakeContiguous(q));
  VLMLAB_ASSIGN_OR_RETURN(Tensor kc, MakeContiguous(k));
  VLMLAB_ASSIGN_OR_RETURN(Tensor vc, MakeContiguous(v));
  absl::Status s =
      AttentionForwardKernels().Call(q.device(), q.dtype(), qc, kc, vc, params, &out, &lse);
  if (!s.ok())
    return absl::Status(s.code(), absl::StrCat(Describe(q, k, v, options), ": ", s.message()));
  RecordOp(std::make_shared<AttentionBackward>(std::move(params), lse), {q, k, v}, &out);
  return out;
}

}  // namespace vlmlab::ops
