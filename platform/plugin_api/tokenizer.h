// Interface of tokenizer plugins: text to token ids and back, plus the special tokens the
// chat template and fusion use.
//
//   std::vector<int32_t> ids = tokenizer.Encode("a red square");   // no BOS/EOS added
//   tokenizer.EncodeWithSpecialTokens("a red square");             // as a raw encoding adds them
//   absl::StatusOr<std::string> text = tokenizer.Decode(ids);
//   int32_t image = tokenizer.SpecialId(SpecialToken::kImage);
#ifndef VLMLAB_PLATFORM_PLUGIN_API_TOKENIZER_H_
#define VLMLAB_PLATFORM_PLUGIN_API_TOKENIZER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "platform/plugin_api/model_plugins.h"
#include "platform/plugin_api/plugin_kind.h"

namespace vlmlab {

enum class SpecialToken {
  kPad,
  kBos,
  kEos,
  kImage,       // placeholder replaced by visual tokens
  kImageStart,  // delimiters around one image's tokens
  kImageEnd,
  kUser,  // chat turn markers
  kAssistant,
};

class Tokenizer : public Plugin {
 public:
  static constexpr PluginKind kKind = PluginKind::kTokenizer;
  virtual int32_t vocab_size() const = 0;
  // The tokens of `text` alone, never with added BOS/EOS (Hugging Face's
  // add_special_tokens=False): callers such as the chat template place special tokens themselves.
  virtual std::vector<int32_t> Encode(absl::string_view text) const = 0;
  // `text` as a raw encoding gives it, with the special tokens the tokenizer adds around a text
  // (a tokenizer.json's post-processor, or the add_bos option): add_special_tokens=True.
  virtual std::vector<int32_t> EncodeWithSpecialTokens(absl::string_view text) const {
    return Encode(text);
  }
  // One id's vocabulary entry as the tokenizer writes it (e.g. "Ġred" for byte-level BPE);
  // "" for an id the tokenizer does not assign.
  virtual std::string TokenText(int32_t id) const {
    absl::StatusOr<std::string> text = Decode({id});
    return text.ok() ? *text : std::string();
  }
  // Fails on ids outside [0, vocab_size).
  virtual absl::StatusOr<std::string> Decode(absl::Span<const int32_t> ids) const = 0;
  virtual int32_t SpecialId(SpecialToken token) const = 0;
};

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_PLUGIN_API_TOKENIZER_H_
