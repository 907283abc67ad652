#include "platform/dashboard/query_params.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace vlmlab::dashboard {
namespace {

// Values are echoed in messages; keep them short.
std::string Shown(absl::string_view value) {
  if (value.size() <= 40) return std::string(value);
  return absl::StrCat(value.substr(0, 40), "...");
}

}  // namespace

absl::Status QueryParams::OnlyKnown(std::initializer_list<absl::string_view> known) const {
  for (const auto& [name, value] : request_.query) {
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown query parameter '", Shown(name), "' for ", request_.path,
          known.size() == 0 ? "; it takes none"
                            : absl::StrCat("; it takes: ", absl::StrJoin(known, ", "))));
    }
  }
  return absl::OkStatus();
}

std::optional<std::string> QueryParams::Get(absl::string_view name) const {
  std::optional<std::string> found;
  for (const auto& [key, value] : request_.query) {
    if (key == name) found = value;
  }
  return found;
}

absl::StatusOr<std::string> QueryParams::Required(absl::string_view name) const {
  std::optional<std::string> value = Get(name);
  if (!value.has_value() || value->empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(request_.path, " needs the query parameter '", name, "'"));
  }
  return *value;
}

std::vector<std::string> QueryParams::List(absl::string_view name) const {
  std::vector<std::string> items;
  for (const auto& [key, value] : request_.query) {
    if (key != name) continue;
    for (absl::string_view item : absl::StrSplit(value, ',', absl::SkipEmpty())) {
      if (std::find(items.begin(), items.end(), item) == items.end()) {
        items.emplace_back(item);
      }
    }
  }
  return items;
}

absl::StatusOr<int64_t> QueryParams::Int(absl::string_view name, int64_t fallback, int64_t min,
                                         int64_t max) const {
  std::optional<std::string> value = Get(name);
  if (!value.has_value()) return fallback;
  int64_t parsed = 0;
  if (!absl::SimpleAtoi(*value, &parsed) || parsed < min || parsed > max) {
    return absl::InvalidArgumentError(absl::StrCat("query parameter '", name,
                                                   "': expected an integer from ", min, " to ", max,
                                                   ", got '", Shown(*value), "'"));
  }
  return parsed;
}

absl::StatusOr<bool> QueryParams::Bool(absl::string_view name, bool fallback) const {
  std::optional<std::string> value = Get(name);
  if (!value.has_value()) return fallback;
  if (*value == "1" || *value == "true" || *value == "yes") return true;
  if (*value == "0" || *value == "false" || *value == "no") return false;
  return absl::InvalidArgumentError(absl::StrCat("query parameter '", name,
                                                 "': expected 1/true/yes or 0/false/no, got '",
                                                 Shown(*value), "'"));
}

absl::StatusOr<std::string> QueryParams::Choice(absl::string_view name,
                                                std::initializer_list<absl::string_view> choices,
                                                absl::string_view fallback) const {
  std::optional<std::string> value = Get(name);
  if (!value.has_value()) return std::string(fallback);
  if (std::find(choices.begin(), choices.end(), *value) == choices.end()) {
    return absl::InvalidArgumentError(absl::StrCat("query parameter '", name, "': expected one of ",
                                                   absl::StrJoin(choices, ", "), ", got '",
                                                   Shown(*value), "'"));
  }
  return *value;
}

}  // namespace vlmlab::dashboard
