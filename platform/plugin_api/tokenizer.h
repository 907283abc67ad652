// Interface of tokenizer plugins: text to token ids and back, plus the special tokens the
// chat template and fusion use.
//
//   std::vector<int32_t> ids = tokenizer.Encode("a red square");
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
  virtual std::vector<int32_t> Encode(absl::string_view text) const = 0;
  // Fails on ids outside [0, vocab_size).
  virtual absl::StatusOr<std::string> Decode(absl::Span<const int32_t> ids) const = 0;
  virtual int32_t SpecialId(SpecialToken token) const = 0;
};

// The tokens of `text` alone: Encode without the BOS (or EOS) a raw encoding may add
// (add_bos), for callers that place the special tokens themselves.
inline std::vector<int32_t> EncodeBody(const Tokenizer& tokenizer, absl::string_view text) {
  std::vector<int32_t> piece = tokenizer.Encode(text);
  const int32_t bos = tokenizer.SpecialId(SpecialToken::kBos);
  const int32_t eos = tokenizer.SpecialId(SpecialToken::kEos);
  if (eos >= 0 && !piece.empty() && piece.back() == eos) piece.pop_back();
  if (bos >= 0 && !piece.empty() && piece.front() == bos) piece.erase(piece.begin());
  return piece;
}

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_PLUGIN_API_TOKENIZER_H_
