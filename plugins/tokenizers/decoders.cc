#include "plugins/tokenizers/decoders.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "plugins/tokenizers/byte_level.h"
#include "plugins/tokenizers/split_pattern.h"
#include "plugins/tokenizers/unicode_text.h"

namespace vlmlab::hf {
namespace {

constexpr char kSupported[] =
    "ByteLevel, Metaspace, ByteFallback, Fuse, Strip, Replace, BPEDecoder, Sequence";
constexpr char kReplacementChar[] = "\xEF\xBF\xBD";  // U+FFFD

class ByteLevel : public Decoder {
 public:
  std::vector<std::string> DecodeChain(std::vector<std::string> tokens) const override {
    std::string bytes;
    for (const std::string& t : tokens) {
      // A token holding a character outside the byte-level alphabet keeps its own bytes.
      if (bpe::IsByteLevelText(t)) {
        bytes += bpe::UnicodeToBytes(t);
      } else {
        bytes += t;
      }
    }
    return {ValidUtf8(bytes)};
  }
};

class Metaspace : public Decoder {
 public:
  Metaspace(char32_t replacement, bool prepend) : prepend_(prepend) {
    AppendUtf8(replacement, replacement_);
  }
  std::vector<std::string> DecodeChain(std::vector<std::string> tokens) const override {
    for (size_t i = 0; i < tokens.size(); ++i) {
      tokens[i] = absl::StrReplaceAll(tokens[i], {{replacement_, i == 0 && prepend_ ? "" : " "}});
    }
    return tokens;
  }

 private:
  std::string replacement_;
  bool prepend_;  // prepend_scheme is not "never": the first token loses its replacements
};

class ByteFallback : public Decoder {
 public:
  std::vector<std::string> DecodeChain(std::vector<std::string> tokens) const override {
    std::vector<std::string> out;
    std::string pending;
    auto flush = [&] {
      if (pending.empty()) return;
      if (ValidUtf8(pending) == pending) {
        out.push_back(pending);
      } else {
        for (size_t i = 0; i < pending.size(); ++i) out.push_back(kReplacementChar);
      }
      pending.clear();
    };
    for (std::string& t : tokens) {
      int value = -1;
      if (t.size() == 6 && t.compare(0, 3, "<0x") == 0 && t[5] == '>') {
        int parsed;
        if (absl::SimpleHexAtoi(absl::string_view(t).substr(3, 2), &parsed) &&
            t[3] != '+' && t[3] != '-') {
          value = parsed;
        }
      }
      if (value >= 0) {
        pending += static_cast<char>(value);
      } else {
        flush();
        out.push_back(std::move(t));
      }
    }
    flush();
    return out;
  }
};

class Fuse : public Decoder {
 public:
  std::vector<std::string> DecodeChain(std::vector<std::string> tokens) const override {
    return {absl::StrJoin(tokens, "")};
  }
};

class Strip : public Decoder {
 public:
  Strip(char32_t content, size_t start, size_t stop) : content_(content), start_(start), stop_(stop) {}
  std::vector<std::string> DecodeChain(std::vector<std::string> tokens) const override {
    for (std::string& t : tokens) {
      std::vector<char32_t> chars;
      for (size_t i = 0; i < t.size();) chars.push_back(NextCodePoint(t, i));
      size_t start_cut = 0;
      for (size_t i = 0; i < std::min(start_, chars.size()) && chars[i] == content_; ++i) {
        start_cut = i + 1;
      }
      size_t stop_cut = chars.size();
      for (size_t i = 0; i < stop_ && i < chars.size(); ++i) {
        const size_t index = chars.size() - i - 1;
        if (chars[index] != content_) break;
        stop_cut = index;
      }
      std::string out;
      for (size_t i = start_cut; i < stop_cut; ++i) AppendUtf8(chars[i], out);
      t = std::move(out);
    }
    return tokens;
  }

 private:
  char32_t content_;
  size_t start_, stop_;
};

class Replace : public Decoder {
 public:
  Replace(SplitPattern pattern, std::string content)
      : pattern_(std::move(pattern)), content_(std::move(content)) {}
  std::vector<std::string> DecodeChain(std::vector<std::string> tokens) const override {
    for (std::string& t : tokens) {
      std::string out;
      for (const Segment& s : pattern_.FindMatches(t)) {
        if (s.is_match) {
          out += content_;
        } else {
          out.append(t, s.start, s.end - s.start);
        }
      }
      t = std::move(out);
    }
    return tokens;
  }

 private:
  SplitPattern pattern_;
  std::string content_;
};

class BpeSuffix : public Decoder {
 public:
  explicit BpeSuffix(std::string suffix) : suffix_(std::move(suffix)) {}
  std::vector<std::string> DecodeChain(std::vector<std::string> tokens) const override {
    for (size_t i = 0; i < tokens.size(); ++i) {
      tokens[i] = absl::StrReplaceAll(tokens[i], {{suffix_, i + 1 == tokens.size() ? "" : " "}});
    }
    return tokens;
  }

 private:
  std::string suffix_;
};

class Sequence : public Decoder {
 public:
  explicit Sequence(std::vector<std::unique_ptr<Decoder>> steps) : steps_(std::move(steps)) {}
  std::vector<std::string> DecodeChain(std::vector<std::string> tokens) const override {
    for (const auto& step : steps_) tokens = step->DecodeChain(std::move(tokens));
    return tokens;
  }

 private:
  std::vector<std::unique_ptr<Decoder>> steps_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Decoder>> ReadDecoder(const JsonAt& at) {
  if (at.value.is_null()) return std::unique_ptr<Decoder>();
  absl::StatusOr<std::string> type = at.String("type");
  if (!type.ok()) return type.status();
  if (*type == "ByteLevel") return std::unique_ptr<Decoder>(new ByteLevel());
  if (*type == "ByteFallback") return std::unique_ptr<Decoder>(new ByteFallback());
  if (*type == "Fuse") return std::unique_ptr<Decoder>(new Fuse());
  if (*type == "Metaspace") {
    absl::StatusOr<char32_t> replacement = at.Char("replacement");
    if (!replacement.ok()) return replacement.status();
    bool prepend = true;
    const json& scheme = JsonMember(at.value, "prepend_scheme");
    if (scheme.is_string()) {
      prepend = scheme != "never";
    } else {
      absl::StatusOr<bool> add = at.Bool("add_prefix_space", true);
      if (!add.ok()) return add.status();
      prepend = *add;
    }
    return std::unique_ptr<Decoder>(new Metaspace(*replacement, prepend));
  }
  if (*type == "Strip") {
    absl::StatusOr<char32_t> content = at.Char("content");
    absl::StatusOr<int64_t> start = at.Int("start", 0);
    absl::StatusOr<int64_t> stop = at.Int("stop", 0);
    if (!content.ok()) return content.status();
    if (!start.ok()) return start.status();
    if (!stop.ok()) return stop.status();
    if (*start < 0 || *stop < 0) return at.Bad("has a negative start or stop");
    return std::unique_ptr<Decoder>(new Strip(*content, *start, *stop));
  }
  if (*type == "Replace") {
    absl::StatusOr<SplitPattern> pattern = ReadSplitPattern(at.Child("pattern"));
    if (!pattern.ok()) return pattern.status();
    absl::StatusOr<std::string> content = at.String("content");
    if (!content.ok()) return content.status();
    return std::unique_ptr<Decoder>(new Replace(std::move(*pattern), *content));
  }
  if (*type == "BPEDecoder") {
    absl::StatusOr<std::string> suffix = at.String("suffix", "</w>");
    if (!suffix.ok()) return suffix.status();
    return std::unique_ptr<Decoder>(new BpeSuffix(*suffix));
  }
  if (*type == "Sequence") {
    const JsonAt steps = at.Child("decoders");
    if (!steps.value.is_array()) return steps.Bad("is not an array");
    std::vector<std::unique_ptr<Decoder>> parts;
    for (size_t i = 0; i < steps.value.size(); ++i) {
      absl::StatusOr<std::unique_ptr<Decoder>> d = ReadDecoder(steps.Index(i));
      if (!d.ok()) return d.status();
      if (*d) parts.push_back(std::move(*d));
    }
    return std::unique_ptr<Decoder>(new Sequence(std::move(parts)));
  }
  return at.Unsupported("decoder", *type, kSupported);
}

std::string DecodeTokens(const Decoder* decoder, std::vector<std::string> tokens) {
  if (decoder == nullptr) return absl::StrJoin(tokens, " ");
  return absl::StrJoin(decoder->DecodeChain(std::move(tokens)), "");
}

}  // namespace vlmlab::hf
