// Element types and devices of tensors, and bf16 conversion.
//
//   DTypeSize(DType::kBF16) == 2;  DTypeName(DType::kI32) == "i32"
//   uint16_t h = FloatToBf16(1.5f);  float f = Bf16ToFloat(h);  // 1.5
#ifndef VLMLAB_PLATFORM_TENSOR_DTYPE_H_
#define VLMLAB_PLATFORM_TENSOR_DTYPE_H_

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace vlmlab {

enum class DType { kF32, kBF16, kI32 };

inline constexpr size_t DTypeSize(DType t) {
  switch (t) {
    case DType::kF32:
      return 4;
    case DType::kBF16:
      return 2;
    case DType::kI32:
      return 4;
  }
  return 0;
}

inline constexpr const char* DTypeName(DType t) {
  switch (t) {
    case DType::kF32:
      return "f32";
    case DType::kBF16:
      return "bf16";
    case DType::kI32:
      return "i32";
  }
  return "?";
}

enum class DeviceType { kCpu, kCuda };

struct Device {
  DeviceType type = DeviceType::kCpu;
  int index = 0;
  bool operator==(const Device& o) const { return type == o.type && index == o.index; }
  bool operator!=(const Device& o) const { return !(*this == o); }
};

inline const char* DeviceName(const Device& d) {
  return d.type == DeviceType::kCpu ? "cpu" : "cuda";
}

// bf16 is the top half of an f32; rounding to nearest even, NaN kept quiet.
inline uint16_t FloatToBf16(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  if ((bits & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((bits >> 16) | 0x40);
  uint32_t rounding = 0x7fffu + ((bits >> 16) & 1u);
  return static_cast<uint16_t>((bits + rounding) >> 16);
}

inline float Bf16ToFloat(uint16_t h) {
  uint32_t bits = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_TENSOR_DTYPE_H_
