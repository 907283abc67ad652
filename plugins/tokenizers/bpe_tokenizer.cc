#include "plugins/tokenizers/bpe_tokenizer.h"

#include <algorithm>
#include <limits>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "platform/registry/global_registries.h"
#include "plugins/tokenizers/bpe_merge.h"
#include "plugins/tokenizers/byte_level.h"
#include "plugins/tokenizers/gpt2_split.h"
#include "plugins/tokenizers/hf_tokenizer_json.h"

namespace vlmlab {
namespace {

constexpr size_t kMaxCachedPieces = 1 << 16;  // the cache is emptied when it reaches this
constexpr size_t kMaxCachedBytes = 256;       // longer pieces (rare) are not cached

uint64_t PairKey(int32_t left, int32_t right) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
}

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
  absl::StatusOr<bpe::TokenizerJson> file = bpe::ReadTokenizerJson(options.path());
  if (!file.ok()) return file.status();
  std::unique_ptr<BpeTokenizer> tok(new BpeTokenizer());
  tok->path_ = options.path();
  tok->add_bos_ = options.add_bos();
  tok->add_prefix_space_ = file->add_prefix_space;
  tok->byte_ids_ = file->byte_ids;
  for (size_t rank = 0; rank < file->merges.size(); ++rank) {
    const auto& [left, right] = file->merges[rank];
    tok->merges_.try_emplace(PairKey(left, right), static_cast<int32_t>(rank),
                             file->merged[rank]);  // a repeated pair keeps its first rank
  }
  for (const auto& [text, id] : file->vocab) {
    tok->id_bytes_[id] = bpe::UnicodeToBytes(text);
    tok->vocab_size_ = std::max(tok->vocab_size_, id + 1);
  }
  absl::flat_hash_map<std::string, int32_t> added;
  for (const auto& [text, id] : file->added_tokens) {
    added.try_emplace(text, id);
    tok->id_bytes_[id] = text;
    tok->vocab_size_ = std::max(tok->vocab_size_, id + 1);
  }

  std::vector<std::string> missing;
  int k = 0;
  for (const auto& [option, text] : SpecialOptions(options)) {
    int32_t& id = tok->special_ids_[k++];
    id = -1;
    if (text.empty()) continue;
    if (auto a = added.find(text); a != added.end()) {
      id = a->second;
    } else if (auto v = file->vocab.find(bpe::BytesToUnicode(text)); v != file->vocab.end()) {
      id = v->second;
      added.emplace(text, id);  // cut out of text like an added token
    } else if (auto raw = file->vocab.find(text); raw != file->vocab.end()) {
      id = raw->second;  // stored as written rather than in the byte-level alphabet
      added.emplace(text, id);
      tok->id_bytes_[id] = text;
    } else {
      missing.push_back(absl::StrCat(option, " \"", text, "\""));
    }
  }
  if (!missing.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(options.path(), ": special tokens missing from model.vocab and added_tokens: ",
                     absl::StrJoin(missing, ", "),
                     "; set each option to a token of the file, or to \"\" to leave it unset"));
  }

  tok->added_.assign(added.begin(), added.end());
  std::sort(tok->added_.begin(), tok->added_.end(), [](const auto& a, const auto& b) {
    return a.first.size() != b.first.size() ? a.first.size() > b.first.size() : a < b;
  });
  for (size_t i = 0; i < tok->added_.size(); ++i) {
    tok->added_by_first_byte_[static_cast<unsigned char>(tok->added_[i].first[0])].push_back(i);
  }
  if (file->ignore_merges) tok->whole_pieces_ = std::move(file->vocab);
  return tok;
}

std::vector<int32_t> BpeTokenizer::Encode(absl::string_view text) const {
  std::vector<int32_t> ids;
  ids.reserve(text.size() / 3 + 2);
  if (add_bos_) ids.push_back(SpecialId(SpecialToken::kBos));
  size_t start = 0;  // of the text not yet encoded
  for (size_t pos = 0; pos < text.size();) {
    const std::pair<std::string, int32_t>* match = nullptr;
    for (size_t i : added_by_first_byte_[static_cast<unsigned char>(text[pos])]) {
      if (absl::StartsWith(text.substr(pos), added_[i].first)) {
        match = &added_[i];
        break;
      }
    }
    if (match == nullptr) {
      ++pos;
      continue;
    }
    EncodeText(text.substr(start, pos - start), ids);
    ids.push_back(match->second);
    pos += match->first.size();
    start = pos;
  }
  EncodeText(text.substr(start), ids);
  return ids;
}

void BpeTokenizer::EncodeText(absl::string_view text, std::vector<int32_t>& ids) const {
  if (text.empty()) return;
  std::string prefixed;
  if (add_prefix_space_ && text[0] != ' ') {
    prefixed = absl::StrCat(" ", text);
    text = prefixed;
  }
  for (absl::string_view piece : bpe::SplitGpt2(text)) EncodePiece(piece, ids);
}

void BpeTokenizer::EncodePiece(absl::string_view piece, std::vector<int32_t>& ids) const {
  {
    absl::MutexLock lock(&cache_mu_);
    if (auto it = cache_.find(piece); it != cache_.end()) {
      ids.insert(ids.end(), it->second.begin(), it->second.end());
      return;
    }
  }
  std::vector<int32_t> merged = Merge(piece);
  ids.insert(ids.end(), merged.begin(), merged.end());
  if (piece.size() > kMaxCachedBytes) return;
  absl::MutexLock lock(&cache_mu_);
  if (cache_.size() >= kMaxCachedPieces) cache_.clear();
  cache_.emplace(std::string(piece), std::move(merged));
}

std::vector<int32_t> BpeTokenizer::Merge(absl::string_view piece) const {
  if (!whole_pieces_.empty()) {
    if (auto it = whole_pieces_.find(bpe::BytesToUnicode(piece)); it != whole_pieces_.end()) {
      return {it->second};
    }
  }
  std::vector<int32_t> symbols, next;
  symbols.reserve(piece.size());
  for (char c : piece) symbols.push_back(byte_ids_[static_cast<unsigned char>(c)]);
  while (symbols.size() > 1) {
    // The adjacent pair of lowest rank, then every occurrence of it, left to right.
    int32_t best_rank = std::numeric_limits<int32_t>::max(), merged = -1;
    int32_t left = -1, right = -1;
    for (size_t i = 0; i + 1 < symbols.size(); ++i) {
      auto it = merges_.find(PairKey(symbols[i], symbols[i + 1]));
      if (it != merges_.end() && it->second.first < best_rank) {
        best_rank = it->second.first, merged = it->second.second;
        left = symbols[i], right = symbols[i + 1];
      }
    }
    if (merged < 0) break;
    bpe::MergePair(left, right, merged, symbols, next);
  }
  return symbols;
}

absl::StatusOr<std::string> BpeTokenizer::Decode(absl::Span<const int32_t> ids) const {
  std::string out;
  for (size_t i = 0; i < ids.size(); ++i) {
    int32_t id = ids[i];
    if (id < 0 || id >= vocab_size_) {
      return absl::OutOfRangeError(absl::StrCat("token id ", id, " at position ", i,
                                                " is outside the vocabulary [0, ", vocab_size_,
                                                ") of ", path_));
    }
    auto it = id_bytes_.find(id);
    if (it == id_bytes_.end()) {
      return absl::NotFoundError(
          absl::StrCat("token id ", id, " at position ", i, " has no token in ", path_));
    }
    out += it->second;
  }
  return out;
}

namespace {
VLMLAB_REGISTER_PLUGIN(
    Tokenizer, BpeTokenizerOptions, "bpe",
    "Byte-level BPE from a Hugging Face tokenizer.json (GPT-2, SmolLM2, Llama-3 style)",
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
