#include "plugins/tokenizers/pre_tokenizers.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "plugins/tokenizers/byte_level.h"
#include "plugins/tokenizers/split_pattern.h"
#include "plugins/tokenizers/unicode_text.h"

namespace vlmlab::hf {

const char kGpt2SplitPattern[] =
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

namespace {

constexpr char kSupported[] =
    "ByteLevel, Split, Digits, Metaspace, Whitespace, WhitespaceSplit, Punctuation, "
    "BertPreTokenizer, CharDelimiterSplit, Sequence";

using Ranges = std::vector<std::pair<size_t, size_t>>;

// Every piece cut by a per-character test under a behaviour.
void SplitByChars(std::vector<Piece>& pieces, bool (*test)(char32_t), SplitBehavior behavior) {
  SplitPieces(pieces, [&](const Piece& p) {
    return ApplyBehavior(MatchChars(p.text, test), behavior);
  });
}

class ByteLevel : public PreTokenizer {
 public:
  ByteLevel(bool add_prefix_space, std::shared_ptr<const SplitPattern> regex)
      : add_prefix_space_(add_prefix_space), regex_(std::move(regex)) {}
  void PreTokenize(std::vector<Piece>& pieces) const override {
    for (Piece& p : pieces) {
      if (p.added_id < 0 && add_prefix_space_ && !p.text.empty() && p.text[0] != ' ') {
        p.text.insert(0, " ");
      }
    }
    if (regex_ != nullptr) {
      SplitPieces(pieces, [&](const Piece& p) {
        return ApplyBehavior(regex_->FindMatches(p.text), SplitBehavior::kIsolated);
      });
    }
    for (Piece& p : pieces) {
      if (p.added_id < 0) p.text = bpe::BytesToUnicode(p.text);
    }
  }

 private:
  bool add_prefix_space_;
  std::shared_ptr<const SplitPattern> regex_;  // null: no regex split
};

class Split : public PreTokenizer {
 public:
  Split(SplitPattern pattern, SplitBehavior behavior, bool invert)
      : pattern_(std::move(pattern)), behavior_(behavior), invert_(invert) {}
  void PreTokenize(std::vector<Piece>& pieces) const override {
    SplitPieces(pieces, [&](const Piece& p) {
      std::vector<Segment> m = pattern_.FindMatches(p.text);
      return ApplyBehavior(invert_ ? Invert(std::move(m)) : m, behavior_);
    });
  }

 private:
  SplitPattern pattern_;
  SplitBehavior behavior_;
  bool invert_;
};

class CharSplit : public PreTokenizer {
 public:
  CharSplit(bool (*test)(char32_t), SplitBehavior behavior) : test_(test), behavior_(behavior) {}
  void PreTokenize(std::vector<Piece>& pieces) const override {
    SplitByChars(pieces, test_, behavior_);
  }

 private:
  bool (*test_)(char32_t);
  SplitBehavior behavior_;
};

class CharDelimiter : public PreTokenizer {
 public:
  explicit CharDelimiter(char32_t delimiter) : delimiter_(delimiter) {}
  void PreTokenize(std::vector<Piece>& pieces) const override {
    SplitPieces(pieces, [&](const Piece& p) {
      return ApplyBehavior(MatchChars(p.text, [&](char32_t c) { return c == delimiter_; }),
                           SplitBehavior::kRemoved);
    });
  }

 private:
  char32_t delimiter_;
};

// `\w+|[^\w\s]+`, everything else removed.
class Whitespace : public PreTokenizer {
 public:
  void PreTokenize(std::vector<Piece>& pieces) const override {
    SplitPieces(pieces, [](const Piece& p) {
      Ranges out;
      int run_kind = 0;  // 0 none, 1 word, 2 other
      for (size_t i = 0; i < p.text.size();) {
        const size_t start = i;
        const char32_t c = NextCodePoint(p.text, i);
        const int kind = IsWordChar(c) ? 1 : IsWhitespace(c) ? 0 : 2;
        if (kind != 0 && kind == run_kind) {
          out.back().second = i;
        } else if (kind != 0) {
          out.emplace_back(start, i);
        }
        run_kind = kind;
      }
      return out;
    });
  }
};

class BertPreTokenizer : public PreTokenizer {
 public:
  void PreTokenize(std::vector<Piece>& pieces) const override {
    SplitByChars(pieces, IsWhitespace, SplitBehavior::kRemoved);
    SplitByChars(pieces, IsPunctuation, SplitBehavior::kIsolated);
  }
};

enum class PrependScheme { kAlways, kFirst, kNever };

class Metaspace : public PreTokenizer {
 public:
  Metaspace(char32_t replacement, PrependScheme scheme, bool split)
      : replacement_(replacement), scheme_(scheme), split_(split) {
    AppendUtf8(replacement, replacement_text_);
  }
  void PreTokenize(std::vector<Piece>& pieces) const override {
    for (Piece& p : pieces) {
      if (p.added_id >= 0) continue;
      std::string replaced;
      replaced.reserve(p.text.size() + 3);
      for (char c : p.text) {
        if (c == ' ') {
          replaced += replacement_text_;
        } else {
          replaced += c;
        }
      }
      p.text = std::move(replaced);
      const bool starts = p.text.compare(0, replacement_text_.size(), replacement_text_) == 0;
      if (!p.text.empty() && !starts &&
          (scheme_ == PrependScheme::kAlways || (scheme_ == PrependScheme::kFirst && p.at_start))) {
        p.text.insert(0, replacement_text_);
      }
    }
    if (split_) {
      SplitPieces(pieces, [&](const Piece& p) {
        return ApplyBehavior(MatchChars(p.text, [&](char32_t c) { return c == replacement_; }),
                             SplitBehavior::kMergedWithNext);
      });
    }
  }

 private:
  char32_t replacement_;
  std::string replacement_text_;
  PrependScheme scheme_;
  bool split_;
};

class Sequence : public PreTokenizer {
 public:
  explicit Sequence(std::vector<std::unique_ptr<PreTokenizer>> steps) : steps_(std::move(steps)) {}
  void PreTokenize(std::vector<Piece>& pieces) const override {
    for (const auto& step : steps_) step->PreTokenize(pieces);
  }

 private:
  std::vector<std::unique_ptr<PreTokenizer>> steps_;
};

absl::StatusOr<SplitBehavior> ReadBehavior(const JsonAt& at, const char* key,
                                           std::optional<std::string> fallback) {
  absl::StatusOr<std::string> name = at.String(key, fallback);
  if (!name.ok()) return name.status();
  SplitBehavior b;
  if (!ParseSplitBehavior(*name, b)) {
    return at.Child(key).Bad(absl::StrCat("is \"", *name,
                                          "\"; one of Removed, Isolated, MergedWithPrevious, "
                                          "MergedWithNext, Contiguous"));
  }
  return b;
}

absl::StatusOr<std::unique_ptr<PreTokenizer>> ReadMetaspace(const JsonAt& at) {
  absl::StatusOr<char32_t> replacement = at.Char("replacement");
  if (!replacement.ok()) return replacement.status();
  absl::StatusOr<bool> split = at.Bool("split", true);
  if (!split.ok()) return split.status();
  PrependScheme scheme = PrependScheme::kAlways;
  const JsonAt prepend = at.Child("prepend_scheme");
  if (!prepend.value.is_null()) {
    if (prepend.value == "always") {
      scheme = PrependScheme::kAlways;
    } else if (prepend.value == "first") {
      scheme = PrependScheme::kFirst;
    } else if (prepend.value == "never") {
      scheme = PrependScheme::kNever;
    } else {
      return prepend.Bad(absl::StrCat("is ", ShowJson(prepend.value),
                                      "; one of \"always\", \"first\", \"never\""));
    }
  } else {
    // Files written before prepend_scheme existed say add_prefix_space.
    absl::StatusOr<bool> add = at.Bool("add_prefix_space", true);
    if (!add.ok()) return add.status();
    scheme = *add ? PrependScheme::kAlways : PrependScheme::kNever;
  }
  return std::unique_ptr<PreTokenizer>(new Metaspace(*replacement, scheme, *split));
}

}  // namespace

absl::StatusOr<std::unique_ptr<PreTokenizer>> ReadPreTokenizer(const JsonAt& at) {
  if (at.value.is_null()) return std::unique_ptr<PreTokenizer>();
  absl::StatusOr<std::string> type = at.String("type");
  if (!type.ok()) return type.status();
  if (*type == "ByteLevel") {
    absl::StatusOr<bool> prefix = at.Bool("add_prefix_space", true);
    absl::StatusOr<bool> use_regex = at.Bool("use_regex", true);
    if (!prefix.ok()) return prefix.status();
    if (!use_regex.ok()) return use_regex.status();
    std::shared_ptr<const SplitPattern> regex;
    if (*use_regex) {
      absl::StatusOr<SplitPattern> p = SplitPattern::Regex(kGpt2SplitPattern);
      if (!p.ok()) return p.status();
      regex = std::make_shared<const SplitPattern>(std::move(*p));
    }
    return std::unique_ptr<PreTokenizer>(new ByteLevel(*prefix, std::move(regex)));
  }
  if (*type == "Split") {
    absl::StatusOr<SplitPattern> pattern = ReadSplitPattern(at.Child("pattern"));
    if (!pattern.ok()) return pattern.status();
    absl::StatusOr<SplitBehavior> behavior = ReadBehavior(at, "behavior", std::nullopt);
    if (!behavior.ok()) return behavior.status();
    absl::StatusOr<bool> invert = at.Bool("invert", false);
    if (!invert.ok()) return invert.status();
    return std::unique_ptr<PreTokenizer>(new Split(std::move(*pattern), *behavior, *invert));
  }
  if (*type == "Digits") {
    absl::StatusOr<bool> individual = at.Bool("individual_digits", false);
    if (!individual.ok()) return individual.status();
    return std::unique_ptr<PreTokenizer>(new CharSplit(
        IsNumeric, *individual ? SplitBehavior::kIsolated : SplitBehavior::kContiguous));
  }
  if (*type == "Punctuation") {
    absl::StatusOr<SplitBehavior> behavior = ReadBehavior(at, "behavior", "Isolated");
    if (!behavior.ok()) return behavior.status();
    return std::unique_ptr<PreTokenizer>(new CharSplit(IsPunctuation, *behavior));
  }
  if (*type == "WhitespaceSplit") {
    return std::unique_ptr<PreTokenizer>(new CharSplit(IsWhitespace, SplitBehavior::kRemoved));
  }
  if (*type == "Whitespace") return std::unique_ptr<PreTokenizer>(new Whitespace());
  if (*type == "BertPreTokenizer") return std::unique_ptr<PreTokenizer>(new BertPreTokenizer());
  if (*type == "CharDelimiterSplit") {
    absl::StatusOr<char32_t> delimiter = at.Char("delimiter");
    if (!delimiter.ok()) return delimiter.status();
    return std::unique_ptr<PreTokenizer>(new CharDelimiter(*delimiter));
  }
  if (*type == "Metaspace") return ReadMetaspace(at);
  if (*type == "Sequence") {
    const JsonAt steps = at.Child("pretokenizers");
    if (!steps.value.is_array()) return steps.Bad("is not an array");
    std::vector<std::unique_ptr<PreTokenizer>> parts;
    for (size_t i = 0; i < steps.value.size(); ++i) {
      absl::StatusOr<std::unique_ptr<PreTokenizer>> p = ReadPreTokenizer(steps.Index(i));
      if (!p.ok()) return p.status();
      if (*p) parts.push_back(std::move(*p));
    }
    return std::unique_ptr<PreTokenizer>(new Sequence(std::move(parts)));
  }
  return at.Unsupported("pre-tokenizer", *type, kSupported);
}

}  // namespace vlmlab::hf
