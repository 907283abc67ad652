#include "platform/dashboard/static_assets.h"

#include "absl/strings/match.h"

namespace vlmlab::dashboard {

const StaticAsset* FindAsset(absl::string_view path) {
  if (path == "/") path = "/index.html";
  for (const StaticAsset& asset : EmbeddedAssets()) {
    if (asset.path == path) return &asset;
  }
  return nullptr;
}

std::string ContentTypeFor(absl::string_view path) {
  struct Type {
    const char* extension;
    const char* type;
  };
  static constexpr Type kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".json", "application/json; charset=utf-8"},
      {".txt", "text/plain; charset=utf-8"},
      {".LICENSE", "text/plain; charset=utf-8"},
  };
  for (const Type& t : kTypes) {
    if (absl::EndsWith(path, t.extension)) return t.type;
  }
  return "application/octet-stream";
}

}  // namespace vlmlab::dashboard
