#include "platform/data/tar_reader.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace vlmlab::data {
namespace {

// ustar header layout.
constexpr int kNameOff = 0, kNameLen = 100;
constexpr int kSizeOff = 124, kSizeLen = 12;
constexpr int kChecksumOff = 148, kChecksumLen = 8;
constexpr int kTypeOff = 156;
constexpr int kMagicOff = 257;
constexpr int kPrefixOff = 345, kPrefixLen = 155;

// Long names and pax headers larger than this are refused (real ones are a few hundred bytes).
constexpr int64_t kMaxMetaBytes = 1 << 20;

std::string CString(const char* p, int max_len) {
  int n = 0;
  while (n < max_len && p[n] != '\0') ++n;
  return std::string(p, n);
}

bool AllZero(const char* block) {
  for (int i = 0; i < kTarBlock; ++i) {
    if (block[i] != 0) return false;
  }
  return true;
}

int64_t PaddedSize(int64_t size) { return (size + kTarBlock - 1) / kTarBlock * kTarBlock; }

// Parses pax extended-header records ("<len> <key>=<value>\n"), keeping path and size.
void ParsePax(absl::string_view data, std::optional<std::string>* path,
              std::optional<int64_t>* size) {
  while (!data.empty()) {
    size_t space = data.find(' ');
    if (space == absl::string_view::npos || space > 20) return;
    int64_t len = 0;
    if (!absl::SimpleAtoi(data.substr(0, space), &len) || len <= static_cast<int64_t>(space) + 1 ||
        len > static_cast<int64_t>(data.size())) {
      return;
    }
    absl::string_view record = data.substr(space + 1, len - space - 1);
    data.remove_prefix(len);
    if (!record.empty() && record.back() == '\n') record.remove_suffix(1);
    size_t eq = record.find('=');
    if (eq == absl::string_view::npos) continue;
    absl::string_view key = record.substr(0, eq), value = record.substr(eq + 1);
    if (key == "path") {
      *path = std::string(value);
    } else if (key == "size") {
      int64_t v = 0;
      if (absl::SimpleAtoi(value, &v) && v >= 0) *size = v;
    }
  }
}

}  // namespace

bool TarChecksumOk(const char* block) {
  std::optional<int64_t> stored =
      ParseTarNumber(absl::string_view(block + kChecksumOff, kChecksumLen));
  if (!stored) return false;
  int64_t unsigned_sum = 0, signed_sum = 0;
  for (int i = 0; i < kTarBlock; ++i) {
    bool in_field = i >= kChecksumOff && i < kChecksumOff + kChecksumLen;
    unsigned char u = in_field ? ' ' : static_cast<unsigned char>(block[i]);
    signed char s = in_field ? ' ' : static_cast<signed char>(block[i]);
    unsigned_sum += u;
    signed_sum += s;
  }
  return *stored == unsigned_sum || *stored == signed_sum;
}

std::optional<int64_t> ParseTarNumber(absl::string_view field) {
  if (field.empty()) return std::nullopt;
  unsigned char first = static_cast<unsigned char>(field[0]);
  if (first & 0x80) {
    // GNU base-256: big-endian two's complement in the remaining bits; negative is refused.
    if (first & 0x40) return std::nullopt;
    uint64_t v = first & 0x3f;
    for (size_t i = 1; i < field.size(); ++i) {
      if (v > (uint64_t{1} << 54)) return std::nullopt;  // would overflow int64
      v = (v << 8) | static_cast<unsigned char>(field[i]);
    }
    return static_cast<int64_t>(v);
  }
  size_t i = 0;
  while (i < field.size() && field[i] == ' ') ++i;
  int64_t v = 0;
  int digits = 0;
  for (; i < field.size() && field[i] >= '0' && field[i] <= '7'; ++i, ++digits) {
    if (v > (int64_t{1} << 59)) return std::nullopt;
    v = v * 8 + (field[i] - '0');
  }
  // Only terminators may follow the digits.
  for (; i < field.size(); ++i) {
    if (field[i] != ' ' && field[i] != '\0') return std::nullopt;
  }
  if (digits == 0) return std::nullopt;
  return v;
}

TarReader::TarReader(std::string label, const TarReaderOptions& options)
    : label_(std::move(label)), options_(options) {}

TarReader::~TarReader() {
  if (file_ != nullptr) std::fclose(file_);
}

absl::StatusOr<std::unique_ptr<TarReader>> TarReader::Open(const std::string& path,
                                                           const TarReaderOptions& options) {
  std::unique_ptr<TarReader> reader(new TarReader(path, options));
  reader->file_ = std::fopen(path.c_str(), "rb");
  if (reader->file_ == nullptr) {
    return absl::NotFoundError(absl::StrCat("cannot open tar shard ", path, ": ",
                                            std::strerror(errno),
                                            "; check the shard path and brace range"));
  }
  if (fseeko(reader->file_, 0, SEEK_END) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot seek in tar shard ", path, "; it must be a regular file"));
  }
  reader->size_ = ftello(reader->file_);
  if (reader->size_ < 0) {
    return absl::InvalidArgumentError(absl::StrCat("cannot size tar shard ", path));
  }
  return reader;
}

std::unique_ptr<TarReader> TarReader::FromBytes(std::string bytes, std::string label,
                                                const TarReaderOptions& options) {
  std::unique_ptr<TarReader> reader(new TarReader(std::move(label), options));
  reader->bytes_ = std::move(bytes);
  reader->size_ = static_cast<int64_t>(reader->bytes_.size());
  return reader;
}

bool TarReader::ReadAt(int64_t offset, int64_t n, char* out) {
  if (offset < 0 || n < 0 || offset > size_ || n > size_ - offset) return false;
  if (file_ == nullptr) {
    std::memcpy(out, bytes_.data() + offset, n);
    return true;
  }
  if (fseeko(file_, offset, SEEK_SET) != 0) return false;
  return std::fread(out, 1, n, file_) == static_cast<size_t>(n);
}

absl::Status TarReader::Error(int64_t offset, absl::string_view member,
                              absl::string_view what) const {
  return absl::DataLossError(
      absl::StrCat(label_, ": ", member.empty() ? "" : absl::StrCat("member \"", member, "\" "),
                   "at byte ", offset, ": ", what));
}

void TarReader::Resync(int64_t from) {
  char block[kTarBlock];
  for (int64_t at = from; at + kTarBlock <= size_; at += kTarBlock) {
    if (!ReadAt(at, kTarBlock, block)) break;
    if (AllZero(block) || !TarChecksumOk(block)) continue;
    if (!ParseTarNumber(absl::string_view(block + kSizeOff, kSizeLen))) continue;
    pos_ = at;
    return;
  }
  done_ = true;
}

absl::StatusOr<std::optional<TarMember>> TarReader::Next() {
  std::optional<std::string> long_name;
  int64_t pax_size = -1;  // from a pax "size" record; -1 when none
  char block[kTarBlock];
  while (!done_) {
    const int64_t at = pos_;
    if (at == size_) {  // ends on a member boundary without the zero blocks: accepted
      done_ = true;
      break;
    }
    if (!ReadAt(at, kTarBlock, block)) {
      done_ = true;
      return Error(at, "",
                   absl::StrCat("truncated archive: ", size_ - at,
                                " bytes left where a 512-byte header should be"));
    }
    if (AllZero(block)) {
      char next[kTarBlock];
      if (at + kTarBlock == size_ || !ReadAt(at + kTarBlock, kTarBlock, next) || AllZero(next)) {
        done_ = true;  // end-of-archive marker
        break;
      }
      Resync(at + kTarBlock);
      return Error(at, "", "stray zero block inside the archive");
    }
    if (!TarChecksumOk(block)) {
      Resync(at + kTarBlock);
      return Error(at, "", "header checksum mismatch (corrupt header or not a tar archive)");
    }
    std::string name;
    if (long_name) {
      name = *long_name;
    } else {
      name = CString(block + kNameOff, kNameLen);
      if (std::memcmp(block + kMagicOff, "ustar", 5) == 0) {
        std::string prefix = CString(block + kPrefixOff, kPrefixLen);
        // GNU headers keep other fields where POSIX has the prefix; they start with "ustar ".
        if (!prefix.empty() && block[kMagicOff + 5] == '\0') name = prefix + "/" + name;
      }
    }
    std::optional<int64_t> size = ParseTarNumber(absl::string_view(block + kSizeOff, kSizeLen));
    if (!size) {
      Resync(at + kTarBlock);
      return Error(at, name, "malformed size field");
    }
    if (pax_size >= 0) size = pax_size;
    const int64_t data_at = at + kTarBlock;
    if (*size > size_ - data_at) {
      done_ = true;
      return Error(at, name,
                   absl::StrCat("truncated member: the header says ", *size,
                                " bytes but the archive has ", size_ - data_at, " left"));
    }
    const int64_t next = data_at + PaddedSize(*size);
    const char type = block[kTypeOff];
    if (type == 'L' || type == 'x') {
      // Metadata for the next header: a GNU long name, or pax records.
      pos_ = std::min(next, size_);
      if (*size > kMaxMetaBytes) {
        return Error(
            at, name,
            absl::StrCat("long-name/pax header of ", *size, " bytes exceeds ", kMaxMetaBytes));
      }
      std::string meta(*size, '\0');
      if (!ReadAt(data_at, *size, meta.data())) {
        done_ = true;
        return Error(at, name, "cannot read long-name/pax data");
      }
      if (type == 'L') {
        long_name = CString(meta.data(), static_cast<int>(meta.size()));
      } else {
        std::optional<std::string> path;
        std::optional<int64_t> record_size;
        ParsePax(meta, &path, &record_size);
        if (path) long_name = std::move(path);
        if (record_size) pax_size = *record_size;
      }
      continue;
    }
    pos_ = std::min(next, size_);
    if (type != '0' && type != '\0' && type != '7') {
      // Directory, link, device, GNU long link name ('K'), pax global ('g'): not a file.
      long_name.reset();
      pax_size = -1;
      continue;
    }
    if (*size > options_.max_member_bytes) {
      return Error(at, name,
                   absl::StrCat("member of ", *size, " bytes exceeds the limit of ",
                                options_.max_member_bytes, " bytes (TarReaderOptions)"));
    }
    TarMember member;
    member.name = std::move(name);
    member.offset = at;
    member.data.resize(*size);
    if (!ReadAt(data_at, *size, member.data.data())) {
      done_ = true;
      return Error(at, member.name, "read error");
    }
    return std::optional<TarMember>(std::move(member));
  }
  return std::optional<TarMember>();
}

}  // namespace vlmlab::data
