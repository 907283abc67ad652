#include "platform/metrics/mcq.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "platform/metrics/exact_match.h"
#include "platform/metrics/text_util.h"

namespace vlmlab::metrics {
namespace {

bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
bool IsLetter(char c) { return IsUpper(c) || IsLower(c); }
bool IsAlnum(char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)); }

// The option index of a letter, or -1 when it is not a valid option.
int Index(char letter, int num_options) {
  const int index = absl::ascii_toupper(static_cast<unsigned char>(letter)) - 'A';
  const int limit = num_options > 0 ? num_options : 26;
  return index >= 0 && index < limit ? index : -1;
}

// Rule 1: the whole answer is one letter, maybe bracketed, maybe followed by . : )
int WholeLetter(absl::string_view t, int num_options) {
  while (!t.empty() && (t.front() == '(' || t.front() == '[' || t.front() == ' ')) {
    t.remove_prefix(1);
  }
  while (!t.empty() && (t.back() == ')' || t.back() == ']' || t.back() == '.' || t.back() == ':' ||
                        t.back() == ' ')) {
    t.remove_suffix(1);
  }
  return t.size() == 1 && IsLetter(t[0]) ? Index(t[0], num_options) : -1;
}

// Rule 2: a leading label such as "B." "(B)" "B)" "B:" followed by a space.
int LeadingLabel(absl::string_view t, int num_options) {
  size_t i = 0;
  if (i < t.size() && (t[i] == '(' || t[i] == '[')) ++i;
  if (i + 1 >= t.size() || !IsUpper(t[i])) return -1;
  const char after = t[i + 1];
  if (after != ')' && after != ']' && after != '.' && after != ':') return -1;
  if (i + 2 < t.size() && t[i + 2] != ' ') return -1;
  return Index(t[i], num_options);
}

// The letter at t[i], maybe bracketed, when it stands alone; -1 otherwise. A lowercase letter
// only counts when bracketed or at the end ("option b)", "answer: b").
int LetterAt(absl::string_view t, size_t i, int num_options) {
  bool bracketed = false;
  if (i < t.size() && (t[i] == '(' || t[i] == '[')) {
    bracketed = true;
    ++i;
  }
  if (i >= t.size() || !IsLetter(t[i])) return -1;
  const bool at_end = i + 1 == t.size() || t[i + 1] == '.' || t[i + 1] == ')' || t[i + 1] == ']';
  if (i + 1 < t.size() && IsAlnum(t[i + 1])) return -1;
  if (IsLower(t[i]) && !bracketed && !at_end) return -1;
  return Index(t[i], num_options);
}

// Rule 3: "answer is X", "answer: X", "option X", "choice X".
int AfterPhrase(absl::string_view t, int num_options) {
  const std::string lower = absl::AsciiStrToLower(t);
  for (size_t start = 0; start < lower.size(); ++start) {
    for (absl::string_view phrase : {"answer is", "answer:", "option", "choice"}) {
      if (!absl::StartsWith(absl::string_view(lower).substr(start), phrase)) continue;
      size_t i = start + phrase.size();
      if (phrase.back() != ':' && i < lower.size() && IsAlnum(lower[i])) continue;  // "options"
      while (i < lower.size() && (lower[i] == ' ' || lower[i] == ':')) ++i;
      for (absl::string_view word : {"option ", "choice "}) {
        if (absl::StartsWith(absl::string_view(lower).substr(i), word)) i += word.size();
      }
      const int index = LetterAt(t, i, num_options);
      if (index >= 0) return index;
    }
  }
  return -1;
}

// Rule 4: the answer is one option's text.
int OptionText(absl::string_view t, const std::vector<std::string>& options) {
  const std::string answer = NormalizeForMatch(t, MatchNormalization::kSimple);
  int found = -1;
  for (size_t k = 0; k < options.size(); ++k) {
    if (NormalizeForMatch(options[k], MatchNormalization::kSimple) != answer) continue;
    if (found >= 0) return -1;  // two options with the same text
    found = static_cast<int>(k);
  }
  return found;
}

// Rule 5: exactly one distinct standalone capital letter.
int LoneLetter(absl::string_view t, int num_options) {
  int found = -1;
  for (size_t i = 0; i < t.size(); ++i) {
    if (!IsUpper(t[i])) continue;
    if (i > 0 && (IsAlnum(t[i - 1]) || t[i - 1] == '\'')) continue;
    if (i + 1 < t.size() && (IsAlnum(t[i + 1]) || t[i + 1] == '\'')) continue;
    const bool word =
        (t[i] == 'A' || t[i] == 'I') && i + 2 < t.size() && t[i + 1] == ' ' && IsLower(t[i + 2]);
    if (word) continue;  // "A cat", "I see": English words, not options
    const int index = Index(t[i], num_options);
    if (index < 0) continue;
    if (found >= 0 && found != index) return -1;
    found = index;
  }
  return found;
}

}  // namespace

int ParseChoice(absl::string_view answer, int num_options,
                const std::vector<std::string>& options) {
  const absl::string_view t = StripWhitespace(answer);
  if (t.empty()) return -1;
  for (int index :
       {WholeLetter(t, num_options), LeadingLabel(t, num_options), AfterPhrase(t, num_options),
        OptionText(t, options), LoneLetter(t, num_options)}) {
    if (index >= 0) return index;
  }
  return -1;
}

std::string ChoiceLetter(int index) { return std::string(1, static_cast<char>('A' + index)); }

}  // namespace vlmlab::metrics
