#include "kernels/api/kernel_table.h"

namespace vlmlab {
namespace {

std::mutex& TablesMutex() {
  static auto* m = new std::mutex;
  return *m;
}

std::map<std::string, const KernelTableBase*>& Tables() {
  static auto* t = new std::map<std::string, const KernelTableBase*>;
  return *t;
}

}  // namespace

KernelTableBase::KernelTableBase(std::string op) : op_(std::move(op)) {
  std::lock_guard<std::mutex> lock(TablesMutex());
  CHECK(Tables().emplace(op_, this).second) << "two kernel tables named " << op_;
}

const std::map<std::string, const KernelTableBase*>& AllKernelTables() { return Tables(); }

}  // namespace vlmlab
