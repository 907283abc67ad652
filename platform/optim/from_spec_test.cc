#include "platform/optim/from_spec.h"

#include "gtest/gtest.h"

namespace vlmlab::optim {
namespace {

nn::NamedTensors Params() {
  return {{"encoder.w", Tensor::Zeros({2, 2})},
          {"encoder.b", Tensor::Zeros({2})},
          {"llm.w", Tensor::Zeros({2, 2})}};
}

TEST(FromSpec, OptimizerKindsOptionsAndGroups) {
  OptimizerSpec spec;
  spec.set_weight_decay(0.2f);
  spec.set_beta2(0.95f);
  LrMultiplier* m = spec.add_lr_multipliers();
  m->set_pattern("encoder.*");
  m->set_multiplier(0.5f);
  std::unique_ptr<Optimizer> opt = BuildOptimizer(spec, Params()).value();
  EXPECT_STREQ(opt->name(), "adamw");
  EXPECT_FLOAT_EQ(static_cast<AdamW*>(opt.get())->options().beta2, 0.95f);
  // beta1 and eps reach AdamW (whose update with them is checked against a double-precision
  // computation in optimizer_test: AdamW.TwoStepsMatchADoubleComputation).
  EXPECT_FLOAT_EQ(static_cast<AdamW*>(opt.get())->options().beta1, 0.9f);
  EXPECT_FLOAT_EQ(static_cast<AdamW*>(opt.get())->options().eps, 1e-8f);
  {
    OptimizerSpec tuned = spec;
    tuned.set_beta1(0.8f);
    tuned.set_eps(1e-6f);
    std::unique_ptr<Optimizer> t = BuildOptimizer(tuned, Params()).value();
    EXPECT_FLOAT_EQ(static_cast<AdamW*>(t.get())->options().beta1, 0.8f);
    EXPECT_FLOAT_EQ(static_cast<AdamW*>(t.get())->options().eps, 1e-6f);
  }
  ASSERT_EQ(opt->groups().size(), 3u);
  EXPECT_EQ(opt->groups()[0].lr_multiplier, 0.5f);
  EXPECT_EQ(opt->groups()[0].weight_decay, 0.2f);
  EXPECT_EQ(opt->groups()[1].weight_decay, 0.0f);  // encoder.b is 1-D
  EXPECT_EQ(opt->groups()[2].lr_multiplier, 1.0f);

  spec.set_kind(OptimizerSpec::SGD);
  spec.set_momentum(0.5f);
  opt = BuildOptimizer(spec, Params()).value();
  EXPECT_STREQ(opt->name(), "sgd");
  EXPECT_FLOAT_EQ(static_cast<Sgd*>(opt.get())->options().momentum, 0.5f);

  m->set_pattern("encoderr.*");
  EXPECT_FALSE(BuildOptimizer(spec, Params()).ok());
}

TEST(FromSpec, ScheduleDefaultsAreCosineWithMinRatio) {
  Schedule s = ScheduleFromSpec(ScheduleSpec(), 1e-3, 100);
  EXPECT_EQ(s.kind, ScheduleKind::kCosine);
  EXPECT_EQ(s.warmup_steps, 0);
  EXPECT_FLOAT_EQ(s.min_lr_ratio, 0.1f);
  EXPECT_EQ(s.total_steps, 100);
  ScheduleSpec lin;
  lin.set_kind(ScheduleSpec::LINEAR);
  lin.set_warmup_steps(5);
  EXPECT_EQ(ScheduleFromSpec(lin, 1, 10).kind, ScheduleKind::kLinear);
  EXPECT_EQ(ScheduleFromSpec(lin, 1, 10).warmup_steps, 5);
}

}  // namespace
}  // namespace vlmlab::optim
