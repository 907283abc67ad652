// Serves the images that predictions refer to by relative path, from one directory given to
// `vlmlab serve --image_root`. Only relative paths without "..", and only files that are
// PNG, JPEG, GIF or WebP by their first bytes (the content type comes from those bytes, never
// from the name); a symbolic link leading outside the root is refused.
//
//   ImageRoot images("/data/synth/val");
//   absl::StatusOr<HttpResponse> r = images.Serve("images/000123.png");
#ifndef VLMLAB_PLATFORM_DASHBOARD_IMAGE_FILES_H_
#define VLMLAB_PLATFORM_DASHBOARD_IMAGE_FILES_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "platform/dashboard/http_message.h"

namespace vlmlab::dashboard {

inline constexpr int64_t kMaxImageBytes = 32 << 20;

// "image/png", "image/jpeg", "image/gif", "image/webp", or "" for anything else.
std::string SniffImageType(absl::string_view bytes);

class ImageRoot {
 public:
  // An empty `dir` serves nothing (FailedPrecondition explaining --image_root).
  explicit ImageRoot(std::string dir) : dir_(std::move(dir)) {}

  bool enabled() const { return !dir_.empty(); }
  // InvalidArgument for a bad path, NotFound for a missing file, FailedPrecondition when no
  // root is set; otherwise the image with its sniffed content type.
  absl::StatusOr<HttpResponse> Serve(absl::string_view relative_path) const;

 private:
  std::string dir_;
};

}  // namespace vlmlab::dashboard

#endif  // VLMLAB_PLATFORM_DASHBOARD_IMAGE_FILES_H_
