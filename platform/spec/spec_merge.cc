#include "platform/spec/spec_merge.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "platform/spec/field_path.h"

namespace vlmlab {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

void AppendElement(const Message& src, int index, Message* dst, const FieldDescriptor* field) {
  const Reflection* s = src.GetReflection();
  const Reflection* d = dst->GetReflection();
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      d->AddInt32(dst, field, s->GetRepeatedInt32(src, field, index));
      break;
    case FieldDescriptor::CPPTYPE_INT64:
      d->AddInt64(dst, field, s->GetRepeatedInt64(src, field, index));
      break;
    case FieldDescriptor::CPPTYPE_UINT32:
      d->AddUInt32(dst, field, s->GetRepeatedUInt32(src, field, index));
      break;
    case FieldDescriptor::CPPTYPE_UINT64:
      d->AddUInt64(dst, field, s->GetRepeatedUInt64(src, field, index));
      break;
    case FieldDescriptor::CPPTYPE_FLOAT:
      d->AddFloat(dst, field, s->GetRepeatedFloat(src, field, index));
      break;
    case FieldDescriptor::CPPTYPE_DOUBLE:
      d->AddDouble(dst, field, s->GetRepeatedDouble(src, field, index));
      break;
    case FieldDescriptor::CPPTYPE_BOOL:
      d->AddBool(dst, field, s->GetRepeatedBool(src, field, index));
      break;
    case FieldDescriptor::CPPTYPE_ENUM:
      d->AddEnumValue(dst, field, s->GetRepeatedEnumValue(src, field, index));
      break;
    case FieldDescriptor::CPPTYPE_STRING:
      d->AddString(dst, field, s->GetRepeatedString(src, field, index));
      break;
    case FieldDescriptor::CPPTYPE_MESSAGE:
      d->AddMessage(dst, field)->CopyFrom(s->GetRepeatedMessage(src, field, index));
      break;
  }
}

void CopyField(const Message& src, Message* dst, const FieldDescriptor* field) {
  const Reflection* s = src.GetReflection();
  const Reflection* d = dst->GetReflection();
  d->ClearField(dst, field);
  if (field->is_repeated()) {
    int n = s->FieldSize(src, field);
    for (int i = 0; i < n; ++i) AppendElement(src, i, dst, field);
    return;
  }
  if (!s->HasField(src, field)) return;
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      d->SetInt32(dst, field, s->GetInt32(src, field));
      break;
    case FieldDescriptor::CPPTYPE_INT64:
      d->SetInt64(dst, field, s->GetInt64(src, field));
      break;
    case FieldDescriptor::CPPTYPE_UINT32:
      d->SetUInt32(dst, field, s->GetUInt32(src, field));
      break;
    case FieldDescriptor::CPPTYPE_UINT64:
      d->SetUInt64(dst, field, s->GetUInt64(src, field));
      break;
    case FieldDescriptor::CPPTYPE_FLOAT:
      d->SetFloat(dst, field, s->GetFloat(src, field));
      break;
    case FieldDescriptor::CPPTYPE_DOUBLE:
      d->SetDouble(dst, field, s->GetDouble(src, field));
      break;
    case FieldDescriptor::CPPTYPE_BOOL:
      d->SetBool(dst, field, s->GetBool(src, field));
      break;
    case FieldDescriptor::CPPTYPE_ENUM:
      d->SetEnumValue(dst, field, s->GetEnumValue(src, field));
      break;
    case FieldDescriptor::CPPTYPE_STRING:
      d->SetString(dst, field, s->GetString(src, field));
      break;
    case FieldDescriptor::CPPTYPE_MESSAGE:
      d->MutableMessage(dst, field)->CopyFrom(s->GetMessage(src, field));
      break;
  }
}

namespace {

absl::Status MergeAt(const Message& src, Message* dst, const std::string& path) {
  CHECK_EQ(src.GetDescriptor(), dst->GetDescriptor());
  const Reflection* s = src.GetReflection();
  const Reflection* d = dst->GetReflection();
  std::vector<const FieldDescriptor*> fields;
  s->ListFields(src, &fields);
  for (const FieldDescriptor* field : fields) {
    std::string field_path = path.empty() ? field->name() : absl::StrCat(path, ".", field->name());
    if (field->is_repeated()) {
      const FieldDescriptor* key = field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE
                                       ? MergeKeyField(field->message_type())
                                       : nullptr;
      if (key == nullptr) {
        CopyField(src, dst, field);
        continue;
      }
      int n = s->FieldSize(src, field);
      for (int i = 0; i < n; ++i) {
        std::string k = ElementKey(src, field, i);
        if (k.empty()) {
          return absl::InvalidArgumentError(absl::StrCat(
              field_path, "[", i, "] has no ", key->name(), "; elements of ", field->name(),
              " are matched by ", key->name(), " when merged, so give it one"));
        }
        int j = FindElementByKey(*dst, field, k);
        if (j < 0) {
          AppendElement(src, i, dst, field);
        } else {
          absl::Status st = MergeAt(s->GetRepeatedMessage(src, field, i),
                                    d->MutableRepeatedMessage(dst, field, j),
                                    absl::StrCat(field_path, "[", k, "]"));
          if (!st.ok()) return st;
        }
      }
    } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      // Selecting another oneof member (another plugin) starts that member afresh.
      if (field->containing_oneof() != nullptr &&
          d->GetOneofFieldDescriptor(*dst, field->containing_oneof()) != field) {
        d->ClearOneof(dst, field->containing_oneof());
      }
      if (field->message_type()->full_name() == "google.protobuf.Any") {
        d->MutableMessage(dst, field)->CopyFrom(s->GetMessage(src, field));
      } else {
        absl::Status st =
            MergeAt(s->GetMessage(src, field), d->MutableMessage(dst, field), field_path);
        if (!st.ok()) return st;
      }
    } else {
      CopyField(src, dst, field);
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status MergeSpec(const Message& src, Message* dst) { return MergeAt(src, dst, ""); }

}  // namespace vlmlab
