#include "plugins/tokenizers/hf_json.h"

#include "absl/strings/str_cat.h"
#include "plugins/tokenizers/unicode_text.h"

namespace vlmlab::hf {

std::string ShowJson(const json& j) {
  std::string s = j.dump(-1, ' ', false, json::error_handler_t::replace);
  return s.size() <= 60 ? s : s.substr(0, 57) + "...";
}

const json& JsonMember(const json& obj, absl::string_view key) {
  static const json* null = new json();
  if (!obj.is_object()) return *null;
  auto it = obj.find(std::string(key));
  return it == obj.end() ? *null : *it;
}

bool ReadTokenId(const json& v, int32_t& id) {
  if (!v.is_number_integer()) return false;
  if (v.is_number_unsigned()) {
    const uint64_t u = v.get<uint64_t>();
    if (u >= static_cast<uint64_t>(kMaxTokenId)) return false;
    id = static_cast<int32_t>(u);
    return true;
  }
  const int64_t i = v.get<int64_t>();
  if (i < 0 || i >= kMaxTokenId) return false;
  id = static_cast<int32_t>(i);
  return true;
}

JsonAt JsonAt::Child(absl::string_view key) const {
  return {JsonMember(value, key), absl::StrCat(path, ".", key)};
}

JsonAt JsonAt::Index(size_t i) const { return {value.at(i), absl::StrCat(path, "[", i, "]")}; }

absl::Status JsonAt::Bad(absl::string_view problem) const {
  return absl::InvalidArgumentError(absl::StrCat(path, " ", problem));
}

absl::Status JsonAt::Unsupported(absl::string_view kind, absl::string_view type,
                                 absl::string_view supported) const {
  return absl::UnimplementedError(absl::StrCat(path, " is the ", kind, " \"", type,
                                               "\", which vlmlab does not implement (supported: ",
                                               supported, "); see docs/tokenizers.md"));
}

absl::StatusOr<std::string> JsonAt::String(absl::string_view key,
                                           std::optional<std::string> fallback) const {
  const JsonAt v = Child(key);
  if (v.value.is_null() && fallback.has_value()) return *fallback;
  if (!v.value.is_string()) return v.Bad(absl::StrCat("is ", ShowJson(v.value), ", not a string"));
  return v.value.get<std::string>();
}

absl::StatusOr<bool> JsonAt::Bool(absl::string_view key, std::optional<bool> fallback) const {
  const JsonAt v = Child(key);
  if (v.value.is_null() && fallback.has_value()) return *fallback;
  if (!v.value.is_boolean()) return v.Bad(absl::StrCat("is ", ShowJson(v.value), ", not true or false"));
  return v.value.get<bool>();
}

absl::StatusOr<int64_t> JsonAt::Int(absl::string_view key, std::optional<int64_t> fallback) const {
  const JsonAt v = Child(key);
  if (v.value.is_null() && fallback.has_value()) return *fallback;
  if (!v.value.is_number_integer()) {
    return v.Bad(absl::StrCat("is ", ShowJson(v.value), ", not an integer"));
  }
  return v.value.get<int64_t>();
}

absl::StatusOr<char32_t> JsonAt::Char(absl::string_view key) const {
  absl::StatusOr<std::string> s = String(key);
  if (!s.ok()) return s.status();
  size_t pos = 0;
  const char32_t c = s->empty() ? 0 : NextCodePoint(*s, pos);
  if (s->empty() || pos != s->size()) {
    return Child(key).Bad(absl::StrCat("is \"", *s, "\", not one character"));
  }
  return c;
}

}  // namespace vlmlab::hf
