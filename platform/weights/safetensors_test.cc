// Round trips, the exact bytes of small files, and dtype conversions of safetensors files.
#include "platform/weights/safetensors.h"

#include <sys/stat.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "platform/tensor/tensor.h"
#include "platform/testing/temp_files.h"

namespace vlmlab::weights {
namespace {

using ::testing::HasSubstr;

std::string TempPath(const std::string& name) { return ::testing::TempDir() + name; }

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

std::string U64(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>(v >> (8 * i));
  return s;
}

// A file from a header (padded with spaces to 8) and raw data.
std::string MakeFile(std::string json, const std::string& data) {
  json.append((8 - json.size() % 8) % 8, ' ');
  return U64(json.size()) + json + data;
}

void ExpectSameTensor(const Tensor& a, const Tensor& b) {
  ASSERT_EQ(a.dtype(), b.dtype());
  ASSERT_EQ(a.shape(), b.shape());
  Tensor ca = a.Contiguous();
  Tensor cb = b.Contiguous();
  EXPECT_EQ(0, std::memcmp(ca.raw_data(), cb.raw_data(), ca.numel() * DTypeSize(ca.dtype())));
}

TEST(SafetensorsTest, RoundTripsDtypesScalarsEmptyTensorsAndMetadata) {
  std::map<std::string, Tensor> tensors = {
      {"f32", Tensor::RandN({2, 3}, 1)},
      {"bf16", Tensor::RandN({4, 1}, 2, 1.0f, DType::kBF16)},
      {"i32", Tensor::FromInts({3}, {-7, 0, 2147483647})},
      {"scalar", Tensor::Full({}, 3.5f)},
      {"empty", Tensor::Zeros({0, 5})},
      {"empty_bf16", Tensor::Zeros({0}, DType::kBF16)},
      {"transposed", Tensor::RandN({3, 2}, 3).ViewTranspose(0, 1).value()},
      {"layer.0.weight", Tensor::RandN({5}, 4)},
  };
  std::map<std::string, std::string> metadata = {
      {"format", "pt"}, {"unicode", "\xc3\xbc \"quoted\"\n"}, {"", "empty key"}};
  std::string path = TempPath("roundtrip.safetensors");
  ASSERT_TRUE(WriteSafetensors(path, tensors, metadata).ok());
  absl::StatusOr<SafetensorsFile> file = ReadSafetensors(path);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->metadata, metadata);
  EXPECT_TRUE(file->notes.empty());
  ASSERT_EQ(file->tensors.size(), tensors.size());
  for (const auto& [name, t] : tensors) {
    SCOPED_TRACE(name);
    ASSERT_EQ(file->tensors.count(name), 1u);
    ExpectSameTensor(file->tensors.at(name), t);
  }
  EXPECT_EQ(file->tensors.at("scalar").dim(), 0);
  EXPECT_EQ(file->tensors.at("scalar").ToVector(), std::vector<float>{3.5f});
  EXPECT_EQ(file->tensors.at("i32").ToInts(), (std::vector<int32_t>{-7, 0, 2147483647}));
}

TEST(SafetensorsTest, EmptyMapAndNoMetadata) {
  std::string path = TempPath("empty.safetensors");
  ASSERT_TRUE(WriteSafetensors(path, {}, {}).ok());
  EXPECT_EQ(ReadBytes(path), U64(8) + "{}      ");
  absl::StatusOr<SafetensorsFile> file = ReadSafetensors(path);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_TRUE(file->tensors.empty());
  EXPECT_TRUE(file->metadata.empty());
}

TEST(SafetensorsTest, TinyFileIsByteExact) {
  std::string path = TempPath("tiny.safetensors");
  ASSERT_TRUE(WriteSafetensors(path, {{"a", Tensor::FromVector({2}, {1.0f, 2.0f})}}, {}).ok());
  // 54 bytes of JSON + 2 spaces = 56 = 0x38; then 1.0f and 2.0f little-endian.
  std::string expected("\x38\0\0\0\0\0\0\0", 8);
  expected += R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  expected += "  ";
  expected += std::string("\x00\x00\x80\x3f\x00\x00\x00\x40", 8);
  EXPECT_EQ(ReadBytes(path), expected);
}

TEST(SafetensorsTest, MetadataFirstThenTensorsInNameOrder) {
  std::string path = TempPath("order.safetensors");
  std::map<std::string, Tensor> tensors = {
      {"c", Tensor::FromVector({1, 2}, {1.0f, -2.0f}, DType::kBF16)},
      {"b", Tensor::FromInts({}, {258})},
  };
  ASSERT_TRUE(WriteSafetensors(path, tensors, {{"format", "pt"}}).ok());
  // 140 bytes of JSON + 4 spaces = 144 = 0x90.
  std::string expected("\x90\0\0\0\0\0\0\0", 8);
  expected += R"({"__metadata__":{"format":"pt"},)"
              R"("b":{"dtype":"I32","shape":[],"data_offsets":[0,4]},)"
              R"("c":{"dtype":"BF16","shape":[1,2],"data_offsets":[4,8]}})";
  expected += "    ";
  expected += std::string("\x02\x01\x00\x00", 4);  // 258
  expected += std::string("\x80\x3f\x00\xc0", 4);  // bf16 1.0, -2.0
  EXPECT_EQ(ReadBytes(path), expected);
}

TEST(SafetensorsTest, F16ConvertsToF32Exactly) {
  const uint16_t halves[] = {0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001,
                             0x0400, 0x7c00, 0xfc00, 0x8000, 0x7e00};
  std::string data(reinterpret_cast<const char*>(halves), sizeof halves);
  std::string path = TempPath("f16.safetensors");
  WriteBytes(path, MakeFile(R"({"h":{"dtype":"F16","shape":[2,5],"data_offsets":[0,20]}})", data));
  absl::StatusOr<SafetensorsFile> file = ReadSafetensors(path);
  ASSERT_TRUE(file.ok()) << file.status();
  const Tensor& h = file->tensors.at("h");
  EXPECT_EQ(h.dtype(), DType::kF32);
  EXPECT_EQ(h.shape(), (Shape{2, 5}));
  std::vector<float> v = h.ToVector();
  float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(v[0], 1.0f);
  EXPECT_EQ(v[1], -2.0f);
  EXPECT_EQ(v[2], 0.5f);
  EXPECT_EQ(v[3], 65504.0f);
  EXPECT_EQ(v[4], std::ldexp(1.0f, -24));  // smallest subnormal
  EXPECT_EQ(v[5], std::ldexp(1.0f, -14));  // smallest normal
  EXPECT_EQ(v[6], inf);
  EXPECT_EQ(v[7], -inf);
  EXPECT_EQ(v[8], 0.0f);
  EXPECT_TRUE(std::signbit(v[8]));
  EXPECT_TRUE(std::isnan(v[9]));
  ASSERT_EQ(file->notes.size(), 1u);
  EXPECT_THAT(file->notes[0], HasSubstr("tensor \"h\": F16 converted to f32"));
}

TEST(SafetensorsTest, I64ConvertsToI32WithRangeCheck) {
  const int64_t ok[] = {-5, 2147483647, -2147483648LL};
  std::string path = TempPath("i64.safetensors");
  WriteBytes(path, MakeFile(R"({"ids":{"dtype":"I64","shape":[3],"data_offsets":[0,24]}})",
                            std::string(reinterpret_cast<const char*>(ok), sizeof ok)));
  absl::StatusOr<SafetensorsFile> file = ReadSafetensors(path);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->tensors.at("ids").ToInts(),
            (std::vector<int32_t>{-5, 2147483647, -2147483647 - 1}));
  ASSERT_EQ(file->notes.size(), 1u);
  EXPECT_THAT(file->notes[0], HasSubstr("tensor \"ids\": I64 converted to i32"));

  const int64_t bad[] = {1, 2147483648LL};
  WriteBytes(path, MakeFile(R"({"ids":{"dtype":"I64","shape":[2],"data_offsets":[0,16]}})",
                            std::string(reinterpret_cast<const char*>(bad), sizeof bad)));
  file = ReadSafetensors(path);
  ASSERT_FALSE(file.ok());
  EXPECT_THAT(file.status().message(), HasSubstr(path));
  EXPECT_THAT(file.status().message(),
              HasSubstr("tensor \"ids\": I64 value 2147483648 at index 1 does not fit in i32"));
}

TEST(SafetensorsTest, UnsupportedDtypeNamesTensorAndDtype) {
  std::string path = TempPath("f64.safetensors");
  WriteBytes(path, MakeFile(R"({"d":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}})",
                            std::string(8, '\0')));
  absl::StatusOr<SafetensorsFile> file = ReadSafetensors(path);
  ASSERT_FALSE(file.ok());
  EXPECT_THAT(file.status().message(), HasSubstr(path));
  EXPECT_THAT(file.status().message(), HasSubstr("tensor \"d\" has dtype F64"));
}

TEST(SafetensorsTest, ReadsHeadersWithUnknownFieldsAndOutOfOrderOffsets) {
  // Entries need not be in data order; unknown fields are ignored like the reference does.
  std::string json =
      R"({"b":{"shape":[1],"extra":{"x":[[1],{"y":null}]},"dtype":"I32","data_offsets":[4,8]},)"
      R"("a":{"dtype":"I32","data_offsets":[0,4],"shape":[1],"n":18446744073709551615}})";
  std::string data("\x01\0\0\0\x02\0\0\0", 8);
  std::string path = TempPath("unordered.safetensors");
  WriteBytes(path, MakeFile(json, data));
  absl::StatusOr<SafetensorsFile> file = ReadSafetensors(path);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->tensors.at("a").ToInts(), std::vector<int32_t>{1});
  EXPECT_EQ(file->tensors.at("b").ToInts(), std::vector<int32_t>{2});
}

TEST(SafetensorsTest, WriteRejectsBadNamesAndUndefinedTensors) {
  std::string path = TempPath("bad_write.safetensors");
  absl::Status s = WriteSafetensors(path, {{"__metadata__", Tensor::Zeros({1})}}, {});
  EXPECT_THAT(s.message(), HasSubstr("cannot be named __metadata__"));
  s = WriteSafetensors(path, {{"bad\xff", Tensor::Zeros({1})}}, {});
  EXPECT_THAT(s.message(), HasSubstr("is not valid UTF-8"));
  s = WriteSafetensors(path, {{"ok", Tensor::Zeros({1})}}, {{"k", "\xc3"}});
  EXPECT_THAT(s.message(), HasSubstr("metadata value"));
  s = WriteSafetensors(path, {{"u", Tensor()}}, {});
  EXPECT_THAT(s.message(), HasSubstr("tensor \"u\" is undefined"));
  EXPECT_THAT(s.message(), HasSubstr(path));
}

TEST(SafetensorsTest, MissingFileNamesPathAndErrno) {
  std::string path = TempPath("does_not_exist.safetensors");
  absl::StatusOr<SafetensorsFile> file = ReadSafetensors(path);
  ASSERT_FALSE(file.ok());
  EXPECT_TRUE(absl::IsNotFound(file.status()));
  EXPECT_THAT(file.status().message(), HasSubstr(path));
  EXPECT_THAT(file.status().message(), HasSubstr("No such file or directory"));
}

// Writes go through AtomicFileWriter: a write that fails half-way (a 4 KiB file size limit
// standing in for a full disk) leaves the previous file byte for byte and no temporary file.
TEST(SafetensorsTest, FailedWriteKeepsThePreviousFile) {
  std::string dir = TempPath("st_full");
  mkdir(dir.c_str(), 0755);
  std::string path = dir + "/m.safetensors";
  ASSERT_TRUE(WriteSafetensors(path, {{"old", Tensor::Full({4}, 1.0f)}}).ok());
  const std::string old_bytes = ReadBytes(path);
  absl::Status s = WithFileSizeLimit(4096, [&] {
    return WriteSafetensors(path, {{"big", Tensor::Zeros({100000})}});
  });
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr(path));
  EXPECT_EQ(ReadBytes(path), old_bytes);
  int entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) entries += e.exists();
  EXPECT_EQ(entries, 1);  // the target alone
}

}  // namespace
}  // namespace vlmlab::weights
