// Integration: a tiny linear regression trained end to end with nn, ops, autograd and optim.
#include "gtest/gtest.h"
#include "platform/autograd/backward.h"
#include "platform/nn/linear.h"
#include "platform/ops/elementwise_ops.h"
#include "platform/ops/matmul_ops.h"
#include "platform/ops/shape_ops.h"
#include "platform/optim/clip.h"
#include "platform/optim/from_spec.h"
#include "platform/optim/optimizer.h"
#include "platform/optim/schedule.h"

namespace vlmlab::optim {
namespace {

struct Data {
  Tensor x, y;
};

// y = x w*^T + b* with w* = [1, -2, 0.5, 3], b* = 0.7.
Data MakeData() {
  Tensor x = Tensor::RandN({64, 4}, 42);
  Tensor w = Tensor::FromVector({1, 4}, {1, -2, 0.5f, 3});
  Tensor b = Tensor::FromVector({1}, {0.7f});
  return {x, ops::Linear(x, w, b).value()};
}

double MseLoss(nn::Linear& model, const Data& d, bool backward) {
  Tensor pred = model.Forward(d.x).value();
  Tensor loss = ops::Mean(ops::Square(ops::Sub(pred, d.y).value()).value()).value();
  if (backward) {
    EXPECT_TRUE(Backward(loss).ok());
  }
  return loss.ToVector()[0];
}

void Fit(nn::Linear& model, Optimizer* opt, const Schedule& schedule, const Data& d) {
  for (int64_t step = 0; step < schedule.total_steps; ++step) {
    opt->ZeroGrad();
    MseLoss(model, d, /*backward=*/true);
    ASSERT_TRUE(ClipGradNorm(opt->Parameters(), 5.0).ok());
    ASSERT_TRUE(opt->Step(LearningRate(schedule, step)).ok());
  }
}

TEST(Training, AdamWFromSpecFitsALinearRegression) {
  Data d = MakeData();
  nn::Linear model(4, 1, true, /*seed=*/1);
  double initial = MseLoss(model, d, false);
  OptimizerSpec spec;  // AdamW, betas 0.9/0.999
  spec.set_lr(0.1f);
  spec.set_weight_decay(0.0f);
  std::unique_ptr<Optimizer> opt = BuildOptimizer(spec, model.NamedParameters()).value();
  ScheduleSpec sched;
  sched.set_kind(ScheduleSpec::COSINE);
  sched.set_warmup_steps(10);
  sched.set_min_lr_ratio(0.01f);
  Fit(model, opt.get(), ScheduleFromSpec(sched, spec.lr(), 400), d);
  double final_loss = MseLoss(model, d, false);
  EXPECT_GT(initial, 1.0);
  EXPECT_LT(final_loss, 1e-5) << "from " << initial;
  std::vector<float> w = model.weight().ToVector();
  EXPECT_NEAR(w[1], -2.0, 1e-2);
  EXPECT_NEAR(model.bias().ToVector()[0], 0.7, 1e-2);
  EXPECT_EQ(opt->step_count(), 400);
}

TEST(Training, SgdWithMomentumFitsALinearRegression) {
  Data d = MakeData();
  nn::Linear model(4, 1, true, /*seed=*/2);
  std::vector<ParamGroup> groups = BuildParamGroups(model.NamedParameters(), {}).value();
  std::unique_ptr<Optimizer> opt = Sgd::Create(std::move(groups)).value();
  Fit(model, opt.get(), Schedule{ScheduleKind::kConstant, 0.05, 0, 300, 1.0}, d);
  EXPECT_LT(MseLoss(model, d, false), 1e-6);
}

TEST(Training, FrozenBiasStaysPutWhileTheWeightTrains) {
  Data d = MakeData();
  nn::Linear model(4, 1, true, 3);
  std::vector<float> bias_before = model.bias().ToVector();
  model.SetTrainable("bias", false);
  std::unique_ptr<Optimizer> opt = BuildOptimizer(OptimizerSpec(), model.NamedParameters()).value();
  Fit(model, opt.get(), Schedule{ScheduleKind::kConstant, 0.05, 0, 50, 1.0}, d);
  EXPECT_EQ(model.bias().ToVector(), bias_before);
  EXPECT_EQ(opt->StateDict().param_steps.count("bias"), 0u);
  EXPECT_EQ(opt->StateDict().param_steps.at("weight"), 50);
}

}  // namespace
}  // namespace vlmlab::optim
