#include "platform/data/synth/tar_writer.h"

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace vlmlab {
namespace {

constexpr size_t kBlock = 512;

// Writes `value` as zero-padded octal in width - 1 digits plus a NUL.
void PutOctal(char* field, size_t width, uint64_t value) {
  field[width - 1] = '\0';
  for (size_t i = width - 1; i-- > 0;) {
    field[i] = static_cast<char>('0' + (value & 7));
    value >>= 3;
  }
}

std::string ErrnoText() { return std::strerror(errno); }

}  // namespace

absl::StatusOr<std::string> UstarHeader(absl::string_view name, uint64_t size) {
  if (name.empty()) return absl::InvalidArgumentError("tar member name is empty");
  if (size >= (uint64_t{1} << 33)) {
    return absl::InvalidArgumentError(
        absl::StrCat("tar member ", name, " is ", size, " bytes; ustar holds under 8 GiB"));
  }
  absl::string_view prefix, base = name;
  if (name.size() > 100) {
    size_t slash = name.rfind('/', 155);
    if (slash != absl::string_view::npos && name.size() - slash - 1 > 100) {
      slash = absl::string_view::npos;
    }
    if (slash == absl::string_view::npos || slash == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("tar member name '", name,
                       "' is too long for ustar (100 bytes, or a '/'-separated "
                       "155-byte prefix); use shorter keys"));
    }
    prefix = name.substr(0, slash);
    base = name.substr(slash + 1);
  }
  std::string h(kBlock, '\0');
  std::memcpy(&h[0], base.data(), base.size());        // name[100]
  PutOctal(&h[100], 8, 0644);                          // mode
  PutOctal(&h[108], 8, 0);                             // uid
  PutOctal(&h[116], 8, 0);                             // gid
  PutOctal(&h[124], 12, size);                         // size
  PutOctal(&h[136], 12, 0);                            // mtime
  h[156] = '0';                                        // typeflag: regular file
  std::memcpy(&h[257], "ustar", 6);                    // magic "ustar\0"
  std::memcpy(&h[263], "00", 2);                       // version
  PutOctal(&h[329], 8, 0);                             // devmajor
  PutOctal(&h[337], 8, 0);                             // devminor
  std::memcpy(&h[345], prefix.data(), prefix.size());  // prefix[155]
  // The checksum is computed with its own field as eight spaces.
  std::memset(&h[148], ' ', 8);
  unsigned sum = 0;
  for (char c : h) sum += static_cast<unsigned char>(c);
  PutOctal(&h[148], 7, sum);  // six digits, NUL, then the space left in place
  return h;
}

absl::StatusOr<std::unique_ptr<TarWriter>> TarWriter::Create(const std::string& path) {
  const std::string tmp = path + ".tmp";
  std::FILE* file = std::fopen(tmp.c_str(), "wb");
  if (file == nullptr) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot create ", tmp, ": ", ErrnoText(), "; check the output directory"));
  }
  return std::unique_ptr<TarWriter>(new TarWriter(path, file));
}

TarWriter::~TarWriter() {
  if (file_ != nullptr) {
    std::fclose(file_);
    std::remove((path_ + ".tmp").c_str());
  }
}

absl::Status TarWriter::Write(absl::string_view bytes) {
  if (file_ == nullptr) return absl::FailedPreconditionError(absl::StrCat(path_, " is closed"));
  if (!bytes.empty() && std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size()) {
    return absl::DataLossError(absl::StrCat("writing ", path_, ".tmp: ", ErrnoText()));
  }
  bytes_ += bytes.size();
  return absl::OkStatus();
}

absl::Status TarWriter::AddFile(absl::string_view name, absl::string_view contents) {
  absl::StatusOr<std::string> header = UstarHeader(name, contents.size());
  if (!header.ok()) return header.status();
  absl::Status s = Write(*header);
  if (s.ok()) s = Write(contents);
  if (s.ok() && contents.size() % kBlock != 0) {
    s = Write(std::string(kBlock - contents.size() % kBlock, '\0'));
  }
  return s;
}

absl::Status TarWriter::Close() {
  absl::Status s = Write(std::string(2 * kBlock, '\0'));
  if (!s.ok()) return s;
  const bool flushed = std::fflush(file_) == 0;
  const bool closed = std::fclose(file_) == 0;
  file_ = nullptr;
  const std::string tmp = path_ + ".tmp";
  if (!flushed || !closed) {
    std::remove(tmp.c_str());
    return absl::DataLossError(absl::StrCat("closing ", tmp, ": ", ErrnoText()));
  }
  if (std::rename(tmp.c_str(), path_.c_str()) != 0) {
    return absl::DataLossError(absl::StrCat("renaming ", tmp, " to ", path_, ": ", ErrnoText()));
  }
  return absl::OkStatus();
}

}  // namespace vlmlab
