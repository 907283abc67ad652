// Loads out-of-tree plugin libraries (`--plugin_lib=libfoo.so`) into a set of registries.
//
//   absl::Status loaded = LoadPluginLibrary("bazel-bin/plugins/examples/libtoy_plugin.so",
//                                           GlobalRegistries());
//
// The library must export the C entry point that VLMLAB_DEFINE_PLUGIN defines
// (platform/plugin_api/plugin_abi.h). A missing file or symbol, another plugin API version,
// another protobuf version or a registration failure is refused with an error naming the
// library and what to do; nothing is registered in those cases. Libraries stay loaded for the
// life of the process (their code backs the registered factories).
#ifndef VLMLAB_PLATFORM_REGISTRY_PLUGIN_LOADER_H_
#define VLMLAB_PLATFORM_REGISTRY_PLUGIN_LOADER_H_

#include <string>

#include "absl/status/status.h"
#include "platform/plugin_api/registry.h"

namespace vlmlab {

absl::Status LoadPluginLibrary(const std::string& path, PluginRegistries& registries);

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_REGISTRY_PLUGIN_LOADER_H_
