#include "platform/metrics/caption_tokenizer.h"

#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace vlmlab::metrics {
namespace {

bool IsWordChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}

bool IsDigitChar(char c) { return c >= '0' && c <= '9'; }

// Symbols PTB keeps as tokens of their own (they are not in coco-caption's removal list).
bool IsSymbol(char c) { return c != '\0' && std::strchr("$%#@*+=<>^~|\\&/", c) != nullptr; }

// Splits PTB's clitics off a finished word and appends the pieces.
void EmitWord(const std::string& word, std::vector<std::string>* out) {
  if (word.empty()) return;
  if (word == "cannot") {
    out->push_back("can");
    out->push_back("not");
    return;
  }
  if (word.size() > 3 && absl::EndsWith(word, "n't")) {
    out->push_back(word.substr(0, word.size() - 3));
    out->push_back("n't");
    return;
  }
  const size_t apostrophe = word.rfind('\'');
  if (apostrophe != std::string::npos && apostrophe > 0) {
    const std::string suffix = word.substr(apostrophe + 1);
    if (suffix == "s" || suffix == "re" || suffix == "ve" || suffix == "ll" || suffix == "d" ||
        suffix == "m") {
      out->push_back(word.substr(0, apostrophe));
      out->push_back(word.substr(apostrophe));
      return;
    }
  }
  out->push_back(word);
}

}  // namespace

std::vector<std::string> TokenizeCaption(absl::string_view caption) {
  const std::string text = absl::AsciiStrToLower(caption);
  std::vector<std::string> out;
  std::string word;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (IsWordChar(c)) {
      word.push_back(c);
      continue;
    }
    const bool after_word = !word.empty() && IsWordChar(word.back());
    const bool before_word = i + 1 < text.size() && IsWordChar(text[i + 1]);
    const bool between_digits = !word.empty() && IsDigitChar(word.back()) && i + 1 < text.size() &&
                                IsDigitChar(text[i + 1]);
    const bool connector = c == '-' || c == '.' || c == '/' || c == '&' || c == '\'';
    if ((connector && after_word && before_word) || ((c == ',' || c == ':') && between_digits)) {
      word.push_back(c);
      continue;
    }
    EmitWord(word, &out);
    word.clear();
    if (IsSymbol(c)) out.push_back(std::string(1, c));
    // Anything else (space, . , ; : ? ! quotes, brackets, dashes) is punctuation coco-caption
    // removes after PTB tokenisation, so it only separates words.
  }
  EmitWord(word, &out);
  return out;
}

}  // namespace vlmlab::metrics
