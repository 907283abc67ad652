// The optimisation loop every training stage shares: gradient accumulation over micro-batches,
// global-norm clipping, the learning-rate schedule, a NaN/Inf guard, periodic logging and
// checkpoint callbacks. What a micro-batch is and how its loss is computed belongs to the
// caller (the stage), so the loop is testable on any module.
//
//   TrainLoopOptions o{.steps = 300, .grad_accum = 2, .max_grad_norm = 1.0,
//                      .schedule = optim::ScheduleFromSpec(...), .log_every = 10};
//   TrainLoop loop(o);
//   absl::Status st = loop.Run(*optimizer,
//       /*micro_step=*/[&]() -> absl::StatusOr<MicroResult> {
//         VLMLAB_ASSIGN_OR_RETURN(Batch b, data.Next());
//         VLMLAB_ASSIGN_OR_RETURN(Tensor loss, model.Loss(b));   // scalar
//         return MicroResult{loss, b.size()};
//       },
//       /*on_log=*/[&](const StepRecord& r) { return store.AppendScalars(r); },
//       /*on_checkpoint=*/[&](int64_t step) { return SaveCheckpoint(...); });
#ifndef VLMLAB_PLATFORM_TRAIN_TRAIN_LOOP_H_
#define VLMLAB_PLATFORM_TRAIN_TRAIN_LOOP_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "platform/optim/optimizer.h"
#include "platform/optim/schedule.h"
#include "platform/tensor/tensor.h"

namespace vlmlab::train {

struct TrainLoopOptions {
  std::string stage_name = "train";  // for messages
  int64_t steps = 1;                 // optimizer steps in the stage
  int64_t start_step = 0;            // steps already done (resume)
  int grad_accum = 1;                // micro-batches per step
  double max_grad_norm = 0;          // 0: no clipping
  optim::Schedule schedule;
  int log_every = 10;         // on_log every N steps (and after the last)
  int checkpoint_every = 0;   // on_checkpoint every N steps; 0: only after the last
};

// One micro-batch: its loss (a scalar with autograd history) and sample count. `metrics` are
// extra scalars averaged over the step's micro-batches and logged (e.g. "dpo/reward_margin").
struct MicroResult {
  Tensor loss;
  int64_t samples = 0;
  std::map<std::string, double> metrics;
};

struct StepRecord {
  int64_t step = 0;  // 1-based: steps completed in the stage
  double loss = 0;   // mean over the step's micro-batches
  double lr = 0;
  double grad_norm = 0;       // before clipping
  double samples_per_s = 0;   // since the previous record
  int64_t samples = 0;        // total in the stage so far (this run)
  double elapsed_s = 0;       // wall time in the stage so far (this run)
  std::map<std::string, double> metrics;
};

class TrainLoop {
 public:
  using MicroStep = std::function<absl::StatusOr<MicroResult>()>;
  using OnLog = std::function<absl::Status(const StepRecord&)>;
  using OnCheckpoint = std::function<absl::Status(int64_t step)>;

  explicit TrainLoop(TrainLoopOptions options) : options_(std::move(options)) {}

  // Runs steps start_step+1 .. steps. A non-finite loss or gradient norm stops the loop with
  // FailedPrecondition naming the stage and step, before the optimizer touches the weights,
  // so the last checkpoint written stays the last good one.
  absl::Status Run(optim::Optimizer& optimizer, const MicroStep& micro_step, const OnLog& on_log,
                   const OnCheckpoint& on_checkpoint);

  const TrainLoopOptions& options() const { return options_; }

 private:
  TrainLoopOptions options_;
};

}  // namespace vlmlab::train

#endif  // VLMLAB_PLATFORM_TRAIN_TRAIN_LOOP_H_
