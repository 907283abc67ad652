#include "plugins/tokenizers/bpe_tokenizer.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "platform/registry/global_registries.h"

namespace vlmlab {
namespace {

// The option naming each SpecialToken, in enum order.
std::array<std::pair<const char*, std::string>, 8> SpecialOptions(const BpeTokenizerOptions& o) {
  return {{{"pad_token", o.pad_token()},
           {"bos_token", o.bos_token()},
           {"eos_token", o.eos_token()},
           {"image_token", o.image_token()},
           {"image_start_token", o.image_start_token()},
           {"image_end_token", o.image_end_token()},
           {"user_token", o.user_token()},
           {"assistant_token", o.assistant_token()}}};
}

}  // namespace

absl::StatusOr<std::unique_ptr<BpeTokenizer>> BpeTokenizer::Create(
    const BpeTokenizerOptions& options) {
  if (options.add_bos() && options.bos_token().empty()) {
    return absl::InvalidArgumentError("add_bos needs a bos_token; it is set to \"\"");
  }
  absl::StatusOr<std::unique_ptr<hf::HfTokenizer>> file = hf::HfTokenizer::Load(options.path());
  if (!file.ok()) return file.status();
  std::unique_ptr<BpeTokenizer> tok(new BpeTokenizer());
  tok->hf_ = std::move(*file);
  if (options.add_bos() && tok->hf_->post_processor_adds_tokens()) {
    return absl::InvalidArgumentError(absl::StrCat(
        options.path(), ": its post_processor already adds special tokens to a raw encoding; "
                        "remove add_bos (it would add a second BOS)"));
  }
  tok->add_bos_ = options.add_bos();
  std::vector<std::string> texts, missing;
  for (const auto& [option, text] : SpecialOptions(options)) {
    texts.push_back(text);
    if (!text.empty() && tok->hf_->SpecialTokenId(text) < 0) {
      missing.push_back(absl::StrCat(option, " \"", text, "\""));
    }
  }
  if (!missing.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(options.path(), ": special tokens missing from model.vocab and added_tokens: ",
                     absl::StrJoin(missing, ", "),
                     "; set each option to a token of the file, or to \"\" to leave it unset"));
  }
  if (absl::Status s = tok->hf_->AddSpecialTokens(texts); !s.ok()) return s;
  int k = 0;
  for (const auto& [option, text] : SpecialOptions(options)) {
    tok->special_ids_[k++] = text.empty() ? -1 : tok->hf_->TokenToId(text);
  }
  return tok;
}

std::vector<int32_t> BpeTokenizer::Encode(absl::string_view text) const {
  return hf_->Encode(text, /*add_special_tokens=*/false);
}

std::vector<int32_t> BpeTokenizer::EncodeWithSpecialTokens(absl::string_view text) const {
  if (!add_bos_) return hf_->Encode(text, /*add_special_tokens=*/true);
  std::vector<int32_t> ids = {SpecialId(SpecialToken::kBos)};
  const std::vector<int32_t> body = Encode(text);
  ids.insert(ids.end(), body.begin(), body.end());
  return ids;
}

absl::StatusOr<std::string> BpeTokenizer::Decode(absl::Span<const int32_t> ids) const {
  return hf_->Decode(ids);
}

std::string BpeTokenizer::TokenText(int32_t id) const {
  const std::string* token = hf_->IdToToken(id);
  return token == nullptr ? std::string() : *token;
}

namespace {
VLMLAB_REGISTER_PLUGIN(
    Tokenizer, BpeTokenizerOptions, "bpe",
    "BPE from a Hugging Face tokenizer.json, encoded as Hugging Face does (GPT-2, SmolLM2, "
    "Llama-3, Qwen2, Llama-2/Mistral)",
    [](const BpeTokenizerOptions& o,
       const BuildContext&) -> absl::StatusOr<std::unique_ptr<Tokenizer>> {
      absl::StatusOr<std::unique_ptr<BpeTokenizer>> tok = BpeTokenizer::Create(o);
      if (!tok.ok()) return tok.status();
      return std::unique_ptr<Tokenizer>(std::move(*tok));
    },
    [](const BpeTokenizerOptions& o, ValidationContext& ctx) {
      if (o.add_bos() && o.bos_token().empty()) {
        ctx.Error("add_bos", "needs a bos_token; bos_token is set to \"\"");
      }
    });
}  // namespace

}  // namespace vlmlab
