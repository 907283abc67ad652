#include "plugins/tokenizers/split_pattern.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "plugins/tokenizers/unicode_text.h"

namespace vlmlab::hf {

std::vector<Segment> MatchChars(absl::string_view text,
                                const std::function<bool(char32_t)>& test) {
  if (text.empty()) return {{0, 0, false}};
  std::vector<Segment> out;
  size_t last = 0;
  for (size_t i = 0; i < text.size();) {
    const size_t start = i;
    const char32_t c = NextCodePoint(text, i);
    if (!test(c)) continue;
    if (last < start) out.push_back({last, start, false});
    out.push_back({start, i, true});
    last = i;
  }
  if (last < text.size()) out.push_back({last, text.size(), false});
  return out;
}

std::vector<Segment> Invert(std::vector<Segment> segments) {
  for (Segment& s : segments) s.is_match = !s.is_match;
  return segments;
}

absl::StatusOr<SplitPattern> SplitPattern::Literal(absl::string_view text) {
  return Regex(OnigRegex::Escape(text));
}

absl::StatusOr<SplitPattern> SplitPattern::Regex(absl::string_view pattern) {
  absl::StatusOr<std::unique_ptr<OnigRegex>> re = OnigRegex::Compile(pattern);
  if (!re.ok()) return re.status();
  SplitPattern p;
  p.regex_ = std::move(*re);
  return p;
}

std::vector<Segment> SplitPattern::FindMatches(absl::string_view text) const {
  if (text.empty()) return {{0, 0, false}};
  std::vector<Segment> out;
  size_t prev = 0;
  for (auto [start, end] : regex_->FindAll(text)) {
    if (prev != start) out.push_back({prev, start, false});
    out.push_back({start, end, true});
    prev = end;
  }
  if (prev != text.size()) out.push_back({prev, text.size(), false});
  return out;
}

// A {"String": ...} or {"Regex": ...} pattern (Replace and Split).
absl::StatusOr<SplitPattern> ReadSplitPattern(const JsonAt& at) {
  const json& literal = JsonMember(at.value, "String");
  const json& regex = JsonMember(at.value, "Regex");
  absl::StatusOr<SplitPattern> p = absl::InvalidArgumentError("");
  if (literal.is_string()) {
    p = SplitPattern::Literal(literal.get<std::string>());
  } else if (regex.is_string()) {
    p = SplitPattern::Regex(regex.get<std::string>());
  } else {
    return at.Bad(absl::StrCat("is ", ShowJson(at.value),
                               ", not {\"String\": \"...\"} or {\"Regex\": \"...\"}"));
  }
  if (!p.ok()) return at.Bad(p.status().message());
  return p;
}

bool ParseSplitBehavior(absl::string_view name, SplitBehavior& out) {
  static constexpr std::pair<absl::string_view, SplitBehavior> kNames[] = {
      {"Removed", SplitBehavior::kRemoved},
      {"Isolated", SplitBehavior::kIsolated},
      {"MergedWithPrevious", SplitBehavior::kMergedWithPrevious},
      {"MergedWithNext", SplitBehavior::kMergedWithNext},
      {"Contiguous", SplitBehavior::kContiguous}};
  for (const auto& [n, b] : kNames) {
    if (n == name) {
      out = b;
      return true;
    }
  }
  return false;
}

std::vector<std::pair<size_t, size_t>> ApplyBehavior(const std::vector<Segment>& segments,
                                                     SplitBehavior behavior) {
  std::vector<std::pair<size_t, size_t>> out;
  switch (behavior) {
    case SplitBehavior::kIsolated:
      for (const Segment& s : segments) out.emplace_back(s.start, s.end);
      break;
    case SplitBehavior::kRemoved:
      for (const Segment& s : segments) {
        if (!s.is_match) out.emplace_back(s.start, s.end);
      }
      break;
    case SplitBehavior::kContiguous: {
      bool previous_match = false;
      for (const Segment& s : segments) {
        if (s.is_match == previous_match && !out.empty()) {
          out.back().second = s.end;
        } else {
          out.emplace_back(s.start, s.end);
        }
        previous_match = s.is_match;
      }
      break;
    }
    case SplitBehavior::kMergedWithPrevious: {
      bool previous_match = false;
      for (const Segment& s : segments) {
        if (s.is_match && !previous_match && !out.empty()) {
          out.back().second = s.end;
        } else {
          out.emplace_back(s.start, s.end);
        }
        previous_match = s.is_match;
      }
      break;
    }
    case SplitBehavior::kMergedWithNext: {
      bool previous_match = false;
      for (auto it = segments.rbegin(); it != segments.rend(); ++it) {
        if (it->is_match && !previous_match && !out.empty()) {
          out.back().first = it->start;
        } else {
          out.emplace_back(it->start, it->end);
        }
        previous_match = it->is_match;
      }
      std::reverse(out.begin(), out.end());
      break;
    }
  }
  return out;
}

}  // namespace vlmlab::hf
