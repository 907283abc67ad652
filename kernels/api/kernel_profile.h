// Opt-in timing of every kernel-table call, by op and backend: where a training step's kernel
// time goes, without an external profiler.
//
//   VLMLAB_KERNEL_PROFILE=1 ./benchmark ...       // or SetKernelProfiling(true)
//   ResetKernelProfile();
//   ... run a step ...
//   for (const KernelTime& k : KernelProfile()) printf("%s/%s %lld calls %.1f ms\n", ...);
//
// Off by default: KernelTable::Call then costs one relaxed atomic load more. On, each call
// adds four clock reads and a short locked update. Each call's wall time and process CPU time
// are recorded: on a loaded machine wall time includes waiting for a core, CPU time does not
// (nested kernel calls, if a kernel makes any, count in both).
#ifndef VLMLAB_KERNELS_API_KERNEL_PROFILE_H_
#define VLMLAB_KERNELS_API_KERNEL_PROFILE_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

namespace vlmlab {

struct KernelTime {
  std::string op;
  std::string backend;
  int64_t calls = 0;
  int64_t nanoseconds = 0;      // wall time
  int64_t cpu_nanoseconds = 0;  // process CPU time (all threads, spinning OpenMP workers too)
};

namespace kernel_profile_internal {
// Initialised from the environment (VLMLAB_KERNEL_PROFILE set and not "0") at start-up.
extern std::atomic<bool> g_enabled;
}  // namespace kernel_profile_internal

inline bool KernelProfiling() {
  return kernel_profile_internal::g_enabled.load(std::memory_order_relaxed);
}
void SetKernelProfiling(bool on);

// A start mark for RecordKernelTime.
struct KernelTimer {
  int64_t wall_ns;
  int64_t cpu_ns;
};
KernelTimer StartKernelTimer();
// Adds one call, from `start` to now, to (op, backend).
void RecordKernelTime(const std::string& op, const std::string& backend, KernelTimer start);
// Totals since the last reset, most CPU time first.
std::vector<KernelTime> KernelProfile();
void ResetKernelProfile();

}  // namespace vlmlab

#endif  // VLMLAB_KERNELS_API_KERNEL_PROFILE_H_
