#include "platform/data/reader_util.h"

#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "platform/base/file_io.h"
#include "platform/image/codec.h"

namespace vlmlab::data {

bool JsonInt(const nlohmann::json& obj, const char* key, int64_t* out) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_number_integer()) return false;
  *out = it->get<int64_t>();
  return true;
}

bool JsonString(const nlohmann::json& obj, const char* key, std::string* out) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) return false;
  *out = it->get_ref<const std::string&>();
  return true;
}

absl::Status RecordSkipper::operator()(absl::string_view problem) {
  if (strict_) {
    return absl::InvalidArgumentError(
        absl::StrCat(file_, ": ", problem, " (strict: set strict false to skip such records)"));
  }
  if (skipped_ != nullptr) ++*skipped_;
  LOG(WARNING) << file_ << ": skipping: " << problem;
  return absl::OkStatus();
}

absl::StatusOr<Image> LoadImageFile(const std::string& path, int channels) {
  // Images are far below this; the limit keeps a wrong path (a huge file) from exhausting memory.
  absl::StatusOr<std::string> bytes = ReadFileToString(path, int64_t{512} << 20);
  if (!bytes.ok()) return bytes.status();
  absl::StatusOr<Image> image = DecodeImage(*bytes, channels);
  if (!image.ok()) {
    return absl::Status(image.status().code(), absl::StrCat(path, ": ", image.status().message()));
  }
  return image;
}

}  // namespace vlmlab::data
