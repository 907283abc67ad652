#include "platform/tensor/storage.h"

#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>

#include "absl/strings/str_cat.h"

namespace vlmlab {
namespace {

std::mutex& AllocatorMutex() {
  static std::mutex* m = new std::mutex;
  return *m;
}

std::map<DeviceType, DeviceAllocator>& Allocators() {
  static auto* a = new std::map<DeviceType, DeviceAllocator>;
  return *a;
}

}  // namespace

void SetDeviceAllocator(DeviceType type, DeviceAllocator allocator) {
  std::lock_guard<std::mutex> lock(AllocatorMutex());
  Allocators()[type] = std::move(allocator);
}

absl::StatusOr<std::shared_ptr<Storage>> Storage::Allocate(size_t bytes, Device device) {
  if (bytes > kMaxBytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat("refusing to allocate ", bytes, " bytes (limit ", kMaxBytes, ")"));
  }
  if (device.type == DeviceType::kCpu) {
    size_t rounded = (bytes + 63) / 64 * 64;
    void* p = std::aligned_alloc(64, rounded == 0 ? 64 : rounded);
    if (p == nullptr) {
      return absl::ResourceExhaustedError(
          absl::StrCat("out of memory allocating ", bytes, " bytes"));
    }
    std::memset(p, 0, rounded == 0 ? 64 : rounded);
    return std::make_shared<Storage>(p, bytes, device, [](void* q) { std::free(q); });
  }
  DeviceAllocator allocator;
  {
    std::lock_guard<std::mutex> lock(AllocatorMutex());
    auto it = Allocators().find(device.type);
    if (it != Allocators().end()) allocator = it->second;
  }
  if (!allocator) {
    return absl::FailedPreconditionError(
        absl::StrCat("no allocator for device ", DeviceName(device), "; build with --config=cuda"));
  }
  return allocator(bytes, device);
}

}  // namespace vlmlab
