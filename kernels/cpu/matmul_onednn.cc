// oneDNN matmul kernel: f32 x f32 -> f32 always, bf16 x bf16 -> f32 when the CPU has
// avx512_bf16 (CpuHasBf16), registered as backend "onednn", priority 10.
//
//   MatmulKernels().Call(Device{}, DType::kF32, a, b, MatmulParams{false, true, 0.f}, &out);
//
// Transposes are strided memory descriptors (no copies); beta != 0 is a sum post-op. A shared
// 2-D b with an untransposed a folds the batch into the rows: one GEMM. Primitives are built
// once per (threads, dtype, geometry, transposes, beta) and cached.
#include "kernels/api/matmul.h"
#include "kernels/cpu/onednn_common.h"
#include "kernels/cpu/threads.h"

namespace vlmlab::cpu {
namespace {

struct MatmulEntry {
  dnnl::matmul prim;
  ArgMemories args;  // src, weights, dst
};

PrimitiveCache<MatmulEntry>& Cache() {
  static auto* cache = new PrimitiveCache<MatmulEntry>();
  return *cache;
}

absl::Status ShapeError(const Tensor& a, const Tensor& b, const Tensor& out, const char* why) {
  return absl::InvalidArgumentError(absl::StrCat("matmul (onednn): ", a.DebugString(), " x ",
                                                 b.DebugString(), " -> ", out.DebugString(), ": ",
                                                 why));
}

// out = beta * out (the K = 0 case, which oneDNN does not take).
void ScaleOut(float beta, Tensor* out) {
  float* o = out->data<float>();
  for (int64_t i = 0; i < out->numel(); ++i) o[i] = beta == 0 ? 0.0f : beta * o[i];
}

absl::Status OnednnMatmul(const Tensor& a, const Tensor& b, const MatmulParams& p, Tensor* out) {
  if (a.dim() < 2 || b.dim() < 2) return ShapeError(a, b, *out, "both need at least 2 axes");
  const bool ta = p.transpose_a, tb = p.transpose_b;
  const int64_t m = ta ? a.size(-1) : a.size(-2), k = ta ? a.size(-2) : a.size(-1);
  const int64_t kb = tb ? b.size(-1) : b.size(-2), n = tb ? b.size(-2) : b.size(-1);
  const int64_t batch = NumElements(Shape(a.shape().begin(), a.shape().end() - 2));
  const bool shared_b = b.dim() == 2;
  const DType out_dtype = DType::kF32;  // bf16 inputs accumulate into f32
  if (k != kb) return ShapeError(a, b, *out, "inner dimensions differ");
  if (a.dtype() != b.dtype() || out->dtype() != out_dtype) {
    return ShapeError(a, b, *out, "dtypes must be f32 x f32 -> f32 or bf16 x bf16 -> f32");
  }
  if (!shared_b && b.numel() != batch * k * n) return ShapeError(a, b, *out, "batch differs");
  if (out->numel() != batch * m * n) return ShapeError(a, b, *out, "wrong output size");
  if (out->numel() == 0) return absl::OkStatus();
  if (k == 0) {
    ScaleOut(p.beta, out);
    return absl::OkStatus();
  }
  // Geometry: [rows, K] x [K, N] when the batch folds into rows, else [batch, M, K] x
  // [batch or 1, K, N] -> [batch, M, N].
  const bool fold = batch == 1 || (shared_b && !ta);
  const int64_t rows = fold ? batch * m : m;
  const int64_t nb = fold ? 1 : batch, wb = shared_b ? 1 : nb;
  // Key: threads, dtype, transposes, beta, batch, weight batch, rows, K, N.
  CacheKey key = {
      CpuThreads(), static_cast<int64_t>(a.dtype()), ta, tb, FloatBits(p.beta), nb, wb, rows, k, n};
  VLMLAB_ASSIGN_OR_RETURN(std::shared_ptr<const MatmulEntry> e, Cache().GetOrCreate(key, [&] {
    return MakeEntry<MatmulEntry>(__FILE__, __LINE__, "matmul primitive", [&] {
      using dims = dnnl::memory::dims;
      const auto dt = DnnlType(a.dtype()), ot = DnnlType(out_dtype);
      dnnl::memory::desc src, wei, dst;
      if (fold) {  // a stored [rows, K] or [K, rows]; b stored [K, N] or [N, K]
        src = dnnl::memory::desc({rows, k}, dt, ta ? dims{1, rows} : dims{k, 1});
        wei = dnnl::memory::desc({k, n}, dt, tb ? dims{1, k} : dims{n, 1});
        dst = dnnl::memory::desc({rows, n}, ot, dims{n, 1});
      } else {
        src = dnnl::memory::desc({nb, m, k}, dt, ta ? dims{m * k, 1, m} : dims{m * k, k, 1});
        wei = dnnl::memory::desc({wb, k, n}, dt, tb ? dims{k * n, 1, k} : dims{k * n, n, 1});
        dst = dnnl::memory::desc({nb, m, n}, ot, dims{m * n, n, 1});
      }
      dnnl::primitive_attr attr = UserScratchpad();
      if (p.beta != 0.0f) {
        dnnl::post_ops ops;
        ops.append_sum(p.beta);
        attr.set_post_ops(ops);
      }
      dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(src, wei, dst), attr, OnednnEngine());
      return new MatmulEntry{dnnl::matmul(pd),
                             ArgMemories(pd, {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_DST})};
    });
  }));
  if (e == nullptr) return Fallback(MatmulKernels(), a.dtype(), a, b, p, out);
  try {
    e->args.Execute(e->prim, {a.raw_data(), b.raw_data(), out->raw_data()});
  }
  VLMLAB_DNNL_CATCH("matmul execute")
  return absl::OkStatus();
}

const bool registered = [] {
  std::vector<DType> dtypes = {DType::kF32};
  if (CpuHasBf16()) dtypes.push_back(DType::kBF16);
  return MatmulKernels().Register(
      {kOnednnBackend, DeviceType::kCpu, kOnednnPriority, dtypes, &OnednnMatmul});
}();

}  // namespace
}  // namespace vlmlab::cpu
