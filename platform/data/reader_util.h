// Helpers shared by the COCO, VQAv2 and image-folder readers: typed JSON field access that
// never throws, the skip-or-fail policy for malformed records, and loading one image file.
//
//   RecordSkipper skip(path, strict, &skipped);
//   if (!JsonInt(record, "id", &id)) VLMLAB_RETURN_IF_ERROR(skip("images[3]: no \"id\""));
#ifndef VLMLAB_PLATFORM_DATA_READER_UTIL_H_
#define VLMLAB_PLATFORM_DATA_READER_UTIL_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"
#include "platform/base/status_macros.h"
#include "platform/image/image.h"

namespace vlmlab::data {

// True (and sets *out) when obj[key] exists with the right type.
bool JsonInt(const nlohmann::json& obj, const char* key, int64_t* out);
bool JsonString(const nlohmann::json& obj, const char* key, std::string* out);

// A malformed record of `file`: counted in *skipped with a warning, or (strict) an error.
class RecordSkipper {
 public:
  RecordSkipper(std::string file, bool strict, int64_t* skipped)
      : file_(std::move(file)), strict_(strict), skipped_(skipped) {}
  absl::Status operator()(absl::string_view problem);

 private:
  std::string file_;
  bool strict_;
  int64_t* skipped_;
};

// Reads and decodes an image file; errors name the path.
absl::StatusOr<Image> LoadImageFile(const std::string& path, int channels);

}  // namespace vlmlab::data

#endif  // VLMLAB_PLATFORM_DATA_READER_UTIL_H_
