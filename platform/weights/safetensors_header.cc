#include "platform/weights/safetensors_header.h"

#include <algorithm>
#include <limits>
#include <set>
#include <tuple>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"

namespace vlmlab::weights {
namespace {

using Json = nlohmann::json;
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr absl::string_view kMetadataKey = "__metadata__";

std::string Shorten(absl::string_view s, size_t limit) {
  if (s.size() <= limit) return std::string(s);
  return absl::StrCat(s.substr(0, limit), "... (", s.size(), " bytes)");
}

// What a JSON value is, for "must be X, not Y" messages.
enum class Kind { kNull, kBool, kNegative, kInteger, kFloat, kString, kBinary, kObject, kArray };

const char* KindName(Kind k) {
  switch (k) {
    case Kind::kNull:
      return "null";
    case Kind::kBool:
      return "a boolean";
    case Kind::kNegative:
    case Kind::kInteger:
      return "an integer";
    case Kind::kFloat:
      return "a non-integer number";
    case Kind::kString:
      return "a string";
    case Kind::kBinary:
      return "binary data";
    case Kind::kObject:
      return "an object";
    case Kind::kArray:
      return "an array";
  }
  return "?";
}

// A streaming handler: builds entries and metadata directly, stops at the first error.
class HeaderSax : public nlohmann::json_sax<Json> {
 public:
  std::string error;  // why parsing stopped, when it did
  std::vector<SafetensorsEntry> entries;
  std::map<std::string, std::string> metadata;

  bool null() override { return Scalar(Kind::kNull); }
  bool boolean(bool) override { return Scalar(Kind::kBool); }
  bool number_integer(number_integer_t v) override {
    return v < 0 ? Scalar(Kind::kNegative, nullptr, v) : Scalar(Kind::kInteger, nullptr, v);
  }
  bool number_unsigned(number_unsigned_t v) override {
    if (v > static_cast<uint64_t>(kInt64Max)) {
      if (state_ != State::kShape && state_ != State::kOffsets) return Scalar(Kind::kInteger);
      return Fail(absl::StrCat(Field(), ": ", v, " is too large (over 2^63 - 1)"));
    }
    return Scalar(Kind::kInteger, nullptr, static_cast<int64_t>(v));
  }
  bool number_float(number_float_t, const string_t&) override { return Scalar(Kind::kFloat); }
  bool string(string_t& s) override { return Scalar(Kind::kString, &s); }
  bool binary(binary_t&) override { return Scalar(Kind::kBinary); }
  bool start_object(std::size_t) override { return Start(Kind::kObject); }
  bool start_array(std::size_t) override { return Start(Kind::kArray); }
  bool end_object() override { return End(); }
  bool end_array() override { return End(); }
  bool key(string_t& k) override;
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& ex) override {
    error = absl::StrCat("header is not valid JSON (byte ", position,
                         "): ", absl::CHexEscape(Shorten(ex.what(), 300)));
    return false;
  }

 private:
  enum class State { kTop, kRoot, kEntry, kShape, kOffsets, kMetadata, kSkip, kDone };
  enum FieldId { kDType = 0, kShapeField = 1, kOffsetsField = 2, kUnknown = 3 };
  static constexpr const char* kFieldNames[] = {"dtype", "shape", "data_offsets"};

  bool Fail(std::string message) {
    error = std::move(message);
    return false;
  }
  // The object being parsed, for messages: `tensor "w"` or `__metadata__`.
  std::string Owner() const {
    return key_ == kMetadataKey ? std::string(kMetadataKey)
                                : absl::StrCat("tensor ", QuoteForError(key_));
  }
  std::string Field() const {
    if (state_ == State::kMetadata) {
      return absl::StrCat("__metadata__ value of ", QuoteForError(meta_key_));
    }
    if (field_ < kUnknown) return absl::StrCat(Owner(), ": field '", kFieldNames[field_], "'");
    return Owner();
  }
  bool Scalar(Kind kind, string_t* s = nullptr, int64_t value = 0);
  bool Start(Kind kind);
  bool End();
  bool FinishEntry();

  State state_ = State::kTop;
  std::string key_;       // current top-level key
  std::string meta_key_;  // current __metadata__ key
  FieldId field_ = kUnknown;
  int skip_depth_ = 0;  // nesting inside an ignored field
  bool seen_[3] = {false, false, false};
  bool has_metadata_ = false;
  std::set<std::string> names_;
  SafetensorsEntry entry_;
  std::vector<int64_t> offsets_;
};

bool HeaderSax::key(string_t& k) {
  switch (state_) {
    case State::kRoot:
      key_ = k;
      if (k == kMetadataKey) {
        if (has_metadata_) return Fail("duplicate key __metadata__");
        has_metadata_ = true;
      } else if (!names_.insert(k).second) {
        return Fail(absl::StrCat("duplicate tensor name ", QuoteForError(k)));
      } else if (names_.size() > static_cast<size_t>(kMaxSafetensorsTensors)) {
        // Each tensor costs hundreds of bytes in memory: a header of tiny entries would cost
        // ten times its size.
        return Fail(absl::StrCat("more than ", kMaxSafetensorsTensors,
                                 " tensors in one file (checkpoints shard far below that)"));
      }
      return true;
    case State::kEntry:
      field_ = kUnknown;
      for (int f = 0; f < 3; ++f) {
        if (k == kFieldNames[f]) field_ = static_cast<FieldId>(f);
      }
      if (field_ != kUnknown) {
        if (seen_[field_]) return Fail(absl::StrCat(Field(), " appears twice"));
        seen_[field_] = true;
      }
      return true;
    case State::kMetadata:
      meta_key_ = k;
      if (metadata.count(k) > 0) {
        return Fail(absl::StrCat("__metadata__: duplicate key ", QuoteForError(k)));
      }
      return true;
    default:
      return true;  // kSkip
  }
}

bool HeaderSax::Scalar(Kind kind, string_t* s, int64_t value) {
  switch (state_) {
    case State::kTop:
    case State::kDone:
      return Fail("header is not a JSON object");
    case State::kRoot:
      if (key_ == kMetadataKey) {
        return Fail(absl::StrCat("__metadata__ must be an object, not ", KindName(kind)));
      }
      return Fail(absl::StrCat(Owner(), ": entry must be an object, not ", KindName(kind)));
    case State::kEntry:
      if (field_ == kUnknown) return true;  // ignored, like the reference implementation
      if (field_ == kDType && kind == Kind::kString) {
        entry_.dtype = std::move(*s);
        return true;
      }
      return Fail(absl::StrCat(Field(), " must be ",
                               field_ == kDType ? "a string" : "an array of integers", ", not ",
                               KindName(kind)));
    case State::kShape:
    case State::kOffsets: {
      if (kind == Kind::kNegative) {
        return Fail(absl::StrCat(Field(), ": negative value ", value));
      }
      if (kind != Kind::kInteger) {
        return Fail(absl::StrCat(Field(), " must hold integers, not ", KindName(kind)));
      }
      if (state_ == State::kOffsets) {
        if (offsets_.size() >= 2) {
          return Fail(absl::StrCat(Field(), " must be two integers, got more"));
        }
        offsets_.push_back(value);
        return true;
      }
      if (entry_.shape.size() >= kMaxSafetensorsRank) {
        return Fail(absl::StrCat(Field(), " has more than ", kMaxSafetensorsRank, " dimensions"));
      }
      entry_.shape.push_back(value);
      return true;
    }
    case State::kMetadata:
      if (kind != Kind::kString) {
        return Fail(absl::StrCat(Field(), " must be a string, not ", KindName(kind)));
      }
      metadata.emplace(meta_key_, std::move(*s));
      return true;
    case State::kSkip:
      return true;
  }
  return true;
}

bool HeaderSax::Start(Kind kind) {
  const bool array = kind == Kind::kArray;
  switch (state_) {
    case State::kTop:
      if (array) return Fail("header is not a JSON object");
      state_ = State::kRoot;
      return true;
    case State::kRoot:
      if (key_ == kMetadataKey) {
        if (array) return Fail("__metadata__ must be an object, not an array");
        state_ = State::kMetadata;
        return true;
      }
      if (array) return Fail(absl::StrCat(Owner(), ": entry must be an object, not an array"));
      state_ = State::kEntry;
      entry_ = SafetensorsEntry();
      entry_.name = key_;
      offsets_.clear();
      field_ = kUnknown;
      std::fill(std::begin(seen_), std::end(seen_), false);
      return true;
    case State::kEntry:
      if (field_ == kUnknown) {
        state_ = State::kSkip;
        skip_depth_ = 1;
        return true;
      }
      if (field_ != kDType && array) {
        state_ = field_ == kShapeField ? State::kShape : State::kOffsets;
        return true;
      }
      return Fail(absl::StrCat(Field(), " must be ",
                               field_ == kDType ? "a string" : "an array of integers", ", not ",
                               KindName(kind)));
    case State::kShape:
    case State::kOffsets:
      return Fail(absl::StrCat(Field(), " must hold integers, not ", KindName(kind)));
    case State::kMetadata:
      return Fail(absl::StrCat(Field(), " must be a string, not ", KindName(kind)));
    case State::kSkip:
      ++skip_depth_;
      return true;
    case State::kDone:
      return Fail("header is not a JSON object");
  }
  return true;
}

bool HeaderSax::End() {
  switch (state_) {
    case State::kSkip:
      if (--skip_depth_ == 0) state_ = State::kEntry;
      return true;
    case State::kShape:
    case State::kOffsets:
      state_ = State::kEntry;
      return true;
    case State::kEntry:
      state_ = State::kRoot;
      return FinishEntry();
    case State::kMetadata:
      state_ = State::kRoot;
      return true;
    case State::kRoot:
      state_ = State::kDone;
      return true;
    default:
      return Fail("unbalanced JSON");  // the parser never gets here
  }
}

bool HeaderSax::FinishEntry() {
  for (int f = 0; f < 3; ++f) {
    if (!seen_[f]) {
      return Fail(absl::StrCat(Owner(), ": missing field '", kFieldNames[f], "'"));
    }
  }
  if (offsets_.size() != 2) {
    return Fail(absl::StrCat(Owner(), ": field 'data_offsets' must be two integers, got ",
                             offsets_.size()));
  }
  entry_.begin = offsets_[0];
  entry_.end = offsets_[1];
  entries.push_back(std::move(entry_));
  return true;
}

// Checks one entry's dtype, shape and offsets against a buffer of `data_size` bytes.
std::string CheckEntry(const SafetensorsEntry& e, int64_t data_size) {
  std::string owner = absl::StrCat("tensor ", QuoteForError(e.name));
  int64_t elem = SafetensorsDTypeSize(e.dtype);
  if (elem == 0) return absl::StrCat(owner, ": unknown dtype ", QuoteForError(e.dtype));
  // The product of the non-zero dimensions must fit: strides are computed from it.
  int64_t product = 1;
  bool has_zero = false;
  for (int64_t d : e.shape) {
    if (d == 0) {
      has_zero = true;
    } else if (__builtin_mul_overflow(product, d, &product)) {
      return absl::StrCat(owner, ": shape ", ShapeString(e.shape), " overflows int64");
    }
  }
  int64_t bytes;
  if (__builtin_mul_overflow(has_zero ? 0 : product, elem, &bytes)) {
    return absl::StrCat(owner, ": shape ", ShapeString(e.shape), " of ", e.dtype,
                        " needs more bytes than int64 can count");
  }
  std::string offsets = absl::StrCat("data_offsets [", e.begin, ", ", e.end, "]");
  if (e.begin > e.end) return absl::StrCat(owner, ": ", offsets, ": begin is after end");
  if (e.end > data_size) {
    return absl::StrCat(owner, ": ", offsets, " run past the end of the ", data_size,
                        "-byte data buffer");
  }
  if (e.end - e.begin != bytes) {
    return absl::StrCat(owner, ": shape ", ShapeString(e.shape), " of ", e.dtype, " needs ", bytes,
                        " bytes but ", offsets, " span ", e.end - e.begin);
  }
  return "";
}

std::string JsonString(absl::string_view s) {
  try {
    return Json(std::string(s)).dump(-1, ' ', false, Json::error_handler_t::strict);
  } catch (const Json::exception&) {
    return "";  // not valid UTF-8
  }
}

}  // namespace

int64_t SafetensorsDTypeSize(absl::string_view dtype) {
  static const auto* sizes = new std::map<std::string, int64_t, std::less<>>{
      {"BOOL", 1}, {"U8", 1},  {"I8", 1},  {"F8_E5M2", 1}, {"F8_E4M3", 1}, {"F8_E8M0", 1},
      {"I16", 2},  {"U16", 2}, {"F16", 2}, {"BF16", 2},    {"I32", 4},     {"U32", 4},
      {"F32", 4},  {"F64", 8}, {"I64", 8}, {"U64", 8},     {"C64", 8},
  };
  auto it = sizes->find(dtype);
  return it == sizes->end() ? 0 : it->second;
}

std::string QuoteForError(absl::string_view s) {
  return absl::StrCat("\"", absl::CHexEscape(Shorten(s, 100)), "\"");
}

absl::StatusOr<SafetensorsHeader> ParseSafetensorsHeader(absl::string_view json, int64_t data_size,
                                                         absl::string_view source) {
  auto error = [&](absl::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": ", what));
  };
  if (static_cast<int64_t>(json.size()) > kMaxSafetensorsHeaderBytes) {
    return error(absl::StrCat("header of ", json.size(), " bytes is over the limit of ",
                              kMaxSafetensorsHeaderBytes));
  }
  // Like the reference implementation: the header is an object with no leading whitespace.
  if (json.empty() || json[0] != '{') return error("header does not start with '{'");
  HeaderSax sax;
  if (!Json::sax_parse(json.begin(), json.end(), &sax)) return error(sax.error);
  SafetensorsHeader header;
  header.metadata = std::move(sax.metadata);
  header.entries = std::move(sax.entries);
  for (const SafetensorsEntry& e : header.entries) {
    std::string problem = CheckEntry(e, data_size);
    if (!problem.empty()) return error(problem);
  }
  std::sort(header.entries.begin(), header.entries.end(),
            [](const SafetensorsEntry& a, const SafetensorsEntry& b) {
              return std::tie(a.begin, a.end, a.name) < std::tie(b.begin, b.end, b.name);
            });
  // The tensors must tile the data buffer: no overlap, no hole, nothing left over.
  int64_t covered = 0;
  const SafetensorsEntry* previous = nullptr;
  for (const SafetensorsEntry& e : header.entries) {
    if (e.begin < covered) {
      return error(absl::StrCat("tensors ", QuoteForError(previous->name), " and ",
                                QuoteForError(e.name), " overlap: data_offsets [", previous->begin,
                                ", ", previous->end, "] and [", e.begin, ", ", e.end, "]"));
    }
    if (e.begin > covered) {
      return error(absl::StrCat("bytes [", covered, ", ", e.begin,
                                ") of the data buffer belong to no tensor (a hole before ",
                                QuoteForError(e.name), ")"));
    }
    covered = e.end;
    previous = &e;
  }
  if (covered != data_size) {
    return error(absl::StrCat("bytes [", covered, ", ", data_size,
                              ") at the end of the data buffer belong to no tensor"));
  }
  return header;
}

absl::StatusOr<std::string> SerializeSafetensorsHeader(
    const std::vector<SafetensorsEntry>& entries,
    const std::map<std::string, std::string>& metadata) {
  std::string out = "{";
  auto append_string = [&](absl::string_view s, absl::string_view what) -> absl::Status {
    std::string quoted = JsonString(s);
    if (quoted.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, " ", QuoteForError(s), " is not valid UTF-8"));
    }
    out += quoted;
    return absl::OkStatus();
  };
  if (!metadata.empty()) {
    out += "\"__metadata__\":{";
    for (const auto& [key, value] : metadata) {
      if (out.back() != '{') out += ',';
      absl::Status s = append_string(key, "metadata key");
      if (s.ok()) s = (out += ':', append_string(value, "metadata value"));
      if (!s.ok()) return s;
    }
    out += '}';
  }
  for (const SafetensorsEntry& e : entries) {
    if (e.name == kMetadataKey) {
      return absl::InvalidArgumentError("a tensor cannot be named __metadata__");
    }
    if (out.back() != '{') out += ',';
    absl::Status s = append_string(e.name, "tensor name");
    if (!s.ok()) return s;
    absl::StrAppend(&out, ":{\"dtype\":\"", e.dtype, "\",\"shape\":[", absl::StrJoin(e.shape, ","),
                    "],\"data_offsets\":[", e.begin, ",", e.end, "]}");
  }
  out += '}';
  out.append((8 - out.size() % 8) % 8, ' ');
  return out;
}

}  // namespace vlmlab::weights
