#include "kernels/api/kernel_profile.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <mutex>
#include <utility>

namespace vlmlab {
namespace kernel_profile_internal {
namespace {

bool EnabledFromEnv() {
  const char* v = std::getenv("VLMLAB_KERNEL_PROFILE");
  return v != nullptr && *v != '\0' && std::strcmp(v, "0") != 0;
}

}  // namespace

std::atomic<bool> g_enabled{EnabledFromEnv()};

}  // namespace kernel_profile_internal

namespace {

struct Totals {
  std::mutex mu;
  std::map<std::pair<std::string, std::string>, KernelTime> by_kernel;
};

Totals& GetTotals() {
  static auto* t = new Totals;
  return *t;
}

int64_t Now(clockid_t clock) {
  timespec ts;
  clock_gettime(clock, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

}  // namespace

void SetKernelProfiling(bool on) { kernel_profile_internal::g_enabled.store(on); }

KernelTimer StartKernelTimer() { return {Now(CLOCK_MONOTONIC), Now(CLOCK_PROCESS_CPUTIME_ID)}; }

void RecordKernelTime(const std::string& op, const std::string& backend, KernelTimer start) {
  const int64_t cpu = Now(CLOCK_PROCESS_CPUTIME_ID) - start.cpu_ns;
  const int64_t wall = Now(CLOCK_MONOTONIC) - start.wall_ns;
  Totals& t = GetTotals();
  std::lock_guard<std::mutex> lock(t.mu);
  KernelTime& k = t.by_kernel[{op, backend}];
  if (k.calls == 0) {
    k.op = op;
    k.backend = backend;
  }
  ++k.calls;
  k.nanoseconds += wall;
  k.cpu_nanoseconds += cpu;
}

std::vector<KernelTime> KernelProfile() {
  Totals& t = GetTotals();
  std::vector<KernelTime> out;
  {
    std::lock_guard<std::mutex> lock(t.mu);
    for (const auto& [key, k] : t.by_kernel) out.push_back(k);
  }
  std::stable_sort(out.begin(), out.end(), [](const KernelTime& a, const KernelTime& b) {
    return a.cpu_nanoseconds > b.cpu_nanoseconds;
  });
  return out;
}

void ResetKernelProfile() {
  Totals& t = GetTotals();
  std::lock_guard<std::mutex> lock(t.mu);
  t.by_kernel.clear();
}

}  // namespace vlmlab
