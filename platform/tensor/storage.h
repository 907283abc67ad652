// Reference-counted raw memory on a device; tensors are views over a Storage.
//
//   absl::StatusOr<std::shared_ptr<Storage>> s = Storage::Allocate(1024, Device{});
//   float* p = static_cast<float*>((*s)->data());
//
// CPU memory is 64-byte aligned (a cache line, an AVX-512 vector) and comes from the caching
// allocator of cpu_allocator.h; Allocate zero-fills it, AllocateUninitialized does not (with
// VLMLAB_POISON_UNINITIALIZED=1 in the environment it fills it with 0xFF bytes instead: NaN in
// f32 / bf16, -1 in i32, so a kernel that leaves output elements unwritten fails its tests).
// Other devices' storage comes from their backend through SetDeviceAllocator, so this file
// needs no CUDA.
#ifndef VLMLAB_PLATFORM_TENSOR_STORAGE_H_
#define VLMLAB_PLATFORM_TENSOR_STORAGE_H_

#include <cstddef>
#include <functional>
#include <memory>

#include "absl/status/statusor.h"
#include "platform/tensor/dtype.h"

namespace vlmlab {

class Storage {
 public:
  // Refuses sizes over kMaxBytes (a corrupt shape must not become a huge allocation).
  // Zero-filled on the CPU (other devices: as their allocator returns it).
  static absl::StatusOr<std::shared_ptr<Storage>> Allocate(size_t bytes, Device device);
  // Contents unspecified: for outputs that are overwritten entirely.
  static absl::StatusOr<std::shared_ptr<Storage>> AllocateUninitialized(size_t bytes,
                                                                        Device device);
  static constexpr size_t kMaxBytes = size_t{64} << 30;

  Storage(void* data, size_t bytes, Device device, std::function<void(void*)> free)
      : data_(data), bytes_(bytes), device_(device), free_(std::move(free)) {}
  ~Storage() {
    if (free_) free_(data_);
  }
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  size_t bytes() const { return bytes_; }
  Device device() const { return device_; }

 private:
  void* data_;
  size_t bytes_;
  Device device_;
  std::function<void(void*)> free_;
};

// How a device backend allocates: returns memory of `bytes` bytes and its deleter.
using DeviceAllocator =
    std::function<absl::StatusOr<std::shared_ptr<Storage>>(size_t bytes, Device device)>;
void SetDeviceAllocator(DeviceType type, DeviceAllocator allocator);

// Whether VLMLAB_POISON_UNINITIALIZED is set (read once).
bool PoisonUninitialized();

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_TENSOR_STORAGE_H_
