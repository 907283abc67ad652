// The front-end files (web/: index.html, the app's scripts and styles, the vendored uPlot
// charting library) compiled into the binary, so `vlmlab serve` needs nothing on disk and
// works offline. embed_assets.cc generates the table at build time from //web:assets.
//
//   if (const StaticAsset* asset = FindAsset("/app.js")) Send(asset->content);
#ifndef VLMLAB_PLATFORM_DASHBOARD_STATIC_ASSETS_H_
#define VLMLAB_PLATFORM_DASHBOARD_STATIC_ASSETS_H_

#include <string>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace vlmlab::dashboard {

struct StaticAsset {
  absl::string_view path;     // URL path: "/index.html", "/vendor/uPlot.iife.min.js"
  absl::string_view content;  // the file's bytes
};

// Every embedded file (defined by the generated static_assets_data.cc).
absl::Span<const StaticAsset> EmbeddedAssets();

// The asset served at `path` ("/" is "/index.html"), or null.
const StaticAsset* FindAsset(absl::string_view path);

// By extension: .html, .js/.mjs, .css, .svg, .png, .json, .txt; otherwise
// application/octet-stream.
std::string ContentTypeFor(absl::string_view path);

}  // namespace vlmlab::dashboard

#endif  // VLMLAB_PLATFORM_DASHBOARD_STATIC_ASSETS_H_
