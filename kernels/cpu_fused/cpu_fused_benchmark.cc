// Kernel-level benchmarks of the cpu_fused kernels: each kernel called directly on
// preallocated tensors (no allocation, no autograd), at the shapes of
// //benchmarks:layer_benchmarks, on all cores (`/threads:all`) and on one (`/threads:1`).
// Reports elements (logits for cross-entropy) per second and bytes per second of the
// [rows, cols] tensors read and written once.
//
//   bazel run -c opt //kernels/cpu_fused:cpu_fused_benchmark
//   bazel run -c opt //kernels/cpu_fused:cpu_fused_benchmark -- --benchmark_filter=layer_norm
#include <omp.h>

#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "glog/logging.h"
#include "kernels/api/cross_entropy.h"
#include "kernels/api/normalization.h"
#include "kernels/api/softmax.h"
#include "kernels/cpu/threads.h"

namespace vlmlab {
namespace {

struct Rows {
  const char* name;
  int64_t rows, cols;
};

const Rows kLayerNorm[] = {{"small/vit", 16 * 64, 192}, {"medium/vit", 8 * 64, 384}};
const Rows kRmsNorm[] = {{"small/lm", 16 * 128, 256}, {"medium/lm", 8 * 192, 512}};
const Rows kLogits[] = {{"small/lm_head", 16 * 64, 512}, {"medium/lm_head", 8 * 128, 2048}};

template <typename Fn>
Fn* Fused(const KernelTable<Fn>& table) {
  const typename KernelTable<Fn>::Impl* impl = table.FindBackend("cpu_fused", DType::kF32);
  CHECK(impl != nullptr) << table.op();
  return impl->fn;
}

// Runs `call` per iteration with `threads` OpenMP threads (0: all), restoring the count after.
template <typename Call>
void Run(benchmark::State& state, int threads, Rows s, double bytes, Call call) {
  const int saved = omp_get_max_threads();
  omp_set_num_threads(threads > 0 ? threads : omp_get_num_procs());
  for (auto _ : state) CHECK(call().ok());
  omp_set_num_threads(saved);
  state.SetItemsProcessed(state.iterations() * s.rows * s.cols);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
}

void LayerNorm(benchmark::State& state, Rows s, bool rms, bool backward, int threads) {
  const Shape shape = {s.rows, s.cols};
  Tensor x = Tensor::RandN(shape, 1), w = Tensor::RandN({s.cols}, 2);
  Tensor b = Tensor::RandN({s.cols}, 3), gy = Tensor::RandN(shape, 4);
  Tensor y = Tensor::Zeros(shape), gx = Tensor::Zeros(shape), mean = Tensor::Zeros({s.rows});
  Tensor rstd = Tensor::Zeros({s.rows}), gw = Tensor::Zeros({s.cols}), gb = Tensor::Zeros({s.cols});
  const double tensor_bytes = 4.0 * s.rows * s.cols;
  if (rms) {
    CHECK(Fused(RmsNormKernels())(x, w, 1e-6f, &y, &rstd).ok());
  } else {
    CHECK(Fused(LayerNormKernels())(x, w, b, 1e-5f, &y, &mean, &rstd).ok());
  }
  if (!backward) {
    if (rms) {
      auto* k = Fused(RmsNormKernels());
      Run(state, threads, s, 2 * tensor_bytes, [&] { return k(x, w, 1e-6f, &y, &rstd); });
    } else {
      auto* k = Fused(LayerNormKernels());
      Run(state, threads, s, 2 * tensor_bytes, [&] { return k(x, w, b, 1e-5f, &y, &mean, &rstd); });
    }
  } else if (rms) {
    auto* k = Fused(RmsNormBackwardKernels());
    Run(state, threads, s, 3 * tensor_bytes, [&] { return k(x, w, rstd, gy, &gx, &gw); });
  } else {
    auto* k = Fused(LayerNormBackwardKernels());
    Run(state, threads, s, 3 * tensor_bytes,
        [&] { return k(x, w, mean, rstd, gy, &gx, &gw, &gb); });
  }
}

void CrossEntropy(benchmark::State& state, Rows s, bool backward, int threads) {
  Tensor logits = Tensor::RandN({s.rows, s.cols}, 1);
  std::vector<int32_t> t(s.rows);
  for (int64_t i = 0; i < s.rows; ++i) t[i] = static_cast<int32_t>((i * 7919) % s.cols);
  Tensor targets = Tensor::FromInts({s.rows}, t);
  Tensor loss = Tensor::Zeros({}), lse = Tensor::Zeros({s.rows});
  Tensor grad = Tensor::Zeros({s.rows, s.cols}), grad_loss = Tensor::Full({}, 1.0f);
  CrossEntropyParams p;
  auto* forward = Fused(CrossEntropyKernels());
  CHECK(forward(logits, targets, p, &loss, &lse).ok());
  const double tensor_bytes = 4.0 * s.rows * s.cols;
  if (!backward) {
    Run(state, threads, s, tensor_bytes, [&] { return forward(logits, targets, p, &loss, &lse); });
  } else {
    auto* k = Fused(CrossEntropyBackwardKernels());
    Run(state, threads, s, 2 * tensor_bytes,
        [&] { return k(logits, targets, lse, grad_loss, p, &grad); });
  }
}

void Softmax(benchmark::State& state, Rows s, SoftmaxKind kind, bool backward, int threads) {
  const Shape shape = {s.rows, s.cols};
  Tensor x = Tensor::RandN(shape, 1, 3.0f), gy = Tensor::RandN(shape, 2);
  Tensor y = Tensor::Zeros(shape), gx = Tensor::Zeros(shape);
  CHECK(Fused(SoftmaxKernels())(kind, x, &y).ok());
  const double tensor_bytes = 4.0 * s.rows * s.cols;
  if (!backward) {
    auto* k = Fused(SoftmaxKernels());
    Run(state, threads, s, 2 * tensor_bytes, [&] { return k(kind, x, &y); });
  } else {
    auto* k = Fused(SoftmaxBackwardKernels());
    Run(state, threads, s, 3 * tensor_bytes, [&] { return k(kind, y, gy, &gx); });
  }
}

void RegisterAll() {
  for (int threads : {0, 1}) {
    const std::string suffix = threads == 0 ? "/threads:all" : "/threads:1";
    for (bool bwd : {false, true}) {
      const std::string pass = bwd ? "/bwd" : "/fwd";
      for (const Rows& s : kLayerNorm) {
        benchmark::RegisterBenchmark(("layer_norm/" + std::string(s.name) + pass + suffix).c_str(),
                                     LayerNorm, s, false, bwd, threads)
            ->Unit(benchmark::kMicrosecond);
      }
      for (const Rows& s : kRmsNorm) {
        benchmark::RegisterBenchmark(("rms_norm/" + std::string(s.name) + pass + suffix).c_str(),
                                     LayerNorm, s, true, bwd, threads)
            ->Unit(benchmark::kMicrosecond);
      }
      for (const Rows& s : kLogits) {
        benchmark::RegisterBenchmark(
            ("cross_entropy/" + std::string(s.name) + pass + suffix).c_str(), CrossEntropy, s, bwd,
            threads)
            ->Unit(benchmark::kMicrosecond);
      }
      for (SoftmaxKind kind : {SoftmaxKind::kSoftmax, SoftmaxKind::kLog}) {
        const Rows& s = kLogits[0];
        benchmark::RegisterBenchmark(
            (std::string(SoftmaxKindName(kind)) + "/" + s.name + pass + suffix).c_str(), Softmax, s,
            kind, bwd, threads)
            ->Unit(benchmark::kMicrosecond);
      }
    }
  }
}

}  // namespace
}  // namespace vlmlab

int main(int argc, char** argv) {
  // First thing: may re-execute with a brief OpenMP spin (OpenMP threads do not spin).
  vlmlab::UseBriefOpenMpSpinByDefault();
  vlmlab::RegisterAll();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
