#include "platform/registry/plugin_loader.h"

#include <dlfcn.h>
#include <sys/stat.h>

#include <set>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/stubs/common.h"
#include "platform/plugin_api/plugin_abi.h"

namespace vlmlab {
namespace {

std::string DlError() {
  const char* err = dlerror();
  return err ? err : "unknown dlopen error";
}

}  // namespace

absl::Status LoadPluginLibrary(const std::string& path, PluginRegistries& registries) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    return absl::NotFoundError(
        absl::StrCat("plugin library '", path, "' does not exist; check the --plugin_lib path"));
  }
  // dlopen searches the library path for names without a slash; a user naming a file in the
  // current directory means that file.
  std::string open_path = path.find('/') == std::string::npos ? "./" + path : path;
  void* handle = dlopen(open_path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot load plugin library '", path, "': ", DlError()));
  }
  dlerror();
  auto info_fn = reinterpret_cast<VlmlabPluginInfoFn>(dlsym(handle, VLMLAB_PLUGIN_ENTRY_SYMBOL));
  if (info_fn == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        "'", path, "' is not a vlmlab plugin: it does not export ", VLMLAB_PLUGIN_ENTRY_SYMBOL,
        "(); define it with VLMLAB_DEFINE_PLUGIN from platform/plugin_api/plugin_abi.h"));
  }
  const VlmlabPluginInfo* info = info_fn();
  if (info == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("plugin library '", path, "' returned no plugin info"));
  }
  if (info->api_version != VLMLAB_PLUGIN_API_VERSION) {
    return absl::FailedPreconditionError(absl::StrCat(
        "plugin library '", path, "' was built for vlmlab plugin API version ", info->api_version,
        " but this vlmlab implements version ", VLMLAB_PLUGIN_API_VERSION,
        "; rebuild the plugin against this checkout's platform/plugin_api headers"));
  }
  if (info->protobuf_version != GOOGLE_PROTOBUF_VERSION) {
    return absl::FailedPreconditionError(
        absl::StrCat("plugin library '", path, "' was built with protobuf ", info->protobuf_version,
                     " but vlmlab uses ", GOOGLE_PROTOBUF_VERSION,
                     "; rebuild the plugin with the same protobuf"));
  }
  if (info->layout_fingerprint != PluginLayoutFingerprint()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "plugin library '", path, "' was built with a different memory layout of the plugin "
        "types (fingerprint ", absl::Hex(info->layout_fingerprint), ", this vlmlab ",
        absl::Hex(PluginLayoutFingerprint()),
        "): rebuild it against this checkout's headers (the plugin SDK, docs/plugins.md) with "
        "the same compiler and flags"));
  }
  // Loading one library twice is a no-op (dlopen returned the same handle).
  static auto* loaded = new std::set<std::pair<void*, PluginRegistries*>>();
  if (loaded->count({handle, &registries}) > 0) return absl::OkStatus();
  if (info->register_plugins == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("plugin library '", path, "' has no registration function"));
  }
  std::string previous_origin = registries.origin();
  registries.set_origin(path);
  char error[1024] = {0};
  int rc = info->register_plugins(&registries, error, sizeof(error));
  registries.set_origin(std::move(previous_origin));
  if (rc != 0) {
    // A library that fails half-way leaves nothing behind.
    for (PluginKind kind : kAllPluginKinds) registries.ForKind(kind).RemoveOrigin(path);
    registries.tokenizer_trainers().RemoveOrigin(path);
    return absl::FailedPreconditionError(
        absl::StrCat("plugin library '", path, "' (", info->name ? info->name : "unnamed",
                     ") failed to register: ", error[0] ? error : "no reason given"));
  }
  loaded->insert({handle, &registries});
  return absl::OkStatus();
}

}  // namespace vlmlab
