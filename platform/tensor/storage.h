// Reference-counted raw memory on a device; tensors are views over a Storage.
//
//   absl::StatusOr<std::shared_ptr<Storage>> s = Storage::Allocate(1024, Device{});
//   float* p = static_cast<float*>((*s)->data());
//
// CPU memory is 64-byte aligned (a cache line, an AVX-512 vector) and zero-filled. CUDA
// storage is provided by the CUDA backend through SetCudaAllocator, so this file needs no CUDA.
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
  static absl::StatusOr<std::shared_ptr<Storage>> Allocate(size_t bytes, Device device);
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

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_TENSOR_STORAGE_H_
