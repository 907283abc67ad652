// Hostile and corrupt safetensors files: each defect gives a specific error naming the file,
// and random corruption never crashes.
#include <sys/resource.h>

#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "platform/tensor/tensor.h"
#include "platform/weights/safetensors.h"
#include "platform/weights/safetensors_header.h"

namespace vlmlab::weights {
namespace {

using ::testing::HasSubstr;

std::string U64(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>(v >> (8 * i));
  return s;
}

std::string Padded(std::string json) {
  json.append((8 - json.size() % 8) % 8, ' ');
  return json;
}

// Writes raw bytes to a fresh file and reads it back; returns the error message ("" if ok).
std::string ReadError(const std::string& bytes) {
  std::string path = ::testing::TempDir() + "hostile.safetensors";
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  absl::StatusOr<SafetensorsFile> file = ReadSafetensors(path);
  if (file.ok()) return "";
  std::string message(file.status().message());
  EXPECT_THAT(message, HasSubstr(path)) << "every error names the file";
  return message;
}

// The error for a header (padded to 8) followed by `data_bytes` zero bytes.
std::string HeaderError(const std::string& json, size_t data_bytes) {
  std::string header = Padded(json);
  return ReadError(U64(header.size()) + header + std::string(data_bytes, '\0'));
}

std::string Entry(const std::string& name, const std::string& body) {
  return "\"" + name + "\":{" + body + "}";
}

TEST(SafetensorsHostileTest, FileTooShortOrHeaderLengthWrong) {
  EXPECT_THAT(ReadError(""), HasSubstr("file is 0 bytes, shorter than the 8-byte header"));
  EXPECT_THAT(ReadError("abc"), HasSubstr("file is 3 bytes, shorter than the 8-byte header"));
  EXPECT_THAT(ReadError(U64(100) + "{}"), HasSubstr("header length 100 is more than the 2 bytes"));
  EXPECT_THAT(ReadError(U64(200'000'000) + "{}"),
              HasSubstr("header length 200000000 is over the limit of 100000000"));
  EXPECT_THAT(ReadError(U64(~uint64_t{0}) + "{}"), HasSubstr("is over the limit"));
  EXPECT_THAT(ReadError(U64(0)), HasSubstr("header does not start with '{'"));
}

TEST(SafetensorsHostileTest, HeaderNotJsonOrNotAnObject) {
  EXPECT_THAT(HeaderError(R"({"a":)", 0), HasSubstr("header is not valid JSON"));
  EXPECT_THAT(HeaderError(R"({} trailing)", 0), HasSubstr("header is not valid JSON"));
  EXPECT_THAT(HeaderError("{\"a\xff\":{}}", 0), HasSubstr("header is not valid JSON"));
  EXPECT_THAT(HeaderError("[1, 2]", 0), HasSubstr("header does not start with '{'"));
  EXPECT_THAT(HeaderError(" {}", 0), HasSubstr("header does not start with '{'"));
  EXPECT_THAT(HeaderError(std::string(1000, '{'), 0), HasSubstr("header is not valid JSON"));
}

TEST(SafetensorsHostileTest, EntryNotAnObjectOrMissingFields) {
  EXPECT_THAT(HeaderError(R"({"a":5})", 0),
              HasSubstr("tensor \"a\": entry must be an object, not an integer"));
  EXPECT_THAT(HeaderError(R"({"a":[1]})", 0),
              HasSubstr("tensor \"a\": entry must be an object, not an array"));
  EXPECT_THAT(HeaderError(R"({"a":{"dtype":"F32","shape":[1]}})", 4),
              HasSubstr("tensor \"a\": missing field 'data_offsets'"));
  EXPECT_THAT(HeaderError(R"({"a":{"shape":[1],"data_offsets":[0,4]}})", 4),
              HasSubstr("tensor \"a\": missing field 'dtype'"));
  EXPECT_THAT(HeaderError(R"({"a":{"dtype":"F32","data_offsets":[0,4]}})", 4),
              HasSubstr("tensor \"a\": missing field 'shape'"));
  EXPECT_THAT(HeaderError(R"({"a":{"dtype":4,"shape":[1],"data_offsets":[0,4]}})", 4),
              HasSubstr("tensor \"a\": field 'dtype' must be a string, not an integer"));
  EXPECT_THAT(HeaderError(R"({"a":{"dtype":"F32","shape":"1","data_offsets":[0,4]}})", 4),
              HasSubstr("field 'shape' must be an array of integers, not a string"));
}

TEST(SafetensorsHostileTest, BadDtypeAndShape) {
  EXPECT_THAT(HeaderError(R"({"a":{"dtype":"F33","shape":[1],"data_offsets":[0,4]}})", 4),
              HasSubstr("tensor \"a\": unknown dtype \"F33\""));
  EXPECT_THAT(HeaderError(R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", 4),
              HasSubstr("tensor \"a\": field 'shape': negative value -1"));
  EXPECT_THAT(HeaderError(R"({"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}})", 4),
              HasSubstr("field 'shape' must hold integers, not a non-integer number"));
  EXPECT_THAT(HeaderError(R"({"a":{"dtype":"F32","shape":[[1]],"data_offsets":[0,4]}})", 4),
              HasSubstr("field 'shape' must hold integers, not an array"));
  EXPECT_THAT(
      HeaderError(R"({"a":{"dtype":"F32","shape":[9223372036854775808],"data_offsets":[0,4]}})", 4),
      HasSubstr("field 'shape': 9223372036854775808 is too large"));
  EXPECT_THAT(
      HeaderError(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}})",
                  4),
      HasSubstr("shape [4294967296, 4294967296] overflows int64"));
  EXPECT_THAT(
      HeaderError(R"({"a":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,4]}})", 4),
      HasSubstr("of F32 needs more bytes than int64 can count"));
  EXPECT_THAT(HeaderError(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}})", 4),
              HasSubstr("shape [2] of F32 needs 8 bytes but data_offsets [0, 4] span 4"));
  std::string rank65 = "1";
  for (int i = 0; i < 64; ++i) rank65 += ",1";
  EXPECT_THAT(
      HeaderError(R"({"a":{"dtype":"F32","shape":[)" + rank65 + R"(],"data_offsets":[0,4]}})", 4),
      HasSubstr("has more than 64 dimensions"));
}

TEST(SafetensorsHostileTest, BadDataOffsets) {
  auto with_offsets = [](const std::string& offsets, size_t data) {
    return HeaderError(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":)" + offsets + "}}", data);
  };
  EXPECT_THAT(with_offsets("[0]", 4), HasSubstr("'data_offsets' must be two integers, got 1"));
  EXPECT_THAT(with_offsets("[0,4,8]", 8),
              HasSubstr("'data_offsets' must be two integers, got more"));
  EXPECT_THAT(with_offsets(R"(["0",4])", 4), HasSubstr("must hold integers, not a string"));
  EXPECT_THAT(with_offsets("[0,-4]", 4), HasSubstr("field 'data_offsets': negative value -4"));
  EXPECT_THAT(with_offsets("[0,18446744073709551616]", 4),
              HasSubstr("must hold integers, not a non-integer number"));
  EXPECT_THAT(with_offsets("{}", 4), HasSubstr("must be an array of integers, not an object"));
  EXPECT_THAT(with_offsets("[8,4]", 8), HasSubstr("data_offsets [8, 4]: begin is after end"));
  EXPECT_THAT(with_offsets("[4,8]", 6),
              HasSubstr("data_offsets [4, 8] run past the end of the 6-byte data buffer"));
}

TEST(SafetensorsHostileTest, OverlapsHolesAndLeftoverBytes) {
  const std::string f32x2 = R"("dtype":"F32","shape":[2],"data_offsets":)";
  EXPECT_THAT(
      HeaderError("{" + Entry("a", f32x2 + "[0,8]") + "," + Entry("b", f32x2 + "[4,12]") + "}", 12),
      HasSubstr("tensors \"a\" and \"b\" overlap"));
  EXPECT_THAT(
      HeaderError("{" + Entry("a", f32x2 + "[0,8]") + "," + Entry("b", f32x2 + "[0,8]") + "}", 8),
      HasSubstr("overlap"));
  EXPECT_THAT(
      HeaderError("{" + Entry("a", f32x2 + "[0,8]") + "," + Entry("b", f32x2 + "[12,20]") + "}",
                  20),
      HasSubstr("bytes [8, 12) of the data buffer belong to no tensor (a hole before \"b\")"));
  EXPECT_THAT(HeaderError("{" + Entry("a", f32x2 + "[0,8]") + "}", 10),
              HasSubstr("bytes [8, 10) at the end of the data buffer belong to no tensor"));
  EXPECT_THAT(HeaderError("{}", 3), HasSubstr("bytes [0, 3) at the end"));
}

TEST(SafetensorsHostileTest, DuplicateKeys) {
  const std::string e = R"("dtype":"F32","shape":[1],"data_offsets":[0,4])";
  EXPECT_THAT(HeaderError("{" + Entry("a", e) + "," + Entry("a", e) + "}", 4),
              HasSubstr("duplicate tensor name \"a\""));
  EXPECT_THAT(
      HeaderError(R"({"a":{"dtype":"F32","shape":[1],"shape":[1],"data_offsets":[0,4]}})", 4),
      HasSubstr("tensor \"a\": field 'shape' appears twice"));
  EXPECT_THAT(HeaderError(R"({"__metadata__":{"k":"1","k":"2"}})", 0),
              HasSubstr("__metadata__: duplicate key \"k\""));
  EXPECT_THAT(HeaderError(R"({"__metadata__":{},"__metadata__":{}})", 0),
              HasSubstr("duplicate key __metadata__"));
}

TEST(SafetensorsHostileTest, MetadataMustMapStringsToStrings) {
  EXPECT_THAT(HeaderError(R"({"__metadata__":{"k":1}})", 0),
              HasSubstr("__metadata__ value of \"k\" must be a string, not an integer"));
  EXPECT_THAT(HeaderError(R"({"__metadata__":{"k":{"x":"y"}}})", 0),
              HasSubstr("__metadata__ value of \"k\" must be a string, not an object"));
  EXPECT_THAT(HeaderError(R"({"__metadata__":["a"]})", 0),
              HasSubstr("__metadata__ must be an object, not an array"));
  EXPECT_THAT(HeaderError(R"({"__metadata__":"a"})", 0),
              HasSubstr("__metadata__ must be an object, not a string"));
}

TEST(SafetensorsHostileTest, LongNamesAreShortenedInMessages) {
  std::string name(100000, 'x');
  std::string message = HeaderError("{\"" + name + "\":1}", 0);
  EXPECT_THAT(message, HasSubstr("(100000 bytes)"));
  EXPECT_LT(message.size(), 1000u);
}

// A valid file with several tensors and metadata, as the seed of corruption.
std::string ValidFile() {
  std::string path = ::testing::TempDir() + "valid.safetensors";
  std::map<std::string, Tensor> tensors = {
      {"w", Tensor::RandN({3, 4}, 1)},        {"b", Tensor::RandN({4}, 2, 1.0f, DType::kBF16)},
      {"ids", Tensor::FromInts({2}, {1, 2})}, {"s", Tensor::Full({}, 1.0f)},
      {"e", Tensor::Zeros({0, 3})},
  };
  EXPECT_TRUE(WriteSafetensors(path, tensors, {{"format", "pt"}}).ok());
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(SafetensorsHostileTest, AHeaderOfManyTinyTensorsIsRefusedWithoutTheirMemory) {
  // 150,000 one-element tensors (an 11 MB header): past the per-file limit, refused while the
  // header is parsed, before any tensor exists. Peak memory stays near the header's size.
  std::string json = "{";
  const int n = 150'000;
  for (int i = 0; i < n; ++i) {
    absl::StrAppend(&json, i ? "," : "", "\"t", i, "\":{\"dtype\":\"F32\",\"shape\":[1],",
                    "\"data_offsets\":[", 4 * i, ",", 4 * i + 4, "]}");
  }
  json += "}";
  struct rusage before;
  getrusage(RUSAGE_SELF, &before);
  EXPECT_THAT(HeaderError(json, 4 * n), HasSubstr("more than 100000 tensors in one file"));
  struct rusage after;
  getrusage(RUSAGE_SELF, &after);
  // ru_maxrss is in KiB: at most 150 MB more than before (the tensors would need ~100 MB).
  EXPECT_LT(after.ru_maxrss - before.ru_maxrss, 150 * 1024);
}

TEST(SafetensorsHostileTest, EveryTruncationFails) {
  std::string valid = ValidFile();
  ASSERT_EQ(ReadError(valid), "");
  for (size_t n = 0; n < valid.size(); ++n) {
    EXPECT_NE(ReadError(valid.substr(0, n)), "") << "truncated to " << n << " bytes";
  }
  EXPECT_THAT(ReadError(valid.substr(0, valid.size() - 1)), HasSubstr("run past the end"));
  EXPECT_THAT(ReadError(valid.substr(0, 20)), HasSubstr("is more than the 12 bytes"));
}

TEST(SafetensorsHostileTest, RandomCorruptionNeverCrashes) {
  const std::string valid = ValidFile();
  uint64_t header = 0;
  for (int i = 7; i >= 0; --i) header = (header << 8) | static_cast<unsigned char>(valid[i]);
  std::mt19937_64 rng(12345);
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  int ok = 0;
  for (int iter = 0; iter < 500; ++iter) {
    std::string bytes = valid;
    switch (iter % 5) {
      case 0:  // flip bits anywhere
        for (int k = 1 + pick(4); k > 0; --k) bytes[pick(bytes.size())] ^= 1 << pick(8);
        break;
      case 1:  // random bytes in the header, where the parser lives
        for (int k = 1 + pick(3); k > 0; --k) bytes[8 + pick(header)] = static_cast<char>(rng());
        break;
      case 2:  // truncate
        bytes.resize(pick(bytes.size()));
        break;
      case 3:  // replace a header byte with JSON punctuation
        bytes[8 + pick(header)] = "{}[],:\"-09e. "[pick(13)];
        break;
      case 4:  // a random header length
        bytes.replace(0, 8, U64(iter % 2 ? rng() : rng() % (bytes.size() + 16)));
        break;
    }
    std::string message = ReadError(bytes);
    if (message.empty()) ++ok;  // e.g. a flipped data bit: still a valid file
  }
  EXPECT_GT(ok, 0);
  EXPECT_LT(ok, 500);
}

TEST(SafetensorsHostileTest, ParseHeaderDirectlyNamesSource) {
  absl::StatusOr<SafetensorsHeader> h = ParseSafetensorsHeader("{\"a\":null}", 0, "mem");
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.status().message(), "mem: tensor \"a\": entry must be an object, not null");
}

}  // namespace
}  // namespace vlmlab::weights
