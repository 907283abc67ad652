#include "platform/spec/slot_resolver.h"

#include <vector>

#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "google/protobuf/any.pb.h"
#include "google/protobuf/descriptor.h"
#include "platform/spec/annotations.pb.h"
#include "platform/spec/closest_match.h"
#include "platform/spec/plugin_slot.pb.h"

namespace vlmlab {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

std::optional<PluginKind> SlotKind(const Descriptor* type) {
  if (type == nullptr || !type->options().HasExtension(plugin_kind)) return std::nullopt;
  return PluginKindFromName(type->options().GetExtension(plugin_kind));
}

namespace {

std::string Choices(const Descriptor* slot_type, const RegistryBase& registry) {
  std::vector<std::string> builtins;
  const google::protobuf::OneofDescriptor* oneof = slot_type->FindOneofByName("plugin");
  for (int i = 0; oneof != nullptr && i < oneof->field_count(); ++i) {
    if (oneof->field(i)->name() != "external") builtins.push_back(oneof->field(i)->name() + " {}");
  }
  std::vector<std::string> external;
  for (const PluginEntryBase* e : registry.Entries()) {
    if (slot_type->FindFieldByName(e->name) == nullptr) external.push_back(e->name);
  }
  std::string out = absl::StrJoin(builtins, ", ");
  if (!external.empty()) {
    absl::StrAppend(&out, ", or external { name: \"", absl::StrJoin(external, "\" | \""), "\" }");
  }
  return out;
}

}  // namespace

absl::StatusOr<ResolvedSlot> ResolveSlot(const Message& slot, const PluginRegistries& registries) {
  const Descriptor* type = slot.GetDescriptor();
  std::optional<PluginKind> kind = SlotKind(type);
  const google::protobuf::OneofDescriptor* oneof = type->FindOneofByName("plugin");
  if (!kind.has_value() || oneof == nullptr) {
    return absl::InternalError(absl::StrCat(type->full_name(), " is not a plugin slot"));
  }
  const RegistryBase& registry = registries.ForKind(*kind);
  ResolvedSlot out;
  out.kind = *kind;
  out.selected = slot.GetReflection()->GetOneofFieldDescriptor(slot, oneof);
  if (out.selected == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "no ", PluginKindName(*kind), " plugin chosen; add one of: ", Choices(type, registry)));
  }
  const Message& selected = slot.GetReflection()->GetMessage(slot, out.selected);
  if (out.selected->message_type() != ExternalPlugin::descriptor()) {
    out.name = out.selected->name();
    out.entry = registry.FindEntry(out.name);
    if (out.entry == nullptr) {
      return absl::FailedPreconditionError(
          absl::StrCat("the built-in ", PluginKindName(*kind), " plugin '", out.name,
                       "' is not registered in this build (its library was not linked in)"));
    }
    if (out.entry->options_prototype->GetDescriptor() != out.selected->message_type()) {
      return absl::FailedPreconditionError(absl::StrCat(
          PluginKindName(*kind), " plugin '", out.name, "' registered by ", out.entry->origin,
          " takes ", out.entry->options_prototype->GetDescriptor()->full_name(), ", not ",
          out.selected->message_type()->full_name()));
    }
    out.options = &selected;
    return out;
  }
  const auto& external = static_cast<const ExternalPlugin&>(selected);
  out.name = external.name();
  out.entry = registry.FindEntry(out.name);
  if (out.entry == nullptr) {
    std::vector<std::string> names = registry.Names();
    return absl::NotFoundError(absl::StrCat("unknown ", PluginKindName(*kind), " plugin '",
                                            out.name, "'", DidYouMean(out.name, names),
                                            "; registered: ", absl::StrJoin(names, ", "),
                                            ". Load out-of-tree plugins with --plugin_lib=lib.so"));
  }
  const Descriptor* want = out.entry->options_prototype->GetDescriptor();
  if (!external.has_options()) {
    out.options = out.entry->options_prototype;
    return out;
  }
  absl::string_view url = external.options().type_url();
  absl::string_view type_name = url.substr(url.rfind('/') + 1);
  if (type_name != want->full_name()) {
    return absl::InvalidArgumentError(absl::StrCat(PluginKindName(*kind), " plugin '", out.name,
                                                   "' takes options of type ", want->full_name(),
                                                   ", but external.options holds ", type_name));
  }
  std::shared_ptr<Message> unpacked(out.entry->options_prototype->New());
  if (!unpacked->ParseFromString(external.options().value())) {
    return absl::InvalidArgumentError(
        absl::StrCat("external.options of plugin '", out.name, "' do not parse as ", type_name));
  }
  out.owned = unpacked;
  out.options = unpacked.get();
  return out;
}

}  // namespace vlmlab
