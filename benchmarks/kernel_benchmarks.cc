// Kernel benchmarks: GFLOP/s of matmul through MatmulKernels().Call (the path vlmlab's ops
// take) next to a raw oneDNN matmul primitive with the same layouts (the ceiling), at the
// shapes of the small and medium configurations of ../shared/bench/torch_reference.py, in
// f32 and bf16 (bf16 is skipped without avx512_bf16); plus the onednn elementwise kernels next
// to the reference ones. Whole run: about a minute.
//
//   bazel run -c opt //benchmarks:kernel_benchmarks
//   bazel run -c opt //benchmarks:kernel_benchmarks -- --benchmark_filter=matmul/small
//
// Names: matmul/<config>/<layer>/<dtype>/{ops,raw,paired}. ops and raw time each path alone;
// paired alternates them call by call and reports both rates and "ops/raw" (the vlmlab path's
// throughput relative to raw oneDNN; 1.0 = no overhead), the figure to quote on a shared
// machine. benchmarks/ratios.py tabulates a --benchmark_format=json run.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <numeric>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "kernels/api/copy.h"
#include "kernels/api/elementwise.h"
#include "kernels/api/matmul.h"
#include "kernels/cpu/threads.h"
#include "oneapi/dnnl/dnnl.hpp"
#include "platform/tensor/tensor.h"

namespace vlmlab {
namespace {

// out[batch, M, N] = a[batch, M, K] @ b[(batch,) K, N] with vlmlab's layouts: a linear layer
// is x [rows, in] @ W[out, in]^T (tb, shared 2-D weight); attention is batched.
struct MatmulShape {
  const char* config;
  const char* layer;
  int64_t batch, m, k, n;
  bool ta, tb, shared_b;
  double flops() const { return 2.0 * batch * m * k * n; }
};

// small: batch 16, 64 visual tokens (ViT rows 16*64 = 1024), LM sequence 64 + 64 = 128 (LM
// rows 2048), v_dim 192, v_mlp 768, v_heads 3, l_dim 256, l_ffn 688, l_heads 4, vocab 512.
// medium: batch 8, 64 visual tokens (512 rows), LM sequence 64 + 128 = 192 (1536 rows), v_dim
// 384, v_mlp 1536, v_heads 6, l_dim 512, l_ffn 1376, l_heads 8, vocab 2048. Head dim 64.
const MatmulShape kShapes[] = {
    {"small", "vit_qkv", 1, 1024, 192, 576, false, true, true},
    {"small", "vit_mlp_up", 1, 1024, 192, 768, false, true, true},
    {"small", "vit_mlp_down", 1, 1024, 768, 192, false, true, true},
    {"small", "vit_attn_scores", 48, 64, 64, 64, false, true, false},
    {"small", "lm_q", 1, 2048, 256, 256, false, true, true},
    {"small", "lm_ffn_up", 1, 2048, 256, 688, false, true, true},
    {"small", "lm_ffn_down", 1, 2048, 688, 256, false, true, true},
    {"small", "lm_ffn_up_dW", 1, 688, 2048, 256, true, false, true},  // g^T x
    {"small", "lm_head", 1, 2048, 256, 512, false, true, true},
    {"small", "lm_attn_scores", 64, 128, 64, 128, false, true, false},
    {"small", "lm_attn_values", 64, 128, 128, 64, false, false, false},
    {"medium", "vit_qkv", 1, 512, 384, 1152, false, true, true},
    {"medium", "vit_mlp_up", 1, 512, 384, 1536, false, true, true},
    {"medium", "vit_mlp_down", 1, 512, 1536, 384, false, true, true},
    {"medium", "vit_attn_scores", 48, 64, 64, 64, false, true, false},
    {"medium", "lm_q", 1, 1536, 512, 512, false, true, true},
    {"medium", "lm_ffn_up", 1, 1536, 512, 1376, false, true, true},
    {"medium", "lm_ffn_down", 1, 1536, 1376, 512, false, true, true},
    {"medium", "lm_ffn_up_dW", 1, 1376, 1536, 512, true, false, true},
    {"medium", "lm_head", 1, 1536, 512, 2048, false, true, true},
    {"medium", "lm_attn_scores", 64, 192, 64, 192, false, true, false},
    {"medium", "lm_attn_values", 64, 192, 192, 64, false, false, false},
    // Not a model layer: a call short enough (~10 us) to expose the per-call overhead.
    {"overhead", "64x64x64", 1, 64, 64, 64, false, false, true},
};

Shape ShapeOf(int64_t batch, int64_t r, int64_t c) {
  return batch == 1 ? Shape{r, c} : Shape{batch, r, c};
}

// MatmulKernels().Call on vlmlab tensors, as ops::Matmul issues it.
struct OpsCase {
  Tensor a, b, out;
  MatmulParams p;
  DType dtype;
  absl::Status Run() { return MatmulKernels().Call(Device{}, dtype, a, b, p, &out); }
};

absl::StatusOr<OpsCase> MakeOps(const MatmulShape& s, DType dtype) {
  if (MatmulKernels().Find(DeviceType::kCpu, dtype)->backend != "onednn") {
    return absl::UnimplementedError("no onednn kernel for this dtype (bf16 needs avx512_bf16)");
  }
  OpsCase c{Tensor::RandN(ShapeOf(s.batch, s.ta ? s.k : s.m, s.ta ? s.m : s.k), 1, 1, dtype),
            Tensor::RandN(ShapeOf(s.shared_b ? 1 : s.batch, s.tb ? s.n : s.k, s.tb ? s.k : s.n), 2,
                          1, dtype),
            Tensor::Zeros(ShapeOf(s.batch, s.m, s.n)), MatmulParams{s.ta, s.tb, 0.0f}, dtype};
  absl::Status st = c.Run();  // builds the cached primitive
  if (!st.ok()) return st;
  return c;
}

// The same product as one oneDNN primitive on preallocated oneDNN memory: the ceiling.
struct RawCase {
  dnnl::stream stream;
  dnnl::matmul prim;
  dnnl::memory a, b, c;
  void Run() {
    prim.execute(stream, {{DNNL_ARG_SRC, a}, {DNNL_ARG_WEIGHTS, b}, {DNNL_ARG_DST, c}});
    stream.wait();
  }
};

absl::StatusOr<RawCase> MakeRaw(const MatmulShape& s, DType dtype) {
  using dims = dnnl::memory::dims;
  static const dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  auto dt = dtype == DType::kBF16 ? dnnl::memory::data_type::bf16 : dnnl::memory::data_type::f32;
  const auto f32 = dnnl::memory::data_type::f32;
  const int64_t wb = s.shared_b ? 1 : s.batch, m = s.m, k = s.k, n = s.n;
  dnnl::memory::desc a({s.batch, m, k}, dt, s.ta ? dims{m * k, 1, m} : dims{m * k, k, 1});
  dnnl::memory::desc b({wb, k, n}, dt, s.tb ? dims{k * n, 1, k} : dims{k * n, n, 1});
  dnnl::memory::desc c({s.batch, m, n}, f32, dims{m * n, n, 1});
  if (s.batch == 1) {  // 2-D, as vlmlab issues unbatched products
    a = dnnl::memory::desc({m, k}, dt, s.ta ? dims{1, m} : dims{k, 1});
    b = dnnl::memory::desc({k, n}, dt, s.tb ? dims{1, k} : dims{n, 1});
    c = dnnl::memory::desc({m, n}, f32, dims{n, 1});
  }
  try {
    RawCase r{dnnl::stream(eng),
              dnnl::matmul(dnnl::matmul::primitive_desc(dnnl::matmul::desc(a, b, c), eng)),
              dnnl::memory(a, eng), dnnl::memory(b, eng), dnnl::memory(c, eng)};
    // Inputs: small nonzero values (0x3cXX as bf16 halves: about 0.01).
    for (dnnl::memory* mem : {&r.a, &r.b}) {
      auto* p = static_cast<uint16_t*>(mem->get_data_handle());
      size_t halves = mem->get_desc().get_size() / 2;
      for (size_t i = 0; i < halves; ++i) p[i] = static_cast<uint16_t>(0x3c00 + (i * 7919) % 256);
    }
    r.Run();
    return r;
  } catch (const dnnl::error& e) {
    return absl::UnimplementedError(e.message);
  }
}

void SetCounters(benchmark::State& state, double flops) {
  state.counters["GFLOP/s"] =
      benchmark::Counter(flops * 1e-9 * state.iterations(), benchmark::Counter::kIsRate);
  state.counters["threads"] = CpuThreads();
}

void OpsMatmul(benchmark::State& state, MatmulShape s, DType dtype) {
  absl::StatusOr<OpsCase> c = MakeOps(s, dtype);
  if (!c.ok()) return state.SkipWithError(std::string(c.status().message()).c_str());
  for (auto _ : state) benchmark::DoNotOptimize(c->Run());
  SetCounters(state, s.flops());
}

void RawMatmul(benchmark::State& state, MatmulShape s, DType dtype) {
  absl::StatusOr<RawCase> r = MakeRaw(s, dtype);
  if (!r.ok()) return state.SkipWithError(std::string(r.status().message()).c_str());
  for (auto _ : state) r->Run();
  SetCounters(state, s.flops());
}

// Alternates one ops call and one raw call per iteration, timing each, so both see the same
// load (this machine is shared). Reports mean rates and two overhead ratios, ops throughput
// relative to raw (1.0 = no overhead): "ops/raw", the median of the per-pair ratios, and
// "ops/raw_best", fastest raw call over fastest ops call (the least disturbed calls).
void PairedMatmul(benchmark::State& state, MatmulShape s, DType dtype) {
  absl::StatusOr<OpsCase> c = MakeOps(s, dtype);
  absl::StatusOr<RawCase> r = MakeRaw(s, dtype);
  if (!c.ok()) return state.SkipWithError(std::string(c.status().message()).c_str());
  if (!r.ok()) return state.SkipWithError(std::string(r.status().message()).c_str());
  using Clock = std::chrono::steady_clock;
  std::vector<double> ops_t, raw_t;
  bool ops_first = true;  // alternate the order: the second call of a pair runs warmer
  for (auto _ : state) {
    Clock::time_point t0 = Clock::now();
    if (ops_first) {
      benchmark::DoNotOptimize(c->Run());
    } else {
      r->Run();
    }
    Clock::time_point t1 = Clock::now();
    if (ops_first) {
      r->Run();
    } else {
      benchmark::DoNotOptimize(c->Run());
    }
    Clock::time_point t2 = Clock::now();
    double first = std::chrono::duration<double>(t1 - t0).count();
    double second = std::chrono::duration<double>(t2 - t1).count();
    ops_t.push_back(ops_first ? first : second);
    raw_t.push_back(ops_first ? second : first);
    ops_first = !ops_first;
  }
  std::vector<double> ratios(ops_t.size());
  for (size_t i = 0; i < ops_t.size(); ++i) ratios[i] = raw_t[i] / ops_t[i];
  std::nth_element(ratios.begin(), ratios.begin() + ratios.size() / 2, ratios.end());
  double gflop = s.flops() * 1e-9 * state.iterations();
  state.counters["ops_GFLOP/s"] = gflop / std::accumulate(ops_t.begin(), ops_t.end(), 0.0);
  state.counters["raw_GFLOP/s"] = gflop / std::accumulate(raw_t.begin(), raw_t.end(), 0.0);
  state.counters["ops/raw"] = ratios[ratios.size() / 2];
  state.counters["ops/raw_best"] =
      *std::min_element(raw_t.begin(), raw_t.end()) / *std::min_element(ops_t.begin(), ops_t.end());
}

// Elementwise kernels, onednn vs reference, in elements per second.
template <typename Fn>
void Elementwise(benchmark::State& state, const char* backend, int64_t elements, Fn run) {
  absl::Status st = run(backend);
  if (!st.ok()) {
    state.SkipWithError(std::string(st.message()).c_str());
    return;
  }
  for (auto _ : state) benchmark::DoNotOptimize(st = run(backend));
  state.counters["Melem/s"] =
      benchmark::Counter(elements * 1e-6 * state.iterations(), benchmark::Counter::kIsRate);
}

// Inputs of the elementwise benchmarks, made on first use (not at registration).
struct ElementwiseData {
  Tensor x = Tensor::RandN({2048, 688}, 1), bias = Tensor::RandN({688}, 2);
  Tensor y = Tensor::Zeros({2048, 688}), col = Tensor::Zeros({688});
  Tensor heads = Tensor::RandN({16, 128, 4, 64}, 3);
  Tensor heads_t = heads.ViewPermute({0, 2, 1, 3}).value();  // [16, 4, 128, 64] view
  Tensor heads_out = Tensor::Zeros({16, 4, 128, 64});
};
ElementwiseData& Data() {
  static auto* d = new ElementwiseData;
  return *d;
}

void RegisterElementwise() {
  for (const char* backend : {"onednn", "reference"}) {
    const std::string b = backend;
    auto reg = [&](const std::string& name, int64_t elements, auto run) {
      benchmark::RegisterBenchmark(
          ("elementwise/" + name + "/" + b).c_str(),
          [=](benchmark::State& st) { Elementwise(st, b.c_str(), elements, run); })
          ->MinTime(0.2)
          ->UseRealTime()
          ->Unit(benchmark::kMicrosecond);
    };
    const int64_t n = 2048 * 688;
    reg("bias_add_2048x688", n, [](const char* be) {
      ElementwiseData& d = Data();
      return BinaryKernels().FindBackend(be, DType::kF32)->fn(BinaryOp::kAdd, d.x, d.bias, &d.y);
    });
    reg("gelu_tanh_2048x688", n, [](const char* be) {
      ElementwiseData& d = Data();
      return UnaryKernels().FindBackend(be, DType::kF32)->fn(UnaryOp::kGeluTanh, 0, d.x, &d.y);
    });
    reg("gelu_tanh_backward_2048x688", n, [](const char* be) {
      ElementwiseData& d = Data();
      return UnaryBackwardKernels()
          .FindBackend(be, DType::kF32)
          ->fn(UnaryOp::kGeluTanh, 0, d.x, d.x, &d.y);
    });
    reg("sum_to_2048x688_to_688", n, [](const char* be) {
      ElementwiseData& d = Data();
      return SumToKernels().FindBackend(be, DType::kF32)->fn(d.x, &d.col);
    });
    reg("copy_permute_16x128x4x64", 16 * 128 * 4 * 64, [](const char* be) {
      ElementwiseData& d = Data();
      return CopyKernels().FindBackend(be, DType::kF32)->fn(d.heads_t, &d.heads_out);
    });
  }
}

const bool registered = [] {
  // All cores, unless OMP_NUM_THREADS says otherwise (e.g. 1 on a busy shared machine).
  if (std::getenv("OMP_NUM_THREADS") == nullptr) SetCpuThreads(0);
  for (const MatmulShape& s : kShapes) {
    for (DType dtype : {DType::kF32, DType::kBF16}) {
      std::string base =
          std::string("matmul/") + s.config + "/" + s.layer + "/" + DTypeName(dtype) + "/";
      benchmark::RegisterBenchmark((base + "ops").c_str(), OpsMatmul, s, dtype)
          ->MinTime(0.2)
          ->UseRealTime()
          ->Unit(benchmark::kMicrosecond);
      benchmark::RegisterBenchmark((base + "raw").c_str(), RawMatmul, s, dtype)
          ->MinTime(0.2)
          ->UseRealTime()
          ->Unit(benchmark::kMicrosecond);
      benchmark::RegisterBenchmark((base + "paired").c_str(), PairedMatmul, s, dtype)
          ->MinTime(0.5)
          ->UseRealTime()
          ->Unit(benchmark::kMicrosecond);
    }
  }
  RegisterElementwise();
  return true;
}();

}  // namespace
}  // namespace vlmlab

int main(int argc, char** argv) {
  // First thing: may re-execute with a brief OpenMP spin (OpenMP threads do not spin).
  vlmlab::UseBriefOpenMpSpinByDefault();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
