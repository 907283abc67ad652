#include "platform/metrics/json_input.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace vlmlab::metrics {

std::string JsonTypeName(const nlohmann::json& value) {
  if (value.is_number_integer()) return "integer";
  if (value.is_number()) return "number";
  return value.type_name();
}

absl::StatusOr<const nlohmann::json*> ArrayMember(const nlohmann::json& root, const char* key,
                                                  const std::string& path) {
  if (!root.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": expected a JSON object with '", key,
                                                   "', found ", JsonTypeName(root)));
  }
  auto it = root.find(key);
  if (it == root.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": has no '", key, "' list; is this the right file for this flag?"));
  }
  if (!it->is_array()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": '", key, "' must be a list, found ", JsonTypeName(*it)));
  }
  return &*it;
}

namespace {

absl::StatusOr<const nlohmann::json*> Member(const nlohmann::json& entry, const char* key,
                                             absl::string_view where) {
  if (!entry.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": expected an object, found ", JsonTypeName(entry)));
  }
  auto it = entry.find(key);
  if (it == entry.end()) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": missing '", key, "'"));
  }
  return &*it;
}

}  // namespace

absl::StatusOr<std::string> StringField(const nlohmann::json& entry, const char* key,
                                        absl::string_view where) {
  absl::StatusOr<const nlohmann::json*> value = Member(entry, key, where);
  if (!value.ok()) return value.status();
  if (!(*value)->is_string()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": '", key, "' must be a string, found ", JsonTypeName(**value)));
  }
  return (*value)->get<std::string>();
}

absl::StatusOr<std::string> OptionalStringField(const nlohmann::json& entry, const char* key,
                                                absl::string_view where) {
  if (entry.is_object() && entry.find(key) == entry.end()) return std::string();
  return StringField(entry, key, where);
}

absl::StatusOr<std::string> IdField(const nlohmann::json& entry, const char* key,
                                    absl::string_view where) {
  absl::StatusOr<const nlohmann::json*> value = Member(entry, key, where);
  if (!value.ok()) return value.status();
  const nlohmann::json& v = **value;
  if (v.is_number_unsigned()) return absl::StrCat(v.get<uint64_t>());
  if (v.is_number_integer()) return absl::StrCat(v.get<int64_t>());
  if (v.is_string()) return v.get<std::string>();
  return absl::InvalidArgumentError(
      absl::StrCat(where, ": '", key, "' must be an integer or a string, found ", JsonTypeName(v)));
}

absl::StatusOr<std::string> IdFieldOneOf(const nlohmann::json& entry,
                                         const std::vector<const char*>& keys,
                                         absl::string_view where) {
  if (entry.is_object()) {
    for (const char* key : keys) {
      if (entry.find(key) != entry.end()) return IdField(entry, key, where);
    }
  }
  return IdField(entry, keys.front(), where);  // the error names the first key
}

absl::StatusOr<std::vector<std::string>> StringArrayField(const nlohmann::json& entry,
                                                          const char* key,
                                                          absl::string_view where) {
  absl::StatusOr<const nlohmann::json*> value = Member(entry, key, where);
  if (!value.ok()) return value.status();
  if (!(*value)->is_array()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": '", key, "' must be a list, found ", JsonTypeName(**value)));
  }
  std::vector<std::string> out;
  for (size_t i = 0; i < (*value)->size(); ++i) {
    const nlohmann::json& item = (**value)[i];
    if (!item.is_string()) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": '", key, "'[", i, "] must be a string, found ", JsonTypeName(item)));
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

}  // namespace vlmlab::metrics
