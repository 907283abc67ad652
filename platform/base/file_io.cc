#include "platform/base/file_io.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "absl/strings/str_cat.h"

namespace vlmlab {

absl::StatusOr<std::string> ReadFileToString(const std::string& path, int64_t max_bytes) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    return absl::NotFoundError(absl::StrCat("cannot open ", path, ": ", std::strerror(errno)));
  }
  struct stat st;
  if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
    std::fclose(f);
    return absl::InvalidArgumentError(absl::StrCat("cannot read ", path, ": not a regular file"));
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

std::string JoinPath(absl::string_view dir, absl::string_view name) {
  if (dir.empty() || (!name.empty() && name[0] == '/')) return std::string(name);
  if (dir.back() == '/') return absl::StrCat(dir, name);
  return absl::StrCat(dir, "/", name);
}

bool FileExists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

absl::Status CheckWritableDirectory(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    return absl::PermissionDeniedError(absl::StrCat(
        "output directory ", dir, " cannot be created: ", ec.message(),
        "; choose another with runtime.output_dir"));
  }
  std::string probe = (fs::path(dir) / ".vlmlab-write-probe").string();
  {
    std::ofstream out(probe, std::ios::binary);
    out << "probe";
    out.flush();
    if (!out) {
      fs::remove(probe, ec);
      return absl::PermissionDeniedError(absl::StrCat(
          "output directory ", dir, " is not writable; choose another with runtime.output_dir"));
    }
  }
  fs::remove(probe, ec);
  return absl::OkStatus();
}

}  // namespace vlmlab
