// One step of byte-pair encoding over a sequence of token ids: every occurrence of an adjacent
// pair, taken left to right without overlap, becomes the merged token. The `bpe` tokenizer
// applies it when encoding a piece and the trainer when it learns a merge, so both agree on
// what a merge does (e.g. "aaa" with the merge a+a gives "aa a", not "a aa").
//
//   std::vector<int32_t> ids = {a, b, a, b, c}, scratch;
//   bpe::MergePair(a, b, ab, ids, scratch);   // ids == {ab, ab, c}
#ifndef VLMLAB_PLUGINS_TOKENIZERS_BPE_MERGE_H_
#define VLMLAB_PLUGINS_TOKENIZERS_BPE_MERGE_H_

#include <cstdint>
#include <vector>

namespace vlmlab::bpe {

// Rewrites `symbols` in place; `scratch` is working storage the caller may reuse across calls.
void MergePair(int32_t left, int32_t right, int32_t merged, std::vector<int32_t>& symbols,
               std::vector<int32_t>& scratch);

}  // namespace vlmlab::bpe

#endif  // VLMLAB_PLUGINS_TOKENIZERS_BPE_MERGE_H_
