// `byte`: UTF-8 bytes as token ids 0..255, then the special tokens. Needs no vocabulary file,
// so the synthetic-world experiments run with no download.
//
//   ByteTokenizer tok(ByteTokenizerOptions{});
//   std::vector<int32_t> ids = tok.Encode("hi");  // {bos, 104, 105}
//   tok.Decode(ids);                              // "<bos>hi"
#ifndef VLMLAB_PLUGINS_TOKENIZERS_BYTE_TOKENIZER_H_
#define VLMLAB_PLUGINS_TOKENIZERS_BYTE_TOKENIZER_H_

#include "platform/plugin_api/tokenizer.h"
#include "platform/spec/tokenizers.pb.h"

namespace vlmlab {

class ByteTokenizer : public Tokenizer {
 public:
  static constexpr int32_t kNumBytes = 256;
  static constexpr int32_t kNumSpecial = 8;  // one per SpecialToken

  explicit ByteTokenizer(const ByteTokenizerOptions& options) : options_(options) {}
  int32_t vocab_size() const override { return kNumBytes + kNumSpecial; }
  std::vector<int32_t> Encode(absl::string_view text) const override;
  // With the BOS token first when add_bos is set.
  std::vector<int32_t> EncodeWithSpecialTokens(absl::string_view text) const override;
  // Special tokens decode to their names in angle brackets, e.g. "<image>".
  absl::StatusOr<std::string> Decode(absl::Span<const int32_t> ids) const override;
  int32_t SpecialId(SpecialToken token) const override {
    return kNumBytes + static_cast<int32_t>(token);
  }

 private:
  ByteTokenizerOptions options_;
};

}  // namespace vlmlab

#endif  // VLMLAB_PLUGINS_TOKENIZERS_BYTE_TOKENIZER_H_
