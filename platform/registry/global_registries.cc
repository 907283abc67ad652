#include "platform/registry/global_registries.h"

#include "glog/logging.h"

namespace vlmlab {

PluginRegistries& GlobalRegistries() {
  static PluginRegistries* registries = new PluginRegistries();
  return *registries;
}

namespace internal {
bool CheckBuiltinRegistration(const absl::Status& status) {
  CHECK(status.ok()) << "built-in plugin registration failed: " << status;
  return true;
}
}  // namespace internal

}  // namespace vlmlab
