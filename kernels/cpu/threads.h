// CPU threading and ISA queries of the oneDNN backend (OpenMP runtime).
//
//   SetCpuThreads(2);        // every later oneDNN kernel call, on any thread, uses 2 threads
//   SetCpuThreads(0);        // all cores
//   int n = CpuThreads();    // threads the next kernel call on this thread will use
//   if (CpuHasBf16()) ...    // avx512_bf16 available: the bf16 matmul kernel is registered
//
// Results are bitwise identical run to run for one thread count: primitives are cached per
// thread count (oneDNN partitions work when a primitive is created).
#ifndef VLMLAB_KERNELS_CPU_THREADS_H_
#define VLMLAB_KERNELS_CPU_THREADS_H_

namespace vlmlab {

// Threads for oneDNN kernels; 0 = all cores. Applies to every calling thread (OpenMP's own
// omp_set_num_threads only affects the thread that calls it).
void SetCpuThreads(int n);

// The thread count kernels use now (after applying SetCpuThreads to the calling thread).
int CpuThreads();

// Whether the CPU (and oneDNN, respecting DNNL_MAX_CPU_ISA) has native bf16 dot products
// (avx512_bf16, e.g. Cooper Lake, Sapphire Rapids, Zen 4/5).
bool CpuHasBf16();

}  // namespace vlmlab

#endif  // VLMLAB_KERNELS_CPU_THREADS_H_
