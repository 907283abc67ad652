#include "platform/nn/module.h"

#include <cmath>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "platform/autograd/backward.h"
#include "platform/base/status_macros.h"
#include "platform/nn/linear.h"
#include "platform/nn/mlp.h"
#include "platform/ops/elementwise_ops.h"
#include "platform/ops/shape_ops.h"

namespace vlmlab::nn {
namespace {

using ::testing::HasSubstr;

// A bare container: exposes registration so tests can build trees without a new class each.
class Group : public Module {
 public:
  using Module::RegisterModule;
  using Module::RegisterParameter;
};

// scale [2] at the root (registered first), encoder: {fc: Linear(3, 4), blocks: [Linear(4, 4),
// Linear(4, 4, no bias)]}, (adapter: Linear(4, 4) when `extra`), head: Linear(4, 2).
class Toy : public Module {
 public:
  explicit Toy(bool extra = false) {
    scale_ = RegisterParameter("scale", Tensor::Full({2}, 1.0f));
    auto encoder = std::make_unique<Group>();
    enc_fc_ = encoder->RegisterModule("fc", std::make_unique<Linear>(3, 4));
    auto blocks = std::make_unique<ModuleList>();
    blocks->Append(std::make_unique<Linear>(4, 4));
    blocks->Append(std::make_unique<Linear>(4, 4, /*bias=*/false));
    encoder->RegisterModule("blocks", std::move(blocks));
    encoder_ = RegisterModule("encoder", std::move(encoder));
    if (extra) RegisterModule("adapter", std::make_unique<Linear>(4, 4));
    head_ = RegisterModule("head", std::make_unique<Linear>(4, 2));
    Initialize(11);
  }
  const char* type_name() const override { return "Toy"; }
  absl::StatusOr<Tensor> Forward(const Tensor& x) override {
    VLMLAB_ASSIGN_OR_RETURN(Tensor h, enc_fc_->Forward(x));
    VLMLAB_ASSIGN_OR_RETURN(h, encoder_->FindModule("blocks")->Forward(h));
    VLMLAB_ASSIGN_OR_RETURN(h, head_->Forward(h));
    return ops::Mul(h, *scale_);
  }
  Submodule enc_fc_, encoder_, head_;
  ParamRef scale_;
};

std::vector<std::string> Names(const NamedTensors& named) {
  std::vector<std::string> out;
  for (const auto& [n, t] : named) out.push_back(n);
  return out;
}

TEST(Module, NamesFollowRegistrationOrderDepthFirst) {
  Toy toy;
  EXPECT_EQ(Names(toy.NamedParameters()),
            (std::vector<std::string>{"scale", "encoder.fc.weight", "encoder.fc.bias",
                                      "encoder.blocks.0.weight", "encoder.blocks.0.bias",
                                      "encoder.blocks.1.weight", "head.weight", "head.bias"}));
  std::vector<std::string> modules;
  for (const auto& [path, m] : toy.NamedModules()) modules.push_back(path + ":" + m->type_name());
  EXPECT_EQ(modules, (std::vector<std::string>{
                         "encoder:Module", "encoder.fc:Linear", "encoder.blocks:ModuleList",
                         "encoder.blocks.0:Linear", "encoder.blocks.1:Linear", "head:Linear"}));
  EXPECT_EQ(toy.NumParameters(), 2 + 12 + 4 + 16 + 4 + 16 + 8 + 2);
  EXPECT_EQ(toy.FindModule("encoder.blocks.1"), toy.encoder_->FindModule("blocks.1"));
  EXPECT_EQ(toy.FindModule("encoder.nope"), nullptr);
  EXPECT_EQ(toy.FindModule(""), &toy);
  EXPECT_EQ(toy.Parameters().size(), 8u);
  for (const Tensor& p : toy.Parameters()) EXPECT_TRUE(p.requires_grad() && p.is_leaf());
  EXPECT_EQ(toy.Forward(Tensor::RandN({5, 3}, 1))->shape(), (Shape{5, 2}));
}

TEST(Module, InitialisationDependsOnlyOnSeedAndName) {
  Toy a, b, with_extra(/*extra=*/true);
  TensorMap sa = a.StateDict(), sb = b.StateDict(), se = with_extra.StateDict();
  for (const auto& [name, t] : sa) {
    EXPECT_EQ(t.ToVector(), sb.at(name).ToVector()) << name;
    EXPECT_EQ(t.ToVector(), se.at(name).ToVector()) << name << " changed by adding a module";
  }
  // Each parameter is U(-1/sqrt(in), 1/sqrt(in)) from ParameterSeed(seed, full name).
  const Tensor& w = sa.at("encoder.blocks.0.weight");
  float bound = 0.5f;
  EXPECT_EQ(w.ToVector(),
            Tensor::RandUniform({4, 4}, ParameterSeed(11, "encoder.blocks.0.weight"), -bound, bound)
                .ToVector());
  EXPECT_NE(w.ToVector(), sa.at("encoder.blocks.1.weight").ToVector());
  a.Initialize(12);
  EXPECT_NE(a.StateDict().at("head.weight").ToVector(), sb.at("head.weight").ToVector());
  // A standalone layer built with a seed equals the same layer initialised as a root.
  Linear l1(4, 3, true, 5), l2(4, 3);
  l2.Initialize(5);
  EXPECT_EQ(l1.weight().ToVector(), l2.weight().ToVector());
  EXPECT_EQ(l1.bias().ToVector(), l2.bias().ToVector());
  EXPECT_NE(ParameterSeed(1, "a.b"), ParameterSeed(1, "a.c"));
  EXPECT_NE(ParameterSeed(1, "a.b"), ParameterSeed(2, "a.b"));
}

TEST(Module, FreezingByPatternSkipsGradients) {
  Toy toy;
  EXPECT_EQ(toy.SetTrainable("encoder.*", false), 5);
  EXPECT_EQ(toy.SetTrainable("*.bias", false), 3);  // encoder biases already frozen: still match
  EXPECT_EQ(toy.SetTrainable("nothing.*", false), 0);
  EXPECT_EQ(Names(toy.NamedParameters(/*trainable_only=*/true)),
            (std::vector<std::string>{"scale", "head.weight"}));
  EXPECT_EQ(toy.NumParameters(true), 2 + 8);

  Tensor loss = ops::Sum(toy.Forward(Tensor::RandN({5, 3}, 1)).value()).value();
  ASSERT_TRUE(Backward(loss).ok());
  TensorMap params;
  for (auto& [n, t] : toy.NamedParameters()) params[n] = t;
  EXPECT_TRUE(params["head.weight"].grad().defined());
  EXPECT_TRUE(params["scale"].grad().defined());
  EXPECT_FALSE(params["encoder.fc.weight"].grad().defined());
  EXPECT_FALSE(params["head.bias"].grad().defined());

  // Unfreezing brings gradients back; freezing drops an existing gradient.
  toy.SetTrainable("*", true);
  loss = ops::Sum(toy.Forward(Tensor::RandN({5, 3}, 1)).value()).value();
  ASSERT_TRUE(Backward(loss).ok());
  EXPECT_TRUE(params["encoder.fc.weight"].grad().defined());
  toy.SetTrainable("encoder.fc.*", false);
  EXPECT_FALSE(params["encoder.fc.weight"].grad().defined());
  EXPECT_TRUE(params["head.weight"].grad().defined());
  toy.ZeroGrad();
  for (const Tensor& p : toy.Parameters()) EXPECT_FALSE(p.grad().defined());
}

TEST(Module, StateDictRoundTripCopiesValuesInPlace) {
  Toy a, b;
  b.Initialize(99);
  Tensor b_head = b.FindModule("head")->NamedParameters()[0].second;
  ASSERT_NE(a.StateDict().at("head.weight").ToVector(), b_head.ToVector());
  ASSERT_TRUE(b.LoadStateDict(a.StateDict()).ok());
  for (const auto& [name, t] : a.StateDict()) {
    EXPECT_EQ(t.ToVector(), b.StateDict().at(name).ToVector()) << name;
  }
  // Same tensor handle as before the load: optimizers keep working.
  EXPECT_EQ(b.FindModule("head")->NamedParameters()[0].second.id(), b_head.id());
  EXPECT_EQ(b_head.ToVector(), a.StateDict().at("head.weight").ToVector());
  // bf16 checkpoints are converted.
  TensorMap half = a.StateDict();
  half["scale"] = Tensor::FromVector({2}, {0.5f, 3.0f}, DType::kBF16);
  ASSERT_TRUE(b.LoadStateDict(half).ok());
  EXPECT_EQ(b.StateDict().at("scale").ToVector(), (std::vector<float>{0.5f, 3.0f}));
}

TEST(Module, LoadStateDictNamesEveryProblemAndWritesNothing) {
  Toy toy;
  TensorMap before = toy.StateDict();
  std::vector<float> head_before = before.at("head.weight").To(DType::kF32).ToVector();
  TensorMap bad = toy.StateDict();
  bad.erase("encoder.fc.bias");
  bad.erase("head.bias");
  bad["head.b"] = Tensor::Zeros({2});
  bad["head.weight"] = Tensor::Zeros({4, 2});
  bad["scale"] = Tensor::Zeros({2});
  absl::Status s = toy.LoadStateDict(bad);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("load_state_dict: missing keys: [encoder.fc.bias, head.bias]; "
                        "unexpected keys: [head.b]; "
                        "shape mismatch: head.weight: model [2, 4], checkpoint [4, 2]"));
  EXPECT_EQ(toy.StateDict().at("scale").ToVector(), (std::vector<float>{1, 1}));
  EXPECT_EQ(toy.StateDict().at("head.weight").ToVector(), head_before);

  // Non-strict: missing and unexpected keys are fine, shape mismatches are not.
  absl::Status loose = toy.LoadStateDict(bad, /*strict=*/false);
  EXPECT_THAT(std::string(loose.message()), HasSubstr("shape mismatch: head.weight"));
  EXPECT_THAT(std::string(loose.message()), ::testing::Not(HasSubstr("missing")));
  bad.erase("head.weight");
  ASSERT_TRUE(toy.LoadStateDict(bad, /*strict=*/false).ok());
  EXPECT_EQ(toy.StateDict().at("scale").ToVector(), (std::vector<float>{0, 0}));
}

// Scales its wrapped module's output by 10: a stand-in for a LoRA wrapper.
class Times10 : public Module {
 public:
  explicit Times10(std::unique_ptr<Module> base) {
    base_ = RegisterModule("base", std::move(base));
  }
  const char* type_name() const override { return "Times10"; }
  absl::StatusOr<Tensor> Forward(const Tensor& x) override {
    VLMLAB_ASSIGN_OR_RETURN(Tensor y, base_->Forward(x));
    return ops::Scale(y, 10);
  }

 private:
  Submodule base_;
};

TEST(Module, ReplaceModuleWrapsInPlaceAndHandlesFollow) {
  Toy toy;
  Tensor x = Tensor::RandN({2, 3}, 3);
  std::vector<float> before = toy.Forward(x)->ToVector();
  toy.SetTraining(false);
  Module* old_head = toy.FindModule("head");
  auto old = toy.ReplaceModule("head", std::make_unique<Linear>(4, 2));
  ASSERT_TRUE(old.ok()) << old.status();
  EXPECT_EQ(old->get(), old_head);
  EXPECT_FALSE(toy.FindModule("head")->is_training());  // takes the parent's mode
  auto wrapped = toy.ReplaceModule("head", std::make_unique<Times10>(std::move(*old)));
  ASSERT_TRUE(wrapped.ok());
  EXPECT_STREQ(toy.head_->type_name(), "Times10");  // the handle sees the replacement
  EXPECT_EQ(toy.head_.As<Linear>(), nullptr);
  std::vector<float> after = toy.Forward(x)->ToVector();
  for (size_t i = 0; i < before.size(); ++i) EXPECT_NEAR(after[i], 10 * before[i], 1e-4);
  EXPECT_EQ(Names(toy.NamedParameters()).back(), "head.base.bias");

  auto nested = toy.ReplaceModule("encoder.blocks.1", std::make_unique<Linear>(4, 4));
  EXPECT_TRUE(nested.ok());
  auto missing = toy.ReplaceModule("encoder.blockz.1", std::make_unique<Linear>(4, 4));
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("no module \"encoder.blockz\""));
  EXPECT_FALSE(toy.ReplaceModule("encoder.blocks.7", std::make_unique<Linear>(4, 4)).ok());
}

TEST(Module, TrainingModePropagates) {
  Toy toy;
  EXPECT_TRUE(toy.FindModule("encoder.blocks.0")->is_training());
  toy.SetTraining(false);
  for (const auto& [path, m] : toy.NamedModules()) EXPECT_FALSE(m->is_training()) << path;
  toy.SetTraining(true);
  EXPECT_TRUE(toy.FindModule("encoder.blocks.1")->is_training());
}

TEST(Module, SetParameterTiesWeightsWhichAppearOnce) {
  Toy toy;
  Tensor shared = toy.FindModule("encoder.blocks.0")->NamedParameters()[0].second;
  ASSERT_TRUE(toy.SetParameter("encoder.blocks.1.weight", shared).ok());
  NamedTensors named = toy.NamedParameters();
  EXPECT_EQ(named.size(), 7u);  // the tied weight appears under its first name only
  EXPECT_EQ(toy.StateDict().size(), 8u);
  EXPECT_EQ(toy.SetTrainable("encoder.blocks.1.weight", false), 1);
  EXPECT_FALSE(shared.requires_grad());
  absl::Status bad_shape = toy.SetParameter("head.weight", Tensor::Zeros({3}));
  EXPECT_THAT(std::string(bad_shape.message()), HasSubstr("model [2, 4], got [3]"));
  EXPECT_EQ(toy.SetParameter("head.nope", Tensor::Zeros({3})).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(toy.SetParameter("x.weight", Tensor::Zeros({3})).code(), absl::StatusCode::kNotFound);
}

TEST(Module, DefaultForwardIsUnimplemented) {
  Module m;
  EXPECT_EQ(m.Forward(Tensor::Zeros({1})).status().code(), absl::StatusCode::kUnimplemented);
}

}  // namespace
}  // namespace vlmlab::nn
