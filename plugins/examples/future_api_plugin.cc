// A plugin library built for a plugin API version this vlmlab does not implement: the loader
// must refuse it before calling anything in it.
#include "platform/plugin_api/plugin_abi.h"
#include "platform/plugin_api/registry.h"

#undef VLMLAB_PLUGIN_API_VERSION
#define VLMLAB_PLUGIN_API_VERSION 99

namespace {
absl::Status RegisterNothing(vlmlab::PluginRegistries&) {
  return absl::InternalError("a refused plugin must never be asked to register");
}
}  // namespace

VLMLAB_DEFINE_PLUGIN("future_api_plugin", RegisterNothing)
