// A plugin library of the right API version whose types have another memory layout (as if
// built with other flags or edited headers): the loader must refuse it before registering.
#include "platform/plugin_api/plugin_abi.h"
#include "platform/plugin_api/registry.h"

#undef VLMLAB_PLUGIN_LAYOUT_FINGERPRINT
#define VLMLAB_PLUGIN_LAYOUT_FINGERPRINT (::vlmlab::PluginLayoutFingerprint() ^ 1)

namespace {
absl::Status RegisterNothing(vlmlab::PluginRegistries&) {
  return absl::InternalError("a refused plugin must never be asked to register");
}
}  // namespace

VLMLAB_DEFINE_PLUGIN("wrong_layout_plugin", RegisterNothing)
