#include "plugins/tokenizers/bpe_trainer.h"

#include <algorithm>
#include <queue>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"
#include "platform/base/atomic_file.h"
#include "platform/spec/tokenizers.pb.h"
#include "plugins/tokenizers/bpe_merge.h"
#include "plugins/tokenizers/byte_level.h"
#include "plugins/tokenizers/gpt2_split.h"
#include "plugins/tokenizers/unicode_text.h"

namespace vlmlab::bpe {
namespace {

constexpr int32_t kNumBytes = 256;

uint64_t PairKey(int32_t left, int32_t right) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
}
int32_t Left(uint64_t key) { return static_cast<int32_t>(key >> 32); }
int32_t Right(uint64_t key) { return static_cast<int32_t>(key & 0xFFFFFFFFu); }

// The merge loop's state: the distinct pieces as symbol sequences, the pair counts and where
// each pair occurs.
class Merger {
 public:
  Merger(const TrainedBpe& bpe, const absl::flat_hash_map<std::string, int64_t>& counts,
         int32_t first_byte_id)
      : tokens_(bpe.tokens) {
    // Sorted pieces make every later step independent of hash-map order.
    std::vector<std::pair<absl::string_view, int64_t>> pieces(counts.begin(), counts.end());
    std::sort(pieces.begin(), pieces.end());
    words_.reserve(pieces.size());
    freqs_.reserve(pieces.size());
    for (const auto& [piece, count] : pieces) {
      std::vector<int32_t> symbols;
      symbols.reserve(piece.size());
      for (char c : piece) symbols.push_back(first_byte_id + static_cast<unsigned char>(c));
      words_.push_back(std::move(symbols));
      freqs_.push_back(count);
    }
    for (int32_t w = 0; w < static_cast<int32_t>(words_.size()); ++w) {
      const std::vector<int32_t>& s = words_[w];
      for (size_t i = 0; i + 1 < s.size(); ++i) {
        uint64_t p = PairKey(s[i], s[i + 1]);
        pair_counts_[p] += freqs_[w];
        std::vector<int32_t>& where = where_[p];
        if (where.empty() || where.back() != w) where.push_back(w);
      }
    }
    for (const auto& [p, count] : pair_counts_) heap_.push({count, p});
  }

  // The pair to merge next (highest count, then smallest token bytes) and its count; false
  // when no pair is left.
  bool Best(uint64_t& pair, int64_t& count) {
    while (!heap_.empty()) {
      Entry top = heap_.top();
      heap_.pop();
      auto it = pair_counts_.find(top.pair);
      int64_t current = it == pair_counts_.end() ? 0 : it->second;
      if (current == top.count) {
        pair = top.pair, count = current;
        return true;
      }
      // Stale: a lower count was never pushed (decreases are not), so push it now; a higher one
      // was pushed when it increased and is still in the heap.
      if (current > 0 && current < top.count) heap_.push({current, top.pair});
    }
    return false;
  }

  // Never merges `pair` (its token would clash with a special token).
  void Forbid(uint64_t pair) { pair_counts_.erase(pair); }

  // Replaces every occurrence of `pair` (left to right, not overlapping) by `merged` and updates
  // the counts of the pairs around them.
  void Apply(uint64_t pair, int32_t merged) {
    if (merged >= static_cast<int32_t>(tokens_.size())) {
      tokens_.push_back(absl::StrCat(tokens_[Left(pair)], tokens_[Right(pair)]));
    }
    const int32_t a = Left(pair), b = Right(pair);
    auto found = where_.find(pair);
    if (found == where_.end()) return;
    std::vector<int32_t> words = std::move(found->second);
    where_.erase(found);
    absl::flat_hash_map<uint64_t, int64_t> delta;
    std::vector<int32_t> next;
    for (int32_t w : words) {
      std::vector<int32_t>& s = words_[w];
      const int64_t f = freqs_[w];
      bool has = false;
      for (size_t i = 0; i + 1 < s.size() && !has; ++i) has = s[i] == a && s[i + 1] == b;
      if (!has) continue;  // an earlier merge removed it
      for (size_t i = 0; i + 1 < s.size(); ++i) delta[PairKey(s[i], s[i + 1])] -= f;
      MergePair(a, b, merged, s, next);
      for (size_t i = 0; i + 1 < s.size(); ++i) {
        uint64_t p = PairKey(s[i], s[i + 1]);
        delta[p] += f;
        if (s[i] == merged || s[i + 1] == merged) {  // a pair this piece did not have before
          std::vector<int32_t>& where = where_[p];
          if (where.empty() || where.back() != w) where.push_back(w);
        }
      }
    }
    for (const auto& [p, d] : delta) {
      if (d == 0) continue;
      int64_t& count = pair_counts_[p];
      count += d;
      if (count <= 0) {
        pair_counts_.erase(p);
      } else if (d > 0) {
        heap_.push({count, p});
      }
    }
  }

 private:
  struct Entry {
    int64_t count;
    uint64_t pair;
  };
  // Orders the heap: the top is the highest count, then the smallest (left, right) bytes.
  struct Lower {
    const std::vector<std::string>* tokens;
    bool operator()(const Entry& x, const Entry& y) const {
      if (x.count != y.count) return x.count < y.count;
      const std::string &xl = (*tokens)[Left(x.pair)], &yl = (*tokens)[Left(y.pair)];
      if (xl != yl) return xl > yl;
      return (*tokens)[Right(x.pair)] > (*tokens)[Right(y.pair)];
    }
  };

  std::vector<std::string> tokens_;  // raw bytes by id, grown as merges make tokens
  std::vector<std::vector<int32_t>> words_;
  std::vector<int64_t> freqs_;
  absl::flat_hash_map<uint64_t, int64_t> pair_counts_;
  absl::flat_hash_map<uint64_t, std::vector<int32_t>>
      where_;  // may list words no longer holding it
  std::priority_queue<Entry, std::vector<Entry>, Lower> heap_{Lower{&tokens_}};
};

}  // namespace

std::vector<std::string> DefaultSpecialTokens() {
  const BpeTokenizerOptions& d = BpeTokenizerOptions::default_instance();
  std::vector<std::string> out;
  for (const std::string& t :
       {d.pad_token(), d.bos_token(), d.eos_token(), d.image_token(), d.image_start_token(),
        d.image_end_token(), d.user_token(), d.assistant_token()}) {
    if (!t.empty() && std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
  }
  return out;
}

absl::StatusOr<std::unique_ptr<BpeTrainer>> BpeTrainer::Create(TrainerOptions options) {
  absl::flat_hash_set<std::string> seen;
  for (size_t i = 0; i < options.special_tokens.size(); ++i) {
    const std::string& t = options.special_tokens[i];
    if (t.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("special_tokens[", i, "] is empty; a special token needs some text"));
    }
    if (!seen.insert(t).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("special_tokens[", i, "] \"", t, "\" is listed twice; list it once"));
    }
    for (int b = 0; b < kNumBytes; ++b) {
      if (t == ByteToUnicode(static_cast<uint8_t>(b))) {
        return absl::InvalidArgumentError(absl::StrCat(
            "special_tokens[", i, "] \"", t, "\" is the byte-level character of byte ", b,
            ", which is already a token; use a longer special token such as \"<", t, ">\""));
      }
    }
  }
  const int64_t minimum = kNumBytes + static_cast<int64_t>(options.special_tokens.size());
  if (options.vocab_size < minimum) {
    return absl::InvalidArgumentError(
        absl::StrCat("vocab_size ", options.vocab_size, " is below the 256 byte tokens plus ",
                     options.special_tokens.size(), " special tokens (",
                     absl::StrJoin(options.special_tokens, ", "), "); set vocab_size to at least ",
                     minimum, " (more leaves room for merges)"));
  }
  if (options.min_frequency < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("min_frequency is ", options.min_frequency, "; it must be at least 1"));
  }
  return std::unique_ptr<BpeTrainer>(new BpeTrainer(std::move(options)));
}

BpeTrainer::BpeTrainer(TrainerOptions options) : options_(std::move(options)) {
  // The order of the loader's added tokens: longest first, then lexicographic.
  specials_by_length_ = options_.special_tokens;
  std::sort(specials_by_length_.begin(), specials_by_length_.end(),
            [](const std::string& a, const std::string& b) {
              return a.size() != b.size() ? a.size() > b.size() : a < b;
            });
}

void BpeTrainer::Add(absl::string_view raw_text) {
  ++texts_;
  const std::string valid = hf::ValidUtf8(raw_text);  // as the tokenizer encodes it
  const absl::string_view text = valid;
  auto count = [this](absl::string_view part) {
    std::string prefixed;
    if (options_.add_prefix_space && !part.empty() && part[0] != ' ') {
      prefixed = absl::StrCat(" ", part);
      part = prefixed;
    }
    for (absl::string_view piece : SplitGpt2(part)) {
      ++pieces_;
      auto it = piece_counts_.find(piece);
      if (it == piece_counts_.end()) {
        piece_counts_.emplace(std::string(piece), 1);
      } else {
        ++it->second;
      }
    }
  };
  size_t start = 0;  // of the text not counted yet
  for (size_t pos = 0; pos < text.size();) {
    const std::string* match = nullptr;
    for (const std::string& s : specials_by_length_) {
      if (s[0] == text[pos] && absl::StartsWith(text.substr(pos), s)) {
        match = &s;
        break;
      }
    }
    if (match == nullptr) {
      ++pos;
      continue;
    }
    count(text.substr(start, pos - start));
    pos += match->size();
    start = pos;
  }
  count(text.substr(start));
}

absl::StatusOr<TrainedBpe> BpeTrainer::Train() const {
  if (piece_counts_.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "no text to train on: ", texts_,
        " texts were given and none has text outside the special tokens; give some text"));
  }
  TrainedBpe out;
  out.texts = texts_;
  out.pieces = pieces_;
  out.distinct_pieces = static_cast<int64_t>(piece_counts_.size());
  out.add_prefix_space = options_.add_prefix_space;
  out.num_special = static_cast<int32_t>(options_.special_tokens.size());
  out.tokens = options_.special_tokens;
  for (int b = 0; b < kNumBytes; ++b) out.tokens.push_back(std::string(1, static_cast<char>(b)));

  // Byte-level spellings in use: a merged token spelling a special token's text is refused.
  absl::flat_hash_set<std::string> special_keys(options_.special_tokens.begin(),
                                                options_.special_tokens.end());
  absl::flat_hash_map<std::string, int32_t> id_of;  // raw bytes of non-special tokens -> id
  for (int32_t id = out.num_special; id < out.vocab_size(); ++id) id_of[out.tokens[id]] = id;

  Merger merger(out, piece_counts_, out.num_special);
  uint64_t pair;
  int64_t count;
  while (out.vocab_size() < options_.vocab_size && merger.Best(pair, count) &&
         count >= options_.min_frequency) {
    std::string bytes = absl::StrCat(out.tokens[Left(pair)], out.tokens[Right(pair)]);
    if (special_keys.contains(BytesToUnicode(bytes))) {
      merger.Forbid(pair);
      continue;
    }
    auto [it, is_new] = id_of.try_emplace(bytes, out.vocab_size());
    if (is_new) out.tokens.push_back(std::move(bytes));
    merger.Apply(pair, it->second);
    out.merges.emplace_back(Left(pair), Right(pair));
    out.merged.push_back(it->second);
    out.merge_counts.push_back(count);
  }
  return out;
}

std::string TokenizerJsonText(const TrainedBpe& bpe) {
  using json = nlohmann::ordered_json;  // keeps vocab in id order
  json vocab = json::object();
  json added = json::array();
  std::vector<std::string> keys(bpe.tokens.size());
  for (int32_t id = 0; id < bpe.vocab_size(); ++id) {
    const bool special = id < bpe.num_special;
    keys[id] = special ? bpe.tokens[id] : BytesToUnicode(bpe.tokens[id]);
    vocab[keys[id]] = id;
    if (special) {
      added.push_back({{"id", id},
                       {"content", bpe.tokens[id]},
                       {"single_word", false},
                       {"lstrip", false},
                       {"rstrip", false},
                       {"normalized", false},
                       {"special", true}});
    }
  }
  json merges = json::array();
  for (const auto& [left, right] : bpe.merges) merges.push_back(keys[left] + " " + keys[right]);
  json byte_level = {{"type", "ByteLevel"},
                     {"add_prefix_space", bpe.add_prefix_space},
                     {"trim_offsets", true},
                     {"use_regex", true}};
  json root = {{"version", "1.0"},
               {"truncation", nullptr},
               {"padding", nullptr},
               {"added_tokens", added},
               {"normalizer", nullptr},
               {"pre_tokenizer", byte_level},
               {"post_processor", nullptr},
               {"decoder", byte_level},
               {"model",
                {{"type", "BPE"},
                 {"dropout", nullptr},
                 {"unk_token", nullptr},
                 {"continuing_subword_prefix", nullptr},
                 {"end_of_word_suffix", nullptr},
                 {"fuse_unk", false},
                 {"byte_fallback", false},
                 {"ignore_merges", false},
                 {"vocab", vocab},
                 {"merges", merges}}}};
  return root.dump(2) + "\n";
}

absl::Status WriteTokenizerJson(const TrainedBpe& bpe, const std::string& path) {
  const std::string text = TokenizerJsonText(bpe);
  absl::StatusOr<std::unique_ptr<AtomicFileWriter>> writer =
      AtomicFileWriter::Create(path);
  absl::Status status = writer.status();
  if (status.ok()) status = (*writer)->Write(text.data(), text.size());
  if (status.ok()) status = (*writer)->Commit();
  if (!status.ok()) {
    return absl::Status(status.code(), absl::StrCat("cannot write tokenizer file '", path,
                                                    "': ", status.message()));
  }
  return absl::OkStatus();
}

}  // namespace vlmlab::bpe
