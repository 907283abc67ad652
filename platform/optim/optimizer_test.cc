#include "platform/optim/optimizer.h"

#include <cmath>
#include <limits>
#include <memory>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "platform/optim/clip.h"

namespace vlmlab::optim {
namespace {

using ::testing::HasSubstr;

// A leaf parameter with requires_grad, like Module::RegisterParameter makes.
Tensor Param(const Shape& shape, std::vector<float> values) {
  Tensor t = Tensor::FromVector(shape, values);
  t.set_requires_grad(true);
  return t;
}

std::vector<ParamGroup> OneGroup(nn::NamedTensors params, float wd, float mult = 1.0f) {
  return {ParamGroup{std::move(params), mult, wd}};
}

// Double-precision AdamW, one element.
struct RefAdam {
  double p, m = 0, v = 0;
  int t = 0;
  void Step(double g, double lr, double wd, double b1 = 0.9, double b2 = 0.999, double eps = 1e-8) {
    ++t;
    p *= 1 - lr * wd;
    m = b1 * m + (1 - b1) * g;
    v = b2 * v + (1 - b2) * g * g;
    double mhat = m / (1 - std::pow(b1, t)), vhat = v / (1 - std::pow(b2, t));
    p -= lr * mhat / (std::sqrt(vhat) + eps);
  }
};

TEST(AdamW, FirstStepIsSignStepPlusDecoupledDecay) {
  Tensor w = Param({2, 2}, {0.5f, -1.0f, 2.0f, 0.0f});
  auto opt = AdamW::Create(OneGroup({{"w", w}}, /*wd=*/0.1f)).value();
  w.set_grad(Tensor::FromVector({2, 2}, {0.1f, -0.2f, 3.0f, 1e-3f}));
  ASSERT_TRUE(opt->Step(0.01).ok());
  // Bias correction makes m_hat = g and v_hat = g^2: the step is lr * sign(g) (eps aside),
  // and decay multiplies p by 1 - lr * wd independently of the gradient.
  std::vector<float> got = w.ToVector();
  const float p0[4] = {0.5f, -1.0f, 2.0f, 0.0f}, sign[4] = {1, -1, 1, 1};
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(got[i], p0[i] * 0.999 - 0.01 * sign[i], 1e-6) << i;
  EXPECT_EQ(opt->step_count(), 1);
}

TEST(AdamW, TwoStepsMatchADoubleComputation) {
  Tensor w = Param({3}, {0.5f, -1.0f, 2.0f});
  Tensor frozen_mult = Param({3}, {1, 2, 3});
  std::vector<ParamGroup> groups = {ParamGroup{{{"w", w}}, 1.0f, 0.05f},
                                    ParamGroup{{{"u", frozen_mult}}, 0.0f, 0.05f}};
  AdamWOptions o;
  o.beta1 = 0.8;
  o.beta2 = 0.99;
  o.eps = 1e-6;
  auto opt = AdamW::Create(groups, o).value();
  RefAdam ref[3] = {{0.5}, {-1.0}, {2.0}};
  const float g[2][3] = {{0.1f, -0.2f, 0.3f}, {-0.05f, 0.4f, 0.0f}};
  const double lr[2] = {0.01, 0.02};
  for (int s = 0; s < 2; ++s) {
    w.set_grad(Tensor::FromVector({3}, {g[s][0], g[s][1], g[s][2]}));
    frozen_mult.set_grad(Tensor::FromVector({3}, {1, 1, 1}));
    ASSERT_TRUE(opt->Step(lr[s]).ok());
    for (int i = 0; i < 3; ++i) ref[i].Step(g[s][i], lr[s], 0.05, 0.8, 0.99, 1e-6);
    std::vector<float> got = w.ToVector();
    for (int i = 0; i < 3; ++i) EXPECT_NEAR(got[i], ref[i].p, 1e-6) << "step " << s << " " << i;
  }
  // A group with multiplier 0 trains at lr 0: no update and no decay.
  EXPECT_EQ(frozen_mult.ToVector(), (std::vector<float>{1, 2, 3}));
  OptimizerState st = opt->StateDict();
  EXPECT_EQ(st.step, 2);
  EXPECT_EQ(st.param_steps.at("w"), 2);
  std::vector<float> m = st.tensors.at("w.exp_avg").ToVector();
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(m[i], ref[i].m, 1e-7);
  EXPECT_NEAR(st.tensors.at("w.exp_avg_sq").ToVector()[1], ref[1].v, 1e-8);
}

TEST(Sgd, MomentumAndL2MatchAHandComputation) {
  Tensor w = Param({1}, {1.0f});
  auto opt = Sgd::Create(OneGroup({{"w", w}}, 0.0f)).value();  // momentum 0.9
  w.set_grad(Tensor::FromVector({1}, {0.5f}));
  ASSERT_TRUE(opt->Step(0.1).ok());
  EXPECT_NEAR(w.ToVector()[0], 0.95, 1e-7);  // buf = 0.5
  ASSERT_TRUE(opt->Step(0.1).ok());
  EXPECT_NEAR(w.ToVector()[0], 0.855, 1e-7);  // buf = 0.9 * 0.5 + 0.5 = 0.95

  // L2: d = g + wd p; nesterov: p -= lr (d + mu buf).
  Tensor v = Param({2}, {2.0f, -1.0f});
  SgdOptions o;
  o.momentum = 0.5;
  o.nesterov = true;
  auto nest = Sgd::Create(OneGroup({{"v", v}}, 0.1f), o).value();
  double p[2] = {2.0, -1.0}, buf[2] = {0, 0};
  for (int s = 0; s < 3; ++s) {
    v.set_grad(Tensor::FromVector({2}, {0.3f, -0.1f}));
    ASSERT_TRUE(nest->Step(0.2).ok());
    const double g[2] = {0.3, -0.1};
    for (int i = 0; i < 2; ++i) {
      double d = g[i] + 0.1 * p[i];
      buf[i] = 0.5 * buf[i] + d;
      p[i] -= 0.2 * (d + 0.5 * buf[i]);
    }
    std::vector<float> got = v.ToVector();
    EXPECT_NEAR(got[0], p[0], 1e-6);
    EXPECT_NEAR(got[1], p[1], 1e-6);
  }
  // No momentum: plain SGD with no state tensors.
  Tensor u = Param({1}, {1.0f});
  SgdOptions plain;
  plain.momentum = 0;
  auto sgd = Sgd::Create(OneGroup({{"u", u}}, 0.0f), plain).value();
  u.set_grad(Tensor::FromVector({1}, {2.0f}));
  ASSERT_TRUE(sgd->Step(0.25).ok());
  EXPECT_EQ(u.ToVector()[0], 0.5f);
  EXPECT_TRUE(sgd->StateDict().tensors.empty());
}

TEST(Optimizer, ParamsWithoutGradOrFrozenAreSkippedAndGetNoState) {
  Tensor a = Param({2}, {1, 1}), b = Param({2}, {1, 1}), c = Param({2}, {1, 1});
  auto opt = AdamW::Create(OneGroup({{"a", a}, {"b", b}, {"c", c}}, 0.1f)).value();
  a.set_grad(Tensor::Full({2}, 1));
  c.set_grad(Tensor::Full({2}, 1));
  c.set_requires_grad(false);  // frozen (a stale gradient is ignored too)
  ASSERT_TRUE(opt->Step(0.1).ok());
  EXPECT_NE(a.ToVector(), (std::vector<float>{1, 1}));
  EXPECT_EQ(b.ToVector(), (std::vector<float>{1, 1}));  // no grad: no decay either
  EXPECT_EQ(c.ToVector(), (std::vector<float>{1, 1}));
  OptimizerState st = opt->StateDict();
  EXPECT_EQ(st.param_steps.size(), 1u);
  EXPECT_EQ(st.tensors.size(), 2u);
  EXPECT_TRUE(st.tensors.count("a.exp_avg"));
  opt->ZeroGrad();
  EXPECT_FALSE(a.grad().defined());
}

// Runs `steps` AdamW steps on w with gradients derived from the step index and w itself.
void Train(Optimizer* opt, const Tensor& w, int first, int steps) {
  for (int s = first; s < first + steps; ++s) {
    std::vector<float> p = w.ToVector(), g(p.size());
    for (size_t i = 0; i < p.size(); ++i) g[i] = p[i] - 0.1f * s + 0.01f * i;
    w.set_grad(Tensor::FromVector(w.shape(), g));
    ASSERT_TRUE(opt->Step(0.05 / (1 + s)).ok());
  }
}

TEST(Optimizer, SaveAndRestoreContinuesIdentically) {
  for (bool adam : {true, false}) {
    auto make = [adam](const Tensor& w) -> std::unique_ptr<Optimizer> {
      if (adam) return AdamW::Create(OneGroup({{"layer.w", w}}, 0.01f)).value();
      return Sgd::Create(OneGroup({{"layer.w", w}}, 0.01f)).value();
    };
    Tensor w = Param({2, 3}, {1, 2, 3, -1, -2, -3});
    std::unique_ptr<Optimizer> opt = make(w);
    Train(opt.get(), w, 0, 3);
    OptimizerState saved = opt->StateDict();
    Tensor w_saved = w.To(DType::kF32);
    Train(opt.get(), w, 3, 4);

    Tensor w2 = Param({2, 3}, w_saved.ToVector());
    std::unique_ptr<Optimizer> resumed = make(w2);
    ASSERT_TRUE(resumed->LoadStateDict(saved).ok());
    EXPECT_EQ(resumed->step_count(), 3);
    Train(resumed.get(), w2, 3, 4);
    EXPECT_EQ(w.ToVector(), w2.ToVector()) << resumed->name();  // bit-identical
    // The saved state is a copy: training on did not change it.
    EXPECT_EQ(saved.step, 3);
  }
}

TEST(Optimizer, LoadStateDictNamesProblemsAndKeepsTheOldState) {
  Tensor w = Param({2}, {1, 2});
  auto opt = AdamW::Create(OneGroup({{"w", w}}, 0.0f)).value();
  w.set_grad(Tensor::Full({2}, 1));
  ASSERT_TRUE(opt->Step(0.1).ok());
  OptimizerState bad = opt->StateDict();
  bad.tensors.erase("w.exp_avg_sq");
  bad.tensors["w.exp_avg"] = Tensor::Zeros({3});
  bad.tensors["w.momentum_buffer"] = Tensor::Zeros({2});
  bad.param_steps["ghost"] = 4;
  absl::Status s = opt->LoadStateDict(bad);
  ASSERT_FALSE(s.ok());
  std::string msg(s.message());
  EXPECT_THAT(msg, HasSubstr("adamw load_state_dict: unknown parameter \"ghost\""));
  EXPECT_THAT(msg, HasSubstr("\"w.exp_avg\" is f32[3] cpu, parameter f32[2] cpu"));
  EXPECT_THAT(msg, HasSubstr("unexpected tensor \"w.momentum_buffer\""));
  EXPECT_THAT(msg, HasSubstr("missing tensor \"w.exp_avg_sq\""));
  EXPECT_EQ(opt->StateDict().step, 1);
  EXPECT_EQ(opt->StateDict().tensors.size(), 2u);
}

TEST(Optimizer, RejectsBadParametersOptionsAndGradients) {
  Tensor bf = Tensor::Zeros({2}, DType::kBF16);
  auto r = AdamW::Create(OneGroup({{"bf", bf}}, 0.0f));
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("\"bf\" is bf16[2] cpu"));
  Tensor w = Param({2}, {1, 2});
  EXPECT_FALSE(AdamW::Create({ParamGroup{{{"w", w}}, 1, 0}, ParamGroup{{{"w", w}}, 2, 0}}).ok());
  AdamWOptions betas;
  betas.beta1 = 1.0;
  EXPECT_FALSE(AdamW::Create(OneGroup({{"w", w}}, 0.0f), betas).ok());
  EXPECT_FALSE(AdamW::Create(OneGroup({{"w", w}}, -1.0f)).ok());
  SgdOptions nesterov;
  nesterov.momentum = 0;
  nesterov.nesterov = true;
  EXPECT_FALSE(Sgd::Create(OneGroup({{"w", w}}, 0.0f), nesterov).ok());

  auto opt = Sgd::Create(OneGroup({{"w", w}}, 0.0f)).value();
  w.set_grad(Tensor::Zeros({3}));
  absl::Status s = opt->Step(0.1);
  EXPECT_THAT(std::string(s.message()), HasSubstr("sgd: gradient of \"w\" is f32[3] cpu"));
  EXPECT_EQ(w.ToVector(), (std::vector<float>{1, 2}));
  EXPECT_FALSE(opt->Step(-1).ok());
  EXPECT_FALSE(opt->Step(std::nan("")).ok());
}

// The update's f32 arithmetic, with 1 - beta rounded from double as PyTorch passes it: the
// same bits as this plain loop (a kernel computing 1.0f - 0.9f would differ).
TEST(AdamW, FirstStepHasTheBitsOfTheDocumentedFloatFormula) {
  const std::vector<float> w0 = {0.5f, -1.0f, 2.0f, 0.25f, 3.0f, -7.5f, 1e-3f};
  const std::vector<float> g = {0.7f, -2.5f, 3.0f, 1e-3f, -4.0f, 0.3f, 123.0f};
  Tensor w = Param({7}, w0);
  auto opt = AdamW::Create(OneGroup({{"w", w}}, /*wd=*/0.05f)).value();
  w.set_grad(Tensor::FromVector({7}, g));
  ASSERT_TRUE(opt->Step(0.01).ok());
  const double lr = 0.01, wd = static_cast<double>(0.05f);
  const float c1 = static_cast<float>(1.0 - 0.9), c2 = static_cast<float>(1.0 - 0.999);
  const float decay = static_cast<float>(1.0 - lr * wd);
  const float step_size = static_cast<float>(lr / (1.0 - 0.9));
  const float inv_sqrt_bc2 = static_cast<float>(1.0 / std::sqrt(1.0 - 0.999));
  std::vector<float> want(7);
  for (int i = 0; i < 7; ++i) {
    const float m = 0.9f * 0.0f + c1 * g[i];
    const float v = 0.999f * 0.0f + c2 * g[i] * g[i];
    const volatile float denom = std::sqrt(v) * inv_sqrt_bc2 + 1e-8f;  // no contraction
    want[i] = w0[i] * decay - step_size * m / denom;
  }
  EXPECT_EQ(w.ToVector(), want);
}

// Folding the clip scale into the update gives the bits of clipping the gradients first.
TEST(Optimizer, GradScaleEqualsClippingTheGradientsFirst) {
  for (bool sgd : {false, true}) {
    const std::vector<float> w0 = {0.5f, -1.0f, 2.0f, 0.25f, 3.0f};
    const std::vector<float> g0 = {0.7f, -2.5f, 3.0f, 1e-3f, -4.0f};
    Tensor folded = Param({5}, w0), clipped = Param({5}, w0);
    auto make = [&](Tensor w) -> std::unique_ptr<Optimizer> {
      if (sgd) return Sgd::Create(OneGroup({{"w", w}}, 0.1f)).value();
      return AdamW::Create(OneGroup({{"w", w}}, 0.1f)).value();
    };
    std::unique_ptr<Optimizer> a = make(folded), b = make(clipped);
    for (int step = 0; step < 3; ++step) {
      std::vector<float> g = g0;
      for (float& x : g) x *= static_cast<float>(step + 1);
      folded.set_grad(Tensor::FromVector({5}, g));
      clipped.set_grad(Tensor::FromVector({5}, g));
      const double norm = GradNorm({folded}).value();
      ASSERT_GT(ClipScale(norm, 1.0), 0.0f);
      ASSERT_LT(ClipScale(norm, 1.0), 1.0f);
      ASSERT_TRUE(a->Step(0.01, ClipScale(norm, 1.0)).ok());
      ASSERT_EQ(ClipGradNorm({clipped}, 1.0).value(), norm);
      ASSERT_TRUE(b->Step(0.01).ok());
      EXPECT_EQ(folded.ToVector(), clipped.ToVector()) << (sgd ? "sgd" : "adamw") << " " << step;
    }
    EXPECT_NE(folded.ToVector(), w0);
    EXPECT_FALSE(a->Step(0.01, -1.0f).ok());
    EXPECT_FALSE(a->Step(0.01, std::nanf("")).ok());
  }
}

TEST(ClipScale, IsOneUnlessAFiniteNormExceedsAPositiveLimit) {
  EXPECT_EQ(ClipScale(0.5, 1.0), 1.0f);
  EXPECT_EQ(ClipScale(5.0, 0.0), 1.0f);
  EXPECT_EQ(ClipScale(std::numeric_limits<double>::infinity(), 1.0), 1.0f);
  EXPECT_FLOAT_EQ(ClipScale(4.0, 1.0), static_cast<float>(1.0 / (4.0 + 1e-6)));
}

}  // namespace
}  // namespace vlmlab::optim
