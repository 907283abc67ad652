// The process-wide plugin registries, and the macro built-in plugins register with.
//
//   // plugins/encoders/vit_encoder.cc
//   VLMLAB_REGISTER_PLUGIN(Encoder, VitOptions, "vit", "Vision Transformer", CreateVit,
//   ValidateVit);
//
//   const Registry<Encoder>& encoders = GlobalRegistries().Get<Encoder>();
//
// The registries live in a function-local static, so static registration from any translation
// unit is safe whatever the initialisation order. A plugin library that only registers must be
// linked with alwayslink = True, or the linker drops it (tests/registry_names_test.cc catches
// that).
#ifndef VLMLAB_PLATFORM_REGISTRY_GLOBAL_REGISTRIES_H_
#define VLMLAB_PLATFORM_REGISTRY_GLOBAL_REGISTRIES_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "platform/plugin_api/registry.h"

namespace vlmlab {

PluginRegistries& GlobalRegistries();

namespace internal {
// Aborts with the status message: two built-ins with one name is a programming error.
bool CheckBuiltinRegistration(const absl::Status& status);
}  // namespace internal

}  // namespace vlmlab

#define VLMLAB_REGISTRATION_CONCAT_INNER(a, b) a##b
#define VLMLAB_REGISTRATION_CONCAT(a, b) VLMLAB_REGISTRATION_CONCAT_INNER(a, b)

// Registers a built-in plugin at static-initialisation time.
#define VLMLAB_REGISTER_PLUGIN(Interface, Options, name, description, create, validate)     \
  static const bool VLMLAB_REGISTRATION_CONCAT(vlmlab_registered_plugin_, __LINE__) =       \
      ::vlmlab::internal::CheckBuiltinRegistration(::vlmlab::AddPlugin<Interface, Options>( \
          ::vlmlab::GlobalRegistries(), name, description, create, validate))

#endif  // VLMLAB_PLATFORM_REGISTRY_GLOBAL_REGISTRIES_H_
