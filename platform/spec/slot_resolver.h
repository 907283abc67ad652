// Turns a plugin slot of a spec (EncoderSlot, StageSpec, ...: any message with a
// `(plugin_kind)` option and a `oneof plugin`) into the registry entry it selects and the
// options message to hand that entry, and builds plugins from slots.
//
//   absl::StatusOr<ResolvedSlot> slot = ResolveSlot(experiment.model().encoder(), registries);
//   // slot->name == "vit", slot->options is the VitOptions message
//   absl::StatusOr<std::unique_ptr<Encoder>> enc =
//       CreateFromSlot<Encoder>(experiment.model().encoder(), registries, BuildContext{seed});
#ifndef VLMLAB_PLATFORM_SPEC_SLOT_RESOLVER_H_
#define VLMLAB_PLATFORM_SPEC_SLOT_RESOLVER_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/message.h"
#include "platform/plugin_api/registry.h"

namespace vlmlab {

struct ResolvedSlot {
  PluginKind kind;
  std::string name;
  const PluginEntryBase* entry = nullptr;
  // The field of the oneof that is set (the built-in's options field, or `external`).
  const google::protobuf::FieldDescriptor* selected = nullptr;
  const google::protobuf::Message* options = nullptr;      // points into the spec or owned
  std::shared_ptr<const google::protobuf::Message> owned;  // unpacked external options
};

// The kind a slot message selects from, or nullopt if `type` is not a plugin slot.
std::optional<PluginKind> SlotKind(const google::protobuf::Descriptor* type);

// Errors (relative to the slot): no plugin chosen, unknown external name (listing the
// registered ones and the closest), a built-in missing from this build, options of the wrong
// type.
absl::StatusOr<ResolvedSlot> ResolveSlot(const google::protobuf::Message& slot,
                                         const PluginRegistries& registries);

template <typename Interface>
absl::StatusOr<std::unique_ptr<Interface>> CreateFromSlot(const google::protobuf::Message& slot,
                                                          const PluginRegistries& registries,
                                                          const BuildContext& context) {
  absl::StatusOr<ResolvedSlot> resolved = ResolveSlot(slot, registries);
  if (!resolved.ok()) return resolved.status();
  if (resolved->kind != Interface::kKind) {
    return absl::InvalidArgumentError(absl::StrCat("a ", PluginKindName(resolved->kind),
                                                   " slot cannot build a ",
                                                   PluginKindName(Interface::kKind)));
  }
  const auto* entry = static_cast<const PluginEntry<Interface>*>(resolved->entry);
  return entry->create(*resolved->options, context);
}

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_SPEC_SLOT_RESOLVER_H_
