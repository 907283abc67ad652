#include "plugins/tokenizers/bpe_model.h"

#include <queue>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "plugins/tokenizers/unicode_text.h"

namespace vlmlab::hf {
namespace {

constexpr size_t kMaxCachedPieces = 1 << 16;  // the cache is emptied when it reaches this
constexpr size_t kMaxCachedBytes = 256;       // longer pieces (rare) are not cached

uint64_t PairKey(int32_t left, int32_t right) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
}

// "a b" or ["a", "b"].
bool ReadMergePair(const json& m, std::string& a, std::string& b) {
  if (m.is_string()) {
    const std::string& s = m.get_ref<const std::string&>();
    const size_t space = s.find(' ');
    if (space == std::string::npos || s.find(' ', space + 1) != std::string::npos) return false;
    a = s.substr(0, space), b = s.substr(space + 1);
    return true;
  }
  if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
    a = m[0].get<std::string>(), b = m[1].get<std::string>();
    return true;
  }
  return false;
}

struct Symbol {
  int32_t id;
  int prev, next;
  bool alive;
};

struct QueuedMerge {
  int32_t rank;
  int pos;
  int32_t merged;
  // std::priority_queue pops the largest: lowest rank first, then leftmost.
  bool operator<(const QueuedMerge& o) const {
    return rank != o.rank ? rank > o.rank : pos > o.pos;
  }
};

}  // namespace

absl::StatusOr<std::unique_ptr<BpeModel>> BpeModel::Read(const JsonAt& at) {
  if (!at.value.is_object()) return at.Bad("is not an object");
  std::unique_ptr<BpeModel> m(new BpeModel());
  const JsonAt vocab = at.Child("vocab");
  if (!vocab.value.is_object() || vocab.value.empty()) return vocab.Bad("is not a non-empty object");
  for (auto it = vocab.value.begin(); it != vocab.value.end(); ++it) {
    int32_t id;
    if (!ReadTokenId(it.value(), id)) {
      const JsonAt entry{it.value(), absl::StrCat(vocab.path, "[", ShowJson(it.key()), "]")};
      return entry.Bad(absl::StrCat("is ", ShowJson(it.value()), ", not an id in [0, 2^24)"));
    }
    m->vocab_[it.key()] = id;
    m->tokens_[id] = it.key();
    m->max_id_ = std::max(m->max_id_, id);
  }

  const JsonAt dropout = at.Child("dropout");
  if (!dropout.value.is_null() && !(dropout.value.is_number() && dropout.value.get<double>() == 0)) {
    return dropout.Bad(absl::StrCat("is ", ShowJson(dropout.value),
                                    "; BPE dropout makes encoding random (it is for training); "
                                    "set it to null"));
  }
  for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
    absl::StatusOr<std::string> v = at.String(key, "");
    if (!v.ok()) return v.status();
    (key[0] == 'c' ? m->prefix_ : m->suffix_) = *v;
  }
  absl::StatusOr<bool> fuse = at.Bool("fuse_unk", false);
  absl::StatusOr<bool> fallback = at.Bool("byte_fallback", false);
  absl::StatusOr<bool> ignore = at.Bool("ignore_merges", false);
  for (const auto* s : {&fuse, &fallback, &ignore}) {
    if (!s->ok()) return s->status();
  }
  m->fuse_unk_ = *fuse, m->byte_fallback_ = *fallback, m->ignore_merges_ = *ignore;
  const JsonAt unk = at.Child("unk_token");
  if (unk.value.is_string()) {
    m->unk_id_ = m->TokenToId(unk.value.get<std::string>());
    if (m->unk_id_ < 0) {
      return unk.Bad(absl::StrCat(ShowJson(unk.value), " is not in model.vocab"));
    }
  } else if (!unk.value.is_null()) {
    return unk.Bad(absl::StrCat("is ", ShowJson(unk.value), ", not a string"));
  }

  const JsonAt merges = at.Child("merges");
  if (!merges.value.is_null() && !merges.value.is_array()) return merges.Bad("is not an array");
  const size_t n = merges.value.is_array() ? merges.value.size() : 0;
  for (size_t i = 0; i < n; ++i) {
    std::string a, b;
    if (!ReadMergePair(merges.value[i], a, b)) {
      return merges.Index(i).Bad(
          absl::StrCat("is ", ShowJson(merges.value[i]), ", not \"a b\" or [\"a\", \"b\"]"));
    }
    // The merged token drops the right part's continuing_subword_prefix, as the library does.
    if (!m->prefix_.empty() && b.compare(0, m->prefix_.size(), m->prefix_) != 0) {
      return merges.Index(i).Bad(absl::StrCat("(", ShowJson(merges.value[i]),
                                              ") has a right part without "
                                              "continuing_subword_prefix \"",
                                              m->prefix_, "\""));
    }
    const std::string parts[3] = {a, b, a + b.substr(m->prefix_.size())};
    int32_t ids[3];
    for (int k = 0; k < 3; ++k) {
      ids[k] = m->TokenToId(parts[k]);
      if (ids[k] < 0) {
        return merges.Index(i).Bad(absl::StrCat("(", ShowJson(merges.value[i]), ") ",
                                                k == 2 ? "makes " : "references ",
                                                ShowJson(json(parts[k])),
                                                ", which is not in model.vocab"));
      }
    }
    // A repeated pair takes its last rank, as the library's map does.
    m->merges_[PairKey(ids[0], ids[1])] = {static_cast<int32_t>(i), ids[2]};
  }
  if (m->byte_fallback_) {
    for (int byte = 0; byte < 256; ++byte) {
      m->byte_tokens_.push_back(m->TokenToId(absl::StrFormat("<0x%02X>", byte)));
    }
  }
  return m;
}

int32_t BpeModel::TokenToId(absl::string_view token) const {
  auto it = vocab_.find(token);
  return it == vocab_.end() ? -1 : it->second;
}

const std::string* BpeModel::IdToToken(int32_t id) const {
  auto it = tokens_.find(id);
  return it == tokens_.end() ? nullptr : &it->second;
}

void BpeModel::Tokenize(absl::string_view piece, std::vector<int32_t>& ids) const {
  if (piece.empty()) return;
  if (ignore_merges_) {
    if (const int32_t id = TokenToId(piece); id >= 0) {
      ids.push_back(id);
      return;
    }
  }
  {
    std::lock_guard<std::mutex> lock(cache_mu_);
    if (auto it = cache_.find(piece); it != cache_.end()) {
      ids.insert(ids.end(), it->second.begin(), it->second.end());
      return;
    }
  }
  std::vector<int32_t> merged = Merge(piece);
  ids.insert(ids.end(), merged.begin(), merged.end());
  if (piece.size() > kMaxCachedBytes) return;
  std::lock_guard<std::mutex> lock(cache_mu_);
  if (cache_.size() >= kMaxCachedPieces) cache_.clear();
  cache_.emplace(std::string(piece), std::move(merged));
}

std::vector<int32_t> BpeModel::Merge(absl::string_view piece) const {
  // Initial symbols, one per character (or per byte under byte_fallback).
  std::vector<Symbol> symbols;
  symbols.reserve(piece.size());
  auto add = [&](int32_t id) {
    const int pos = static_cast<int>(symbols.size());
    symbols.push_back({id, pos - 1, pos + 1, true});
  };
  int32_t pending_unk = -1;  // an unknown token not yet added (fuse_unk extends it)
  std::string s;
  for (size_t i = 0; i < piece.size();) {
    const size_t start = i;
    NextCodePoint(piece, i);
    s.assign(start > 0 ? prefix_ : std::string());
    s.append(piece.data() + start, i - start);
    if (i == piece.size()) s += suffix_;
    if (const int32_t id = TokenToId(s); id >= 0) {
      if (pending_unk >= 0) add(pending_unk), pending_unk = -1;
      add(id);
      continue;
    }
    if (byte_fallback_) {
      bool all = true;
      for (char c : s) all = all && byte_tokens_[static_cast<unsigned char>(c)] >= 0;
      if (all) {
        // The library adds the byte tokens without flushing a pending unknown token first.
        for (char c : s) add(byte_tokens_[static_cast<unsigned char>(c)]);
        continue;
      }
    }
    if (unk_id_ >= 0) {
      if (pending_unk >= 0 && !fuse_unk_) add(pending_unk);
      pending_unk = unk_id_;
    }
  }
  if (pending_unk >= 0) add(pending_unk);
  if (symbols.empty()) return {};
  symbols.back().next = -1;

  std::priority_queue<QueuedMerge> queue;
  auto push = [&](int pos) {
    const int next = symbols[pos].next;
    if (next < 0) return;
    auto it = merges_.find(PairKey(symbols[pos].id, symbols[next].id));
    if (it != merges_.end()) queue.push({it->second.first, pos, it->second.second});
  };
  for (int pos = 0; pos + 1 < static_cast<int>(symbols.size()); ++pos) push(pos);
  while (!queue.empty()) {
    const QueuedMerge top = queue.top();
    queue.pop();
    Symbol& left = symbols[top.pos];
    if (!left.alive || left.next < 0) continue;
    Symbol& right = symbols[left.next];
    auto it = merges_.find(PairKey(left.id, right.id));
    if (it == merges_.end() || it->second.second != top.merged) continue;  // a stale entry
    left.id = top.merged;
    right.alive = false;
    left.next = right.next;
    if (right.next >= 0) symbols[right.next].prev = top.pos;
    if (left.prev >= 0) push(left.prev);
    push(top.pos);
  }
  std::vector<int32_t> out;
  for (const Symbol& sym : symbols) {
    if (sym.alive) out.push_back(sym.id);
  }
  return out;
}

}  // namespace vlmlab::hf
