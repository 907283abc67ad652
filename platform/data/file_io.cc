#include "platform/data/file_io.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "platform/data/sample_json.h"

namespace vlmlab::data {

absl::StatusOr<std::string> ReadFileToString(const std::string& path, int64_t max_bytes) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    return absl::NotFoundError(absl::StrCat("cannot open ", path, ": ", std::strerror(errno)));
  }
  std::string out;
  bool ok = fseeko(f, 0, SEEK_END) == 0;
  const int64_t size = ok ? ftello(f) : -1;
  if (size < 0 || fseeko(f, 0, SEEK_SET) != 0) {
    std::fclose(f);
    return absl::InvalidArgumentError(absl::StrCat("cannot read ", path, ": not a regular file"));
  }
  if (size > max_bytes) {
    std::fclose(f);
    return absl::ResourceExhaustedError(
        absl::StrCat(path, " is ", size, " bytes, over the limit of ", max_bytes));
  }
  out.resize(size);
  const size_t got = size == 0 ? 0 : std::fread(out.data(), 1, size, f);
  std::fclose(f);
  if (got != static_cast<size_t>(size)) {
    return absl::DataLossError(
        absl::StrCat("short read of ", path, ": ", got, " of ", size, " bytes"));
  }
  return out;
}

absl::StatusOr<nlohmann::json> ReadJsonFile(const std::string& path, absl::string_view what) {
  absl::StatusOr<std::string> text = ReadFileToString(path);
  if (!text.ok()) {
    return absl::Status(text.status().code(), absl::StrCat(what, ": ", text.status().message()));
  }
  if (!JsonNestingOk(*text)) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " ", path, ": JSON nested deeper than 64 levels"));
  }
  nlohmann::json j = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " ", path, ": not valid JSON (truncated or corrupt file?)"));
  }
  return j;
}

std::string JoinPath(absl::string_view dir, absl::string_view name) {
  if (dir.empty() || (!name.empty() && name[0] == '/')) return std::string(name);
  if (dir.back() == '/') return absl::StrCat(dir, name);
  return absl::StrCat(dir, "/", name);
}

bool FileExists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

}  // namespace vlmlab::data
