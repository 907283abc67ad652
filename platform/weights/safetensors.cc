#include "platform/weights/safetensors.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <limits>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "platform/base/atomic_file.h"
#include "platform/base/status_macros.h"
#include "platform/weights/safetensors_header.h"

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "safetensors data is little-endian; this code copies it as is");

namespace vlmlab::weights {
namespace {

// Closes a file descriptor on scope exit.
struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0) close(fd);
  }
};

// Reads exactly `n` bytes at `offset`, or fails naming the file.
absl::Status ReadAt(int fd, const std::string& path, int64_t offset, void* out, int64_t n) {
  char* p = static_cast<char*>(out);
  while (n > 0) {
    size_t chunk = n < (int64_t{1} << 30) ? static_cast<size_t>(n) : (size_t{1} << 30);
    ssize_t r = pread(fd, p, chunk, offset);
    if (r < 0) {
      if (errno == EINTR) continue;
      return absl::ErrnoToStatus(errno, absl::StrCat(path, ": read at offset ", offset));
    }
    if (r == 0) {
      return absl::DataLossError(absl::StrCat(path, ": file ended at offset ", offset,
                                              " (was it truncated while being read?)"));
    }
    p += r;
    offset += r;
    n -= r;
  }
  return absl::OkStatus();
}

float HalfToFloat(uint16_t h) {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  uint32_t exponent = (h >> 10) & 0x1fu;
  uint32_t mantissa = h & 0x3ffu;
  float f;
  if (exponent == 0) {  // zero or subnormal: mantissa * 2^-24
    f = std::ldexp(static_cast<float>(mantissa), -24);
    return sign ? -f : f;
  }
  uint32_t bits = exponent == 31 ? (sign | 0x7f800000u | (mantissa << 13))  // inf, NaN
                                 : (sign | ((exponent + 112) << 23) | (mantissa << 13));
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

// Reads one tensor (already validated against the file) into a new CPU tensor.
absl::StatusOr<Tensor> ReadTensor(int fd, const std::string& path, int64_t data_start,
                                  const SafetensorsEntry& e, std::vector<std::string>* notes) {
  std::string owner = absl::StrCat("tensor ", QuoteForError(e.name));
  DType dtype;
  if (e.dtype == "F32" || e.dtype == "F16") {
    dtype = DType::kF32;
  } else if (e.dtype == "BF16") {
    dtype = DType::kBF16;
  } else if (e.dtype == "I32" || e.dtype == "I64") {
    dtype = DType::kI32;
  } else {
    return absl::UnimplementedError(
        absl::StrCat(path, ": ", owner, " has dtype ", e.dtype,
                     ", which vlmlab cannot load (F32, BF16 and I32 load as they are; F16 and "
                     "I64 are converted to f32 and i32)"));
  }
  absl::StatusOr<Tensor> made = Tensor::Empty(e.shape, dtype);
  if (!made.ok()) {
    return absl::Status(made.status().code(),
                        absl::StrCat(path, ": ", owner, ": ", made.status().message()));
  }
  Tensor t = *std::move(made);
  const int64_t bytes = e.end - e.begin;
  const int64_t offset = data_start + e.begin;
  const int64_t n = t.numel();
  if (e.dtype == "F32" || e.dtype == "BF16" || e.dtype == "I32") {
    VLMLAB_RETURN_IF_ERROR(ReadAt(fd, path, offset, t.raw_data(), bytes));
    return t;
  }
  std::vector<char> raw(static_cast<size_t>(bytes));
  VLMLAB_RETURN_IF_ERROR(ReadAt(fd, path, offset, raw.data(), bytes));
  if (e.dtype == "F16") {
    float* out = t.data<float>();
    for (int64_t i = 0; i < n; ++i) {
      uint16_t h;
      std::memcpy(&h, raw.data() + 2 * i, 2);
      out[i] = HalfToFloat(h);
    }
    notes->push_back(absl::StrCat(owner, ": F16 converted to f32 (exact)"));
    return t;
  }
  int32_t* out = t.data<int32_t>();  // I64
  for (int64_t i = 0; i < n; ++i) {
    int64_t v;
    std::memcpy(&v, raw.data() + 8 * i, 8);
    if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max()) {
      return absl::OutOfRangeError(absl::StrCat(path, ": ", owner, ": I64 value ", v, " at index ",
                                                i, " does not fit in i32"));
    }
    out[i] = static_cast<int32_t>(v);
  }
  notes->push_back(absl::StrCat(owner, ": I64 converted to i32 (all values in range)"));
  return t;
}

const char* FileDType(DType d) {
  switch (d) {
    case DType::kF32:
      return "F32";
    case DType::kBF16:
      return "BF16";
    case DType::kI32:
      return "I32";
  }
  return "?";
}

}  // namespace

absl::StatusOr<SafetensorsFile> ReadSafetensors(const std::string& path) {
  int fd;
  do {
    fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return absl::ErrnoToStatus(errno, absl::StrCat("cannot open ", path));
  FdCloser closer{fd};
  struct stat st;
  if (fstat(fd, &st) != 0) return absl::ErrnoToStatus(errno, absl::StrCat("cannot stat ", path));
  if (!S_ISREG(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a regular file"));
  }
  const int64_t file_size = st.st_size;
  if (file_size < 8) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": file is ", file_size, " bytes, shorter than the 8-byte header length"));
  }
  unsigned char prefix[8];
  VLMLAB_RETURN_IF_ERROR(ReadAt(fd, path, 0, prefix, 8));
  uint64_t header_size = 0;
  for (int i = 7; i >= 0; --i) header_size = (header_size << 8) | prefix[i];
  if (header_size > static_cast<uint64_t>(kMaxSafetensorsHeaderBytes)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": header length ", header_size,
                                                   " is over the limit of ",
                                                   kMaxSafetensorsHeaderBytes, " bytes"));
  }
  if (header_size > static_cast<uint64_t>(file_size - 8)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": header length ", header_size, " is more than the ", file_size - 8,
                     " bytes after the length prefix (truncated file?)"));
  }
  std::string json(header_size, '\0');
  VLMLAB_RETURN_IF_ERROR(ReadAt(fd, path, 8, json.data(), static_cast<int64_t>(header_size)));
  const int64_t data_start = 8 + static_cast<int64_t>(header_size);
  VLMLAB_ASSIGN_OR_RETURN(SafetensorsHeader header,
                          ParseSafetensorsHeader(json, file_size - data_start, path));
  json = std::string();
  SafetensorsFile file;
  file.metadata = std::move(header.metadata);
  for (const SafetensorsEntry& e : header.entries) {  // in file order: sequential reads
    VLMLAB_ASSIGN_OR_RETURN(Tensor t, ReadTensor(fd, path, data_start, e, &file.notes));
    file.tensors.emplace(e.name, std::move(t));
  }
  if (!file.notes.empty()) {
    LOG(INFO) << path << ": converted " << file.notes.size() << " tensor(s) while loading, e.g. "
              << file.notes.front();
  }
  return file;
}

absl::Status WriteSafetensors(const std::string& path, const std::map<std::string, Tensor>& tensors,
                              const std::map<std::string, std::string>& metadata) {
  std::vector<SafetensorsEntry> entries;
  std::vector<Tensor> data;
  int64_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    std::string owner = absl::StrCat("writing ", path, ": tensor ", QuoteForError(name));
    if (!tensor.defined()) return absl::InvalidArgumentError(absl::StrCat(owner, " is undefined"));
    if (tensor.device().type != DeviceType::kCpu) {
      return absl::InvalidArgumentError(
          absl::StrCat(owner, " is on ", DeviceName(tensor.device()), "; move it to the CPU"));
    }
    Tensor c = tensor.Contiguous();
    SafetensorsEntry e;
    e.name = name;
    e.dtype = FileDType(c.dtype());
    e.shape = c.shape();
    e.begin = offset;
    offset += c.numel() * static_cast<int64_t>(DTypeSize(c.dtype()));
    e.end = offset;
    entries.push_back(std::move(e));
    data.push_back(std::move(c));
  }
  absl::StatusOr<std::string> header = SerializeSafetensorsHeader(entries, metadata);
  if (!header.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("writing ", path, ": ", header.status().message()));
  }
  unsigned char prefix[8];
  uint64_t n = header->size();
  for (int i = 0; i < 8; ++i) prefix[i] = static_cast<unsigned char>(n >> (8 * i));
  VLMLAB_ASSIGN_OR_RETURN(std::unique_ptr<AtomicFileWriter> writer, AtomicFileWriter::Create(path));
  VLMLAB_RETURN_IF_ERROR(writer->Write(prefix, 8));
  VLMLAB_RETURN_IF_ERROR(writer->Write(header->data(), header->size()));
  for (size_t i = 0; i < data.size(); ++i) {
    VLMLAB_RETURN_IF_ERROR(writer->Write(data[i].raw_data(), entries[i].end - entries[i].begin));
  }
  return writer->Commit();
}

}  // namespace vlmlab::weights
