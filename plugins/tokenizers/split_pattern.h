// How Hugging Face's tokenizers cut a string: a pattern (a literal, a regex run by Oniguruma, or
// a per-character test) finds matches, and a behaviour decides what becomes of them (removed,
// isolated, merged with the previous or next piece, or contiguous matches fused). Shared by the
// Split, Digits, Punctuation, Whitespace and Metaspace pre-tokenizers and the Replace
// normalizer and decoder.
//
//   absl::StatusOr<hf::SplitPattern> p = hf::SplitPattern::Regex("\\d+");
//   std::vector<hf::Segment> m = p->FindMatches("ab12c");   // ab | 12 (match) | c
//   hf::ApplyBehavior(m, hf::SplitBehavior::kMergedWithNext) // [0,2) [2,5)  ("ab", "12c")
#ifndef VLMLAB_PLUGINS_TOKENIZERS_SPLIT_PATTERN_H_
#define VLMLAB_PLUGINS_TOKENIZERS_SPLIT_PATTERN_H_

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "plugins/tokenizers/hf_json.h"
#include "plugins/tokenizers/onig_regex.h"

namespace vlmlab::hf {

// One stretch of a string: [start, end) bytes, and whether the pattern matched it.
struct Segment {
  size_t start = 0;
  size_t end = 0;
  bool is_match = false;
};

// The whole string cut into matches and the stretches between them, in order, as the library's
// Pattern::find_matches returns them (an empty string gives one empty non-match).
std::vector<Segment> MatchChars(absl::string_view text,
                                const std::function<bool(char32_t)>& test);
// Every segment's is_match flipped (Split's `invert`).
std::vector<Segment> Invert(std::vector<Segment> segments);

class SplitPattern {
 public:
  static absl::StatusOr<SplitPattern> Literal(absl::string_view text);
  static absl::StatusOr<SplitPattern> Regex(absl::string_view pattern);
  std::vector<Segment> FindMatches(absl::string_view text) const;

 private:
  std::shared_ptr<const OnigRegex> regex_;
};

// A {"String": "..."} or {"Regex": "..."} pattern of a tokenizer.json (Split, Replace).
absl::StatusOr<SplitPattern> ReadSplitPattern(const JsonAt& at);

enum class SplitBehavior { kRemoved, kIsolated, kMergedWithPrevious, kMergedWithNext, kContiguous };

// Reads "Removed", "Isolated", "MergedWithPrevious", "MergedWithNext" or "Contiguous".
bool ParseSplitBehavior(absl::string_view name, SplitBehavior& out);

// The [start, end) ranges kept, in order (empty ones included; callers drop them).
std::vector<std::pair<size_t, size_t>> ApplyBehavior(const std::vector<Segment>& segments,
                                                     SplitBehavior behavior);

}  // namespace vlmlab::hf

#endif  // VLMLAB_PLUGINS_TOKENIZERS_SPLIT_PATTERN_H_
