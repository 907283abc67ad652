#include "kernels/api/kernel_threads.h"

#include <map>
#include <mutex>

namespace vlmlab {
namespace {

struct Setters {
  std::mutex mu;
  std::map<std::string, void (*)(int)> by_backend;
};

Setters& AllSetters() {
  static auto* setters = new Setters;
  return *setters;
}

}  // namespace

void SetKernelThreads(int n) {
  Setters& s = AllSetters();
  std::lock_guard<std::mutex> lock(s.mu);
  for (const auto& [backend, set] : s.by_backend) set(n);
}

bool RegisterKernelThreadsSetter(const std::string& backend, void (*set)(int)) {
  Setters& s = AllSetters();
  std::lock_guard<std::mutex> lock(s.mu);
  s.by_backend.emplace(backend, set);
  return true;
}

}  // namespace vlmlab
