// Layer benchmarks: attention, layer norm, RMSNorm and cross-entropy through platform/ops
// (the best registered kernels: cpu_fused / onednn), forward alone and forward + backward, at
// the shapes of the small and medium configurations of ../shared/bench/torch_reference.py,
// reporting GFLOP/s. FLOP counts are nominal and stated per benchmark:
//   attention   4 B H Tq Tk D forward (QK^T and PV; causal counted in full), 3x for fwd+bwd
//   layer norm  8 per element forward, 3x for fwd+bwd; RMSNorm 5 per element
//   cross-ent.  5 per logit forward (max, exp, sum, log, pick), 3x for fwd+bwd
//
//   bazel run -c opt //benchmarks:layer_benchmarks
//   bazel run -c opt //benchmarks:layer_benchmarks -- --benchmark_filter=attention
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "glog/logging.h"
#include "kernels/api/attention.h"
#include "kernels/api/cross_entropy.h"
#include "kernels/api/normalization.h"
#include "kernels/cpu/threads.h"
#include "platform/autograd/backward.h"
#include "platform/autograd/grad_mode.h"
#include "platform/ops/attention_ops.h"
#include "platform/ops/cross_entropy_ops.h"
#include "platform/ops/normalization_ops.h"

namespace vlmlab {
namespace {

struct AttentionShape {
  const char* name;
  int64_t b, h, tq, tk, d;
  bool causal;
};

// small: ViT 16 x 3 heads x 64 tokens; LM 16 x 4 heads x (64 visual + 64 text), causal.
// medium: ViT 8 x 6 heads x 64 tokens; LM 8 x 8 heads x (64 + 128), causal. Head dim 64.
const AttentionShape kAttention[] = {
    {"small/vit", 16, 3, 64, 64, 64, false},
    {"small/lm", 16, 4, 128, 128, 64, true},
    {"medium/vit", 8, 6, 64, 64, 64, false},
    {"medium/lm", 8, 8, 192, 192, 64, true},
};

struct RowsShape {
  const char* name;
  int64_t rows, cols;
};

// Norms: ViT rows x v_dim (layer norm), LM rows x l_dim (RMSNorm); logits: text rows x vocab.
const RowsShape kLayerNorm[] = {{"small/vit", 16 * 64, 192}, {"medium/vit", 8 * 64, 384}};
const RowsShape kRmsNorm[] = {{"small/lm", 16 * 128, 256}, {"medium/lm", 8 * 192, 512}};
const RowsShape kCrossEntropy[] = {{"small/lm_head", 16 * 64, 512},
                                   {"medium/lm_head", 8 * 128, 2048}};

Tensor Param(const Shape& shape, uint64_t seed) {
  Tensor t = Tensor::RandN(shape, seed);
  t.set_requires_grad(true);
  return t;
}

void Report(benchmark::State& state, double flops) {
  state.counters["GFLOP/s"] =
      benchmark::Counter(flops * 1e-9 * state.iterations(), benchmark::Counter::kIsRate);
}

void Attention(benchmark::State& state, AttentionShape s, bool backward) {
  SetCpuThreads(0);
  Tensor q = Param({s.b, s.h, s.tq, s.d}, 1), k = Param({s.b, s.h, s.tk, s.d}, 2),
         v = Param({s.b, s.h, s.tk, s.d}, 3);
  ops::AttentionOptions options;
  options.causal = s.causal;
  Tensor seed = Tensor::Full({s.b, s.h, s.tq, s.d}, 1.0f);
  for (auto _ : state) {
    if (backward) {
      Tensor out = ops::ScaledDotProductAttention(q, k, v, options).value();
      CHECK(Backward(out, seed).ok());
    } else {
      NoGradScope no_grad;
      benchmark::DoNotOptimize(ops::ScaledDotProductAttention(q, k, v, options).value());
    }
  }
  Report(state, 4.0 * s.b * s.h * s.tq * s.tk * s.d * (backward ? 3 : 1));
}

void Norm(benchmark::State& state, RowsShape s, bool rms, bool backward) {
  SetCpuThreads(0);
  Tensor x = Param({s.rows, s.cols}, 1), w = Param({s.cols}, 2), b = Param({s.cols}, 3);
  Tensor seed = Tensor::Full({s.rows, s.cols}, 1.0f);
  auto forward = [&]() {
    return rms ? ops::RmsNorm(x, w).value() : ops::LayerNorm(x, w, b).value();
  };
  for (auto _ : state) {
    if (backward) {
      CHECK(Backward(forward(), seed).ok());
    } else {
      NoGradScope no_grad;
      benchmark::DoNotOptimize(forward());
    }
  }
  Report(state, (rms ? 5.0 : 8.0) * s.rows * s.cols * (backward ? 3 : 1));
}

void CrossEntropy(benchmark::State& state, RowsShape s, bool backward) {
  SetCpuThreads(0);
  Tensor logits = Param({s.rows, s.cols}, 1);
  std::vector<int32_t> targets(s.rows);
  for (int64_t i = 0; i < s.rows; ++i) targets[i] = static_cast<int32_t>((i * 7919) % s.cols);
  Tensor t = Tensor::FromInts({s.rows}, targets);
  for (auto _ : state) {
    if (backward) {
      CHECK(Backward(ops::CrossEntropy(logits, t).value()).ok());
    } else {
      NoGradScope no_grad;
      benchmark::DoNotOptimize(ops::CrossEntropy(logits, t).value());
    }
  }
  Report(state, 5.0 * s.rows * s.cols * (backward ? 3 : 1));
}

// Which backend each benchmarked op runs on, printed in the benchmark's context header.
template <typename Table>
void AddKernelContext(const char* op, const Table& table) {
  const auto* impl = table.Find(DeviceType::kCpu, DType::kF32);
  benchmark::AddCustomContext(std::string("kernel ") + op, impl ? impl->backend : "none");
}

void AddKernelContexts() {
  AddKernelContext("attention_forward", AttentionForwardKernels());
  AddKernelContext("attention_backward", AttentionBackwardKernels());
  AddKernelContext("layer_norm", LayerNormKernels());
  AddKernelContext("layer_norm_backward", LayerNormBackwardKernels());
  AddKernelContext("rms_norm", RmsNormKernels());
  AddKernelContext("rms_norm_backward", RmsNormBackwardKernels());
  AddKernelContext("cross_entropy", CrossEntropyKernels());
  AddKernelContext("cross_entropy_backward", CrossEntropyBackwardKernels());
}

void RegisterAll() {
  for (bool bwd : {false, true}) {
    const std::string pass = bwd ? "/fwd_bwd" : "/fwd";
    for (const AttentionShape& s : kAttention) {
      benchmark::RegisterBenchmark(("attention/" + std::string(s.name) + pass).c_str(), Attention,
                                   s, bwd)
          ->Unit(benchmark::kMillisecond)
          ->MinTime(0.3);
    }
    for (const RowsShape& s : kLayerNorm) {
      benchmark::RegisterBenchmark(("layer_norm/" + std::string(s.name) + pass).c_str(), Norm, s,
                                   false, bwd)
          ->Unit(benchmark::kMicrosecond)
          ->MinTime(0.2);
    }
    for (const RowsShape& s : kRmsNorm) {
      benchmark::RegisterBenchmark(("rms_norm/" + std::string(s.name) + pass).c_str(), Norm, s,
                                   true, bwd)
          ->Unit(benchmark::kMicrosecond)
          ->MinTime(0.2);
    }
    for (const RowsShape& s : kCrossEntropy) {
      benchmark::RegisterBenchmark(("cross_entropy/" + std::string(s.name) + pass).c_str(),
                                   CrossEntropy, s, bwd)
          ->Unit(benchmark::kMicrosecond)
          ->MinTime(0.2);
    }
  }
}

}  // namespace
}  // namespace vlmlab

// Kernels register at static initialisation, so the context is read here, in main.
int main(int argc, char** argv) {
  // First thing: may re-execute with a brief OpenMP spin (OpenMP threads do not spin).
  vlmlab::UseBriefOpenMpSpinByDefault();
  vlmlab::AddKernelContexts();
  vlmlab::RegisterAll();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
