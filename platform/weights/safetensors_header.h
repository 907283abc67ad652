// The JSON header of a safetensors file: parsing with full validation of untrusted input, and
// serialization. I/O-free; safetensors.h reads and writes whole files. The file layout is an
// 8-byte little-endian header length N, N bytes of JSON, then the data buffer:
//   {"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}
// with data_offsets [begin, end) relative to the start of the data buffer.
//
//   absl::StatusOr<SafetensorsHeader> h = ParseSafetensorsHeader(json, data_bytes, path);
//   for (const SafetensorsEntry& e : h->entries) { ... }   // sorted by data_offsets
//   absl::StatusOr<std::string> j = SerializeSafetensorsHeader(entries, metadata);  // padded
//
// Validation follows the reference implementation: every entry is an object with a known
// dtype, a shape of non-negative integers and two data_offsets whose span equals the shape's
// byte size; the tensors tile the data buffer exactly (no overlaps, no holes); duplicate keys
// are errors (at the top level, inside an entry and inside __metadata__); __metadata__ maps
// strings to strings; unknown fields of an entry are ignored; at most kMaxSafetensorsTensors
// tensors. Parsing is streaming (a SAX handler, no JSON tree), so memory stays proportional to
// the header, itself capped at 100 MB.
#ifndef VLMLAB_PLATFORM_WEIGHTS_SAFETENSORS_HEADER_H_
#define VLMLAB_PLATFORM_WEIGHTS_SAFETENSORS_HEADER_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "platform/tensor/shape.h"

namespace vlmlab::weights {

// The reference implementation's limit on the header length.
inline constexpr int64_t kMaxSafetensorsHeaderBytes = 100'000'000;
// Tensors in one file: real checkpoints hold thousands per shard; a header of a million tiny
// entries would cost about 700 bytes of memory each, ten times the header's size.
inline constexpr int64_t kMaxSafetensorsTensors = 100'000;
// Shapes with more dimensions are rejected (keeps a hostile header from building huge shapes).
inline constexpr int kMaxSafetensorsRank = 64;

struct SafetensorsEntry {
  std::string name;
  std::string dtype;  // as in the file: "F32", "BF16", "I64", ...
  Shape shape;
  int64_t begin = 0;  // data_offsets, relative to the data buffer
  int64_t end = 0;
};

struct SafetensorsHeader {
  std::vector<SafetensorsEntry> entries;  // sorted by data_offsets
  std::map<std::string, std::string> metadata;
};

// Bytes per element of a safetensors dtype ("F32" -> 4, "BOOL" -> 1), or 0 when unknown.
int64_t SafetensorsDTypeSize(absl::string_view dtype);

// Parses and validates `json` (the N header bytes, padding included) for a data buffer of
// `data_size` bytes. Errors are InvalidArgument and start with `source` (the file path).
absl::StatusOr<SafetensorsHeader> ParseSafetensorsHeader(absl::string_view json, int64_t data_size,
                                                         absl::string_view source);

// The header bytes for `entries` (written in the given order) and `metadata` (first, as
// "__metadata__", when not empty), padded with spaces to a multiple of 8 like the reference
// implementation. Fails when a name or metadata string is not valid UTF-8 or a tensor is
// named "__metadata__".
absl::StatusOr<std::string> SerializeSafetensorsHeader(
    const std::vector<SafetensorsEntry>& entries,
    const std::map<std::string, std::string>& metadata);

// `s` quoted and escaped for an error message, shortened when long (names are untrusted).
std::string QuoteForError(absl::string_view s);

}  // namespace vlmlab::weights

#endif  // VLMLAB_PLATFORM_WEIGHTS_SAFETENSORS_HEADER_H_
