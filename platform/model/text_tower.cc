#include "platform/model/text_tower.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "platform/base/status_macros.h"
#include "platform/model/vlm_model.h"
#include "platform/nn/linear.h"
#include "platform/nn/norm_layers.h"
#include "platform/ops/composite_ops.h"
#include "platform/ops/matmul_ops.h"
#include "platform/ops/shape_ops.h"

namespace vlmlab {
namespace {

// [N, T, D] pooled with per-row weights w [N, T] (rows summing to 1) -> [N, D], as the
// batched product w[:, None, :] @ x so gradients flow to the pooled tokens.
absl::StatusOr<Tensor> WeightedPool(const Tensor& x, const std::vector<float>& w) {
  const int64_t n = x.size(0), t = x.size(1), d = x.size(2);
  Tensor weights = Tensor::FromVector({n, 1, t}, w);
  VLMLAB_ASSIGN_OR_RETURN(Tensor pooled, ops::Matmul(weights, x));  // [N, 1, D]
  return ops::Reshape(pooled, {n, d});
}

}  // namespace

absl::StatusOr<TextIds> CaptionIds(const Tokenizer& tokenizer,
                                   const std::vector<std::string>& captions, int64_t max_len) {
  if (captions.empty()) return absl::InvalidArgumentError("text tower: no captions to embed");
  if (max_len < 3) {
    return absl::InvalidArgumentError(absl::StrCat(
        "text tower: a caption needs at least 3 positions ([BOS] text [EOS]), the text "
        "transformer has max_seq_len ",
        max_len));
  }
  const int32_t bos = tokenizer.SpecialId(SpecialToken::kBos);
  const int32_t eos = tokenizer.SpecialId(SpecialToken::kEos);
  const int32_t pad = tokenizer.SpecialId(SpecialToken::kPad);
  std::vector<std::vector<int32_t>> rows;
  int64_t longest = 0;
  for (const std::string& c : captions) {
    std::vector<int32_t> body = tokenizer.Encode(c);
    if (static_cast<int64_t>(body.size()) > max_len - 2) body.resize(max_len - 2);
    std::vector<int32_t> row;
    row.reserve(body.size() + 2);
    row.push_back(bos);
    row.insert(row.end(), body.begin(), body.end());
    row.push_back(eos);
    longest = std::max<int64_t>(longest, row.size());
    rows.push_back(std::move(row));
  }
  const int64_t b = rows.size();
  std::vector<int32_t> ids(b * longest, pad), mask(b * longest, 0);
  for (int64_t i = 0; i < b; ++i) {
    for (size_t j = 0; j < rows[i].size(); ++j) {
      ids[i * longest + j] = rows[i][j];
      mask[i * longest + j] = 1;
    }
  }
  return TextIds{Tensor::FromInts({b, longest}, ids), Tensor::FromInts({b, longest}, mask)};
}

TextTower::TextTower(std::unique_ptr<Llm> own_text, int64_t text_width, int64_t image_width,
                     int64_t embed_dim)
    : has_own_text_(own_text != nullptr),
      text_width_(text_width),
      image_width_(image_width),
      embed_dim_(embed_dim) {
  if (own_text) text_ = RegisterModule("text", std::move(own_text));
  text_projection_ = RegisterModule(
      "text_projection", std::make_unique<nn::Linear>(text_width, embed_dim, /*bias=*/false));
  image_norm_ = RegisterModule("image_norm", std::make_unique<nn::LayerNorm>(image_width));
  image_projection_ = RegisterModule(
      "image_projection", std::make_unique<nn::Linear>(image_width, embed_dim, /*bias=*/false));
  log_scale_ = RegisterParameter("log_scale", Tensor::Zeros({1}));
  bias_ = RegisterParameter("bias", Tensor::Zeros({1}));
}

void TextTower::ResetParameters(const nn::ParamInit& init) {
  init.Constant(*log_scale_, static_cast<float>(std::log(1 / 0.07)));
  init.Constant(*bias_, 0.0f);
}

const Llm& TextTower::Reader(const Llm& model_llm) const {
  const Llm* own = own_text();
  return own != nullptr ? *own : model_llm;
}

int64_t TextTower::max_text_len(const Llm& model_llm) const {
  return Reader(model_llm).Shape().max_seq_len;
}

absl::StatusOr<Tensor> TextTower::EmbedText(const Tensor& ids, const Tensor& mask,
                                            Llm& model_llm) {
  Llm* llm = &model_llm;
  if (has_own_text_) {
    llm = text_.As<Llm>();
    if (llm == nullptr) {
      return absl::FailedPreconditionError(
          "text tower: child \"text\" was replaced by a module that is not an LLM plugin");
    }
  }
  if (ids.dim() != 2 || !mask.defined() || mask.shape() != ids.shape()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "text tower: ids and mask must be i32 [B, T] of one shape, got ", ids.DebugString(),
        " and ", mask.DebugString()));
  }
  const int64_t b = ids.size(0), t = ids.size(1);
  LlmInputs in;
  VLMLAB_ASSIGN_OR_RETURN(in.embeddings, llm->Embed(ids));  // [B, T, H]
  in.positions = PositionsFromMask(mask, b, t);
  in.key_padding_mask = mask;
  VLMLAB_ASSIGN_OR_RETURN(Tensor hidden, llm->Run(in));  // [B, T, H]
  // Pool at each row's last real token (the EOS).
  std::vector<int32_t> m = mask.Contiguous().ToInts();
  std::vector<float> w(b * t, 0.0f);
  for (int64_t i = 0; i < b; ++i) {
    int64_t last = -1;
    for (int64_t j = 0; j < t; ++j) {
      if (m[i * t + j] != 0) last = j;
    }
    if (last < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("text tower: caption row ", i, " has no real token"));
    }
    w[i * t + last] = 1.0f;
  }
  VLMLAB_ASSIGN_OR_RETURN(Tensor pooled, WeightedPool(hidden, w));       // [B, H]
  VLMLAB_ASSIGN_OR_RETURN(Tensor projected, text_projection_->Forward(pooled));  // [B, E]
  return ops::L2Normalize(projected);
}

absl::StatusOr<Tensor> TextTower::EmbedImages(const EncodedImages& encoded) {
  const Tensor& x = encoded.tokens;  // [N, T, D]
  if (x.dim() != 3 || x.size(2) != image_width_) {
    return absl::InvalidArgumentError(absl::StrCat(
        "text tower: encoder tokens must be [N, T, ", image_width_, "], got ", x.DebugString()));
  }
  const int64_t n = x.size(0), t = x.size(1);
  std::vector<float> w(n * t, 0.0f);
  std::vector<int32_t> real =
      encoded.token_mask.defined() ? encoded.token_mask.Contiguous().ToInts()
                                   : std::vector<int32_t>(n * t, 1);
  for (int64_t i = 0; i < n; ++i) {
    if (encoded.cls) {
      w[i * t] = 1.0f;
      continue;
    }
    int64_t count = 0;
    for (int64_t j = 0; j < t; ++j) count += real[i * t + j] != 0;
    if (count == 0) {
      return absl::InvalidArgumentError(absl::StrCat("text tower: image ", i, " has no token"));
    }
    for (int64_t j = 0; j < t; ++j) {
      if (real[i * t + j] != 0) w[i * t + j] = 1.0f / count;
    }
  }
  VLMLAB_ASSIGN_OR_RETURN(Tensor pooled, WeightedPool(x, w));  // [N, D]
  VLMLAB_ASSIGN_OR_RETURN(Tensor normed, image_norm_->Forward(pooled));
  VLMLAB_ASSIGN_OR_RETURN(Tensor projected, image_projection_->Forward(normed));  // [N, E]
  return ops::L2Normalize(projected);
}

double TextTower::TextFlops(int64_t tokens, const Llm& model_llm) const {
  return Reader(model_llm).ForwardFlops(tokens) + 2.0 * text_width_ * embed_dim_;
}

double TextTower::ImageHeadFlops() const { return 2.0 * image_width_ * embed_dim_; }

}  // namespace vlmlab
