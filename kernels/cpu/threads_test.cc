// SetCpuThreads / CpuThreads across threads, bitwise run-to-run determinism of the onednn
// kernels for one thread count, and concurrent callers.
//
//   bazel test //kernels/cpu:threads_test
#include "kernels/cpu/threads.h"

#include <omp.h>

#include <thread>

#include "gtest/gtest.h"
#include "kernels/api/elementwise.h"
#include "kernels/api/matmul.h"
#include "platform/testing/matchers.h"

namespace vlmlab {
namespace {

TEST(Threads, SetCpuThreadsAppliesToEveryThread) {
  SetCpuThreads(1);
  EXPECT_EQ(CpuThreads(), 1);
  int other = 0;
  std::thread([&] { other = CpuThreads(); }).join();
  EXPECT_EQ(other, 1);
  SetCpuThreads(0);
  EXPECT_EQ(CpuThreads(), omp_get_num_procs());
  std::thread([&] { other = CpuThreads(); }).join();
  EXPECT_EQ(other, omp_get_num_procs());
}

TEST(Threads, Bf16QueryMatchesRegistration) {
  EXPECT_EQ(MatmulKernels().Supports("onednn", DeviceType::kCpu, DType::kBF16), CpuHasBf16());
}

// Matmul (several shapes, incl. a K large enough for split reductions) and sum_to, twice each.
std::vector<Tensor> RunAll() {
  std::vector<Tensor> outs;
  const int64_t kShapes[][3] = {{37, 53, 29}, {256, 512, 384}, {16, 4096, 16}};
  for (const auto& s : kShapes) {
    Tensor a = Tensor::RandN({s[0], s[1]}, 1), b = Tensor::RandN({s[1], s[2]}, 2);
    Tensor out = Tensor::Zeros({s[0], s[2]});
    CHECK(MatmulKernels().Call(Device{}, DType::kF32, a, b, MatmulParams{}, &out).ok());
    outs.push_back(out);
  }
  Tensor x = Tensor::RandN({2048, 688}, 3), bias_grad = Tensor::Zeros({688});
  CHECK(SumToKernels().Call(Device{}, DType::kF32, x, &bias_grad).ok());
  outs.push_back(bias_grad);
  return outs;
}

TEST(Threads, ResultsAreBitwiseIdenticalRunToRun) {
  for (int threads : {1, 0}) {
    SetCpuThreads(threads);
    std::vector<Tensor> first = RunAll(), second = RunAll();
    for (size_t i = 0; i < first.size(); ++i) {
      EXPECT_THAT(first[i], IsClose(second[i], 0, 0)) << "threads " << threads << " #" << i;
    }
  }
}

TEST(Threads, ConcurrentCallersShareTheCacheSafely) {
  // Several threads run the same kernels at once (shared cached primitives, pooled memory
  // objects); each must get exactly the single-caller result.
  SetCpuThreads(1);
  std::vector<Tensor> want = RunAll();
  std::vector<std::vector<Tensor>> got(4);
  std::vector<std::thread> threads;
  for (auto& g : got) threads.emplace_back([&g] { g = RunAll(); });
  for (std::thread& t : threads) t.join();
  for (const auto& g : got) {
    for (size_t i = 0; i < want.size(); ++i) EXPECT_THAT(g[i], IsClose(want[i], 0, 0)) << i;
  }
  SetCpuThreads(0);
}

}  // namespace
}  // namespace vlmlab
