// `vlmlab plugins [--kind=K] [--json]`: every registered plugin with its description, origin
// and options schema (type, default, range, help).
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/descriptor.h"
#include "nlohmann/json.hpp"
#include "platform/cli/cli_flags.h"
#include "platform/cli/commands.h"
#include "platform/registry/global_registries.h"
#include "platform/spec/annotations.pb.h"

namespace vlmlab {
namespace {

using google::protobuf::FieldDescriptor;

std::string TypeName(const FieldDescriptor* f) {
  std::string t;
  if (f->enum_type() != nullptr) {
    std::vector<std::string> values;
    for (int i = 0; i < f->enum_type()->value_count(); ++i)
      values.push_back(f->enum_type()->value(i)->name());
    t = absl::StrCat("enum {", absl::StrJoin(values, "|"), "}");
  } else if (f->message_type() != nullptr) {
    t = f->message_type()->name();
  } else {
    t = f->type_name();
  }
  return f->is_repeated() ? absl::StrCat("repeated ", t) : t;
}

std::string DefaultText(const FieldDescriptor* f) {
  if (f->is_repeated() || f->message_type() != nullptr) return "";
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32: return absl::StrCat(f->default_value_int32());
    case FieldDescriptor::CPPTYPE_INT64: return absl::StrCat(f->default_value_int64());
    case FieldDescriptor::CPPTYPE_UINT32: return absl::StrCat(f->default_value_uint32());
    case FieldDescriptor::CPPTYPE_UINT64: return absl::StrCat(f->default_value_uint64());
    case FieldDescriptor::CPPTYPE_FLOAT: return absl::StrFormat("%g", f->default_value_float());
    case FieldDescriptor::CPPTYPE_DOUBLE: return absl::StrFormat("%g", f->default_value_double());
    case FieldDescriptor::CPPTYPE_BOOL: return f->default_value_bool() ? "true" : "false";
    case FieldDescriptor::CPPTYPE_ENUM: return f->default_value_enum()->name();
    case FieldDescriptor::CPPTYPE_STRING:
      return f->has_default_value() ? absl::StrCat("\"", f->default_value_string(), "\"") : "";
    default: return "";
  }
}

std::string RangeText(const FieldDescriptor* f) {
  const auto& o = f->options();
  std::vector<std::string> parts;
  if (o.HasExtension(min)) parts.push_back(absl::StrFormat(">= %g", o.GetExtension(min)));
  if (o.HasExtension(gt)) parts.push_back(absl::StrFormat("> %g", o.GetExtension(gt)));
  if (o.HasExtension(max)) parts.push_back(absl::StrFormat("<= %g", o.GetExtension(max)));
  if (o.GetExtension(required)) parts.push_back("required");
  return absl::StrJoin(parts, ", ");
}

nlohmann::json EntryJson(const PluginEntryBase& e) {
  nlohmann::json options = nlohmann::json::array();
  const google::protobuf::Descriptor* d = e.options_prototype->GetDescriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    options.push_back({{"name", f->name()},
                       {"type", TypeName(f)},
                       {"default", DefaultText(f)},
                       {"constraints", RangeText(f)},
                       {"help", f->options().GetExtension(help)}});
  }
  return {{"name", e.name},
          {"description", e.description},
          {"origin", e.origin},
          {"options_type", d->full_name()},
          {"options", options}};
}

}  // namespace

int RunPlugins(const std::vector<std::string>& args) {
  if (!args.empty()) {
    std::cerr << "vlmlab: error: plugins takes no arguments; use --kind=K to filter\n";
    return 2;
  }
  std::string only = absl::GetFlag(FLAGS_kind);
  if (!only.empty() && !PluginKindFromName(only).has_value()) {
    std::vector<std::string> kinds;
    for (PluginKind k : kAllPluginKinds) kinds.push_back(PluginKindName(k));
    std::cerr << "vlmlab: error: --kind=" << only << " is not a plugin kind; kinds are "
              << absl::StrJoin(kinds, ", ") << "\n";
    return 2;
  }
  nlohmann::json all = nlohmann::json::object();
  for (PluginKind kind : kAllPluginKinds) {
    if (!only.empty() && only != PluginKindName(kind)) continue;
    const RegistryBase& registry = GlobalRegistries().ForKind(kind);
    nlohmann::json list = nlohmann::json::array();
    if (!absl::GetFlag(FLAGS_json)) std::cout << PluginKindName(kind) << ":\n";
    for (const PluginEntryBase* e : registry.Entries()) {
      nlohmann::json j = EntryJson(*e);
      list.push_back(j);
      if (absl::GetFlag(FLAGS_json)) continue;
      std::cout << "  " << e->name << " - " << e->description;
      if (e->origin != "built-in") std::cout << " [from " << e->origin << "]";
      std::cout << "\n    options: " << j["options_type"].get<std::string>() << "\n";
      for (const auto& o : j["options"]) {
        std::string line = absl::StrCat("      ", o["name"].get<std::string>(), " (",
                                        o["type"].get<std::string>());
        if (!o["default"].get<std::string>().empty())
          absl::StrAppend(&line, ", default ", o["default"].get<std::string>());
        if (!o["constraints"].get<std::string>().empty())
          absl::StrAppend(&line, ", ", o["constraints"].get<std::string>());
        absl::StrAppend(&line, ")");
        if (!o["help"].get<std::string>().empty())
          absl::StrAppend(&line, ": ", o["help"].get<std::string>());
        std::cout << line << "\n";
      }
    }
    all[PluginKindName(kind)] = list;
  }
  if (absl::GetFlag(FLAGS_json)) std::cout << all.dump(2) << "\n";
  return 0;
}

}  // namespace vlmlab
