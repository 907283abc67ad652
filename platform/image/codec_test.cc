#include "platform/image/codec.h"

#include <zlib.h>

#include <cstring>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "platform/image/channel_convert.h"

namespace vlmlab {
namespace {

Image Gradient(int width, int height, int channels) {
  Image img(width, height, channels);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      for (int c = 0; c < channels; ++c)
        img.at(x, y)[c] = static_cast<uint8_t>(x * 7 + y * 3 + c * 50);
    }
  }
  return img;
}

void AppendBigEndian(std::string* out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<char>(v >> shift));
}

void AppendChunk(std::string* out, const std::string& type, const std::string& data) {
  AppendBigEndian(out, data.size());
  std::string body = type + data;
  out->append(body);
  AppendBigEndian(out, crc32(0, reinterpret_cast<const Bytef*>(body.data()), body.size()));
}

TEST(CodecTest, PngRoundTripsEveryChannelCountExactly) {
  for (int channels : {1, 3, 4}) {
    Image img = Gradient(37, 21, channels);
    absl::StatusOr<std::string> png = EncodePng(img);
    ASSERT_TRUE(png.ok()) << png.status();
    absl::StatusOr<Image> back = DecodeImage(*png, 0);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(back->width, 37);
    EXPECT_EQ(back->height, 21);
    EXPECT_EQ(back->channels, channels);
    EXPECT_EQ(back->pixels, img.pixels) << channels;
  }
}

TEST(CodecTest, PngConvertsGrayToRgbAndRgbToGray) {
  Image gray = Gradient(5, 4, 1);
  absl::StatusOr<Image> rgb = DecodeImage(EncodePng(gray).value(), 3);
  ASSERT_TRUE(rgb.ok());
  ASSERT_EQ(rgb->channels, 3);
  EXPECT_EQ(rgb->at(3, 2)[0], gray.at(3, 2)[0]);
  EXPECT_EQ(rgb->at(3, 2)[2], gray.at(3, 2)[0]);
  Image color(1, 1, 3);
  color.pixels = {200, 100, 50};
  absl::StatusOr<Image> luma = DecodeImage(EncodePng(color).value(), 1);
  ASSERT_TRUE(luma.ok());
  // 0.299 * 200 + 0.587 * 100 + 0.114 * 50 = 124.2
  EXPECT_EQ(luma->pixels[0], 124);
}

TEST(CodecTest, JpegRoundTripIsClose) {
  Image img(32, 32, 3);
  for (int y = 0; y < 32; ++y) {
    for (int x = 0; x < 32; ++x) {
      uint8_t* p = img.at(x, y);
      p[0] = static_cast<uint8_t>(x * 8);
      p[1] = static_cast<uint8_t>(y * 8);
      p[2] = 128;
    }
  }
  absl::StatusOr<std::string> jpg = EncodeJpeg(img, 95);
  ASSERT_TRUE(jpg.ok()) << jpg.status();
  absl::StatusOr<Image> back = DecodeImage(*jpg);
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_EQ(back->channels, 3);
  double err = 0;
  for (size_t i = 0; i < img.pixels.size(); ++i) err += std::abs(img.pixels[i] - back->pixels[i]);
  EXPECT_LT(err / img.pixels.size(), 3.0);
  absl::StatusOr<Image> gray = DecodeImage(*jpg, 1);
  ASSERT_TRUE(gray.ok());
  EXPECT_EQ(gray->channels, 1);
  absl::StatusOr<Image> rgba = DecodeImage(*jpg, 4);
  ASSERT_TRUE(rgba.ok());
  EXPECT_EQ(rgba->channels, 4);
  EXPECT_EQ(rgba->at(5, 5)[3], 255);
}

TEST(CodecTest, EveryTruncationIsRejected) {
  std::string png = EncodePng(Gradient(16, 16, 3)).value();
  std::string jpg = EncodeJpeg(Gradient(16, 16, 3)).value();
  for (const std::string* file : {&png, &jpg}) {
    for (size_t len = 0; len < file->size(); ++len) {
      absl::StatusOr<Image> img = DecodeImage(absl::string_view(*file).substr(0, len));
      EXPECT_FALSE(img.ok()) << "accepted " << len << " of " << file->size() << " bytes";
    }
  }
}

TEST(CodecTest, CorruptPngIsRejected) {
  std::string png = EncodePng(Gradient(16, 16, 3)).value();
  // Flip one byte inside every chunk after the signature; the CRC catches it.
  for (size_t pos = 16; pos < png.size() - 12; pos += 7) {
    std::string bad = png;
    bad[pos] ^= 0x55;
    EXPECT_FALSE(DecodeImage(bad).ok()) << "accepted corruption at " << pos;
  }
}

TEST(CodecTest, CorruptJpegNeverCrashes) {
  std::string jpg = EncodeJpeg(Gradient(24, 24, 3)).value();
  int rejected = 0;
  for (size_t pos = 2; pos < jpg.size(); pos += 3) {
    std::string bad = jpg;
    bad[pos] ^= 0xA5;
    absl::StatusOr<Image> img = DecodeImage(bad);
    // Entropy-coded data has no checksum: some flips decode to a different picture. Whatever
    // decodes must have the declared geometry.
    if (img.ok()) {
      EXPECT_EQ(img->pixels.size(), static_cast<size_t>(img->width) * img->height * 3);
    } else {
      ++rejected;
    }
  }
  EXPECT_GT(rejected, 0);
}

TEST(CodecTest, HugeDeclaredDimensionsAreRefusedBeforeAllocation) {
  std::string png("\x89PNG\r\n\x1a\n", 8);
  std::string ihdr;
  AppendBigEndian(&ihdr, 60000);  // width
  AppendBigEndian(&ihdr, 60000);  // height: 3.6e9 pixels
  ihdr += std::string("\x08\x02\x00\x00\x00", 5);
  AppendChunk(&png, "IHDR", ihdr);
  AppendChunk(&png, "IDAT", std::string("\x78\x9c\x03\x00\x00\x00\x00\x01", 8));
  AppendChunk(&png, "IEND", "");
  absl::StatusOr<Image> img = DecodeImage(png);
  ASSERT_FALSE(img.ok());
  EXPECT_THAT(img.status().message(), ::testing::HasSubstr("60000x60000")) << img.status();

  // A JPEG SOF0 with 65000 x 65000.
  std::string jpg = EncodeJpeg(Gradient(8, 8, 3)).value();
  size_t sof = jpg.find("\xFF\xC0");
  ASSERT_NE(sof, std::string::npos);
  // FFC0, length(2), precision(1), height(2), width(2)
  jpg[sof + 5] = static_cast<char>(0xFD);
  jpg[sof + 6] = static_cast<char>(0xE8);
  jpg[sof + 7] = static_cast<char>(0xFD);
  jpg[sof + 8] = static_cast<char>(0xE8);
  img = DecodeImage(jpg);
  ASSERT_FALSE(img.ok());
  EXPECT_THAT(img.status().message(), ::testing::HasSubstr("65000x65000")) << img.status();
}

TEST(CodecTest, UnknownFormatsAndBadArgumentsAreErrors) {
  EXPECT_FALSE(DecodeImage("").ok());
  EXPECT_FALSE(DecodeImage("GIF89a....").ok());
  EXPECT_THAT(DecodeImage("GIF89a").status().message(), ::testing::HasSubstr("47 49 46"));
  std::string png = EncodePng(Gradient(4, 4, 3)).value();
  EXPECT_FALSE(DecodeImage(png, 2).ok());
  EXPECT_FALSE(EncodePng(Image()).ok());
  Image broken(4, 4, 3);
  broken.pixels.resize(5);
  EXPECT_FALSE(EncodePng(broken).ok());
  EXPECT_FALSE(EncodeJpeg(Gradient(4, 4, 3), 0).ok());
}

TEST(CodecTest, PngEncodingIsDeterministic) {
  Image img = Gradient(20, 20, 3);
  EXPECT_EQ(EncodePng(img).value(), EncodePng(img).value());
}

}  // namespace
}  // namespace vlmlab
