#include "platform/tensor/storage.h"

#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "platform/tensor/cpu_allocator.h"

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

bool PoisonUninitialized() {
  static const bool poison = [] {
    const char* v = std::getenv("VLMLAB_POISON_UNINITIALIZED");
    return v != nullptr && *v != '\0' && std::strcmp(v, "0") != 0;
  }();
  return poison;
}

absl::StatusOr<std::shared_ptr<Storage>> Storage::Allocate(size_t bytes, Device device) {
  if (device.type != DeviceType::kCpu) return AllocateUninitialized(bytes, device);
  absl::StatusOr<std::shared_ptr<Storage>> s = AllocateUninitialized(bytes, device);
  if (s.ok() && bytes > 0) std::memset((*s)->data(), 0, bytes);
  return s;
}

absl::StatusOr<std::shared_ptr<Storage>> Storage::AllocateUninitialized(size_t bytes,
                                                                        Device device) {
  if (bytes > kMaxBytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat("refusing to allocate ", bytes, " bytes (limit ", kMaxBytes, ")"));
  }
  if (device.type == DeviceType::kCpu) {
    void* p = CpuAllocate(bytes);
    if (p == nullptr) {
      return absl::ResourceExhaustedError(
          absl::StrCat("out of memory allocating ", bytes, " bytes"));
    }
    if (PoisonUninitialized() && bytes > 0) std::memset(p, 0xFF, bytes);
    return std::make_shared<Storage>(p, bytes, device, [bytes](void* q) { CpuFree(q, bytes); });
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
