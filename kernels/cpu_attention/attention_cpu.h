// Fused CPU attention kernels: registers backend "cpu_fused" (priority 10, f32) in
// AttentionForwardKernels() and AttentionBackwardKernels() (kernels/api/attention.h). Link
// //kernels/cpu_attention (alwayslink) and ops::ScaledDotProductAttention picks it up:
//
//   // BUILD: deps = ["//kernels/cpu_attention", "//platform/ops"]
//   Tensor out = ops::ScaledDotProductAttention(q, k, v, opt).value();   // runs cpu_fused
//   bool fused = AttentionForwardKernels().Supports(kCpuFusedAttentionBackend,
//                                                   DeviceType::kCpu, DType::kF32);
//
// Per (batch, head) block, query rows are processed in tiles of 16: scores against the keys the
// tile can see (causal: none past its last row; segment ids: none before the first key of its
// earliest segment, so a packed row skips the other samples' key blocks), a stable softmax and
// the weighted sum of values, each product a register-blocked micro-GEMM (small_gemm.h;
// AVX2/FMA or baseline code chosen at run time); the per-row
// log-sum-exp is saved for the backward, which recomputes the probabilities. OpenMP runs
// blocks in parallel; each block is computed by one thread in a fixed order, so results do
// not depend on the thread count. The backward runs per (batch, kv head), so dk and dv sum
// over the group's query heads in order. bf16 stays with the reference kernels.
#ifndef VLMLAB_KERNELS_CPU_ATTENTION_ATTENTION_CPU_H_
#define VLMLAB_KERNELS_CPU_ATTENTION_ATTENTION_CPU_H_

namespace vlmlab {

inline constexpr char kCpuFusedAttentionBackend[] = "cpu_fused";

}  // namespace vlmlab

#endif  // VLMLAB_KERNELS_CPU_ATTENTION_ATTENTION_CPU_H_
