#include "platform/nn/attention_layer.h"

#include <cstring>
#include <memory>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "platform/autograd/grad_mode.h"
#include "platform/base/status_macros.h"
#include "platform/nn/linear.h"
#include "platform/ops/attention_ops.h"
#include "platform/ops/rope_ops.h"
#include "platform/ops/shape_ops.h"

namespace vlmlab::nn {

MultiHeadAttention::MultiHeadAttention(const AttentionConfig& config, uint64_t seed)
    : config_(config) {
  if (config_.kv_heads == 0) config_.kv_heads = config_.heads;
  if (config_.context_dim == 0) config_.context_dim = config_.dim;
  CHECK(config_.heads > 0 && config_.dim % config_.heads == 0)
      << "attention: heads " << config_.heads << " must divide dim " << config_.dim;
  CHECK(config_.kv_heads > 0 && config_.heads % config_.kv_heads == 0)
      << "attention: kv_heads " << config_.kv_heads << " must divide heads " << config_.heads;
  const int64_t head_dim = config_.dim / config_.heads;
  const int64_t kv_width = config_.kv_heads * head_dim;
  q_ = RegisterModule("q", std::make_unique<Linear>(config_.dim, config_.dim, config_.bias));
  k_ = RegisterModule("k", std::make_unique<Linear>(config_.context_dim, kv_width, config_.bias));
  v_ = RegisterModule("v", std::make_unique<Linear>(config_.context_dim, kv_width, config_.bias));
  o_ = RegisterModule("o", std::make_unique<Linear>(config_.dim, config_.dim, config_.bias));
  Initialize(seed);
}

namespace {

// [B, T, H * D] -> [B, H, T, D]
absl::StatusOr<Tensor> SplitHeads(const Tensor& x, int64_t heads) {
  VLMLAB_ASSIGN_OR_RETURN(Tensor r,
                          ops::Reshape(x, {x.size(0), x.size(1), heads, x.size(2) / heads}));
  return ops::Permute(r, {0, 2, 1, 3});
}

// Copies src [B, H, T, D] into dst [B, H, capacity, D] at positions [start, start + T).
absl::Status WriteCache(const Tensor& src, int64_t start, const Tensor& dst) {
  if (dst.device().type != DeviceType::kCpu || !dst.is_contiguous()) {
    return absl::UnimplementedError(absl::StrCat(
        "attention: the KV cache must be a contiguous CPU tensor, got ", dst.DebugString()));
  }
  const Tensor values = src.To(dst.dtype());  // contiguous [B, H, T, D]
  const int64_t rows = src.size(0) * src.size(1), t = src.size(2), cap = dst.size(2);
  const size_t row_bytes = static_cast<size_t>(src.size(3)) * DTypeSize(dst.dtype());
  const char* from = static_cast<const char*>(values.raw_data());
  char* to = static_cast<char*>(dst.raw_data());
  for (int64_t r = 0; r < rows; ++r) {
    std::memcpy(to + (r * cap + start) * row_bytes, from + r * t * row_bytes, t * row_bytes);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<LayerKvCache> MultiHeadAttention::NewCache(int64_t batch, int64_t capacity) const {
  if (batch <= 0 || capacity <= 0) {
    return absl::InvalidArgumentError(absl::StrCat("attention: a KV cache needs batch (", batch,
                                                   ") and capacity (", capacity, ") > 0"));
  }
  const Tensor weight = k_->NamedParameters().front().second;  // a copy: the vector is a temporary
  const Shape shape = {batch, config_.kv_heads, capacity, config_.dim / config_.heads};
  LayerKvCache cache;
  VLMLAB_ASSIGN_OR_RETURN(cache.keys, Tensor::Empty(shape, weight.dtype(), weight.device()));
  VLMLAB_ASSIGN_OR_RETURN(cache.values, Tensor::Empty(shape, weight.dtype(), weight.device()));
  return cache;
}

absl::StatusOr<Tensor> MultiHeadAttention::Attend(const Tensor& x, const Tensor& context,
                                                  const AttentionInputs& inputs) {
  if (!x.defined() || x.dim() != 3 || x.size(2) != config_.dim) {
    return absl::InvalidArgumentError(
        absl::StrCat("attention: input ", x.defined() ? ShapeString(x.shape()) : "undefined",
                     " must be [B, T, ", config_.dim, "]"));
  }
  if (inputs.kv_cache != nullptr) {
    const LayerKvCache& c = *inputs.kv_cache;
    const Shape want = {x.size(0), config_.kv_heads, c.capacity(), config_.dim / config_.heads};
    if (context.defined()) {
      return absl::InvalidArgumentError("attention: a KV cache is for self-attention only");
    }
    if (GradMode::enabled()) {
      return absl::FailedPreconditionError(
          "attention: a KV cache is for inference; run it under NoGradScope (no autograd "
          "through the cache)");
    }
    if (!c.keys.defined() || !c.values.defined() || c.keys.shape() != want ||
        c.values.shape() != want) {
      return absl::InvalidArgumentError(absl::StrCat(
          "attention: KV cache keys ", c.keys.defined() ? ShapeString(c.keys.shape()) : "undefined",
          " and values must be ", ShapeString(want), " for input ", ShapeString(x.shape())));
    }
    if (inputs.cache_length < 0 || inputs.cache_length + x.size(1) > c.capacity()) {
      return absl::OutOfRangeError(
          absl::StrCat("attention: ", x.size(1), " new positions after ", inputs.cache_length,
                       " cached ones exceed the KV cache capacity ", c.capacity()));
    }
  }
  const Tensor& kv_in = context.defined() ? context : x;
  if (kv_in.dim() != 3 || kv_in.size(0) != x.size(0) || kv_in.size(2) != config_.context_dim) {
    return absl::InvalidArgumentError(absl::StrCat("attention: context ",
                                                   ShapeString(kv_in.shape()), " must be [",
                                                   x.size(0), ", Tk, ", config_.context_dim, "]"));
  }
  VLMLAB_ASSIGN_OR_RETURN(Tensor q, q_->Forward(x));            // [B, Tq, H * D]
  VLMLAB_ASSIGN_OR_RETURN(Tensor k, k_->Forward(kv_in));        // [B, Tk, Hkv * D]
  VLMLAB_ASSIGN_OR_RETURN(Tensor v, v_->Forward(kv_in));        // [B, Tk, Hkv * D]
  VLMLAB_ASSIGN_OR_RETURN(q, SplitHeads(q, config_.heads));     // [B, H, Tq, D]
  VLMLAB_ASSIGN_OR_RETURN(k, SplitHeads(k, config_.kv_heads));  // [B, Hkv, Tk, D]
  VLMLAB_ASSIGN_OR_RETURN(v, SplitHeads(v, config_.kv_heads));  // [B, Hkv, Tk, D]
  if (config_.rope_theta > 0) {
    if (!inputs.positions.defined()) {
      return absl::InvalidArgumentError("attention: rotary embeddings need positions");
    }
    VLMLAB_ASSIGN_OR_RETURN(q, ops::Rope(q, inputs.positions, config_.rope_theta));
    if (!context.defined()) {
      VLMLAB_ASSIGN_OR_RETURN(k, ops::Rope(k, inputs.positions, config_.rope_theta));
    }
  }
  if (inputs.kv_cache != nullptr) {
    const LayerKvCache& c = *inputs.kv_cache;
    const int64_t end = inputs.cache_length + x.size(1);
    VLMLAB_RETURN_IF_ERROR(WriteCache(k, inputs.cache_length, c.keys));
    VLMLAB_RETURN_IF_ERROR(WriteCache(v, inputs.cache_length, c.values));
    VLMLAB_ASSIGN_OR_RETURN(k, c.keys.ViewSlice(2, 0, end));    // [B, Hkv, end, D]
    VLMLAB_ASSIGN_OR_RETURN(v, c.values.ViewSlice(2, 0, end));  // [B, Hkv, end, D]
  }
  ops::AttentionOptions options;
  options.causal = inputs.causal;
  options.key_padding_mask = inputs.key_padding_mask;
  options.mask = inputs.mask;
  options.segment_ids = inputs.segment_ids;
  VLMLAB_ASSIGN_OR_RETURN(Tensor a,
                          ops::ScaledDotProductAttention(q, k, v, options));  // [B, H, Tq, D]
  VLMLAB_ASSIGN_OR_RETURN(a, ops::Permute(a, {0, 2, 1, 3}));                  // [B, Tq, H, D]
  VLMLAB_ASSIGN_OR_RETURN(a, ops::Reshape(a, {x.size(0), x.size(1), config_.dim}));  // [B, Tq, C]
  return o_->Forward(a);
}

}  // namespace vlmlab::nn
