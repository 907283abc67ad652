// SetCpuThreads / CpuThreads / CpuHasBf16 over OpenMP and oneDNN's ISA query.
//
//   SetCpuThreads(1);  // e.g. in a test that needs single-threaded timings
#include "kernels/cpu/threads.h"

#include <omp.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "kernels/api/kernel_threads.h"
#include "oneapi/dnnl/dnnl.hpp"

namespace vlmlab {
namespace {

// Requested thread count; 0 until SetCpuThreads is called (then OpenMP's default applies).
std::atomic<int>& RequestedThreads() {
  static std::atomic<int> n{0};
  return n;
}

}  // namespace

void SetCpuThreads(int n);
// SetKernelThreads (kernels/api/kernel_threads.h) reaches this backend through the setter.
static const bool kThreadsSetterRegistered = RegisterKernelThreadsSetter("onednn", &SetCpuThreads);

void SetCpuThreads(int n) {
  if (n <= 0) n = omp_get_num_procs();
  RequestedThreads().store(n);
  omp_set_num_threads(n);
}

int CpuThreads() {
  int want = RequestedThreads().load();
  // The OpenMP thread-count ICV is per thread: bring this thread in line with the request.
  if (want > 0 && omp_get_max_threads() != want) omp_set_num_threads(want);
  return omp_get_max_threads();
}

bool CpuHasBf16() {
  static const bool has = [] {
    const int bf16 = static_cast<int>(dnnl::cpu_isa::avx512_core_bf16);
    const int isa = static_cast<int>(dnnl::get_effective_cpu_isa());
    return __builtin_cpu_supports("avx512bf16") && (isa & bf16) == bf16;
  }();
  return has;
}

bool UseBriefOpenMpSpinByDefault() {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr || std::getenv("GOMP_SPINCOUNT") != nullptr) {
    return true;
  }
  std::ifstream f("/proc/self/cmdline", std::ios::binary);
  const std::string cmdline((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::vector<std::string> args;
  for (size_t start = 0; start < cmdline.size();) {
    const size_t end = cmdline.find('\0', start);
    args.push_back(cmdline.substr(start, end == std::string::npos ? end : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  if (args.empty()) return false;
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  setenv("GOMP_SPINCOUNT", std::to_string(kDefaultOpenMpSpinCount).c_str(), /*overwrite=*/0);
  execv("/proc/self/exe", argv.data());
  return false;  // execv failed; the variable stays set (too late for libgomp, harmless)
}

}  // namespace vlmlab
