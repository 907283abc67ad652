// A compiled Oniguruma regular expression: the engine (and syntax) that Hugging Face's
// tokenizers library uses for tokenizer.json patterns (Split, Replace, ByteLevel's GPT-2 split),
// so a file's own regex runs here exactly as it runs there.
//
//   absl::StatusOr<std::unique_ptr<hf::OnigRegex>> re = hf::OnigRegex::Compile("\\p{N}{1,3}");
//   for (auto [start, end] : (*re)->FindAll("12345")) ...   // [0, 3) then [3, 5)
//
// FindAll reports matches as the `onig` crate's find_iter does: left to right without overlap,
// each search starting where the previous match ended (so look-behind sees the text before it);
// an empty match right where the previous match ended is skipped by advancing one character.
// Searching is safe from several threads at once.
#ifndef VLMLAB_PLUGINS_TOKENIZERS_ONIG_REGEX_H_
#define VLMLAB_PLUGINS_TOKENIZERS_ONIG_REGEX_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace vlmlab::hf {

class OnigRegex {
 public:
  // Fails with Oniguruma's message when `pattern` does not compile.
  static absl::StatusOr<std::unique_ptr<OnigRegex>> Compile(absl::string_view pattern);
  // A pattern matching `literal` exactly (Hugging Face's {"String": ...} patterns).
  static std::string Escape(absl::string_view literal);
  ~OnigRegex();
  OnigRegex(const OnigRegex&) = delete;
  OnigRegex& operator=(const OnigRegex&) = delete;

  // [start, end) byte offsets of the matches in valid UTF-8 `text`.
  std::vector<std::pair<size_t, size_t>> FindAll(absl::string_view text) const;
  const std::string& pattern() const { return pattern_; }

 private:
  OnigRegex() = default;
  std::string pattern_;
  void* regex_ = nullptr;  // regex_t*
};

}  // namespace vlmlab::hf

#endif  // VLMLAB_PLUGINS_TOKENIZERS_ONIG_REGEX_H_
