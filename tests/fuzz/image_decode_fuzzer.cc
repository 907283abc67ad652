// Fuzzes image decoding (PNG through libpng, JPEG through libjpeg-turbo, chosen by signature):
// errors for anything malformed, never a crash, and a decoded image's size matches its pixels.
#include <cstdint>

#include "glog/logging.h"
#include "platform/image/codec.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  for (int channels : {1, 3}) {
    absl::StatusOr<vlmlab::Image> image =
        vlmlab::DecodeImage(vlmlab::fuzz::FuzzString(data, size), channels);
    if (!image.ok()) continue;
    CHECK_EQ(static_cast<int64_t>(image->pixels.size()),
             static_cast<int64_t>(image->width) * image->height * channels);
  }
  return 0;
}
