#include "platform/spec/overrides.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "google/protobuf/text_format.h"
#include "platform/spec/closest_match.h"
#include "platform/spec/field_path.h"
#include "platform/spec/spec_merge.h"
#include "platform/spec/text_parse.h"

namespace vlmlab {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

namespace {

bool IsQuoted(absl::string_view v) {
  return v.size() >= 2 &&
         ((v.front() == '"' && v.back() == '"') || (v.front() == '\'' && v.back() == '\''));
}

std::string QuoteIfBare(absl::string_view v) {
  v = absl::StripAsciiWhitespace(v);
  if (IsQuoted(v)) return std::string(v);
  return absl::StrCat("\"", absl::CEscape(v), "\"");
}

// Splits "a, 'b,c', d" on commas outside quotes.
std::vector<std::string> SplitListItems(absl::string_view inner) {
  std::vector<std::string> items;
  std::string current;
  char quote = 0;
  for (char c : inner) {
    if (quote != 0) {
      if (c == quote) quote = 0;
      current += c;
    } else if (c == '"' || c == '\'') {
      quote = c;
      current += c;
    } else if (c == ',') {
      items.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  if (!absl::StripAsciiWhitespace(current).empty() || !items.empty()) items.push_back(current);
  return items;
}

// The text-format body for `field: value` (scalars) or `field { value }` (messages).
std::string FieldText(const FieldDescriptor* field, absl::string_view value) {
  value = absl::StripAsciiWhitespace(value);
  bool is_list = field->is_repeated() && !value.empty() && value.front() == '[';
  if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
    if (is_list) return absl::StrCat(field->name(), ": ", value);
    if (value.size() >= 2 && value.front() == '{' && value.back() == '}') {
      value = value.substr(1, value.size() - 2);
    }
    return absl::StrCat(field->name(), " { ", value, " }");
  }
  if (field->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
    if (is_list) {
      absl::string_view inner = value.substr(1, value.size() - (value.back() == ']' ? 2 : 1));
      std::vector<std::string> items;
      for (const std::string& item : SplitListItems(inner)) items.push_back(QuoteIfBare(item));
      return absl::StrCat(field->name(), ": [", absl::StrJoin(items, ", "), "]");
    }
    return absl::StrCat(field->name(), ": ", QuoteIfBare(value));
  }
  return absl::StrCat(field->name(), ": ", value);
}

// Parses `value` for `field` into a scratch message of the parent's type.
absl::StatusOr<std::unique_ptr<Message>> ParseValue(const Message& parent,
                                                    const FieldDescriptor* field,
                                                    absl::string_view value) {
  std::unique_ptr<Message> scratch(parent.New());
  std::string text = FieldText(field, value);
  absl::Status parsed = ParseTextProto(text, "value", scratch.get());
  if (!parsed.ok()) {
    std::string type = field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE
                           ? field->message_type()->name()
                           : field->cpp_type_name();
    if (field->enum_type() != nullptr) {
      std::vector<std::string> names;
      for (int i = 0; i < field->enum_type()->value_count(); ++i)
        names.push_back(field->enum_type()->value(i)->name());
      type = absl::StrCat("one of ", absl::StrJoin(names, ", "));
    }
    return absl::InvalidArgumentError(absl::StrCat("'", absl::StripAsciiWhitespace(value),
                                                   "' is not a valid ", field->name(), " (", type,
                                                   "): ", parsed.message()));
  }
  return scratch;
}

void RemoveElement(Message* msg, const FieldDescriptor* field, int index) {
  const Reflection* r = msg->GetReflection();
  int n = r->FieldSize(*msg, field);
  for (int i = index; i + 1 < n; ++i) r->SwapElements(msg, field, i, i + 1);
  r->RemoveLast(msg, field);
}

absl::Status Apply(absl::string_view text, Message* spec) {
  bool clear = absl::ConsumePrefix(&text, "-");
  absl::string_view path_text = text;
  absl::string_view value;
  if (!clear) {
    size_t eq = text.find('=');
    if (eq == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          "expected field.path=value, or -field.path to clear a field");
    }
    path_text = text.substr(0, eq);
    value = text.substr(eq + 1);
  }
  absl::StatusOr<std::vector<PathSegment>> segments = ParsePathText(path_text);
  if (!segments.ok()) return segments.status();

  // Walk to the parent of the last segment, creating messages as needed.
  Message* current = spec;
  for (size_t s = 0; s + 1 < segments->size(); ++s) {
    const PathSegment& seg = (*segments)[s];
    absl::StatusOr<const FieldDescriptor*> field =
        FindFieldOrError(current->GetDescriptor(), seg.name);
    if (!field.ok()) return field.status();
    if ((*field)->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
      return absl::InvalidArgumentError(
          absl::StrCat("'", seg.name, "' is a ", (*field)->cpp_type_name(), " and has no fields"));
    }
    if ((*field)->message_type()->full_name() == "google.protobuf.Any") {
      return absl::InvalidArgumentError(
          absl::StrCat("'", seg.name, "' holds an external plugin's options; set it whole with ",
                       seg.name, "={[type.googleapis.com/Type] { ... }} or use a merge fragment"));
    }
    const Reflection* r = current->GetReflection();
    if (!(*field)->is_repeated()) {
      if (seg.selector != PathSegment::Selector::kNone) {
        return absl::InvalidArgumentError(
            absl::StrCat("'", seg.name, "' is not a list; drop the [...]"));
      }
      current = r->MutableMessage(current, *field);  // switches a oneof to this member
      continue;
    }
    int size = r->FieldSize(*current, *field);
    if (seg.selector == PathSegment::Selector::kNone) {
      return absl::InvalidArgumentError(absl::StrCat("'", seg.name,
                                                     "' is a list; pick an element with ", seg.name,
                                                     "[i] or ", seg.name, "[name]"));
    }
    if (seg.selector == PathSegment::Selector::kIndex) {
      if (seg.index > size) {
        return absl::NotFoundError(absl::StrCat("'", seg.name, "' has ", size,
                                                " elements; there is no [", seg.index, "]"));
      }
      current = seg.index == size ? r->AddMessage(current, *field)
                                  : r->MutableRepeatedMessage(current, *field, seg.index);
      continue;
    }
    const FieldDescriptor* key = MergeKeyField((*field)->message_type());
    if (key == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("elements of '", seg.name, "' have no key; address them by position [i]"));
    }
    int index = FindElementByKey(*current, *field, seg.key);
    if (index < 0) {
      Message* added = r->AddMessage(current, *field);
      added->GetReflection()->SetString(added, key, seg.key);
      current = added;
    } else {
      current = r->MutableRepeatedMessage(current, *field, index);
    }
  }

  const PathSegment& last = segments->back();
  absl::StatusOr<const FieldDescriptor*> field =
      FindFieldOrError(current->GetDescriptor(), last.name);
  if (!field.ok()) return field.status();
  const Reflection* r = current->GetReflection();
  int index = -1;
  if (last.selector != PathSegment::Selector::kNone) {
    if (!(*field)->is_repeated()) {
      return absl::InvalidArgumentError(
          absl::StrCat("'", last.name, "' is not a list; drop the [...]"));
    }
    int size = r->FieldSize(*current, *field);
    if (last.selector == PathSegment::Selector::kIndex) {
      index = last.index;
      if (index > size || (clear && index == size)) {
        return absl::NotFoundError(
            absl::StrCat("'", last.name, "' has ", size, " elements; there is no [", index, "]"));
      }
    } else {
      const FieldDescriptor* key = MergeKeyField((*field)->message_type());
      if (key == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat(
            "elements of '", last.name, "' have no key; address them by position [i]"));
      }
      index = FindElementByKey(*current, *field, last.key);
      if (index < 0) {
        if (clear) {
          std::vector<std::string> keys;
          for (int i = 0; i < size; ++i) keys.push_back(ElementKey(*current, *field, i));
          return absl::NotFoundError(absl::StrCat("'", last.name, "' has no element '", last.key,
                                                  "' to remove", DidYouMean(last.key, keys)));
        }
        index = size;  // appended below, with its key
      }
    }
  }

  if (clear) {
    if (index >= 0) {
      RemoveElement(current, *field, index);
    } else {
      r->ClearField(current, *field);
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::unique_ptr<Message>> parsed = ParseValue(*current, *field, value);
  if (!parsed.ok()) return parsed.status();
  const Message& scratch = **parsed;
  if (index < 0) {
    CopyField(scratch, current, *field);
    return absl::OkStatus();
  }
  const Reflection* sr = scratch.GetReflection();
  if (sr->FieldSize(scratch, *field) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", last.name, "[..]' takes one element, not a list"));
  }
  int size = r->FieldSize(*current, *field);
  AppendElement(scratch, 0, current, *field);  // now the last element
  if (last.selector == PathSegment::Selector::kKey) {
    Message* element = r->MutableRepeatedMessage(current, *field, size);
    element->GetReflection()->SetString(element, MergeKeyField((*field)->message_type()), last.key);
  }
  if (index < size) {
    // Move the new element into place and drop the one it replaces.
    r->SwapElements(current, *field, index, size);
    r->RemoveLast(current, *field);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ApplyOverride(absl::string_view override_text, Message* spec) {
  absl::Status st = Apply(absl::StripAsciiWhitespace(override_text), spec);
  if (st.ok()) return st;
  return absl::Status(st.code(), absl::StrCat("override '", override_text, "': ", st.message()));
}

absl::Status ApplyMergeFragment(absl::string_view fragment, Message* spec) {
  std::unique_ptr<Message> parsed(spec->New());
  absl::Status st = ParseTextProto(fragment, "merge fragment", parsed.get());
  if (!st.ok()) return st;
  st = MergeSpec(*parsed, spec);
  if (!st.ok()) return absl::InvalidArgumentError(absl::StrCat("merge fragment: ", st.message()));
  return absl::OkStatus();
}

}  // namespace vlmlab
