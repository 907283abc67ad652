// CPU threading and ISA queries of the oneDNN backend (OpenMP runtime).
//
//   SetCpuThreads(2);        // every later oneDNN kernel call, on any thread, uses 2 threads
//   SetCpuThreads(0);        // all cores
//   int n = CpuThreads();    // threads the next kernel call on this thread will use
//   if (CpuHasBf16()) ...    // avx512_bf16 available: the bf16 matmul kernel is registered
//   int main(int argc, char** argv) {
//     UseBriefOpenMpSpinByDefault();  // first thing: may re-execute the program
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

// How long OpenMP's idle workers spin before they sleep, in libgomp's GOMP_SPINCOUNT
// iterations of its wait loop. libgomp's own default (300000 iterations, milliseconds) lets
// spinning workers steal the cores a loaded machine's serial work needs (a small training step
// took 129 ms instead of 22); 0 (OMP_WAIT_POLICY=passive) makes every kernel of a step pay a
// futex wake-up of its workers (a quarter of a small model's step). In between, a brief spin
// catches the next kernel of a step and sleeps between steps or when the cores are taken.
inline constexpr int kDefaultOpenMpSpinCount = 20000;

// libgomp reads its environment once, when it is loaded, before main, so this function,
// called first thing in main(), sets GOMP_SPINCOUNT=kDefaultOpenMpSpinCount when neither it
// nor OMP_WAIT_POLICY is set and re-executes the program (/proc/self/exe with the arguments of
// /proc/self/cmdline) for the runtime to see it. Returns true without doing anything when
// either variable is set (the user's choice, or after the re-exec); false when the re-exec
// failed (the program then continues with OpenMP's default policy).
bool UseBriefOpenMpSpinByDefault();

}  // namespace vlmlab

#endif  // VLMLAB_KERNELS_CPU_THREADS_H_
