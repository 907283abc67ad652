#include "plugins/tokenizers/added_vocabulary.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "plugins/tokenizers/unicode_text.h"

namespace vlmlab::hf {
namespace {

// The code point that ends just before byte `end` of valid UTF-8.
char32_t CodePointBefore(absl::string_view text, size_t end) {
  size_t start = end - 1;
  while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
  return NextCodePoint(text, start);
}

}  // namespace

absl::StatusOr<std::vector<AddedToken>> ReadAddedTokens(const JsonAt& at) {
  std::vector<AddedToken> out;
  if (at.value.is_null()) return out;
  if (!at.value.is_array()) return at.Bad("is not an array");
  for (size_t i = 0; i < at.value.size(); ++i) {
    const JsonAt t = at.Index(i);
    AddedToken token;
    absl::StatusOr<std::string> content = t.String("content");
    if (!content.ok()) return content.status();
    if (content->empty()) return t.Child("content").Bad("is empty");
    token.content = *content;
    if (!ReadTokenId(JsonMember(t.value, "id"), token.id)) {
      return t.Child("id").Bad(absl::StrCat("is ", ShowJson(JsonMember(t.value, "id")),
                                            ", not an id in [0, 2^24)"));
    }
    struct Flag {
      const char* key;
      bool* value;
      bool fallback;
    };
    for (const Flag& f : {Flag{"single_word", &token.single_word, false},
                          Flag{"lstrip", &token.lstrip, false}, Flag{"rstrip", &token.rstrip, false},
                          Flag{"normalized", &token.normalized, true},
                          Flag{"special", &token.special, false}}) {
      absl::StatusOr<bool> v = t.Bool(f.key, f.fallback);
      if (!v.ok()) return v.status();
      *f.value = *v;
    }
    out.push_back(std::move(token));
  }
  return out;
}

AddedVocabulary::AddedVocabulary(std::vector<AddedToken> tokens, const Normalizer* normalizer)
    : tokens_(std::move(tokens)) {
  for (size_t i = 0; i < tokens_.size(); ++i) {
    const AddedToken& t = tokens_[i];
    std::string text = t.content;
    if (t.normalized && normalizer != nullptr) {
      Piece p = Piece::Whole(text);
      normalizer->Normalize(p);
      text = p.text;
    }
    id_text_[t.id] = text;
    if (text.empty()) continue;
    Set& set = t.normalized ? normalized_ : raw_;
    set.by_first_byte[static_cast<unsigned char>(text[0])].push_back(set.patterns.size());
    set.patterns.emplace_back(std::move(text), i);
  }
}

const std::string* AddedVocabulary::IdToToken(int32_t id) const {
  auto it = id_text_.find(id);
  return it == id_text_.end() ? nullptr : &it->second;
}

void AddedVocabulary::Extract(const Set& set, std::vector<Piece>& pieces) const {
  // Like the library, every piece is sliced anew even without a match, which settles at_start
  // after normalization.
  CutPieces(pieces, [&](const Piece& p) {
    const std::string& s = p.text;
    std::vector<PieceRange> out;
    size_t start_offset = 0;  // of the text not yet emitted
    // Non-overlapping leftmost-longest matches.
    for (size_t pos = 0; pos < s.size();) {
      size_t best = SIZE_MAX, best_len = 0;
      for (size_t k : set.by_first_byte[static_cast<unsigned char>(s[pos])]) {
        const std::string& text = set.patterns[k].first;
        if (text.size() > best_len && absl::string_view(s).substr(pos, text.size()) == text) {
          best = k, best_len = text.size();
        }
      }
      if (best == SIZE_MAX) {
        ++pos;
        continue;
      }
      const AddedToken& token = tokens_[set.patterns[best].second];
      size_t start = pos, stop = pos + best_len;
      pos = stop;
      if (token.single_word) {
        const bool start_space = start == 0 || !IsWordChar(CodePointBefore(s, start));
        size_t after = stop;
        const bool stop_space = stop == s.size() || !IsWordChar(NextCodePoint(s, after));
        if (!start_space || !stop_space) continue;
      }
      if (token.lstrip) {
        size_t new_start = start;
        while (new_start > 0) {
          const char32_t c = CodePointBefore(s, new_start);
          if (!IsWhitespace(c)) break;
          size_t back = new_start - 1;
          while (back > 0 && (static_cast<unsigned char>(s[back]) & 0xC0) == 0x80) --back;
          new_start = back;
        }
        start = std::max(new_start, start_offset);
      }
      if (token.rstrip) {
        while (stop < s.size()) {
          size_t next = stop;
          if (!IsWhitespace(NextCodePoint(s, next))) break;
          stop = next;
        }
        // The search goes on from the match's end, as the library's does.
      }
      if (start_offset < start) out.push_back({start_offset, start});
      out.push_back({start, stop, token.id});
      start_offset = stop;
    }
    if (start_offset < s.size()) out.push_back({start_offset, s.size()});
    return out;
  });
}

}  // namespace vlmlab::hf
