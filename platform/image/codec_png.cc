// PNG through libpng. libpng reports errors by longjmp; every setjmp below sits in a function
// whose C++ objects are owned by its caller, so a longjmp never skips a destructor.
#include <png.h>

#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "platform/image/channel_convert.h"
#include "platform/image/codec_internal.h"

namespace vlmlab {
namespace {

struct PngIo {
  absl::string_view in;
  size_t pos = 0;
  std::string* out = nullptr;
  char error[256] = {0};
};

void OnPngError(png_structp png, png_const_charp message) {
  auto* io = static_cast<PngIo*>(png_get_error_ptr(png));
  std::snprintf(io->error, sizeof(io->error), "%s", message);
  png_longjmp(png, 1);
}

void OnPngWarning(png_structp, png_const_charp) {}

void ReadFromMemory(png_structp png, png_bytep data, png_size_t length) {
  auto* io = static_cast<PngIo*>(png_get_io_ptr(png));
  if (length > io->in.size() - io->pos) png_error(png, "file is truncated");
  std::memcpy(data, io->in.data() + io->pos, length);
  io->pos += length;
}

void WriteToString(png_structp png, png_bytep data, png_size_t length) {
  auto* io = static_cast<PngIo*>(png_get_io_ptr(png));
  io->out->append(reinterpret_cast<const char*>(data), length);
}

void FlushNothing(png_structp) {}

// Decodes into `raw` (the file's own layout after expansion to 8-bit: 1-4 channels).
absl::Status ReadPng(PngIo* io, std::vector<uint8_t>* raw, std::vector<png_bytep>* rows, int* width,
                     int* height, int* channels) {
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, io, OnPngError, OnPngWarning);
  if (png == nullptr) return absl::ResourceExhaustedError("PNG decode: out of memory");
  png_infop info = png_create_info_struct(png);
  if (info == nullptr) {
    png_destroy_read_struct(&png, nullptr, nullptr);
    return absl::ResourceExhaustedError("PNG decode: out of memory");
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &info, nullptr);
    return absl::InvalidArgumentError(absl::StrCat("PNG decode failed: ", io->error));
  }
  png_set_read_fn(png, io, ReadFromMemory);
  png_set_user_limits(png, 1u << 20, 1u << 20);
  png_read_info(png, info);
  const png_uint_32 w = png_get_image_width(png, info);
  const png_uint_32 h = png_get_image_height(png, info);
  absl::Status dims = CheckDecodeDimensions("PNG", w, h);
  if (!dims.ok()) {
    png_destroy_read_struct(&png, &info, nullptr);
    return dims;
  }
  const int color = png_get_color_type(png, info);
  const int depth = png_get_bit_depth(png, info);
  if (depth == 16) png_set_strip_16(png);
  if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (color == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
  if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  const int c = png_get_channels(png, info);
  const size_t row_bytes = png_get_rowbytes(png, info);
  if (c < 1 || c > 4 || row_bytes != static_cast<size_t>(w) * c) {
    png_destroy_read_struct(&png, &info, nullptr);
    return absl::InvalidArgumentError(absl::StrCat("PNG decode: unsupported pixel layout (", c,
                                                   " channels, ", row_bytes,
                                                   " bytes per row for width ", w, ")"));
  }
  raw->resize(row_bytes * h);
  rows->resize(h);
  for (png_uint_32 y = 0; y < h; ++y) (*rows)[y] = raw->data() + y * row_bytes;
  png_read_image(png, rows->data());
  png_read_end(png, nullptr);
  png_destroy_read_struct(&png, &info, nullptr);
  *width = static_cast<int>(w);
  *height = static_cast<int>(h);
  *channels = c;
  return absl::OkStatus();
}

absl::Status WritePng(PngIo* io, const Image* image, std::vector<png_bytep>* rows) {
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, io, OnPngError, OnPngWarning);
  if (png == nullptr) return absl::ResourceExhaustedError("PNG encode: out of memory");
  png_infop info = png_create_info_struct(png);
  if (info == nullptr) {
    png_destroy_write_struct(&png, nullptr);
    return absl::ResourceExhaustedError("PNG encode: out of memory");
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return absl::InternalError(absl::StrCat("PNG encode failed: ", io->error));
  }
  static constexpr int kColorType[] = {0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA,
                                       PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGB_ALPHA};
  png_set_write_fn(png, io, WriteToString, FlushNothing);
  png_set_IHDR(png, info, image->width, image->height, 8, kColorType[image->channels],
               PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  png_write_image(png, rows->data());
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Image> DecodePngImpl(absl::string_view bytes, int channels) {
  PngIo io;
  io.in = bytes;
  std::vector<uint8_t> raw;
  std::vector<png_bytep> rows;
  int width = 0, height = 0, file_channels = 0;
  absl::Status read = ReadPng(&io, &raw, &rows, &width, &height, &file_channels);
  if (!read.ok()) return read;
  return ConvertChannels(raw.data(), width, height, file_channels, channels);
}

absl::StatusOr<std::string> EncodePngImpl(const Image& image) {
  absl::Status ok = CheckImageForEncoding(image);
  if (!ok.ok()) return ok;
  std::string out;
  PngIo io;
  io.out = &out;
  std::vector<png_bytep> rows(image.height);
  const size_t row_bytes = static_cast<size_t>(image.width) * image.channels;
  for (int y = 0; y < image.height; ++y) {
    rows[y] = const_cast<png_bytep>(image.pixels.data() + y * row_bytes);
  }
  absl::Status written = WritePng(&io, &image, &rows);
  if (!written.ok()) return written;
  return out;
}

}  // namespace vlmlab
