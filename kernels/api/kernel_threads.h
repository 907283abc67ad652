// How many threads the compute kernels use, set without naming a backend: a backend that runs
// threads (the oneDNN CPU backend, kernels/cpu/threads.h) registers its setter at static
// initialisation, and the runner and the CLI call SetKernelThreads alone, so nothing above
// kernels/ depends on a concrete backend to choose its thread count.
//
//   SetKernelThreads(2);   // every registered backend: 2 threads from now on
//   SetKernelThreads(0);   // each backend's default (the oneDNN backend: all cores)
//
//   // in a backend (once, at static initialisation):
//   static const bool registered = RegisterKernelThreadsSetter("onednn", &SetCpuThreads);
// With no backend registered (the reference kernels alone are single-threaded) it does nothing.
#ifndef VLMLAB_KERNELS_API_KERNEL_THREADS_H_
#define VLMLAB_KERNELS_API_KERNEL_THREADS_H_

#include <string>

namespace vlmlab {

// Calls every registered setter with `n` (0 = the backend's default).
void SetKernelThreads(int n);

// Adds `set` under `backend`; registering a backend twice keeps the first. Returns true.
bool RegisterKernelThreadsSetter(const std::string& backend, void (*set)(int));

}  // namespace vlmlab

#endif  // VLMLAB_KERNELS_API_KERNEL_THREADS_H_
