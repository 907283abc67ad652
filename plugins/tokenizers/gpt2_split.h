// GPT-2's pre-tokenization split: the pieces that the regex
//
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//
// finds, in order, run by Oniguruma as Hugging Face's ByteLevel pre-tokenizer runs it. The
// trainer (bpe_trainer.h) counts these pieces; the tokenizer reaches the same regex through the
// file's ByteLevel pre-tokenizer (pre_tokenizers.h).
//
//   SplitGpt2("I'm here  now\n")   // {"I", "'m", " here", " ", " now", "\n"}
//
// `text` must be valid UTF-8 (hf::ValidUtf8 makes it so).
#ifndef VLMLAB_PLUGINS_TOKENIZERS_GPT2_SPLIT_H_
#define VLMLAB_PLUGINS_TOKENIZERS_GPT2_SPLIT_H_

#include <vector>

#include "absl/strings/string_view.h"

namespace vlmlab::bpe {

// The pieces of `text`, in order; they concatenate back to `text`.
std::vector<absl::string_view> SplitGpt2(absl::string_view text);

}  // namespace vlmlab::bpe

#endif  // VLMLAB_PLUGINS_TOKENIZERS_GPT2_SPLIT_H_
