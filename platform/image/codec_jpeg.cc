// JPEG through libjpeg(-turbo). libjpeg reports errors through error_exit, which longjmps
// here; every setjmp sits in a function whose state is owned by its caller, so a longjmp never
// skips a C++ destructor. Warnings that mean truncated or corrupt data are errors too:
// libjpeg would otherwise pad a truncated file with grey and report success.
#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

// jpeglib.h needs size_t and FILE declared first.
#include <jerror.h>
#include <jpeglib.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "platform/image/channel_convert.h"
#include "platform/image/codec_internal.h"

namespace vlmlab {
namespace {

struct JpegError {
  jpeg_error_mgr mgr;
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

void OnJpegError(j_common_ptr cinfo) {
  auto* error = reinterpret_cast<JpegError*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, error->message);
  std::longjmp(error->jump, 1);
}

void OnJpegMessage(j_common_ptr cinfo, int level) {
  if (level != -1) return;  // trace messages
  switch (cinfo->err->msg_code) {
    case JWRN_JPEG_EOF:
    case JWRN_HIT_MARKER:
    case JWRN_MUST_RESYNC:
    case JWRN_NOT_SEQUENTIAL:
    case JWRN_HUFF_BAD_CODE:
      OnJpegError(cinfo);
      break;
    default:
      break;
  }
}

void InstallErrorHandler(JpegError* error) {
  jpeg_std_error(&error->mgr);
  error->mgr.error_exit = OnJpegError;
  error->mgr.emit_message = OnJpegMessage;
  error->message[0] = '\0';
}

absl::Status ReadJpeg(absl::string_view bytes, int want, JpegError* error,
                      jpeg_decompress_struct* cinfo, std::vector<uint8_t>* raw, int* width,
                      int* height, int* channels) {
  InstallErrorHandler(error);
  cinfo->err = &error->mgr;
  if (setjmp(error->jump)) {
    jpeg_destroy_decompress(cinfo);
    return absl::InvalidArgumentError(absl::StrCat("JPEG decode failed: ", error->message));
  }
  jpeg_create_decompress(cinfo);
  jpeg_mem_src(cinfo, reinterpret_cast<const unsigned char*>(bytes.data()),
               static_cast<unsigned long>(bytes.size()));
  jpeg_read_header(cinfo, TRUE);
  absl::Status dims = CheckDecodeDimensions("JPEG", cinfo->image_width, cinfo->image_height);
  if (dims.ok() && (cinfo->jpeg_color_space == JCS_CMYK || cinfo->jpeg_color_space == JCS_YCCK)) {
    dims = absl::UnimplementedError("JPEG decode: CMYK JPEGs are not supported; convert to RGB");
  }
  if (!dims.ok()) {
    jpeg_destroy_decompress(cinfo);
    return dims;
  }
  int c;
  if (want == 1 || (want == 0 && cinfo->num_components == 1)) {
    cinfo->out_color_space = JCS_GRAYSCALE;
    c = 1;
  } else if (want == 4) {
    cinfo->out_color_space = JCS_EXT_RGBA;
    c = 4;
  } else {
    cinfo->out_color_space = JCS_RGB;
    c = 3;
  }
  jpeg_start_decompress(cinfo);
  if (cinfo->output_components != c) {
    jpeg_destroy_decompress(cinfo);
    return absl::InternalError("JPEG decode: libjpeg produced an unexpected channel count");
  }
  const size_t row_bytes = static_cast<size_t>(cinfo->output_width) * c;
  raw->resize(row_bytes * cinfo->output_height);
  while (cinfo->output_scanline < cinfo->output_height) {
    JSAMPROW row = raw->data() + row_bytes * cinfo->output_scanline;
    if (jpeg_read_scanlines(cinfo, &row, 1) != 1) {
      jpeg_destroy_decompress(cinfo);
      return absl::InvalidArgumentError("JPEG decode failed: file is truncated");
    }
  }
  jpeg_finish_decompress(cinfo);
  *width = static_cast<int>(cinfo->output_width);
  *height = static_cast<int>(cinfo->output_height);
  *channels = c;
  jpeg_destroy_decompress(cinfo);
  return absl::OkStatus();
}

absl::Status WriteJpeg(const Image* image, int quality, JpegError* error,
                       jpeg_compress_struct* cinfo, unsigned char** buffer, unsigned long* size) {
  InstallErrorHandler(error);
  cinfo->err = &error->mgr;
  if (setjmp(error->jump)) {
    jpeg_destroy_compress(cinfo);
    return absl::InternalError(absl::StrCat("JPEG encode failed: ", error->message));
  }
  jpeg_create_compress(cinfo);
  jpeg_mem_dest(cinfo, buffer, size);
  cinfo->image_width = image->width;
  cinfo->image_height = image->height;
  cinfo->input_components = image->channels;
  cinfo->in_color_space = image->channels == 1   ? JCS_GRAYSCALE
                          : image->channels == 3 ? JCS_RGB
                                                 : JCS_EXT_RGBA;
  jpeg_set_defaults(cinfo);
  jpeg_set_quality(cinfo, quality, TRUE);
  jpeg_start_compress(cinfo, TRUE);
  const size_t row_bytes = static_cast<size_t>(image->width) * image->channels;
  while (cinfo->next_scanline < cinfo->image_height) {
    JSAMPROW row = const_cast<JSAMPROW>(image->pixels.data() + row_bytes * cinfo->next_scanline);
    jpeg_write_scanlines(cinfo, &row, 1);
  }
  jpeg_finish_compress(cinfo);
  jpeg_destroy_compress(cinfo);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Image> DecodeJpegImpl(absl::string_view bytes, int channels) {
  JpegError error;
  jpeg_decompress_struct cinfo;
  std::vector<uint8_t> raw;
  int width = 0, height = 0, got = 0;
  absl::Status read = ReadJpeg(bytes, channels, &error, &cinfo, &raw, &width, &height, &got);
  if (!read.ok()) return read;
  return ConvertChannels(raw.data(), width, height, got, got);
}

absl::StatusOr<std::string> EncodeJpegImpl(const Image& image, int quality) {
  absl::Status ok = CheckImageForEncoding(image);
  if (!ok.ok()) return ok;
  if (image.channels == 2) {
    return absl::InvalidArgumentError("JPEG cannot store gray+alpha; convert to 1 or 3 channels");
  }
  if (quality < 1 || quality > 100) {
    return absl::InvalidArgumentError(absl::StrCat("JPEG quality must be 1-100, got ", quality));
  }
  JpegError error;
  jpeg_compress_struct cinfo;
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  absl::Status written = WriteJpeg(&image, quality, &error, &cinfo, &buffer, &size);
  std::string out;
  if (written.ok()) out.assign(reinterpret_cast<const char*>(buffer), size);
  std::free(buffer);
  if (!written.ok()) return written;
  return out;
}

}  // namespace vlmlab
