// Fuzzes the safetensors header parser: any bytes as the header of a 4096-byte data buffer.
#include <cstdint>

#include "platform/weights/safetensors_header.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string json = vlmlab::fuzz::FuzzString(data, size);
  absl::StatusOr<vlmlab::weights::SafetensorsHeader> h =
      vlmlab::weights::ParseSafetensorsHeader(json, /*data_size=*/4096, "fuzz.safetensors");
  (void)h;
  return 0;
}
