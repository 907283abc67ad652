// Reading helpers for the sections of a tokenizer.json: typed field access whose failures name
// the JSON path at fault ("pre_tokenizer.pretokenizers[1].behavior is ..."), so every refusal
// says where to look. Used by the component readers (normalizers.h, pre_tokenizers.h, ...).
//
//   hf::JsonAt at{section, "normalizer"};
//   absl::StatusOr<std::string> type = at.String("type");
//   absl::StatusOr<bool> left = at.Bool("strip_left", /*fallback=*/true);
#ifndef VLMLAB_PLUGINS_TOKENIZERS_HF_JSON_H_
#define VLMLAB_PLUGINS_TOKENIZERS_HF_JSON_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace vlmlab::hf {

using json = nlohmann::json;

// A short rendering of a JSON value for messages.
std::string ShowJson(const json& j);

// `obj[key]` when obj is an object holding key, else a null value.
const json& JsonMember(const json& obj, absl::string_view key);

// Token ids stop below 2^24 (16.7 million; real vocabularies have under 300,000): the model's
// embedding table has a row per id, so a hostile file cannot ask for billions of them.
inline constexpr int32_t kMaxTokenId = 1 << 24;

// A non-negative integer below kMaxTokenId.
bool ReadTokenId(const json& v, int32_t& id);

// One JSON value and its path in the file, for typed reads with messages.
struct JsonAt {
  const json& value;
  std::string path;

  JsonAt Child(absl::string_view key) const;
  JsonAt Index(size_t i) const;
  absl::Status Bad(absl::string_view problem) const;  // "PATH problem"
  absl::Status Unsupported(absl::string_view kind, absl::string_view type,
                           absl::string_view supported) const;

  // The member `key`: absent or null gives the fallback when there is one, else an error.
  absl::StatusOr<std::string> String(absl::string_view key,
                                     std::optional<std::string> fallback = std::nullopt) const;
  absl::StatusOr<bool> Bool(absl::string_view key, std::optional<bool> fallback = std::nullopt) const;
  absl::StatusOr<int64_t> Int(absl::string_view key,
                              std::optional<int64_t> fallback = std::nullopt) const;
  // One Unicode character written as a string (Metaspace's replacement, Strip's content).
  absl::StatusOr<char32_t> Char(absl::string_view key) const;
};

}  // namespace vlmlab::hf

#endif  // VLMLAB_PLUGINS_TOKENIZERS_HF_JSON_H_
