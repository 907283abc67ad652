// `bpe`: a Hugging Face tokenizer.json with a BPE model (GPT-2, SmolLM2, Llama-3, Qwen2,
// Llama-2/Mistral), encoded exactly as Hugging Face's tokenizers library encodes it: the file's
// normalizer, pre-tokenizer, added tokens (with their lstrip/rstrip/single_word/normalized
// flags), BPE model (byte fallback, ignore_merges, unknown token), post-processor and decoder
// (hf_tokenizer.h). A file using a component vlmlab does not implement is refused by name.
//
//   BpeTokenizerOptions o;
//   o.set_path("models/gpt2/tokenizer.json");
//   o.set_image_token("");  // GPT-2 has no image tokens: leave them unset
//   ...
//   absl::StatusOr<std::unique_ptr<BpeTokenizer>> tok = BpeTokenizer::Create(o);
//   std::vector<int32_t> ids = (*tok)->Encode("Hello world<|endoftext|>");  // {15496, 995, 50256}
//   (*tok)->Decode(ids);                                    // "Hello world<|endoftext|>"
//
// Special tokens: each SpecialToken is the option naming it (defaults "<|endoftext|>" for
// pad/bos/eos, "<image>", "<fake_token_around_image>" around images as Idefics does,
// "<|user|>", "<|assistant|>"). One the file does not list in added_tokens becomes a special
// added token (cut out of text before the model sees it), as Hugging Face's add_special_tokens
// does; Create fails, listing them, when set ones are in neither added_tokens nor the vocabulary.
// "" leaves one unset and SpecialId returns -1 for it.
#ifndef VLMLAB_PLUGINS_TOKENIZERS_BPE_TOKENIZER_H_
#define VLMLAB_PLUGINS_TOKENIZERS_BPE_TOKENIZER_H_

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "platform/plugin_api/tokenizer.h"
#include "platform/spec/tokenizers.pb.h"
#include "plugins/tokenizers/hf_tokenizer.h"

namespace vlmlab {

class BpeTokenizer : public Tokenizer {
 public:
  // Fails, naming the file and the field, when it cannot be read, is not a BPE tokenizer.json,
  // uses a component vlmlab does not implement, or lacks a configured special token.
  static absl::StatusOr<std::unique_ptr<BpeTokenizer>> Create(const BpeTokenizerOptions& options);

  int32_t vocab_size() const override { return hf_->vocab_size(); }
  std::vector<int32_t> Encode(absl::string_view text) const override;
  // The file's post-processor, or bos_token first under add_bos.
  std::vector<int32_t> EncodeWithSpecialTokens(absl::string_view text) const override;
  // Through the file's decoder; fails on ids the file does not assign.
  absl::StatusOr<std::string> Decode(absl::Span<const int32_t> ids) const override;
  std::string TokenText(int32_t id) const override;
  int32_t SpecialId(SpecialToken token) const override {
    return special_ids_[static_cast<int>(token)];
  }

 private:
  BpeTokenizer() = default;

  std::unique_ptr<hf::HfTokenizer> hf_;
  bool add_bos_ = false;
  std::array<int32_t, 8> special_ids_{};  // by SpecialToken
};

}  // namespace vlmlab

#endif  // VLMLAB_PLUGINS_TOKENIZERS_BPE_TOKENIZER_H_
