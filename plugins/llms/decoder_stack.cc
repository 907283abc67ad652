#include "plugins/llms/decoder_stack.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "platform/base/status_macros.h"
#include "platform/nn/transformer_block.h"

namespace vlmlab::llms {
namespace {

std::string Describe(const Tensor& t) {
  return t.defined() ? absl::StrCat(DTypeName(t.dtype()), ShapeString(t.shape())) : "undefined";
}

}  // namespace

absl::StatusOr<StackInputs> CheckLlmInputs(absl::string_view name, const LlmInputs& inputs,
                                           int64_t hidden, int64_t max_seq_len, const void* owner) {
  const Tensor& x = inputs.embeddings;
  if (!x.defined() || x.dim() != 3 || x.size(2) != hidden || x.dtype() == DType::kI32) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": embeddings ", Describe(x),
                                                   " must be floating-point [B, T, ", hidden, "]"));
  }
  const int64_t b = x.size(0), t = x.size(1);
  StackInputs out;
  int64_t cached = 0;
  if (inputs.cache != nullptr) {
    auto* cache = dynamic_cast<StackCache*>(inputs.cache);
    if (cache == nullptr || cache->owner != owner) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ": the KV cache was not made by this model's NewCache"));
    }
    if (cache->batch != b) {
      return absl::InvalidArgumentError(absl::StrCat(name, ": the KV cache holds ", cache->batch,
                                                     " sequences but the input has ", b));
    }
    if (cache->length + t > cache->capacity) {
      return absl::OutOfRangeError(absl::StrCat(
          name, ": ", t, " new positions after ", cache->length,
          " cached ones exceed the KV cache's max_len ", cache->capacity, "; make a larger cache"));
    }
    cached = cache->length;
    out.cache = cache;
  }
  const Tensor& p = inputs.positions;
  if (!p.defined()) {
    std::vector<int32_t> pos(b * t);
    for (int64_t i = 0; i < b * t; ++i) pos[i] = static_cast<int32_t>(cached + i % t);
    out.positions = Tensor::FromInts({b, t}, pos);
  } else if (p.dtype() != DType::kI32 || !((p.dim() == 2 && p.size(0) == b && p.size(1) == t) ||
                                           (p.dim() == 1 && p.size(0) == t))) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, ": positions ", Describe(p), " must be i32 [B, T] = [", b, ", ", t, "] (or [T])"));
  } else if (p.dim() == 1) {
    std::vector<int32_t> row = p.ToInts(), pos(b * t);
    for (int64_t i = 0; i < b * t; ++i) pos[i] = row[i % t];
    out.positions = Tensor::FromInts({b, t}, pos);
  } else {
    out.positions = p.Contiguous();
  }
  const std::vector<int32_t> pos = out.positions.ToInts();
  for (int64_t i = 0; i < b * t; ++i) {
    if (pos[i] < 0 || pos[i] >= max_seq_len) {
      return absl::OutOfRangeError(absl::StrCat(
          name, ": position ", pos[i], " (sample ", i / t, ", token ", i % t,
          ") is outside [0, max_seq_len = ", max_seq_len,
          "); shorten the sequence (text plus visual tokens) or raise the option max_seq_len"));
    }
  }
  if (const Tensor& m = inputs.key_padding_mask; m.defined()) {
    if (m.dtype() != DType::kI32 || m.dim() != 2 || m.size(0) != b || m.size(1) != cached + t) {
      return absl::InvalidArgumentError(absl::StrCat(name, ": key_padding_mask ", Describe(m),
                                                     " must be i32 [B, cached + T] = [", b, ", ",
                                                     cached + t, "]"));
    }
  }
  if (const Tensor& seg = inputs.segment_ids; seg.defined()) {
    if (seg.dtype() != DType::kI32 || seg.dim() != 2 || seg.size(0) != b || seg.size(1) != t) {
      return absl::InvalidArgumentError(absl::StrCat(name, ": segment_ids ", Describe(seg),
                                                     " must be i32 [B, T] = [", b, ", ", t, "]"));
    }
    if (inputs.cache != nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(name,
                       ": segment_ids (packed rows) cannot be used with a KV cache; decode one "
                       "sequence per row"));
    }
  }
  return out;
}

absl::StatusOr<Tensor> RunBlocks(absl::string_view name, const nn::ModuleList& blocks, Tensor h,
                                 const LlmInputs& inputs, const StackInputs& checked,
                                 uint64_t dropout_seed) {
  nn::AttentionInputs attn;
  attn.causal = true;
  attn.positions = checked.positions;
  attn.key_padding_mask = inputs.key_padding_mask;
  attn.segment_ids = inputs.segment_ids;
  StackCache* cache = checked.cache;
  if (cache != nullptr) attn.cache_length = cache->length;
  const Shape shape = h.shape();
  for (size_t i = 0; i < blocks.size(); ++i) {
    if (inputs.hook != nullptr && *inputs.hook) {
      VLMLAB_ASSIGN_OR_RETURN(h, (*inputs.hook)(static_cast<int>(i), h, checked.positions));
      if (!h.defined() || h.shape() != shape) {
        return absl::InvalidArgumentError(absl::StrCat(name, ": the layer hook before block ", i,
                                                       " returned ", Describe(h), ", not ",
                                                       ShapeString(shape)));
      }
    }
    auto* block = blocks[i].As<nn::TransformerBlock>();
    if (block == nullptr) {
      return absl::FailedPreconditionError(absl::StrCat(name, ": blocks.", i,
                                                        " was replaced by a module that is not a "
                                                        "TransformerBlock"));
    }
    attn.kv_cache = cache != nullptr ? &cache->layers[i] : nullptr;
    absl::StatusOr<Tensor> next = block->Run(h, attn, dropout_seed + 2 * i);
    if (!next.ok()) {
      return absl::Status(next.status().code(),
                          absl::StrCat(name, ": blocks.", i, ": ", next.status().message()));
    }
    h = *std::move(next);
  }
  if (cache != nullptr) cache->length += shape[1];
  return h;
}

std::unique_ptr<KvCache> NewStackCache(const nn::ModuleList& blocks, int64_t batch, int64_t max_len,
                                       const void* owner) {
  if (batch <= 0 || max_len <= 0) return nullptr;
  auto cache = std::make_unique<StackCache>();
  cache->owner = owner;
  cache->batch = batch;
  cache->capacity = max_len;
  for (size_t i = 0; i < blocks.size(); ++i) {
    auto* block = blocks[i].As<nn::TransformerBlock>();
    if (block == nullptr) return nullptr;
    absl::StatusOr<nn::LayerKvCache> layer = block->NewCache(batch, max_len);
    if (!layer.ok()) return nullptr;
    cache->layers.push_back(*std::move(layer));
  }
  return cache;
}

double CausalAttentionFlops(int64_t tokens, int64_t heads, int64_t head_dim) {
  const double pairs = static_cast<double>(tokens) * (tokens + 1) / 2;
  return 2.0 * 2.0 * pairs * heads * head_dim;  // q.k and p.v, a multiply-add each
}

}  // namespace vlmlab::llms
