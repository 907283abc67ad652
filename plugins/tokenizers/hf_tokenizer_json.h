// Reads the parts of a Hugging Face tokenizer.json that a byte-level BPE tokenizer needs, and
// checks them: model.type "BPE", model.vocab, model.ignore_merges, model.merges ("a b" strings or
// ["a", "b"] pairs), model.unk_token, added_tokens, and a ByteLevel pre-tokenizer (alone or inside
// a Sequence). Every error is a Status naming the file and the problem; bad input never crashes.
//
//   absl::StatusOr<bpe::TokenizerJson> tj = bpe::ReadTokenizerJson("tokenizer.json");
//   if (!tj.ok()) return tj.status();  // e.g. "tokenizer.json: model.merges[3] ('Ġ x'):
//                                      //  'x' is not in model.vocab"
//
// Ignored: the normalizer, post_processor and decoder sections, added tokens' lstrip/rstrip/
// single_word flags, and any Split pre-tokenizer's own pattern (GPT-2's split is always used).
#ifndef VLMLAB_PLUGINS_TOKENIZERS_HF_TOKENIZER_JSON_H_
#define VLMLAB_PLUGINS_TOKENIZERS_HF_TOKENIZER_JSON_H_

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"

namespace vlmlab::bpe {

struct TokenizerJson {
  absl::flat_hash_map<std::string, int32_t> vocab;  // byte-level token string -> id
  std::vector<std::pair<int32_t, int32_t>> merges;  // the token ids of each merge, by rank
  std::vector<int32_t> merged;                      // the id each merge produces
  std::array<int32_t, 256> byte_ids;                // the token of each byte's character, or unk_id
  std::vector<std::pair<std::string, int32_t>> added_tokens;  // raw text -> id
  int32_t unk_id = -1;                                        // -1: no unknown token
  bool ignore_merges = false;     // model.ignore_merges (Llama-3): a piece in vocab is one token
  bool add_prefix_space = false;  // ByteLevel: prepend a space to text not starting with one
};

absl::StatusOr<TokenizerJson> ReadTokenizerJson(const std::string& path);

}  // namespace vlmlab::bpe

#endif  // VLMLAB_PLUGINS_TOKENIZERS_HF_TOKENIZER_JSON_H_
