#include "platform/spec/canonical.h"

#include <openssl/evp.h>

#include <cstring>
#include <memory>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "glog/logging.h"
#include "google/protobuf/any.pb.h"
#include "google/protobuf/descriptor.h"
#include "platform/spec/annotations.pb.h"
#include "platform/spec/field_text.h"

namespace vlmlab {

using google::protobuf::Descriptor;
using google::protobuf::DescriptorPool;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::MessageFactory;
using google::protobuf::Reflection;

namespace {

std::string Scalar(const Message& m, const FieldDescriptor* f, int index) {
  return ScalarFieldText(m, f, index, FloatFormat::kSignificant, StringFormat::kQuoted);
}

bool EqualsDefault(const Message& m, const FieldDescriptor* f) {
  const Reflection* r = m.GetReflection();
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return r->GetInt32(m, f) == f->default_value_int32();
    case FieldDescriptor::CPPTYPE_INT64:
      return r->GetInt64(m, f) == f->default_value_int64();
    case FieldDescriptor::CPPTYPE_UINT32:
      return r->GetUInt32(m, f) == f->default_value_uint32();
    case FieldDescriptor::CPPTYPE_UINT64:
      return r->GetUInt64(m, f) == f->default_value_uint64();
    case FieldDescriptor::CPPTYPE_FLOAT: {
      float a = r->GetFloat(m, f), b = f->default_value_float();
      return std::memcmp(&a, &b, sizeof a) == 0;
    }
    case FieldDescriptor::CPPTYPE_DOUBLE: {
      double a = r->GetDouble(m, f), b = f->default_value_double();
      return std::memcmp(&a, &b, sizeof a) == 0;
    }
    case FieldDescriptor::CPPTYPE_BOOL:
      return r->GetBool(m, f) == f->default_value_bool();
    case FieldDescriptor::CPPTYPE_ENUM:
      return r->GetEnumValue(m, f) == f->default_value_enum()->number();
    case FieldDescriptor::CPPTYPE_STRING:
      return r->GetString(m, f) == f->default_value_string();
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return false;
  }
  return false;
}

void Emit(const Message& m, int depth, std::string* out);

// An Any: its type URL, then the unpacked message when its type is known in this process.
void EmitAny(const Message& any_msg, int depth, std::string* out) {
  google::protobuf::Any any;
  any.CopyFrom(any_msg);
  std::string indent(2 * depth, ' ');
  absl::StrAppend(out, indent, "type_url: \"", absl::CEscape(any.type_url()), "\"\n");
  absl::string_view url = any.type_url();
  std::string type_name(url.substr(url.rfind('/') + 1));
  const Descriptor* type = DescriptorPool::generated_pool()->FindMessageTypeByName(type_name);
  const Message* prototype =
      type ? MessageFactory::generated_factory()->GetPrototype(type) : nullptr;
  if (prototype != nullptr) {
    std::unique_ptr<Message> unpacked(prototype->New());
    if (unpacked->ParseFromString(any.value())) {
      absl::StrAppend(out, indent, "value {\n");
      Emit(*unpacked, depth + 1, out);
      absl::StrAppend(out, indent, "}\n");
      return;
    }
  }
  absl::StrAppend(out, indent, "bytes: \"", absl::BytesToHexString(any.value()), "\"\n");
}

void EmitMessageField(const Message& sub, const FieldDescriptor* f, bool keep_empty, int depth,
                      std::string* out) {
  std::string body;
  if (f->message_type()->full_name() == "google.protobuf.Any") {
    EmitAny(sub, depth + 1, &body);
  } else {
    Emit(sub, depth + 1, &body);
  }
  if (body.empty() && !keep_empty) return;
  std::string indent(2 * depth, ' ');
  absl::StrAppend(out, indent, f->name(), " {\n", body, indent, "}\n");
}

void Emit(const Message& m, int depth, std::string* out) {
  const Reflection* r = m.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r->ListFields(m, &fields);  // field-number order
  std::string indent(2 * depth, ' ');
  for (const FieldDescriptor* f : fields) {
    if (f->options().GetExtension(unhashed)) continue;
    if (f->is_repeated()) {
      int n = r->FieldSize(m, f);
      for (int i = 0; i < n; ++i) {
        if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
          EmitMessageField(r->GetRepeatedMessage(m, f, i), f, /*keep_empty=*/true, depth, out);
        } else {
          absl::StrAppend(out, indent, f->name(), ": ", Scalar(m, f, i), "\n");
        }
      }
    } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      // Choosing a plugin with all-default options is still a choice.
      EmitMessageField(r->GetMessage(m, f), f, f->containing_oneof() != nullptr, depth, out);
    } else if (!EqualsDefault(m, f)) {
      absl::StrAppend(out, indent, f->name(), ": ", Scalar(m, f, -1), "\n");
    }
  }
}

}  // namespace

void NormalizeSpec(Message* spec) {
  const Reflection* r = spec->GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r->ListFields(*spec, &fields);
  for (const FieldDescriptor* f : fields) {
    if (f->is_repeated()) {
      if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
      for (int i = 0; i < r->FieldSize(*spec, f); ++i) {
        NormalizeSpec(r->MutableRepeatedMessage(spec, f, i));
      }
    } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (f->message_type()->full_name() == "google.protobuf.Any") continue;
      Message* sub = r->MutableMessage(spec, f);
      NormalizeSpec(sub);
      if (f->containing_oneof() == nullptr && sub->ByteSizeLong() == 0) r->ClearField(spec, f);
    } else if (EqualsDefault(*spec, f)) {
      r->ClearField(spec, f);
    }
  }
}

std::string CanonicalText(const Message& spec) {
  std::string out;
  Emit(spec, 0, &out);
  return out;
}

std::string SpecHashFull(const Message& spec) {
  std::string text = CanonicalText(spec);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  CHECK(EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr) == 1)
      << "SHA-256 failed";
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(digest), length));
}

std::string SpecHash(const Message& spec) { return SpecHashFull(spec).substr(0, 16); }

}  // namespace vlmlab
