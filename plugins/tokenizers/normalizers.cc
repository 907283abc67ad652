#include "plugins/tokenizers/normalizers.h"

#include <unicode/normalizer2.h>
#include <unicode/unistr.h>

#include <vector>

#include "absl/strings/str_cat.h"
#include "plugins/tokenizers/byte_level.h"
#include "plugins/tokenizers/split_pattern.h"
#include "plugins/tokenizers/unicode_text.h"

namespace vlmlab::hf {
namespace {

constexpr char kSupported[] =
    "NFC, NFD, NFKC, NFKD, Lowercase, Strip, StripAccents, Replace, Prepend, ByteLevel, Sequence";

class UnicodeForm : public Normalizer {
 public:
  explicit UnicodeForm(const icu::Normalizer2* form) : form_(form) {}
  void Normalize(Piece& p) const override {
    UErrorCode status = U_ZERO_ERROR;
    const icu::UnicodeString in = icu::UnicodeString::fromUTF8(p.text);
    const icu::UnicodeString out = form_->normalize(in, status);
    if (U_FAILURE(status)) return;  // only on allocation failure; the text stays as it was
    p.text.clear();
    out.toUTF8String(p.text);
  }

 private:
  const icu::Normalizer2* form_;
};

class Lowercase : public Normalizer {
 public:
  void Normalize(Piece& p) const override { p.text = LowercaseChars(p.text); }
};

class Strip : public Normalizer {
 public:
  Strip(bool left, bool right) : left_(left), right_(right) {}
  void Normalize(Piece& p) const override {
    size_t begin = 0, end = p.text.size();
    if (left_) {
      while (begin < end) {
        size_t next = begin;
        if (!IsWhitespace(NextCodePoint(p.text, next))) break;
        begin = next;
      }
    }
    if (right_) {
      // Walk forward, remembering where the trailing run of whitespace starts.
      size_t run = end;
      for (size_t i = begin; i < end;) {
        const size_t start = i;
        if (IsWhitespace(NextCodePoint(p.text, i))) {
          if (run == end) run = start;
        } else {
          run = end;
        }
      }
      end = run;
    }
    if (begin > 0) p.front_dropped = true;
    p.text = p.text.substr(begin, end - begin);
  }

 private:
  bool left_, right_;
};

class StripAccents : public Normalizer {
 public:
  void Normalize(Piece& p) const override {
    std::string out;
    out.reserve(p.text.size());
    bool first = true;
    for (size_t i = 0; i < p.text.size();) {
      const size_t start = i;
      const char32_t c = NextCodePoint(p.text, i);
      if (IsCombiningMark(c)) {
        if (first) p.front_dropped = true;
        continue;
      }
      first = false;
      out.append(p.text, start, i - start);
    }
    p.text = std::move(out);
  }
};

class Replace : public Normalizer {
 public:
  Replace(SplitPattern pattern, std::string content)
      : pattern_(std::move(pattern)), content_(std::move(content)) {}
  void Normalize(Piece& p) const override {
    std::string out;
    for (const Segment& s : pattern_.FindMatches(p.text)) {
      if (!s.is_match) {
        out.append(p.text, s.start, s.end - s.start);
        continue;
      }
      if (s.start == 0 && s.end > 0 && content_.empty()) p.front_dropped = true;
      out += content_;
    }
    p.text = std::move(out);
  }

 private:
  SplitPattern pattern_;
  std::string content_;
};

class Prepend : public Normalizer {
 public:
  explicit Prepend(std::string prefix) : prefix_(std::move(prefix)) {}
  void Normalize(Piece& p) const override {
    if (!p.text.empty()) p.text.insert(0, prefix_);
  }

 private:
  std::string prefix_;
};

class ByteLevelNormalizer : public Normalizer {
 public:
  void Normalize(Piece& p) const override { p.text = bpe::BytesToUnicode(p.text); }
};

class Sequence : public Normalizer {
 public:
  explicit Sequence(std::vector<std::unique_ptr<Normalizer>> steps) : steps_(std::move(steps)) {}
  void Normalize(Piece& p) const override {
    for (const auto& step : steps_) step->Normalize(p);
  }

 private:
  std::vector<std::unique_ptr<Normalizer>> steps_;
};

absl::StatusOr<const icu::Normalizer2*> Form(const std::string& type) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* form = nullptr;
  if (type == "NFC") form = icu::Normalizer2::getNFCInstance(status);
  if (type == "NFD") form = icu::Normalizer2::getNFDInstance(status);
  if (type == "NFKC") form = icu::Normalizer2::getNFKCInstance(status);
  if (type == "NFKD") form = icu::Normalizer2::getNFKDInstance(status);
  if (U_FAILURE(status) || form == nullptr) {
    return absl::InternalError(absl::StrCat("ICU has no ", type, " normalizer: ",
                                            u_errorName(status)));
  }
  return form;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Normalizer>> ReadNormalizer(const JsonAt& at) {
  if (at.value.is_null()) return std::unique_ptr<Normalizer>();
  absl::StatusOr<std::string> type = at.String("type");
  if (!type.ok()) return type.status();
  if (*type == "NFC" || *type == "NFD" || *type == "NFKC" || *type == "NFKD") {
    absl::StatusOr<const icu::Normalizer2*> form = Form(*type);
    if (!form.ok()) return form.status();
    return std::unique_ptr<Normalizer>(new UnicodeForm(*form));
  }
  if (*type == "Lowercase") return std::unique_ptr<Normalizer>(new Lowercase());
  if (*type == "StripAccents") return std::unique_ptr<Normalizer>(new StripAccents());
  if (*type == "ByteLevel") return std::unique_ptr<Normalizer>(new ByteLevelNormalizer());
  if (*type == "Strip") {
    absl::StatusOr<bool> left = at.Bool("strip_left", true);
    absl::StatusOr<bool> right = at.Bool("strip_right", true);
    if (!left.ok()) return left.status();
    if (!right.ok()) return right.status();
    return std::unique_ptr<Normalizer>(new Strip(*left, *right));
  }
  if (*type == "Prepend") {
    absl::StatusOr<std::string> prefix = at.String("prepend");
    if (!prefix.ok()) return prefix.status();
    return std::unique_ptr<Normalizer>(new Prepend(*prefix));
  }
  if (*type == "Replace") {
    absl::StatusOr<SplitPattern> pattern = ReadSplitPattern(at.Child("pattern"));
    if (!pattern.ok()) return pattern.status();
    absl::StatusOr<std::string> content = at.String("content");
    if (!content.ok()) return content.status();
    return std::unique_ptr<Normalizer>(new Replace(std::move(*pattern), *content));
  }
  if (*type == "Sequence") {
    const JsonAt steps = at.Child("normalizers");
    if (!steps.value.is_array()) return steps.Bad("is not an array");
    std::vector<std::unique_ptr<Normalizer>> parts;
    for (size_t i = 0; i < steps.value.size(); ++i) {
      absl::StatusOr<std::unique_ptr<Normalizer>> n = ReadNormalizer(steps.Index(i));
      if (!n.ok()) return n.status();
      if (*n) parts.push_back(std::move(*n));
    }
    return std::unique_ptr<Normalizer>(new Sequence(std::move(parts)));
  }
  return at.Unsupported("normalizer", *type, kSupported);
}

}  // namespace vlmlab::hf
