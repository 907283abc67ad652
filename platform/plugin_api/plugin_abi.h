// The C entry point of an out-of-tree plugin library, and the macro that defines it.
//
// In the plugin (built as a shared library that links no vlmlab code, only these headers and
// the system libraries):
//
//   absl::Status RegisterToy(vlmlab::PluginRegistries& registries) {
//     return vlmlab::AddPlugin<vlmlab::Encoder, acme::ToyEncoderOptions>(registries, ...);
//   }
//   VLMLAB_DEFINE_PLUGIN("acme_toy", RegisterToy)
//
// Then `vlmlab --plugin_lib=libacme_toy.so ...`. The host reads api_version first and refuses
// a library built for another version of this interface (the struct layout after the first
// field, and the C++ interfaces, may change between versions), then the protobuf version, then
// the layout fingerprint of the C++ types that cross the boundary (layout_fingerprint.h).
#ifndef VLMLAB_PLATFORM_PLUGIN_API_PLUGIN_ABI_H_
#define VLMLAB_PLATFORM_PLUGIN_API_PLUGIN_ABI_H_

#include <stddef.h>
#include <stdint.h>

#include <cstring>

#include "google/protobuf/stubs/common.h"
#include "platform/plugin_api/layout_fingerprint.h"

// Bump when anything under platform/plugin_api changes incompatibly.
#define VLMLAB_PLUGIN_API_VERSION 6

#define VLMLAB_PLUGIN_ENTRY_SYMBOL "vlmlab_plugin_info"

// What a library records as its layout fingerprint (a test library overrides it to be refused).
#define VLMLAB_PLUGIN_LAYOUT_FINGERPRINT (::vlmlab::PluginLayoutFingerprint())

extern "C" {

typedef struct VlmlabPluginInfo {
  uint32_t api_version;       // VLMLAB_PLUGIN_API_VERSION the library was built with; first
  uint32_t protobuf_version;  // GOOGLE_PROTOBUF_VERSION the library was built with
  const char* name;           // the library's own name, for messages
  // Registers the library's plugins into `registries` (a vlmlab::PluginRegistries*). Returns 0
  // on success; otherwise writes a NUL-terminated reason into error (at most error_size bytes).
  int (*register_plugins)(void* registries, char* error, size_t error_size);
  uint64_t layout_fingerprint;  // vlmlab::PluginLayoutFingerprint() of the library's build
} VlmlabPluginInfo;

typedef const VlmlabPluginInfo* (*VlmlabPluginInfoFn)(void);

}  // extern "C"

#define VLMLAB_DEFINE_PLUGIN(plugin_name, register_function)                                    \
  static int VlmlabRegisterTrampoline(void* registries, char* error, size_t error_size) {       \
    absl::Status status =                                                                       \
        register_function(*static_cast<::vlmlab::PluginRegistries*>(registries));               \
    if (status.ok()) return 0;                                                                  \
    std::string message = status.ToString();                                                    \
    if (error_size > 0) {                                                                       \
      size_t n = message.size() < error_size - 1 ? message.size() : error_size - 1;             \
      std::memcpy(error, message.data(), n);                                                    \
      error[n] = '\0';                                                                          \
    }                                                                                           \
    return 1;                                                                                   \
  }                                                                                             \
  extern "C" __attribute__((visibility("default"))) const VlmlabPluginInfo* vlmlab_plugin_info( \
      void) {                                                                                   \
    static const VlmlabPluginInfo info = {VLMLAB_PLUGIN_API_VERSION, GOOGLE_PROTOBUF_VERSION,   \
                                          plugin_name, &VlmlabRegisterTrampoline,               \
                                          VLMLAB_PLUGIN_LAYOUT_FINGERPRINT};                    \
    return &info;                                                                               \
  }

#endif  // VLMLAB_PLATFORM_PLUGIN_API_PLUGIN_ABI_H_
