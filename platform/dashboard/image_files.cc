#include "platform/dashboard/image_files.h"

#include <algorithm>
#include <filesystem>
#include <iterator>
#include <system_error>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "platform/base/file_io.h"

namespace vlmlab::dashboard {
namespace fs = std::filesystem;

std::string SniffImageType(absl::string_view bytes) {
  if (absl::StartsWith(bytes, "\x89PNG\r\n\x1a\n")) return "image/png";
  if (absl::StartsWith(bytes, "\xff\xd8\xff")) return "image/jpeg";
  if (absl::StartsWith(bytes, "GIF87a") || absl::StartsWith(bytes, "GIF89a")) return "image/gif";
  if (bytes.size() >= 12 && absl::StartsWith(bytes, "RIFF") && bytes.substr(8, 4) == "WEBP") {
    return "image/webp";
  }
  return "";
}

absl::StatusOr<HttpResponse> ImageRoot::Serve(absl::string_view relative_path) const {
  if (dir_.empty()) {
    return absl::FailedPreconditionError(
        "this dashboard serves no image files: start `vlmlab serve` with --image_root=DIR, the "
        "directory that predictions' image paths are relative to");
  }
  if (relative_path.empty() || relative_path.front() == '/' ||
      absl::StrContains(relative_path, "\\")) {
    return absl::InvalidArgumentError(
        "image path must be relative to --image_root (no leading '/', no '\\')");
  }
  for (char c : relative_path) {
    if (static_cast<unsigned char>(c) < 0x20) {
      return absl::InvalidArgumentError("image path contains a control character");
    }
  }
  for (absl::string_view part : absl::StrSplit(relative_path, '/')) {
    if (part.empty() || part == "." || part == "..") {
      return absl::InvalidArgumentError("image path may not contain empty, '.' or '..' components");
    }
  }
  std::error_code ec;
  const fs::path root = fs::canonical(dir_, ec);
  if (ec) {
    return absl::FailedPreconditionError(
        absl::StrCat("--image_root '", dir_, "' cannot be opened: ", ec.message()));
  }
  const fs::path file = fs::canonical(root / std::string(relative_path), ec);
  if (ec || !fs::is_regular_file(file, ec)) {
    return absl::NotFoundError(absl::StrCat("no image '", relative_path, "' under --image_root"));
  }
  // A symbolic link may lead anywhere: the resolved file must still lie under the root.
  auto [root_end, file_it] = std::mismatch(root.begin(), root.end(), file.begin(), file.end());
  if (root_end != root.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("image '", relative_path, "' resolves outside --image_root"));
  }
  const auto size = fs::file_size(file, ec);
  if (ec || size > static_cast<uintmax_t>(kMaxImageBytes)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "image '", relative_path, "' is unreadable or larger than ", kMaxImageBytes >> 20, " MiB"));
  }
  absl::StatusOr<std::string> read = ReadFileToString(file.string(), kMaxImageBytes);
  if (!read.ok()) {
    return absl::NotFoundError(absl::StrCat("image '", relative_path, "' could not be read"));
  }
  const std::string& bytes = *read;
  HttpResponse response;
  response.content_type = SniffImageType(bytes);
  if (response.content_type.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", relative_path, "' is not a PNG, JPEG, GIF or WebP image"));
  }
  response.body = std::move(bytes);
  return response;
}

}  // namespace vlmlab::dashboard
