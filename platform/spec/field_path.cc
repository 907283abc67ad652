#include "platform/spec/field_path.h"

#include <cctype>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "platform/spec/annotations.pb.h"
#include "platform/spec/closest_match.h"

namespace vlmlab {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

absl::StatusOr<std::vector<PathSegment>> ParsePathText(absl::string_view text) {
  std::vector<PathSegment> out;
  absl::string_view rest = absl::StripAsciiWhitespace(text);
  if (rest.empty()) return absl::InvalidArgumentError("empty field path");
  while (!rest.empty()) {
    PathSegment seg;
    size_t i = 0;
    while (i < rest.size() && (std::isalnum(static_cast<unsigned char>(rest[i])) || rest[i] == '_'))
      ++i;
    if (i == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("field path '", text, "': expected a field name at '", rest, "'"));
    }
    seg.name = std::string(rest.substr(0, i));
    rest.remove_prefix(i);
    if (!rest.empty() && rest[0] == '[') {
      size_t close = rest.find(']');
      if (close == absl::string_view::npos) {
        return absl::InvalidArgumentError(
            absl::StrCat("field path '", text, "': unclosed '[' after '", seg.name, "'"));
      }
      absl::string_view inner = absl::StripAsciiWhitespace(rest.substr(1, close - 1));
      if (inner.size() >= 2 && inner.front() == '"' && inner.back() == '"') {
        seg.selector = PathSegment::Selector::kKey;
        seg.key = std::string(inner.substr(1, inner.size() - 2));
      } else if (int idx; absl::SimpleAtoi(inner, &idx)) {
        if (idx < 0) {
          return absl::InvalidArgumentError(
              absl::StrCat("field path '", text, "': negative index ", idx));
        }
        seg.selector = PathSegment::Selector::kIndex;
        seg.index = idx;
      } else if (!inner.empty()) {
        seg.selector = PathSegment::Selector::kKey;
        seg.key = std::string(inner);
      } else {
        return absl::InvalidArgumentError(
            absl::StrCat("field path '", text, "': empty [] after '", seg.name, "'"));
      }
      rest.remove_prefix(close + 1);
    }
    out.push_back(std::move(seg));
    if (rest.empty()) break;
    if (rest[0] != '.') {
      return absl::InvalidArgumentError(
          absl::StrCat("field path '", text, "': expected '.' or '[' at '", rest, "'"));
    }
    rest.remove_prefix(1);
    if (rest.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("field path '", text, "' ends with '.'"));
    }
  }
  return out;
}

const FieldDescriptor* MergeKeyField(const Descriptor* type) {
  if (type == nullptr || !type->options().HasExtension(merge_key)) return nullptr;
  return type->FindFieldByName(type->options().GetExtension(merge_key));
}

std::string ElementKey(const Message& message, const FieldDescriptor* field, int index) {
  if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) return "";
  const FieldDescriptor* key = MergeKeyField(field->message_type());
  if (key == nullptr) return "";
  const Message& element = message.GetReflection()->GetRepeatedMessage(message, field, index);
  return element.GetReflection()->GetString(element, key);
}

int FindElementByKey(const Message& message, const FieldDescriptor* field, absl::string_view key) {
  int n = message.GetReflection()->FieldSize(message, field);
  for (int i = 0; i < n; ++i) {
    if (ElementKey(message, field, i) == key) return i;
  }
  return -1;
}

absl::StatusOr<const FieldDescriptor*> FindFieldOrError(const Descriptor* type,
                                                        absl::string_view name) {
  const FieldDescriptor* field = type->FindFieldByName(std::string(name));
  if (field != nullptr) return field;
  std::vector<std::string> names;
  for (int i = 0; i < type->field_count(); ++i) names.push_back(type->field(i)->name());
  return absl::InvalidArgumentError(
      absl::StrCat(type->name(), " has no field '", name, "'", DidYouMean(name, names)));
}

absl::StatusOr<FieldPath> ResolvePath(const Message& root,
                                      const std::vector<PathSegment>& segments) {
  FieldPath path;
  const Message* current = &root;
  for (size_t s = 0; s < segments.size(); ++s) {
    const PathSegment& seg = segments[s];
    if (current == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "'", segments[s - 1].name, "' is not a message; it has no field '", seg.name, "'"));
    }
    absl::StatusOr<const FieldDescriptor*> field =
        FindFieldOrError(current->GetDescriptor(), seg.name);
    if (!field.ok()) return field.status();
    PathStep step{*field, -1};
    const Reflection* refl = current->GetReflection();
    if (seg.selector != PathSegment::Selector::kNone) {
      if (!(*field)->is_repeated()) {
        return absl::InvalidArgumentError(
            absl::StrCat("'", seg.name, "' is not a list; drop the [...]"));
      }
      int size = refl->FieldSize(*current, *field);
      if (seg.selector == PathSegment::Selector::kIndex) {
        if (seg.index >= size) {
          return absl::NotFoundError(absl::StrCat("'", seg.name, "' has ", size,
                                                  " elements; there is no [", seg.index, "]"));
        }
        step.index = seg.index;
      } else {
        if (MergeKeyField((*field)->message_type()) == nullptr) {
          return absl::InvalidArgumentError(absl::StrCat(
              "elements of '", seg.name, "' have no key; address them by position [i]"));
        }
        step.index = FindElementByKey(*current, *field, seg.key);
        if (step.index < 0) {
          std::vector<std::string> keys;
          for (int i = 0; i < size; ++i) keys.push_back(ElementKey(*current, *field, i));
          return absl::NotFoundError(absl::StrCat("'", seg.name, "' has no element '", seg.key, "'",
                                                  DidYouMean(seg.key, keys)));
        }
      }
    }
    path.push_back(step);
    if ((*field)->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE ||
        ((*field)->is_repeated() && step.index < 0)) {
      current = nullptr;
    } else if ((*field)->is_repeated()) {
      current = &refl->GetRepeatedMessage(*current, *field, step.index);
    } else {
      current = &refl->GetMessage(*current, *field);
    }
  }
  return path;
}

std::string FormatPath(const Message& root, const FieldPath& path) {
  std::string out;
  const Message* current = &root;
  for (const PathStep& step : path) {
    if (!out.empty()) out += ".";
    out += step.field->name();
    const Message* next = nullptr;
    if (step.field->is_repeated() && step.index >= 0) {
      std::string key;
      if (current != nullptr &&
          step.index < current->GetReflection()->FieldSize(*current, step.field)) {
        key = ElementKey(*current, step.field, step.index);
      }
      absl::StrAppend(&out, "[", key.empty() ? absl::StrCat(step.index) : key, "]");
      if (current != nullptr && step.field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
          step.index < current->GetReflection()->FieldSize(*current, step.field)) {
        next = &current->GetReflection()->GetRepeatedMessage(*current, step.field, step.index);
      }
    } else if (current != nullptr && !step.field->is_repeated() &&
               step.field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      next = &current->GetReflection()->GetMessage(*current, step.field);
    }
    current = next;
  }
  return out;
}

const Message* MessageAt(const Message& root, const FieldPath& path) {
  const Message* current = &root;
  for (const PathStep& step : path) {
    if (step.field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) return nullptr;
    const Reflection* refl = current->GetReflection();
    if (step.field->is_repeated()) {
      if (step.index < 0 || step.index >= refl->FieldSize(*current, step.field)) return nullptr;
      current = &refl->GetRepeatedMessage(*current, step.field, step.index);
    } else {
      current = &refl->GetMessage(*current, step.field);
    }
  }
  return current;
}

}  // namespace vlmlab
