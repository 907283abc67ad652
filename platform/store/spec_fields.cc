#include "platform/store/spec_fields.h"

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/any.pb.h"
#include "google/protobuf/descriptor.h"
#include "platform/spec/field_path.h"
#include "platform/spec/field_text.h"

namespace vlmlab::store {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// A scalar's text; index -1 for a singular field.
std::string ScalarText(const Message& m, const FieldDescriptor* f, int index) {
  return ScalarFieldText(m, f, index, FloatFormat::kShortest, StringFormat::kRaw);
}

class Flattener {
 public:
  explicit Flattener(std::vector<RunField>* out) : out_(out) {}

  void Visit(const Message& m, const std::string& prefix) {
    const Descriptor* type = m.GetDescriptor();
    if (type->full_name() == "google.protobuf.Any") return VisitAny(m, prefix);
    open_.push_back(type);
    const Reflection* r = m.GetReflection();
    for (int i = 0; i < type->field_count(); ++i) {
      const FieldDescriptor* f = type->field(i);
      const std::string path = Join(prefix, f->name());
      const google::protobuf::OneofDescriptor* oneof = f->real_containing_oneof();
      if (oneof != nullptr && !r->HasField(m, f)) continue;  // not the chosen member
      if (f->is_repeated()) {
        VisitRepeated(m, f, path);
      } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        if (oneof != nullptr) {
          // The choice itself; named after the message when it has only this oneof.
          const bool only = type->real_oneof_decl_count() == 1 && !prefix.empty();
          Add(only ? prefix : Join(prefix, oneof->name()), f->name());
        }
        const bool set = r->HasField(m, f);
        // An unset field of a type being visited would recurse forever, and holds only
        // defaults already listed further up.
        if (!set && std::find(open_.begin(), open_.end(), f->message_type()) != open_.end()) {
          continue;
        }
        if (!set && f->message_type()->full_name() == "google.protobuf.Any") continue;
        Visit(r->GetMessage(m, f), path);
      } else {
        Add(path, ScalarText(m, f, -1));
      }
    }
    open_.pop_back();
  }

 private:
  static std::string Join(const std::string& prefix, absl::string_view name) {
    return prefix.empty() ? std::string(name) : absl::StrCat(prefix, ".", name);
  }

  void VisitRepeated(const Message& m, const FieldDescriptor* f, const std::string& path) {
    const Reflection* r = m.GetReflection();
    const bool messages = f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE;
    std::set<std::string> keys;
    for (int k = 0; k < r->FieldSize(m, f); ++k) {
      // By merge key when there is one and it is unique, else by position.
      std::string key = messages ? ElementKey(m, f, k) : std::string();
      if (key.empty() || !keys.insert(key).second) key = absl::StrCat(k);
      const std::string element = absl::StrCat(path, "[", key, "]");
      if (messages) {
        Visit(r->GetRepeatedMessage(m, f, k), element);
      } else {
        Add(element, ScalarText(m, f, k));
      }
    }
  }

  void VisitAny(const Message& any_message, const std::string& path) {
    google::protobuf::Any any;
    any.CopyFrom(any_message);
    const absl::string_view url = any.type_url();
    const std::string type_name(url.substr(url.rfind('/') + 1));
    const Descriptor* type =
        google::protobuf::DescriptorPool::generated_pool()->FindMessageTypeByName(type_name);
    const Message* prototype =
        type != nullptr ? google::protobuf::MessageFactory::generated_factory()->GetPrototype(type)
                        : nullptr;
    if (prototype != nullptr) {
      std::unique_ptr<Message> unpacked(prototype->New());
      if (unpacked->ParseFromString(any.value())) return Visit(*unpacked, path);
    }
    Add(path, any.type_url());
  }

  void Add(const std::string& path, std::string value) {
    out_->push_back({"", path, std::move(value)});
  }

  std::vector<RunField>* out_;
  std::vector<const Descriptor*> open_;  // message types being visited
};

}  // namespace

std::vector<RunField> SpecFields(const google::protobuf::Message& spec) {
  std::vector<RunField> fields;
  Flattener(&fields).Visit(spec, "");
  return fields;
}

}  // namespace vlmlab::store
