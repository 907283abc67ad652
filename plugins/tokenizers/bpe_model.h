// The BPE model of a tokenizer.json (model.type "BPE"), encoding one pre-tokenized piece as
// Hugging Face's tokenizers library does: the piece's characters (with continuing_subword_prefix
// on all but the first and end_of_word_suffix on the last) become vocabulary ids, characters
// missing from the vocabulary become their <0xXX> byte tokens (byte_fallback) or the unknown
// token (consecutive ones fused under fuse_unk), and merges apply lowest rank first, leftmost
// among equals; with ignore_merges a piece that is itself in the vocabulary is one token.
// Results are cached per piece.
//
//   absl::StatusOr<std::unique_ptr<hf::BpeModel>> m = hf::BpeModel::Read({root["model"], "model"});
//   std::vector<int32_t> ids;
//   (*m)->Tokenize("Ġred", ids);
#ifndef VLMLAB_PLUGINS_TOKENIZERS_BPE_MODEL_H_
#define VLMLAB_PLUGINS_TOKENIZERS_BPE_MODEL_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "plugins/tokenizers/hf_json.h"

namespace vlmlab::hf {

class BpeModel {
 public:
  // Fails, naming the field, on anything but a well-formed BPE model; dropout is refused
  // (it makes encoding random).
  static absl::StatusOr<std::unique_ptr<BpeModel>> Read(const JsonAt& at);

  void Tokenize(absl::string_view piece, std::vector<int32_t>& ids) const;

  // The vocabulary entry of `id`; nullptr when no entry has it.
  const std::string* IdToToken(int32_t id) const;
  // The id of a vocabulary entry; -1 when absent.
  int32_t TokenToId(absl::string_view token) const;
  int32_t max_id() const { return max_id_; }

 private:
  BpeModel() = default;
  std::vector<int32_t> Merge(absl::string_view piece) const;

  absl::flat_hash_map<std::string, int32_t> vocab_;
  absl::flat_hash_map<int32_t, std::string> tokens_;  // id -> vocabulary entry
  // (left id << 32 | right id) -> (rank, merged id).
  absl::flat_hash_map<uint64_t, std::pair<int32_t, int32_t>> merges_;
  int32_t max_id_ = -1;
  int32_t unk_id_ = -1;
  bool fuse_unk_ = false;
  bool byte_fallback_ = false;
  bool ignore_merges_ = false;
  std::string prefix_, suffix_;  // continuing_subword_prefix, end_of_word_suffix
  std::vector<int32_t> byte_tokens_;  // <0xXX> ids when byte_fallback and all 256 exist

  // std::mutex rather than absl::Mutex: ThreadSanitizer sees through it (Debian's Abseil is not
  // built with TSan annotations), so --config=tsan checks this cache.
  mutable std::mutex cache_mu_;
  mutable absl::flat_hash_map<std::string, std::vector<int32_t>> cache_;  // guarded by cache_mu_
};

}  // namespace vlmlab::hf

#endif  // VLMLAB_PLUGINS_TOKENIZERS_BPE_MODEL_H_
