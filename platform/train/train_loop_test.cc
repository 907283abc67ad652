#include "platform/train/train_loop.h"

#include <cmath>
#include <cstring>
#include <filesystem>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "platform/base/status_macros.h"
#include "platform/nn/linear.h"
#include "platform/ops/elementwise_ops.h"
#include "platform/ops/shape_ops.h"
#include "platform/optim/from_spec.h"
#include "platform/train/checkpoint.h"

namespace vlmlab::train {
namespace {

// y = x W^T + b regression towards a fixed target: a loss that must go down.
struct Problem {
  Problem() : layer(4, 3) {
    layer.Initialize(3);
    x = Tensor::RandN({8, 4}, 11);
    target = Tensor::RandN({8, 3}, 12);
  }
  absl::StatusOr<Tensor> Loss(int64_t begin, int64_t end) {
    VLMLAB_ASSIGN_OR_RETURN(Tensor xs, ops::Slice(x, 0, begin, end));
    VLMLAB_ASSIGN_OR_RETURN(Tensor ts, ops::Slice(target, 0, begin, end));
    VLMLAB_ASSIGN_OR_RETURN(Tensor y, layer.Forward(xs));
    VLMLAB_ASSIGN_OR_RETURN(Tensor d, ops::Sub(y, ts));
    VLMLAB_ASSIGN_OR_RETURN(Tensor sq, ops::Square(d));
    return ops::Mean(sq);
  }
  std::unique_ptr<optim::Optimizer> Optimizer() {
    OptimizerSpec spec;
    spec.set_lr(0.05f);
    return optim::BuildOptimizer(spec, layer.NamedParameters()).value();
  }
  nn::Linear layer;
  Tensor x, target;
};

TrainLoopOptions Options(int64_t steps) {
  TrainLoopOptions o;
  o.steps = steps;
  o.schedule.kind = optim::ScheduleKind::kConstant;
  o.schedule.peak_lr = 0.05;
  o.schedule.total_steps = steps;
  o.log_every = 5;
  return o;
}

std::vector<float> Weights(const nn::Module& m) {
  std::vector<float> out;
  for (const auto& [name, t] : m.StateDict()) {
    std::vector<float> v = t.ToVector();
    out.insert(out.end(), v.begin(), v.end());
  }
  return out;
}

TEST(TrainLoop, LossGoesDownAndLogsOnCadence) {
  Problem p;
  auto opt = p.Optimizer();
  std::vector<StepRecord> logs;
  std::vector<int64_t> checkpoints;
  TrainLoopOptions o = Options(12);
  o.checkpoint_every = 4;
  TrainLoop loop(o);
  ASSERT_TRUE(loop.Run(
                      *opt,
                      [&]() -> absl::StatusOr<MicroResult> {
                        VLMLAB_ASSIGN_OR_RETURN(Tensor l, p.Loss(0, 8));
                        return MicroResult{l, 8, {{"aux", 2.0}}};
                      },
                      [&](const StepRecord& r) {
                        logs.push_back(r);
                        return absl::OkStatus();
                      },
                      [&](int64_t s) {
                        checkpoints.push_back(s);
                        return absl::OkStatus();
                      })
                  .ok());
  ASSERT_EQ(logs.size(), 3u);  // steps 5, 10 and the last (12)
  EXPECT_EQ(logs[0].step, 5);
  EXPECT_EQ(logs[2].step, 12);
  EXPECT_LT(logs[2].loss, logs[0].loss);
  EXPECT_EQ(logs[2].samples, 12 * 8);
  EXPECT_DOUBLE_EQ(logs[1].metrics.at("aux"), 2.0);
  EXPECT_GT(logs[0].grad_norm, 0);
  EXPECT_EQ(checkpoints, (std::vector<int64_t>{4, 8, 12}));
}

TEST(TrainLoop, AccumulationOfHalvesEqualsTheFullBatch) {
  Problem full, halves;
  auto opt_full = full.Optimizer();
  auto opt_halves = halves.Optimizer();
  ASSERT_TRUE(TrainLoop(Options(3))
                  .Run(
                      *opt_full,
                      [&]() -> absl::StatusOr<MicroResult> {
                        VLMLAB_ASSIGN_OR_RETURN(Tensor l, full.Loss(0, 8));
                        return MicroResult{l, 8, {}};
                      },
                      nullptr, nullptr)
                  .ok());
  TrainLoopOptions o = Options(3);
  o.grad_accum = 2;
  int micro = 0;
  ASSERT_TRUE(TrainLoop(o)
                  .Run(
                      *opt_halves,
                      [&]() -> absl::StatusOr<MicroResult> {
                        int64_t begin = (micro++ % 2) * 4;
                        VLMLAB_ASSIGN_OR_RETURN(Tensor l, halves.Loss(begin, begin + 4));
                        return MicroResult{l, 4, {}};
                      },
                      nullptr, nullptr)
                  .ok());
  std::vector<float> a = Weights(full.layer), b = Weights(halves.layer);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-5) << i;
}

TEST(TrainLoop, NanLossStopsBeforeTouchingTheWeights) {
  Problem p;
  auto opt = p.Optimizer();
  int calls = 0;
  std::vector<float> before;
  absl::Status st = TrainLoop(Options(10))
                        .Run(
                            *opt,
                            [&]() -> absl::StatusOr<MicroResult> {
                              if (++calls == 4) {
                                before = Weights(p.layer);
                                return MicroResult{Tensor::Full({}, std::nanf("")), 8, {}};
                              }
                              VLMLAB_ASSIGN_OR_RETURN(Tensor l, p.Loss(0, 8));
                              return MicroResult{l, 8, {}};
                            },
                            nullptr, nullptr);
  ASSERT_EQ(st.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(st.message(), ::testing::HasSubstr("at step 4")) << st.message();
  EXPECT_EQ(Weights(p.layer), before);
}

TEST(TrainLoop, ResumeFromCheckpointEqualsUninterrupted) {
  std::string dir = std::string(getenv("TEST_TMPDIR")) + "/resume";
  Problem straight;
  auto opt = straight.Optimizer();
  auto micro = [](Problem& p) {
    return [&p]() -> absl::StatusOr<MicroResult> {
      VLMLAB_ASSIGN_OR_RETURN(Tensor l, p.Loss(0, 8));
      return MicroResult{l, 8, {}};
    };
  };
  ASSERT_TRUE(TrainLoop(Options(10)).Run(*opt, micro(straight), nullptr, nullptr).ok());

  // First half, checkpoint at step 5, then "crash".
  {
    Problem first;
    auto opt1 = first.Optimizer();
    TrainLoopOptions o = Options(10);
    o.checkpoint_every = 5;
    int64_t stop_at = 5;
    absl::Status st = TrainLoop(o).Run(*opt1, micro(first), nullptr, [&](int64_t step) {
      CheckpointState cs;
      cs.stage_step = step;
      cs.global_step = step;
      VLMLAB_RETURN_IF_ERROR(SaveCheckpoint(dir, cs, first.layer.StateDict(), opt1->StateDict()));
      if (step == stop_at) return absl::AbortedError("killed");
      return absl::OkStatus();
    });
    ASSERT_EQ(st.code(), absl::StatusCode::kAborted);
  }
  Problem resumed;
  auto ck = LoadLatestCheckpoint(dir);
  ASSERT_TRUE(ck.ok()) << ck.status();
  ASSERT_TRUE(ck->has_value());
  ASSERT_TRUE(resumed.layer.LoadStateDict((*ck)->model).ok());
  auto opt2 = resumed.Optimizer();
  ASSERT_TRUE(opt2->LoadStateDict((*ck)->optimizer).ok());
  TrainLoopOptions o = Options(10);
  o.start_step = (*ck)->state.stage_step;
  ASSERT_TRUE(TrainLoop(o).Run(*opt2, micro(resumed), nullptr, nullptr).ok());
  std::vector<float> a = Weights(straight.layer), b = Weights(resumed.layer);
  ASSERT_EQ(a.size(), b.size());
  EXPECT_EQ(0, std::memcmp(a.data(), b.data(), a.size() * sizeof(float)));
}

}  // namespace
}  // namespace vlmlab::train
