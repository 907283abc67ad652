// Kernel tables: for each op, the implementations registered by each backend, chosen by
// (device, dtype) in order of priority. This is the backend interface: a backend is the set of
// kernels it registers, and its capability query is whether a table has an entry for it.
//
//   // kernels/api/elementwise.h
//   using BinaryKernel = absl::Status(BinaryOp, const Tensor& a, const Tensor& b, Tensor* out);
//   KernelTable<BinaryKernel>& BinaryKernels();
//
//   // kernels/reference/elementwise_reference.cc
//   VLMLAB_REGISTER_KERNEL(BinaryKernels, "reference", DeviceType::kCpu, 0, ReferenceBinary,
//                          DType::kF32, DType::kBF16);   // the dtypes it handles
//
//   // platform/ops: the best kernel for the inputs
//   absl::Status s = BinaryKernels().Call(x.device(), x.dtype(), BinaryOp::kAdd, a, b, &out);
//
// With VLMLAB_KERNEL_PROFILE=1 every Call is timed (kernels/api/kernel_profile.h).
//
// Priorities: reference 0, CPU (oneDNN / fused C++) 10, CUDA 10. Tests compare every
// registered implementation with the "reference" one.
#ifndef VLMLAB_KERNELS_API_KERNEL_TABLE_H_
#define VLMLAB_KERNELS_API_KERNEL_TABLE_H_

#include <algorithm>
#include <initializer_list>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "glog/logging.h"
#include "kernels/api/kernel_profile.h"
#include "platform/tensor/dtype.h"

namespace vlmlab {

class KernelTableBase {
 public:
  explicit KernelTableBase(std::string op);
  virtual ~KernelTableBase() = default;
  const std::string& op() const { return op_; }
  // Whether `backend` has a kernel for this op on `device` and `dtype`.
  virtual bool Supports(absl::string_view backend, DeviceType device, DType dtype) const = 0;
  virtual std::vector<std::string> Backends() const = 0;

 private:
  std::string op_;
};

// Every table, by op name: the capability query across ops.
const std::map<std::string, const KernelTableBase*>& AllKernelTables();

template <typename Fn>
class KernelTable : public KernelTableBase {
 public:
  struct Impl {
    std::string backend;
    DeviceType device;
    int priority;
    std::vector<DType> dtypes;
    Fn* fn;
    bool handles(DeviceType d, DType t) const {
      return d == device && std::find(dtypes.begin(), dtypes.end(), t) != dtypes.end();
    }
  };

  explicit KernelTable(std::string op) : KernelTableBase(std::move(op)) {}

  bool Register(Impl impl) {
    std::lock_guard<std::mutex> lock(mu_);
    for (const Impl& e : impls_) {
      CHECK(!(e.backend == impl.backend && e.device == impl.device))
          << "two '" << impl.backend << "' kernels registered for op " << op();
    }
    impls_.push_back(std::move(impl));
    std::stable_sort(impls_.begin(), impls_.end(),
                     [](const Impl& a, const Impl& b) { return a.priority > b.priority; });
    return true;
  }

  // The highest-priority kernel for (device, dtype), or nullptr.
  const Impl* Find(DeviceType device, DType dtype) const {
    std::lock_guard<std::mutex> lock(mu_);
    for (const Impl& e : impls_) {
      if (e.handles(device, dtype)) return &e;
    }
    return nullptr;
  }

  const Impl* FindBackend(absl::string_view backend, DType dtype) const {
    std::lock_guard<std::mutex> lock(mu_);
    for (const Impl& e : impls_) {
      if (e.backend == backend &&
          std::find(e.dtypes.begin(), e.dtypes.end(), dtype) != e.dtypes.end())
        return &e;
    }
    return nullptr;
  }

  std::vector<Impl> impls() const {
    std::lock_guard<std::mutex> lock(mu_);
    return impls_;
  }

  bool Supports(absl::string_view backend, DeviceType device, DType dtype) const override {
    std::lock_guard<std::mutex> lock(mu_);
    for (const Impl& e : impls_) {
      if (e.backend == backend && e.handles(device, dtype)) return true;
    }
    return false;
  }

  std::vector<std::string> Backends() const override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> out;
    for (const Impl& e : impls_) out.push_back(e.backend);
    return out;
  }

  // Calls the best kernel, or fails naming the op, dtype and device.
  template <typename... Args>
  absl::Status Call(Device device, DType dtype, Args&&... args) const {
    const Impl* impl = Find(device.type, dtype);
    if (impl == nullptr) {
      return absl::UnimplementedError(
          absl::StrCat("no ", op(), " kernel for ", DTypeName(dtype), " on ", DeviceName(device),
                       " (have: ", absl::StrJoin(Backends(), ", "), ")"));
    }
    if (!KernelProfiling()) return impl->fn(std::forward<Args>(args)...);
    const KernelTimer start = StartKernelTimer();
    absl::Status s = impl->fn(std::forward<Args>(args)...);
    RecordKernelTime(op(), impl->backend, start);
    return s;
  }

 private:
  mutable std::mutex mu_;
  std::vector<Impl> impls_;
};

// Defines the accessor of a kernel table (in the op's kernels/api .cc file).
#define VLMLAB_DEFINE_KERNEL_TABLE(accessor, Signature, op_name) \
  KernelTable<Signature>& accessor() {                           \
    static auto* table = new KernelTable<Signature>(op_name);    \
    return *table;                                               \
  }

#define VLMLAB_KERNEL_CONCAT_INNER(a, b) a##b
#define VLMLAB_KERNEL_CONCAT(a, b) VLMLAB_KERNEL_CONCAT_INNER(a, b)

// Registers a kernel for the listed dtypes at static-initialisation time (link its library
// with alwayslink).
#define VLMLAB_REGISTER_KERNEL(accessor, backend, device, priority, fn, ...)    \
  static const bool VLMLAB_KERNEL_CONCAT(vlmlab_kernel_registered_, __LINE__) = \
      accessor().Register({backend, device, priority, std::vector<DType>{__VA_ARGS__}, fn})

}  // namespace vlmlab

#endif  // VLMLAB_KERNELS_API_KERNEL_TABLE_H_
