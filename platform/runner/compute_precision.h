// The compute precision an experiment's runtime asks for, checked against the machine:
// `runtime.dtype: BF16` trains and evaluates with bf16 matmul and convolution inputs and f32
// accumulation (platform/ops/precision.h; parameters, optimizer state, activations and
// gradients stay f32), and is an error up front where no fast bf16 matmul exists (a CPU
// without avx512_bf16), never a silent f32 run.
//
//   VLMLAB_ASSIGN_OR_RETURN(ops::MatmulPrecision p, PrecisionForRuntime(exp.runtime()));
//   ops::ScopedMatmulPrecision scope(p);   // for the run
#ifndef VLMLAB_PLATFORM_RUNNER_COMPUTE_PRECISION_H_
#define VLMLAB_PLATFORM_RUNNER_COMPUTE_PRECISION_H_

#include "absl/status/statusor.h"
#include "platform/ops/precision.h"
#include "platform/spec/experiment.pb.h"

namespace vlmlab::runner {

absl::StatusOr<ops::MatmulPrecision> PrecisionForRuntime(const Runtime& runtime);

}  // namespace vlmlab::runner

#endif  // VLMLAB_PLATFORM_RUNNER_COMPUTE_PRECISION_H_
