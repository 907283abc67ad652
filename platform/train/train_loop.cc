#include "platform/train/train_loop.h"

#include <chrono>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "platform/autograd/backward.h"
#include "platform/base/status_macros.h"
#include "platform/ops/elementwise_ops.h"
#include "platform/optim/clip.h"

namespace vlmlab::train {
namespace {

double Seconds(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

}  // namespace

absl::Status TrainLoop::Run(optim::Optimizer& optimizer, const MicroStep& micro_step,
                            const OnLog& on_log, const OnCheckpoint& on_checkpoint) {
  const TrainLoopOptions& o = options_;
  if (o.grad_accum < 1 || o.steps < 1) {
    return absl::InvalidArgumentError(absl::StrCat("stage ", o.stage_name,
                                                   ": steps and grad_accum must be positive"));
  }
  VLMLAB_RETURN_IF_ERROR(optim::ValidateSchedule(o.schedule));
  auto start = std::chrono::steady_clock::now();
  auto last_log = start;
  int64_t samples = 0, samples_at_last_log = 0;
  double loss_sum = 0;
  int loss_count = 0;
  std::map<std::string, double> metric_sums;
  for (int64_t step = o.start_step; step < o.steps; ++step) {
    optimizer.ZeroGrad();
    double step_loss = 0;
    std::map<std::string, double> step_metrics;
    for (int micro = 0; micro < o.grad_accum; ++micro) {
      VLMLAB_ASSIGN_OR_RETURN(MicroResult r, micro_step());
      if (!r.loss.defined() || r.loss.numel() != 1) {
        return absl::InternalError(absl::StrCat("stage ", o.stage_name,
                                                ": the micro-step did not return a scalar loss"));
      }
      double value = r.loss.ToVector()[0];
      if (!std::isfinite(value)) {
        return absl::FailedPreconditionError(absl::StrCat(
            "stage ", o.stage_name, ": the loss became ", value, " at step ", step + 1,
            " (micro-batch ", micro + 1, "); the weights were not updated and the last "
            "checkpoint is kept. Lower the learning rate or enable max_grad_norm"));
      }
      Tensor scaled = r.loss;
      if (o.grad_accum > 1) {
        VLMLAB_ASSIGN_OR_RETURN(scaled, ops::Scale(r.loss, 1.0f / o.grad_accum));
      }
      VLMLAB_RETURN_IF_ERROR(Backward(scaled));
      step_loss += value / o.grad_accum;
      for (const auto& [k, v] : r.metrics) step_metrics[k] += v / o.grad_accum;
      samples += r.samples;
    }
    // Measured either way, for the logs and the NaN guard; clipping is applied by the update.
    VLMLAB_ASSIGN_OR_RETURN(double norm, optim::GradNorm(optimizer.Parameters()));
    if (!std::isfinite(norm)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "stage ", o.stage_name, ": the gradient norm became ", norm, " at step ", step + 1,
          "; the weights were not updated and the last checkpoint is kept. Lower the learning "
          "rate or enable max_grad_norm"));
    }
    double lr = optim::LearningRate(o.schedule, step);
    VLMLAB_RETURN_IF_ERROR(optimizer.Step(lr, optim::ClipScale(norm, o.max_grad_norm)));
    optimizer.ZeroGrad();
    loss_sum += step_loss;
    ++loss_count;
    for (const auto& [k, v] : step_metrics) metric_sums[k] += v;

    int64_t done = step + 1;
    bool last = done == o.steps;
    if (on_log && (done % std::max(o.log_every, 1) == 0 || last)) {
      auto now = std::chrono::steady_clock::now();
      StepRecord rec;
      rec.step = done;
      rec.loss = loss_sum / loss_count;
      rec.lr = lr;
      rec.grad_norm = norm;
      double dt = Seconds(last_log, now);
      rec.samples_per_s = dt > 0 ? (samples - samples_at_last_log) / dt : 0;
      rec.samples = samples;
      rec.elapsed_s = Seconds(start, now);
      for (const auto& [k, v] : metric_sums) rec.metrics[k] = v / loss_count;
      VLMLAB_RETURN_IF_ERROR(on_log(rec));
      last_log = now;
      samples_at_last_log = samples;
      loss_sum = 0;
      loss_count = 0;
      metric_sums.clear();
    }
    if (on_checkpoint && (last || (o.checkpoint_every > 0 && done % o.checkpoint_every == 0))) {
      VLMLAB_RETURN_IF_ERROR(on_checkpoint(done));
    }
  }
  return absl::OkStatus();
}

}  // namespace vlmlab::train
