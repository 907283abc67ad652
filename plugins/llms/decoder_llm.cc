#include "plugins/llms/decoder_llm.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "platform/base/status_macros.h"
#include "platform/nn/embedding_layer.h"
#include "platform/ops/matmul_ops.h"
#include "plugins/llms/decoder_stack.h"

namespace vlmlab::llms {

absl::Status DecoderLlm::BeginBuild(int64_t vocab_size, int64_t option_vocab_size) {
  if (built_ || building_) {
    return absl::FailedPreconditionError(absl::StrCat(name_, ": Build called twice"));
  }
  if (vocab_size <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        name_, ": vocabulary size ", vocab_size, " must be > 0 (set vocab_size or a tokenizer)"));
  }
  if (option_vocab_size > 0 && option_vocab_size != vocab_size) {
    return absl::InvalidArgumentError(absl::StrCat(name_, ": Build(vocab_size = ", vocab_size,
                                                   ") differs from the option vocab_size = ",
                                                   option_vocab_size));
  }
  building_ = true;
  vocab_ = vocab_size;
  embed_ = RegisterModule("embed", std::make_unique<nn::Embedding>(vocab_, hidden_));
  return absl::OkStatus();
}

absl::Status DecoderLlm::FinishBuild(std::unique_ptr<nn::ModuleList> blocks,
                                     std::unique_ptr<nn::Module> norm,
                                     std::unique_ptr<nn::Module> head) {
  if (!building_) {
    return absl::FailedPreconditionError(absl::StrCat(name_, ": FinishBuild before BeginBuild"));
  }
  blocks_ = RegisterModule("blocks", std::move(blocks));
  norm_ = RegisterModule("norm", std::move(norm));
  if (head) head_ = RegisterModule("head", std::move(head));
  building_ = false;
  built_ = true;
  return absl::OkStatus();
}

absl::Status DecoderLlm::CheckBuilt() const {
  if (!built_) {
    return absl::FailedPreconditionError(absl::StrCat(name_, ": call Build(vocab_size) first"));
  }
  return absl::OkStatus();
}

absl::StatusOr<Tensor> DecoderLlm::Embed(const Tensor& ids) {
  VLMLAB_RETURN_IF_ERROR(CheckBuilt());
  if (!ids.defined() || ids.dtype() != DType::kI32 || ids.dim() != 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        name_, ": token ids ", ids.defined() ? ids.DebugString() : "undefined",
        " must be i32 [B, T]"));
  }
  return embed_->Forward(ids);  // [B, T, H]
}

absl::StatusOr<Tensor> DecoderLlm::Logits(const Tensor& hidden) {
  VLMLAB_RETURN_IF_ERROR(CheckBuilt());
  if (!hidden.defined() || hidden.dim() < 1 || hidden.size(-1) != hidden_) {
    return absl::InvalidArgumentError(absl::StrCat(
        name_, ": hidden states ", hidden.defined() ? hidden.DebugString() : "undefined",
        " must be [..., ", hidden_, "]"));
  }
  if (head_) return head_->Forward(hidden);  // [..., V]
  auto* embed = embed_.As<nn::Embedding>();
  if (embed == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat(name_, ": the tied output head needs 'embed' to be an Embedding"));
  }
  return ops::Linear(hidden, embed->weight());  // [..., V]
}

std::unique_ptr<KvCache> DecoderLlm::NewCache(int64_t batch, int64_t max_len) const {
  if (!built_) return nullptr;
  return NewStackCache(*blocks(), batch, max_len, this);
}

}  // namespace vlmlab::llms
