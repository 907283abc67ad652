// Fused CPU attention against the reference kernels, each called directly on preallocated
// tensors: one row of B1 x H8 x T256 x D64, causal, forward and backward; and the same row
// packed with 8 samples of 32 tokens (segment ids), where the fused kernel skips the other
// samples' key blocks (about 1/8 of the causal work). The reference is the plain oracle the
// unit tests compare against; on the 2-core VM the fused kernel was ~22x faster on one sample
// and ~12-17x on the packed row, and the packed row took ~1/3 of the one-sample time.
//
//   bazel run -c opt //kernels/cpu_attention:attention_cpu_benchmark
#include <cmath>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "glog/logging.h"
#include "kernels/api/attention.h"
#include "kernels/cpu/threads.h"
#include "kernels/cpu_attention/attention_cpu.h"

namespace vlmlab {
namespace {

constexpr int64_t kB = 1, kH = 8, kT = 256, kD = 64, kSampleTokens = 32;

// backend: "cpu_fused" or "reference"; packed: segment ids of kT / kSampleTokens samples.
void Attention(benchmark::State& state, const char* backend, bool packed, bool backward) {
  AttentionParams p;
  p.scale = 1.0f / std::sqrt(static_cast<float>(kD));
  p.causal = true;
  if (packed) {
    std::vector<int32_t> ids(kB * kT);
    for (int64_t j = 0; j < kT; ++j) ids[j] = static_cast<int32_t>(j / kSampleTokens);
    p.segment_ids = Tensor::FromInts({kB, kT}, ids);
  }
  Tensor q = Tensor::RandN({kB, kH, kT, kD}, 1), k = Tensor::RandN({kB, kH, kT, kD}, 2),
         v = Tensor::RandN({kB, kH, kT, kD}, 3), g = Tensor::RandN({kB, kH, kT, kD}, 4);
  Tensor out = Tensor::Zeros(q.shape()), lse = Tensor::Zeros({kB, kH, kT});
  Tensor dq = Tensor::Zeros(q.shape()), dk = Tensor::Zeros(k.shape()),
         dv = Tensor::Zeros(v.shape());
  const auto* fwd = AttentionForwardKernels().FindBackend(backend, DType::kF32);
  const auto* bwd = AttentionBackwardKernels().FindBackend(backend, DType::kF32);
  CHECK(fwd != nullptr && bwd != nullptr) << "no " << backend << " attention kernels linked";
  CHECK(fwd->fn(q, k, v, p, &out, &lse).ok());  // lse for the backward pass
  for (auto _ : state) {
    if (backward) {
      CHECK(bwd->fn(q, k, v, lse, g, p, &dq, &dk, &dv).ok());
    } else {
      CHECK(fwd->fn(q, k, v, p, &out, &lse).ok());
    }
  }
}

void RegisterAll() {
  for (const char* backend : {kCpuFusedAttentionBackend, "reference"}) {
    for (bool packed : {false, true}) {
      for (bool backward : {false, true}) {
        const std::string name = std::string(backend) + (packed ? "/packed8" : "/one_sample") +
                                 (backward ? "/backward" : "/forward");
        benchmark::RegisterBenchmark(name.c_str(), Attention, backend, packed, backward)
            ->Unit(benchmark::kMillisecond)
            ->MinTime(0.3);
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
